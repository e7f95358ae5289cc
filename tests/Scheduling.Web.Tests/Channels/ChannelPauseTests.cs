using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Scheduling.Core.Scheduling;
using Scheduling.Web.Data;
using Scheduling.Web.Engine;
using Scheduling.Web.Features.Executions;
using Scheduling.Web.Tests.Calendar;
using Scheduling.Web.Tests.Engine;
using Scheduling.Web.Tests.Infrastructure;
using static Scheduling.Web.Tests.Channels.ChannelApi;

namespace Scheduling.Web.Tests.Channels;

/// <summary>Channel and workspace pause: the dispatcher claims nothing, claimed runs are held, resume applies the missed-run policy.</summary>
public class ChannelPauseTests
{
    private static readonly DateTimeOffset Start = new(2030, 3, 4, 10, 0, 0, TimeSpan.Zero);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<string> PauseAsync(CalendarScenario s, bool workspace, Guid channelId, string action, object body)
    {
        var path = workspace ? $"/api/v1/workspace/{action}" : $"/api/v1/channels/{channelId}/{action}";
        var (status, view) = await SendAsync(s.Client, HttpMethod.Post, path, body);
        Assert.True(status == HttpStatusCode.OK, $"{(int)status}: {view}");
        return view.GetRawText();
    }

    private static async Task<List<Execution>> RunsAsync(CalendarScenario s, Guid scheduleId)
    {
        await using var db = await s.NewDbContextAsync();
        return await db.Executions.IgnoreQueryFilters().AsNoTracking().Where(e => e.ScheduleId == scheduleId).OrderBy(e => e.ScheduledFor).ToListAsync(Ct);
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite, false, "run_all", true, 4, 0)]
    [InlineData(DatabaseProvider.Sqlite, false, "run_latest", true, 1, 3)]
    [InlineData(DatabaseProvider.Sqlite, false, "skip", true, 0, 4)]
    [InlineData(DatabaseProvider.Sqlite, false, "run_all", false, 0, 0)]
    [InlineData(DatabaseProvider.Sqlite, true, "run_all", true, 4, 0)]
    [InlineData(DatabaseProvider.Sqlite, true, "run_latest", true, 1, 3)]
    [InlineData(DatabaseProvider.Sqlite, true, "skip", true, 0, 4)]
    [InlineData(DatabaseProvider.Sqlite, true, "run_latest", false, 0, 0)]
    [InlineData(DatabaseProvider.PostgreSql, false, "run_latest", true, 1, 3)]
    [InlineData(DatabaseProvider.PostgreSql, true, "run_all", true, 4, 0)]
    [InlineData(DatabaseProvider.PostgreSql, true, "skip", false, 0, 0)]
    public async Task Pause_ClaimsNothing_ResumeAppliesTheMissedRunPolicy(DatabaseProvider provider, bool workspace, string policy, bool runMissed, int runs, int skipped)
    {
        await using var s = await CalendarScenario.StartAsync(provider, Start);
        var channelId = (await CreateChannelAsync(s.Client, new { name = "Hourly", platform = "other", timezone = "UTC" })).GetProperty("id").GetGuid();
        var schedule = await s.CreateAsync(new
        {
            name = "Every hour at :30",
            jobType = "publish",
            timezone = "UTC",
            channelId,
            missedPolicy = policy,
            recurrence = new { rrule = "FREQ=HOURLY;BYMINUTE=30", start = "2030-03-04T10:00:00" },
        });
        await PauseAsync(s, workspace, channelId, "pause", new { note = "Holiday" });
        if (workspace)
        {
            Assert.Equal("Holiday", (await s.Client.GetFromJsonAsync<JsonElement>("/api/v1/workspace/pause", Ct)).GetProperty("note").GetString());
        }
        else
        {
            Assert.Equal((true, "Holiday"), ((await s.Client.GetFromJsonAsync<JsonElement>($"/api/v1/channels/{channelId}", Ct)).GetProperty("paused").GetBoolean(),
                (await s.Client.GetFromJsonAsync<JsonElement>($"/api/v1/channels/{channelId}", Ct)).GetProperty("pauseNote").GetString()));
        }

        // 10:30, 11:30, 12:30 and 13:30 pass while paused (the last beyond the 5 min grace).
        s.Clock.SetUtcNow(Start.AddHours(3).AddMinutes(45));
        var dispatcher = s.App.Services.GetRequiredService<Dispatcher>();
        await dispatcher.DispatchDueAsync(Ct);
        Assert.Empty(await RunsAsync(s, schedule.Id));

        await PauseAsync(s, workspace, channelId, "resume", new { runMissed });
        await dispatcher.DispatchDueAsync(Ct);
        var after = await RunsAsync(s, schedule.Id);
        Assert.Equal(skipped, after.Count(e => e.Status == ExecutionStatus.Skipped));
        Assert.Equal(runs, after.Count(e => e.Status != ExecutionStatus.Skipped));
        await using var db = await s.NewDbContextAsync();
        var next = (await db.Schedules.IgnoreQueryFilters().SingleAsync(x => x.Id == schedule.Id, Ct)).NextRunAt;
        Assert.Equal(new DateTime(2030, 3, 4, 14, 30, 0, DateTimeKind.Utc), next);
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite, false, true)]
    [InlineData(DatabaseProvider.Sqlite, false, false)]
    [InlineData(DatabaseProvider.Sqlite, true, true)]
    [InlineData(DatabaseProvider.PostgreSql, true, false)]
    public async Task RunsAlreadyClaimed_AreHeld_AndResumeRunsOrSkipsThem(DatabaseProvider provider, bool workspace, bool runMissed)
    {
        await using var s = await CalendarScenario.StartAsync(provider, Start);
        var channelId = (await CreateChannelAsync(s.Client, new { name = "Held", platform = "other", timezone = "UTC" })).GetProperty("id").GetGuid();
        var schedule = await s.CreateAsync(Once("Held post", "2030-03-05T09:00:00", "UTC", channelId));
        await PauseAsync(s, workspace, channelId, "pause", new { });
        // A run handed to the engine while paused (run now) is held with its reason.
        (await s.Client.PostAsJsonAsync($"/api/v1/schedules/{schedule.Id}/run", new { }, Ct)).EnsureSuccessStatusCode();
        var held = workspace ? WaitReason.WorkspacePaused : WaitReason.ChannelPaused;
        var run = await Eventually.GetAsync(async () => (await RunsAsync(s, schedule.Id)).Single(), e => e.WaitReason == held, what: "the run held");
        Assert.Equal(ExecutionStatus.Pending, run.Status);
        Assert.Equal(WaitReasons.Describe(held), run.Reason);

        await PauseAsync(s, workspace, channelId, "resume", new { runMissed });
        // No webhook URL anywhere: a run that starts fails at once, which shows it was let go.
        var end = await Eventually.GetAsync(async () => (await RunsAsync(s, schedule.Id)).Single(), e => e.IsFinished, what: "the held run ended");
        Assert.Equal(runMissed ? ExecutionStatus.Failed : ExecutionStatus.Skipped, end.Status);
    }

    [Fact]
    public async Task WorkspacePause_IsForOwnersAndAdmins()
    {
        await using var s = await CalendarScenario.StartAsync(DatabaseProvider.Sqlite, Start);
        var invite = await (await s.Client.PostAsJsonAsync("/api/v1/workspace/invitations", new { email = "creator@example.com", role = "creator" }, Ct)).Content.ReadFromJsonAsync<JsonElement>(Ct);
        var creator = await Session.RegisterAsync(s.App, "creator@example.com");
        (await creator.PostAsync($"/api/v1/invitations/{invite.GetProperty("acceptUrl").GetString()!.Split('/').Last()}/accept", null, Ct)).EnsureSuccessStatusCode();
        Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync(creator, HttpMethod.Post, "/api/v1/workspace/pause", new { })).Status);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(s.Client, HttpMethod.Post, "/api/v1/workspace/pause", new { })).Status);
        Assert.Equal(HttpStatusCode.Conflict, (await SendAsync(s.Client, HttpMethod.Post, "/api/v1/workspace/pause", new { })).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync(creator, HttpMethod.Post, "/api/v1/workspace/resume", new { })).Status);
    }

    [Fact]
    public async Task Envelope_CarriesTheChannel_AndTheChannelUrlWinsOverTheWorkspaceEndpoint()
    {
        await using var host = await EngineHost.StartAsync();
        var receiver = host.Receiver;
        (await host.Client.PutAsJsonAsync("/api/v1/workspace/webhooks/endpoints/export", new { url = receiver.Url("workspace") }, Ct)).EnsureSuccessStatusCode();
        var channel = await CreateChannelAsync(host.Client, new { name = "Main channel", platform = "youtube", timezone = "UTC", webhookUrl = receiver.Url("channel") });
        // A post on a channel must be in the future when it reaches the server: a few seconds ahead, for a loaded machine.
        var at = DateTime.UtcNow.AddSeconds(3).ToString("yyyy-MM-dd'T'HH:mm:ss.fff", System.Globalization.CultureInfo.InvariantCulture);
        var response = await host.Client.PostAsJsonAsync("/api/v1/schedules", new { name = "On the channel", jobType = "export", scheduleType = "once", scheduledAt = at, timezone = "UTC", channelId = channel.GetProperty("id").GetGuid() }, Ct);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync(Ct));
        var id = (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("id").GetGuid();
        await host.WaitForExecutionAsync(id, "completed");

        var delivered = Assert.Single(receiver.Received);
        Assert.Equal("/channel", delivered.Path);
        var envelope = delivered.Json.GetProperty("channel");
        Assert.Equal((channel.GetProperty("id").GetGuid(), "Main channel", "youtube"),
            (envelope.GetProperty("id").GetGuid(), envelope.GetProperty("name").GetString(), envelope.GetProperty("platform").GetString()));        Assert.False(delivered.Json.TryGetProperty("wave", out _), "A post outside a wave has no wave block.");
    }

    [Fact]
    public async Task Envelope_OfAWavesPost_NamesItsWave()
    {
        await using var host = await EngineHost.StartAsync();
        var receiver = host.Receiver;
        var channel = await CreateChannelAsync(host.Client, new { name = "Shorts", platform = "tiktok", timezone = "UTC", webhookUrl = receiver.Url("shorts") });
        var content = await host.Client.PostAsJsonAsync("/api/v1/content", new { title = "Spring launch", jobType = "export", jobConfig = new { clip = "launch.mp4" } }, Ct);
        Assert.True(content.IsSuccessStatusCode, await content.Content.ReadAsStringAsync(Ct));
        var contentId = (await content.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("id").GetGuid();
        var at = DateTime.UtcNow.AddSeconds(3).ToString("yyyy-MM-dd'T'HH:mm:ss.fff", System.Globalization.CultureInfo.InvariantCulture);
        var response = await host.Client.PostAsJsonAsync("/api/v1/waves",
            new { contentId, channelIds = new[] { channel.GetProperty("id").GetGuid() }, mode = "simultaneous", at, timezone = "UTC" }, Ct);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync(Ct));
        var wave = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
        await host.WaitForExecutionAsync(wave.GetProperty("items")[0].GetProperty("scheduleId").GetGuid(), "completed");

        var delivered = Assert.Single(receiver.Received);
        var block = delivered.Json.GetProperty("wave");
        Assert.Equal((wave.GetProperty("id").GetGuid(), "Spring launch", "simultaneous"),
            (block.GetProperty("id").GetGuid(), block.GetProperty("name").GetString(), block.GetProperty("mode").GetString()));
        Assert.Equal("Shorts", delivered.Json.GetProperty("channel").GetProperty("name").GetString());
    }
}
