using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Scheduling.Web.Data;
using Scheduling.Web.Tests.Api;
using Scheduling.Web.Tests.Calendar;
using Scheduling.Web.Tests.Infrastructure;
using static Scheduling.Web.Tests.Channels.ChannelApi;

namespace Scheduling.Web.Tests.Channels;

/// <summary>The wave composer's preview (POST /waves/preview): each channel's time and what it would meet there, nothing saved.</summary>
public class WaveComposerApiTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    // Monday 4 March 2030, 10:00 in New York (EST).
    private static readonly DateTimeOffset Monday = new(2030, 3, 4, 15, 0, 0, TimeSpan.Zero);
    private const string NewYork = "America/New_York";

    private static async Task<Guid> ContentAsync(HttpClient client, string title)
    {
        var (status, created) = await SendAsync(client, HttpMethod.Post, "/api/v1/content", new { title, jobType = "publish", jobConfig = new { video = title } });
        Assert.True(status == HttpStatusCode.Created, $"{(int)status}: {created}");
        return created.GetProperty("id").GetGuid();
    }

    private static async Task<Guid> ChannelAsync(HttpClient client, string name, string conflictMode, string timezone) =>
        (await CreateChannelAsync(client, new { name, platform = "blog", timezone, postingTimes = Grid(EveryDay, "09:00", "18:00"), minGapMinutes = 120, conflictMode }))
            .GetProperty("id").GetGuid();

    private static string[] Codes(JsonElement item, string list) => [.. item.GetProperty(list).EnumerateArray().Select(w => w.GetProperty("code").GetString()!).Order()];

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task Preview_GivesEachChannelsTimeInItsOwnZone_AndWhatItWouldMeet_SavingNothing(DatabaseProvider provider)
    {
        await using var s = await CalendarScenario.StartAsync(provider, Monday);
        var youtube = await ChannelAsync(s.Client, "YouTube", "warn", NewYork);
        var newsletter = await ChannelAsync(s.Client, "Newsletter", "block", "Europe/London");
        (await s.Client.PostAsJsonAsync("/api/v1/schedules", Once("Existing issue", "2030-03-05T16:00:00", "Europe/London", newsletter), Ct)).EnsureSuccessStatusCode();
        var content = await ContentAsync(s.Client, "Launch");

        // Staggered an hour apart from 10:00 New York: YouTube 10:00 (EST), the newsletter 11:00 EST = 16:00 London, on the existing issue.
        var body = new { contentId = content, channelIds = new[] { youtube, newsletter }, mode = "staggered", at = "2030-03-05T10:00", timezone = NewYork, staggerMinutes = 60 };
        var (status, preview) = await SendAsync(s.Client, HttpMethod.Post, "/api/v1/waves/preview", body);
        Assert.True(status == HttpStatusCode.OK, $"{(int)status}: {preview}");
        var items = preview.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(["YouTube", "Newsletter"], items.Select(i => i.GetProperty("channelName").GetString()));
        Assert.Equal(("2030-03-05T10:00:00", NewYork, "2030-03-05T15:00:00Z"),
            (items[0].GetProperty("local").GetString(), items[0].GetProperty("timezone").GetString(), items[0].GetProperty("scheduledFor").GetString()));
        Assert.Equal(("2030-03-05T16:00:00", "Europe/London", "2030-03-05T16:00:00Z"),
            (items[1].GetProperty("local").GetString(), items[1].GetProperty("timezone").GetString(), items[1].GetProperty("scheduledFor").GetString()));
        // YouTube (warn): off its posting grid, a warning only; the newsletter (block): the gap to the existing issue refuses it, named.
        Assert.Equal([], Codes(items[0], "conflicts"));
        Assert.Equal(["outside_posting_times"], Codes(items[0], "warnings"));
        Assert.Equal(["min_gap"], Codes(items[1], "conflicts"));
        Assert.Contains("Existing issue", items[1].GetProperty("conflicts")[0].GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.True(preview.GetProperty("blocked").GetBoolean());
        // The create refuses it the same way, and the preview saved nothing.
        Assert.Equal(HttpStatusCode.Conflict, (await SendAsync(s.Client, HttpMethod.Post, "/api/v1/waves", body)).Status);
        await using (var db = await s.NewDbContextAsync())
        {
            Assert.Equal(0, await db.Waves.IgnoreQueryFilters().CountAsync(Ct));
            Assert.Equal(1, await db.Schedules.IgnoreQueryFilters().CountAsync(Ct));
        }

        // Newsletter first, from 08:00 EST: 13:00 London, three hours before the issue (gap 120): clear; YouTube at 09:00 EST, on its grid.
        var (_, clear) = await SendAsync(s.Client, HttpMethod.Post, "/api/v1/waves/preview",
            new { contentId = content, channelIds = new[] { newsletter, youtube }, mode = "staggered", at = "2030-03-05T08:00", timezone = NewYork, staggerMinutes = 60 });
        Assert.False(clear.GetProperty("blocked").GetBoolean(), clear.ToString());
        Assert.Equal("2030-03-05T13:00:00", clear.GetProperty("items")[0].GetProperty("local").GetString());
        Assert.Equal("2030-03-05T09:00:00", clear.GetProperty("items")[1].GetProperty("local").GetString());

        // Once the content is planned on YouTube, a second wave there is refused: the preview says so on that channel only.
        var (createdStatus, _) = await SendAsync(s.Client, HttpMethod.Post, "/api/v1/waves",
            new { contentId = content, channelIds = new[] { youtube }, mode = "independent" });
        Assert.Equal(HttpStatusCode.Created, createdStatus);
        var (_, again) = await SendAsync(s.Client, HttpMethod.Post, "/api/v1/waves/preview",
            new { contentId = content, channelIds = new[] { youtube, newsletter }, mode = "independent" });
        Assert.Equal(["already_planned"], Codes(again.GetProperty("items")[0], "conflicts"));
        Assert.Equal([], Codes(again.GetProperty("items")[1], "conflicts"));
        // Independent: the newsletter's next free grid slot after now (Monday 10:00 EST = 15:00 London) is 18:00 London.
        Assert.Equal("2030-03-04T18:00:00", again.GetProperty("items")[1].GetProperty("local").GetString());

        // Bad input: the same 400 as the create, naming the fields.
        var (badStatus, problem) = await SendAsync(s.Client, HttpMethod.Post, "/api/v1/waves/preview", new { channelIds = Array.Empty<Guid>(), mode = "staggered" });
        Assert.Equal(HttpStatusCode.BadRequest, badStatus);
        Assert.Equal(["at", "channelIds", "contentId", "staggerMinutes"], problem.GetProperty("errors").EnumerateObject().Select(p => p.Name).Order());
    }

    [Fact]
    public async Task Preview_IsForEditors_AManagerGets403_AndAnotherWorkspacesChannelIsUnknown()
    {
        await using var app = await AppFactory.StartAsync(DatabaseProvider.Sqlite);
        var owner = await WorkspaceFixtures.CreateAsync(app, "owner@example.com");
        var (_, manager) = await owner.JoinAsync("manager@example.com", "manager");
        var other = await WorkspaceFixtures.CreateAsync(app, "other@example.com");
        var channel = await ChannelAsync(owner.Bearer, "Blog", "warn", NewYork);
        var foreign = await ChannelAsync(other.Bearer, "Theirs", "warn", NewYork);
        var content = await ContentAsync(owner.Bearer, "Launch");

        var body = new { contentId = content, channelIds = new[] { channel }, mode = "simultaneous", at = "2031-01-07T09:00", timezone = NewYork };
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(owner.Bearer, HttpMethod.Post, "/api/v1/waves/preview", body)).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync(manager, HttpMethod.Post, "/api/v1/waves/preview", body)).Status);
        var (status, problem) = await SendAsync(owner.Bearer, HttpMethod.Post, "/api/v1/waves/preview", body with { channelIds = new[] { foreign } });
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.True(problem.GetProperty("errors").TryGetProperty("channelIds[0]", out _), problem.ToString());
    }
}
