using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Scheduling.Web.Data;
using Scheduling.Web.Tests.Calendar;
using Scheduling.Web.Tests.Infrastructure;
using static Scheduling.Web.Tests.Channels.ChannelApi;

namespace Scheduling.Web.Tests.Channels;

/// <summary>/api/v1/channels: settings, paging, bad input, and the channel rules on schedule writes, on SQLite and PostgreSQL.</summary>
public class ChannelApiTests
{
    // Monday 4 March 2030, 12:00 UTC.
    private static readonly DateTimeOffset Monday = new(2030, 3, 4, 12, 0, 0, TimeSpan.Zero);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task Crud_KeepsTheGridAndDates_PagesOnTheServer_AndNamesBadFields(DatabaseProvider provider)
    {
        await using var s = await CalendarScenario.StartAsync(provider, Monday);
        var created = await CreateChannelAsync(s.Client, new
        {
            name = "Main YouTube",
            platform = "youtube",
            timezone = "Europe/Paris",
            postingTimes = new[] { new { weekday = "saturday", time = "11:00" }, new { weekday = "monday", time = "18:00" }, new { weekday = "monday", time = "09:00" } },
            minGapMinutes = 90,
            maxPerDay = 2,
            blackoutDates = new[] { "2030-12-25", "2030-01-01" },
            conflictMode = "block",
        });
        var id = created.GetProperty("id").GetGuid();
        Assert.Equal("#C4302B", created.GetProperty("color").GetString());
        Assert.Equal(["monday 09:00", "monday 18:00", "saturday 11:00"],
            created.GetProperty("postingTimes").EnumerateArray().Select(p => $"{p.GetProperty("weekday").GetString()} {p.GetProperty("time").GetString()}"));
        Assert.Equal(["2030-01-01", "2030-12-25"], created.GetProperty("blackoutDates").EnumerateArray().Select(d => d.GetString()));
        Assert.Equal(("block", false), (created.GetProperty("conflictMode").GetString(), created.GetProperty("paused").GetBoolean()));

        var (status, updated) = await SendAsync(s.Client, HttpMethod.Put, $"/api/v1/channels/{id}", new { name = "Renamed", platform = "blog", color = "#123abc", timezone = "UTC" });
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(("Renamed", "blog", "#123ABC", 0, "warn"), (updated.GetProperty("name").GetString(), updated.GetProperty("platform").GetString(),
            updated.GetProperty("color").GetString(), updated.GetProperty("postingTimes").GetArrayLength(), updated.GetProperty("conflictMode").GetString()));

        await CreateChannelAsync(s.Client, new { name = "B newsletter", platform = "newsletter", timezone = "UTC" });
        await CreateChannelAsync(s.Client, new { name = "A podcast", platform = "podcast", timezone = "UTC" });
        var page = await s.Client.GetFromJsonAsync<JsonElement>("/api/v1/channels?page=2&pageSize=2", Ct);
        Assert.Equal((3, 2, 2), (page.GetProperty("total").GetInt32(), page.GetProperty("page").GetInt32(), page.GetProperty("pageSize").GetInt32()));
        Assert.Equal(["Renamed"], page.GetProperty("items").EnumerateArray().Select(c => c.GetProperty("name").GetString()));

        (status, var problem) = await SendAsync(s.Client, HttpMethod.Post, "/api/v1/channels", new
        {
            name = "",
            timezone = "Mars/Olympus",
            color = "red",
            webhookUrl = "ftp://example.com",
            postingTimes = new[] { new { weekday = "funday", time = "09:00" }, new { weekday = "monday", time = "25:00" } },
            minGapMinutes = -1,
            maxPerDay = 0,
            blackoutDates = new[] { "2030-02-30" },
        });
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(["blackoutDates[0]", "color", "maxPerDay", "minGapMinutes", "name", "platform", "postingTimes[0].weekday", "postingTimes[1].time", "timezone", "webhookUrl"],
            problem.GetProperty("errors").EnumerateObject().Select(e => e.Name).Order(StringComparer.Ordinal));
        Assert.Equal(HttpStatusCode.BadRequest, (await SendAsync(s.Client, HttpMethod.Get, "/api/v1/channels?pageSize=1000")).Status);

        // Deleting a channel keeps its schedules, without a channel.
        var schedule = await s.Client.PostAsJsonAsync("/api/v1/schedules", Once("On the blog", "2030-03-05T09:00:00", "UTC", id), Ct);
        var scheduleId = (await schedule.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("id").GetGuid();
        Assert.Equal(HttpStatusCode.NoContent, (await SendAsync(s.Client, HttpMethod.Delete, $"/api/v1/channels/{id}")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(s.Client, HttpMethod.Get, $"/api/v1/channels/{id}")).Status);
        var kept = await s.Client.GetFromJsonAsync<JsonElement>($"/api/v1/schedules/{scheduleId}", Ct);
        Assert.Equal(JsonValueKind.Null, kept.GetProperty("channelId").ValueKind);
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite, "warn")]
    [InlineData(DatabaseProvider.Sqlite, "block")]
    [InlineData(DatabaseProvider.PostgreSql, "warn")]
    [InlineData(DatabaseProvider.PostgreSql, "block")]
    public async Task EachRule_WarnsOrBlocks_NamingTheOtherSchedule(DatabaseProvider provider, string mode)
    {
        await using var s = await CalendarScenario.StartAsync(provider, Monday);
        var channel = await CreateChannelAsync(s.Client, new
        {
            name = "Shorts",
            platform = "tiktok",
            timezone = "Europe/Paris",
            postingTimes = Grid(Weekdays, "09:00", "18:00"),
            minGapMinutes = 120,
            maxPerDay = 2,
            blackoutDates = new[] { "2030-03-08" },
            conflictMode = mode,
        });
        var channelId = channel.GetProperty("id").GetGuid();
        const string Paris = "Europe/Paris";
        var block = mode == "block";

        var (status, first) = await SendAsync(s.Client, HttpMethod.Post, "/api/v1/schedules", Once("Post A", "2030-03-05T09:00:00", Paris, channelId));
        Assert.Equal(HttpStatusCode.Created, status);
        Assert.Empty(WarningCodes(first));
        Assert.Equal(channelId, first.GetProperty("channelId").GetGuid());
        var a = first.GetProperty("id").GetGuid();

        // Minimum gap: an hour after A.
        (status, var close) = await SendAsync(s.Client, HttpMethod.Post, "/api/v1/schedules", Once("Post B", "2030-03-05T10:00:00", Paris, channelId));
        if (block)
        {
            Assert.Equal(HttpStatusCode.Conflict, status);
            Assert.Contains("'Post A'", close.GetProperty("detail").GetString());
            Assert.Contains("120 minutes", close.GetProperty("detail").GetString());
        }
        else
        {
            Assert.Equal(HttpStatusCode.Created, status);
            Assert.Equal(["min_gap", "outside_posting_times"], WarningCodes(close));
            Assert.Equal(a, close.GetProperty("warnings").EnumerateArray().Single(w => w.GetProperty("code").GetString() == "min_gap").GetProperty("scheduleId").GetGuid());
        }

        // Daily maximum: warn mode has A and B that day already; block mode only A, so its third post is refused.
        (status, var evening) = await SendAsync(s.Client, HttpMethod.Post, "/api/v1/schedules", Once("Post C", "2030-03-05T18:00:00", Paris, channelId));
        Assert.Equal(HttpStatusCode.Created, status);
        Assert.Equal(block ? [] : ["daily_maximum"], WarningCodes(evening));
        (status, var third) = await SendAsync(s.Client, HttpMethod.Post, "/api/v1/schedules", Once("Post D", "2030-03-05T23:00:00", Paris, channelId));
        if (block)
        {
            Assert.Equal(HttpStatusCode.Conflict, status);
            Assert.Contains("maximum 2 a day", third.GetProperty("detail").GetString());
            Assert.Contains("'Post A'", third.GetProperty("detail").GetString());
        }
        else
        {
            Assert.Equal(["daily_maximum", "outside_posting_times"], WarningCodes(third));
        }

        // Blackout date.
        (status, var blackout) = await SendAsync(s.Client, HttpMethod.Post, "/api/v1/schedules", Once("Post E", "2030-03-08T09:00:00", Paris, channelId));
        Assert.Equal(block ? HttpStatusCode.Conflict : HttpStatusCode.Created, status);
        if (block)
        {
            Assert.Contains("2030-03-08 is a blackout date", blackout.GetProperty("detail").GetString());
        }
        else
        {
            Assert.Equal(["blackout"], WarningCodes(blackout));
        }

        // Outside the posting times only warns, in both modes.
        (status, var offGrid) = await SendAsync(s.Client, HttpMethod.Post, "/api/v1/schedules", Once("Post F", "2030-03-06T11:00:00", Paris, channelId));
        Assert.Equal(HttpStatusCode.Created, status);
        Assert.Equal(["outside_posting_times"], WarningCodes(offGrid));

        // A past time is bad input whatever the mode.
        (status, var past) = await SendAsync(s.Client, HttpMethod.Post, "/api/v1/schedules", Once("Post G", "2030-03-01T09:00:00", Paris, channelId));
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.True(past.GetProperty("errors").TryGetProperty("scheduledAt", out _));

        // An update is not in conflict with itself (in warn mode B, an hour later, still is).
        (status, var same) = await SendAsync(s.Client, HttpMethod.Put, $"/api/v1/schedules/{a}", Once("Post A (edited)", "2030-03-05T09:00:00", Paris, channelId));
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.DoesNotContain(same.GetProperty("warnings").EnumerateArray(), w => w.GetProperty("scheduleId").ValueKind == JsonValueKind.String && w.GetProperty("scheduleId").GetGuid() == a);
        Assert.Equal(block ? [] : ["daily_maximum", "min_gap"], WarningCodes(same));

        // A recurring schedule is checked on its coming occurrences: daily 09:00 meets A.
        (status, var daily) = await SendAsync(s.Client, HttpMethod.Post, "/api/v1/schedules", new
        {
            name = "Daily clip",
            jobType = "publish",
            timezone = Paris,
            channelId,
            recurrence = new { rrule = "FREQ=DAILY;BYHOUR=9;BYMINUTE=0", start = "2030-03-05T00:00:00" },
        });
        Assert.Equal(block ? HttpStatusCode.Conflict : HttpStatusCode.Created, status);
        if (!block)
        {
            Assert.Contains("min_gap", WarningCodes(daily));
        }
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task ChannelOfAnotherWorkspace_Is400_AndItsChannelsAreInvisible(DatabaseProvider provider)
    {
        await using var s = await CalendarScenario.StartAsync(provider, Monday);
        var other = await Session.RegisterAsync(s.App, "other@example.com");
        var theirs = (await CreateChannelAsync(other, new { name = "Theirs", platform = "blog", timezone = "UTC" })).GetProperty("id").GetGuid();

        var (status, problem) = await SendAsync(s.Client, HttpMethod.Post, "/api/v1/schedules", Once("Mine", "2030-03-05T09:00:00", "UTC", theirs));
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.True(problem.GetProperty("errors").TryGetProperty("channelId", out _));
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(s.Client, HttpMethod.Get, $"/api/v1/channels/{theirs}")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(s.Client, HttpMethod.Post, $"/api/v1/channels/{theirs}/queue", new { })).Status);
        Assert.Equal(0, (await s.Client.GetFromJsonAsync<JsonElement>("/api/v1/channels", Ct)).GetProperty("total").GetInt32());
    }
}
