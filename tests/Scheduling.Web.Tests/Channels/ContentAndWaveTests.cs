using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Scheduling.Core.Scheduling;
using Scheduling.Web.Features.Content;
using Scheduling.Web.Features.Executions;
using Scheduling.Web.Tests.Api;
using Scheduling.Web.Data;
using Scheduling.Web.Tests.Calendar;
using Scheduling.Web.Tests.Infrastructure;
using static Scheduling.Web.Tests.Channels.ChannelApi;

namespace Scheduling.Web.Tests.Channels;

/// <summary>Content items, add to queue of content (and the race for a slot), waves and evergreen recycling, on SQLite and PostgreSQL.</summary>
public class ContentAndWaveTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    // Monday 4 March 2030, 10:00 in New York (EST).
    private static readonly DateTimeOffset Monday = new(2030, 3, 4, 15, 0, 0, TimeSpan.Zero);
    private const string NewYork = "America/New_York";

    private static async Task<JsonElement> CreatedAsync(HttpClient client, string path, object body)
    {
        var (status, created) = await SendAsync(client, HttpMethod.Post, path, body);
        Assert.True(status == HttpStatusCode.Created, $"{(int)status}: {created}");
        return created;
    }

    private static async Task<Guid> ContentAsync(HttpClient client, string title, object? evergreen = null) =>
        (await CreatedAsync(client, "/api/v1/content", new { title, jobType = "publish", jobConfig = new { video = title }, evergreen })).GetProperty("id").GetGuid();

    private static async Task<Guid> ChannelAsync(HttpClient client, string name, string conflictMode = "warn", int minGap = 0, string timezone = NewYork) =>
        (await CreateChannelAsync(client, new { name, platform = "blog", timezone, postingTimes = Grid(EveryDay, "09:00", "18:00"), minGapMinutes = minGap, conflictMode }))
            .GetProperty("id").GetGuid();

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task ContentItems_CrudWithServerPagingAndFilters_AndBadInputNamesTheField(DatabaseProvider provider)
    {
        await using var s = await CalendarScenario.StartAsync(provider, Monday);
        var created = await CreatedAsync(s.Client, "/api/v1/content", new
        {
            title = "Launch video",
            description = "Cut of the launch",
            jobType = "video_generation",
            jobConfig = new { resolution = "4k" },
            assets = new[] { "https://cdn.example.com/launch.mp4" },
            tags = new[] { "Launch", "video" },
            status = "ready",
            evergreen = new { intervalDays = 60, maxRepeats = 3, until = "2031-01-01" },
        });
        var id = created.GetProperty("id").GetGuid();
        Assert.Equal(("Launch video", "video_generation", "4k", "ready"), (created.GetProperty("title").GetString(), created.GetProperty("jobType").GetString(),
            created.GetProperty("jobConfig").GetProperty("resolution").GetString(), created.GetProperty("status").GetString()));
        Assert.Equal(["launch", "video"], created.GetProperty("tags").EnumerateArray().Select(t => t.GetString()!));
        Assert.Equal((60, 3, "2031-01-01"), (created.GetProperty("evergreen").GetProperty("intervalDays").GetInt32(),
            created.GetProperty("evergreen").GetProperty("maxRepeats").GetInt32(), created.GetProperty("evergreen").GetProperty("until").GetString()));
        for (var i = 1; i <= 4; i++)
        {
            await ContentAsync(s.Client, $"Short {i}");
        }

        var page = await s.Client.GetFromJsonAsync<JsonElement>("/api/v1/content?pageSize=2&page=2", Ct);
        Assert.Equal((5, 2), (page.GetProperty("total").GetInt32(), page.GetProperty("items").GetArrayLength()));
        var tagged = await s.Client.GetFromJsonAsync<JsonElement>("/api/v1/content?tag=launch&status=ready", Ct);
        Assert.Equal(id, tagged.GetProperty("items").EnumerateArray().Single().GetProperty("id").GetGuid());
        var searched = await s.Client.GetFromJsonAsync<JsonElement>("/api/v1/content?search=short", Ct);
        Assert.Equal(4, searched.GetProperty("total").GetInt32());

        var (putStatus, updated) = await SendAsync(s.Client, HttpMethod.Put, $"/api/v1/content/{id}", new { title = "Launch video v2", status = "published" });
        Assert.Equal(HttpStatusCode.OK, putStatus);
        Assert.Equal(("Launch video v2", JsonValueKind.Null), (updated.GetProperty("title").GetString(), updated.GetProperty("evergreen").ValueKind));

        var (badStatus, problem) = await SendAsync(s.Client, HttpMethod.Post, "/api/v1/content",
            new { title = "", jobConfig = new[] { 1 }, assets = new[] { "ftp://x" }, evergreen = new { intervalDays = 0 } });
        Assert.Equal(HttpStatusCode.BadRequest, badStatus);
        var fields = problem.GetProperty("errors").EnumerateObject().Select(p => p.Name).Order().ToArray();
        Assert.Equal(["assets[0]", "evergreen.intervalDays", "jobConfig", "title"], fields);
        Assert.Equal(HttpStatusCode.BadRequest, (await s.Client.GetAsync("/api/v1/content?status=nope", Ct)).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await SendAsync(s.Client, HttpMethod.Delete, $"/api/v1/content/{id}")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(s.Client, HttpMethod.Get, $"/api/v1/content/{id}")).Status);
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task AddContentToQueue_TakesItsJob_AndTheSameContentTwiceOnAChannelIs409(DatabaseProvider provider)
    {
        await using var s = await CalendarScenario.StartAsync(provider, Monday);
        var channel = await ChannelAsync(s.Client, "Blog");
        var content = await ContentAsync(s.Client, "Launch");
        var queued = await CreatedAsync(s.Client, $"/api/v1/channels/{channel}/queue", new { contentId = content });
        Assert.Equal(("Launch", "publish", "Launch", "2030-03-04T18:00:00"), (queued.GetProperty("name").GetString(), queued.GetProperty("jobType").GetString(),
            queued.GetProperty("jobConfig").GetProperty("video").GetString(), queued.GetProperty("scheduledAt").GetString()));

        var (status, problem) = await SendAsync(s.Client, HttpMethod.Post, $"/api/v1/channels/{channel}/queue", new { contentId = content });
        Assert.Equal(HttpStatusCode.Conflict, status);
        Assert.Contains("already planned on channel 'Blog'", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);

        var item = await s.Client.GetFromJsonAsync<JsonElement>($"/api/v1/content/{content}", Ct);
        Assert.Equal(queued.GetProperty("id").GetGuid(), item.GetProperty("posts").EnumerateArray().Single().GetProperty("scheduleId").GetGuid());
        var (missing, missingProblem) = await SendAsync(s.Client, HttpMethod.Post, $"/api/v1/channels/{channel}/queue", new { contentId = Guid.NewGuid() });
        Assert.Equal(HttpStatusCode.BadRequest, missing);
        Assert.True(missingProblem.GetProperty("errors").TryGetProperty("contentId", out _));
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task SimultaneousAddsToQueue_NeverTakeTheSameSlot(DatabaseProvider provider)
    {
        await using var s = await CalendarScenario.StartAsync(provider, Monday);
        var channel = await ChannelAsync(s.Client, "Shorts");
        const int Adds = 12;
        var responses = await Task.WhenAll(Enumerable.Range(1, Adds).Select(i =>
            s.Client.PostAsJsonAsync($"/api/v1/channels/{channel}/queue", new { name = $"Post {i}" }, Ct)));
        foreach (var response in responses)
        {
            Assert.True(response.StatusCode == HttpStatusCode.Created, $"{(int)response.StatusCode} {response.Content.Headers.ContentType}: {s.App.Logs.Dump()}");
        }
        var slots = new List<string>();
        foreach (var response in responses)
        {
            slots.Add((await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("nextRunAt").GetString()!);
        }
        Assert.Equal(Adds, slots.Distinct().Count());
        // The first 12 slots from Monday 18:00: two a day, none skipped.
        Assert.Equal("2030-03-04T23:00:00Z", slots.Order().First());
        Assert.Equal("2030-03-10T13:00:00Z", slots.Order().Last());
        var (listStatus, listed) = await SendAsync(s.Client, HttpMethod.Get, $"/api/v1/schedules?channelId={channel}&pageSize=5");
        Assert.Equal(HttpStatusCode.OK, listStatus);
        Assert.Equal(Adds, listed.GetProperty("total").GetInt32());
        (_, listed) = await SendAsync(s.Client, HttpMethod.Get, $"/api/v1/schedules?channelId={Guid.NewGuid()}");
        Assert.Equal(0, listed.GetProperty("total").GetInt32());
        // A lost race for a slot is handled (a fresh look), so it is no error in the log: EF's own error lines are gone.
        Assert.DoesNotContain(s.App.Logs.Lines, l => l.Contains(" Error Microsoft.EntityFrameworkCore", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task Waves_SimultaneousStaggeredIndependent_MoveAndCancelAsAUnit(DatabaseProvider provider)
    {
        await using var s = await CalendarScenario.StartAsync(provider, Monday);
        var youtube = await ChannelAsync(s.Client, "YouTube");
        var blog = await ChannelAsync(s.Client, "Blog", timezone: "Europe/Paris");
        var shorts = await ChannelAsync(s.Client, "Shorts");
        var channels = new[] { youtube, blog, shorts };

        // Simultaneous: the same instant on the three channels, each shown in its own zone.
        var simultaneous = await CreatedAsync(s.Client, "/api/v1/waves", new { contentId = await ContentAsync(s.Client, "Launch"), channelIds = channels, mode = "simultaneous", at = "2030-03-05T12:00", timezone = NewYork });
        var items = simultaneous.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(3, items.Count);
        Assert.All(items, i => Assert.Equal("2030-03-05T17:00:00Z", i.GetProperty("scheduledFor").GetString()));
        Assert.Equal("2030-03-05T18:00:00", items.Single(i => i.GetProperty("channelId").GetGuid() == blog).GetProperty("local").GetString());

        // Staggered one hour apart, in the order given.
        var staggered = await CreatedAsync(s.Client, "/api/v1/waves", new { contentId = await ContentAsync(s.Client, "Teaser"), channelIds = channels, mode = "staggered", at = "2030-03-06T09:00", timezone = NewYork, staggerMinutes = 60 });
        var times = staggered.GetProperty("items").EnumerateArray().ToDictionary(i => i.GetProperty("channelId").GetGuid(), i => i.GetProperty("scheduledFor").GetString());
        Assert.Equal(("2030-03-06T14:00:00Z", "2030-03-06T15:00:00Z", "2030-03-06T16:00:00Z"), (times[youtube], times[blog], times[shorts]));

        // Independent: each channel's next free posting slot (YouTube's 18:00 today in New York, the blog's 18:00 today in Paris).
        var independent = await CreatedAsync(s.Client, "/api/v1/waves", new { contentId = await ContentAsync(s.Client, "Recap"), channelIds = new[] { youtube, blog }, mode = "independent" });
        var slots = independent.GetProperty("items").EnumerateArray().ToDictionary(i => i.GetProperty("channelId").GetGuid(), i => i.GetProperty("scheduledFor").GetString());
        Assert.Equal(("2030-03-04T23:00:00Z", "2030-03-04T17:00:00Z"), (slots[youtube], slots[blog]));

        // Move the staggered wave by a day: every item moves.
        var staggeredId = staggered.GetProperty("id").GetGuid();
        var (moveStatus, moved) = await SendAsync(s.Client, HttpMethod.Post, $"/api/v1/waves/{staggeredId}/move", new { byMinutes = 24 * 60 });
        Assert.True(moveStatus == HttpStatusCode.OK, moved.ToString());
        Assert.Equal(["2030-03-07T14:00:00Z", "2030-03-07T15:00:00Z", "2030-03-07T16:00:00Z"],
            moved.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("scheduledFor").GetString()!).Order());
        var (pastStatus, _) = await SendAsync(s.Client, HttpMethod.Post, $"/api/v1/waves/{staggeredId}/move", new { byMinutes = -7 * 24 * 60 });
        Assert.Equal(HttpStatusCode.BadRequest, pastStatus);

        // Pause, then cancel: all items.
        var (_, paused) = await SendAsync(s.Client, HttpMethod.Post, $"/api/v1/waves/{staggeredId}/pause", new { note = "hold" });
        Assert.All(paused.GetProperty("items").EnumerateArray(), i => Assert.Equal("paused", i.GetProperty("status").GetString()));
        var (_, cancelled) = await SendAsync(s.Client, HttpMethod.Post, $"/api/v1/waves/{staggeredId}/cancel");
        Assert.All(cancelled.GetProperty("items").EnumerateArray(), i => Assert.Equal("cancelled", i.GetProperty("status").GetString()));

        var list = await s.Client.GetFromJsonAsync<JsonElement>("/api/v1/waves?pageSize=2", Ct);
        Assert.Equal((3, 2), (list.GetProperty("total").GetInt32(), list.GetProperty("items").GetArrayLength()));
    }

    [Fact]
    public async Task AWavesPublishAt_GoesToEachChannelsPost_AndABadOneIsA400()
    {
        await using var s = await CalendarScenario.StartAsync(DatabaseProvider.Sqlite, Monday);
        var channels = new[] { await ChannelAsync(s.Client, "YouTube"), await ChannelAsync(s.Client, "Blog", timezone: "Europe/Paris") };
        var video = (await CreatedAsync(s.Client, "/api/v1/content", new { title = "Trailer", jobType = "video_generation" })).GetProperty("id").GetGuid();

        var (badStatus, bad) = await SendAsync(s.Client, HttpMethod.Post, "/api/v1/waves", new { contentId = video, channelIds = channels, mode = "simultaneous", at = "2030-03-05T12:00", timezone = NewYork, publishAt = "soon" });
        Assert.Equal(HttpStatusCode.BadRequest, badStatus);
        Assert.True(bad.GetProperty("errors").TryGetProperty("publishAt", out _), bad.ToString());

        var wave = await CreatedAsync(s.Client, "/api/v1/waves", new { contentId = video, channelIds = channels, mode = "simultaneous", at = "2030-03-05T12:00", timezone = NewYork, publishAt = "+1d@18:00" });
        foreach (var item in wave.GetProperty("items").EnumerateArray())
        {
            var schedule = await s.Client.GetFromJsonAsync<JsonElement>($"/api/v1/schedules/{item.GetProperty("scheduleId").GetGuid()}", Ct);
            Assert.Equal("+1d@18:00", schedule.GetProperty("publishAt").GetString());
            Assert.Equal("publishes the next day at 18:00", schedule.GetProperty("publishAtDescription").GetString());
        }
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task AWave_WhoseLastOpenItemsRunEnds_WritesOneWaveCompletedEvent_WithEachItemsRun(DatabaseProvider provider)
    {
        await using var s = await CalendarScenario.StartAsync(provider, Monday, extra: new Dictionary<string, string?> { ["Execution:AllowPrivateNetworkTargets"] = "true" });
        await Events.LifecycleEventTests.SubscribeAsync(s.Client, "http://127.0.0.1:9/events", Scheduling.Web.Features.Events.EventTypes.WaveCompleted);
        var channels = new[] { await ChannelAsync(s.Client, "YouTube"), await ChannelAsync(s.Client, "Blog"), await ChannelAsync(s.Client, "Shorts") };
        var wave = await CreatedAsync(s.Client, "/api/v1/waves", new { contentId = await ContentAsync(s.Client, "Launch"), channelIds = channels, mode = "simultaneous", at = "2030-03-05T12:00", timezone = NewYork });
        var waveId = wave.GetProperty("id").GetGuid();
        var items = wave.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("scheduleId").GetGuid()).ToList();
        // The third channel's item is cancelled: it no longer holds the wave open.
        var (cancelStatus, cancelled) = await SendAsync(s.Client, HttpMethod.Post, $"/api/v1/schedules/{items[2]}/cancel", new { });
        Assert.True(cancelStatus == HttpStatusCode.OK, cancelled.ToString());

        var transitions = s.App.Services.GetRequiredService<RunTransitions>();
        await using var db = await s.NewDbContextAsync();
        var now = Monday.UtcDateTime;
        async Task RunAsync(Guid scheduleId, ExecutionStatus outcome)
        {
            var schedule = await db.Schedules.IgnoreQueryFilters().AsNoTracking().SingleAsync(x => x.Id == scheduleId, Ct);
            var run = Execution.Manual(schedule, countsTowardMaxRuns: false, now);
            await transitions.CreateAsync(db, [run], Ct);
            await db.SaveChangesAsync(Ct);
            db.ChangeTracker.Clear();
            var seen = await db.Executions.IgnoreQueryFilters().AsNoTracking().SingleAsync(e => e.Id == run.Id, Ct);
            Assert.True(await transitions.StartAsync(db, seen, "job", now, Ct));
            Assert.True(await transitions.EndAttemptAsync(db, RunOutcome.Ended(seen, outcome, outcome == ExecutionStatus.Failed ? "HTTP 500" : null, null, now), Ct));
        }
        Task<List<Scheduling.Web.Features.Events.LifecycleEvent>> WaveEventsAsync() =>
            db.LifecycleEvents.IgnoreQueryFilters().AsNoTracking().Where(e => e.Type == "wave.completed").ToListAsync(Ct);

        await RunAsync(items[0], ExecutionStatus.Completed);
        Assert.Empty(await WaveEventsAsync()); // the blog's item is still open

        await RunAsync(items[1], ExecutionStatus.Failed);
        var written = Assert.Single(await WaveEventsAsync());
        Assert.Equal(waveId, written.SubjectId);
        var data = JsonDocument.Parse(written.Data!).RootElement;
        Assert.Equal(waveId, data.GetProperty("id").GetGuid());
        var byItem = data.GetProperty("items").EnumerateArray().ToDictionary(i => i.GetProperty("scheduleId").GetGuid());
        Assert.Equal("completed", byItem[items[0]].GetProperty("execution").GetProperty("status").GetString());
        Assert.Equal("failed", byItem[items[1]].GetProperty("execution").GetProperty("status").GetString());
        Assert.Equal("cancelled", byItem[items[2]].GetProperty("status").GetString());
        Assert.False(byItem[items[2]].TryGetProperty("execution", out var never) && never.ValueKind != JsonValueKind.Null);
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task AWave_WhoseItemsEndInOneLedgerBatch_WritesOneWaveCompletedEvent_AfterEachRunsEventInTheBatchsOrder(DatabaseProvider provider)
    {
        // A simultaneous wave's items run side by side, so their ends are usually written by one ledger batch: each end
        // then saw the wave complete, and each wrote wave.completed.
        await using var s = await CalendarScenario.StartAsync(provider, Monday, extra: new Dictionary<string, string?> { ["Execution:AllowPrivateNetworkTargets"] = "true" });
        await Events.LifecycleEventTests.SubscribeAsync(s.Client, "http://127.0.0.1:9/events");
        var channels = new[] { await ChannelAsync(s.Client, "YouTube"), await ChannelAsync(s.Client, "Blog"), await ChannelAsync(s.Client, "Shorts") };
        var wave = await CreatedAsync(s.Client, "/api/v1/waves", new { contentId = await ContentAsync(s.Client, "Launch"), channelIds = channels, mode = "simultaneous", at = "2030-03-05T12:00", timezone = NewYork });
        var waveId = wave.GetProperty("id").GetGuid();
        var items = wave.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("scheduleId").GetGuid()).ToList();

        var transitions = s.App.Services.GetRequiredService<RunTransitions>();
        await using var db = await s.NewDbContextAsync();
        var now = Monday.UtcDateTime;
        var seen = new List<Execution>();
        foreach (var scheduleId in items)
        {
            var schedule = await db.Schedules.IgnoreQueryFilters().AsNoTracking().SingleAsync(x => x.Id == scheduleId, Ct);
            var run = Execution.Manual(schedule, countsTowardMaxRuns: false, now);
            await transitions.CreateAsync(db, [run], Ct);
            await db.SaveChangesAsync(Ct);
            db.ChangeTracker.Clear();
            seen.Add(await db.Executions.IgnoreQueryFilters().AsNoTracking().SingleAsync(e => e.Id == run.Id, Ct));
        }
        Assert.All(await transitions.StartManyAsync(db, [.. seen.Select(r => (r, (string?)"job"))], now, Ct), Assert.True);
        var outcomes = seen.Select((r, i) => RunOutcome.Ended(r, i == 1 ? ExecutionStatus.Failed : ExecutionStatus.Completed, i == 1 ? "HTTP 500" : null, null, now)).ToList();
        Assert.All(await transitions.EndAttemptsAsync(db, outcomes, ct: Ct), Assert.True);

        var written = await db.LifecycleEvents.IgnoreQueryFilters().AsNoTracking().Where(e => e.Type != "schedule.created" && e.Type != "wave.created").OrderBy(e => e.Id).ToListAsync(Ct);
        // Each batch's run events in the order the batch wrote them (the outbox's order is the delivery order), then the wave's.
        Assert.Equal(
            [.. seen.Select(r => ("execution.started", r.Id)), .. seen.Select((r, i) => (i == 1 ? "execution.failed" : "execution.completed", r.Id)), ("wave.completed", waveId)],
            written.Where(e => e.Type.StartsWith("execution.", StringComparison.Ordinal) || e.Type == "wave.completed").Select(e => (e.Type, e.SubjectId)).ToList());
        Assert.Equal(written.Count, written.Select(e => e.EventId).Distinct().Count());
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task Wave_BlockedOnOneChannel_Is409NamingIt_AndCreatesNothing_WarnModeCarriesWarnings(DatabaseProvider provider)
    {
        await using var s = await CalendarScenario.StartAsync(provider, Monday);
        var youtube = await ChannelAsync(s.Client, "YouTube", "warn", minGap: 120);
        var newsletter = await ChannelAsync(s.Client, "Newsletter", "block", minGap: 120);
        (await s.Client.PostAsJsonAsync("/api/v1/schedules", Once("Existing", "2030-03-05T09:00:00", NewYork, newsletter), Ct)).EnsureSuccessStatusCode();
        (await s.Client.PostAsJsonAsync("/api/v1/schedules", Once("Other", "2030-03-05T09:00:00", NewYork, youtube), Ct)).EnsureSuccessStatusCode();
        var content = await ContentAsync(s.Client, "Launch");

        var (status, problem) = await SendAsync(s.Client, HttpMethod.Post, "/api/v1/waves",
            new { contentId = content, channelIds = new[] { youtube, newsletter }, mode = "simultaneous", at = "2030-03-05T10:00", timezone = NewYork });
        Assert.Equal(HttpStatusCode.Conflict, status);
        Assert.Contains("Channel 'Newsletter'", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Contains("Existing", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        await using (var db = await s.NewDbContextAsync())
        {
            Assert.Equal(2, await db.Schedules.IgnoreQueryFilters().CountAsync(Ct));
            Assert.Equal(0, await db.Waves.IgnoreQueryFilters().CountAsync(Ct));
        }

        var warned = await CreatedAsync(s.Client, "/api/v1/waves", new { contentId = content, channelIds = new[] { youtube }, mode = "simultaneous", at = "2030-03-05T10:00", timezone = NewYork });
        Assert.Equal(["min_gap", "outside_posting_times"], WarningCodes(warned));

        var (pastStatus, pastProblem) = await SendAsync(s.Client, HttpMethod.Post, "/api/v1/waves",
            new { contentId = await ContentAsync(s.Client, "Late"), channelIds = new[] { youtube }, mode = "simultaneous", at = "2030-03-01T10:00", timezone = NewYork });
        Assert.Equal(HttpStatusCode.BadRequest, pastStatus);
        Assert.True(pastProblem.GetProperty("errors").TryGetProperty("at", out _));
        var (badStatus, badProblem) = await SendAsync(s.Client, HttpMethod.Post, "/api/v1/waves", new { channelIds = Array.Empty<Guid>(), mode = "staggered" });
        Assert.Equal(HttpStatusCode.BadRequest, badStatus);
        Assert.Equal(["at", "channelIds", "contentId", "staggerMinutes"], badProblem.GetProperty("errors").EnumerateObject().Select(p => p.Name).Order());
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task CreatorsWave_InAnApprovalWorkspace_IsMadeOfDrafts(DatabaseProvider provider)
    {
        await using var app = await AppFactory.StartAsync(provider);
        var owner = await WorkspaceFixtures.CreateAsync(app, "owner@example.com");
        (await owner.Bearer.PutAsJsonAsync($"/api/v1/workspaces/{owner.WorkspaceId}", new { name = "Studio", requireApproval = true }, Ct)).EnsureSuccessStatusCode();
        var (_, creator) = await owner.JoinAsync("creator@example.com", "creator");
        var channel = await ChannelAsync(owner.Bearer, "Blog");
        var content = await ContentAsync(creator, "Launch");
        var wave = await CreatedAsync(creator, "/api/v1/waves", new { contentId = content, channelIds = new[] { channel }, mode = "independent" });
        Assert.Equal("draft", wave.GetProperty("items")[0].GetProperty("status").GetString());
        // The draft holds its slot: the next add takes the one after it.
        var next = await CreatedAsync(owner.Bearer, $"/api/v1/channels/{channel}/queue", new { name = "Next" });
        Assert.NotEqual(wave.GetProperty("items")[0].GetProperty("scheduledFor").GetString(), next.GetProperty("nextRunAt").GetString());
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task Evergreen_AfterEachPublication_GoesBackToTheEndOfTheQueue_UpToMaxRepeats(DatabaseProvider provider)
    {
        await using var s = await CalendarScenario.StartAsync(provider, Monday);
        // The app's own recurring pass (every five minutes of real time) could place a repost before this test's pass and
        // make its count 0: the count is what this test reads.
        s.App.Services.GetRequiredService<Hangfire.IRecurringJobManager>().RemoveIfExists(Scheduling.Web.Engine.MaintenanceJobs.EvergreenId);
        var channel = await ChannelAsync(s.Client, "Blog");
        var content = await ContentAsync(s.Client, "Evergreen guide", new { intervalDays = 7, maxRepeats = 2 });
        var first = await CreatedAsync(s.Client, $"/api/v1/channels/{channel}/queue", new { contentId = content });
        (await s.Client.PostAsJsonAsync($"/api/v1/channels/{channel}/queue", new { name = "Planned far ahead" }, Ct)).EnsureSuccessStatusCode();
        using var scope = s.App.Services.CreateScope();
        var recycler = scope.ServiceProvider.GetRequiredService<EvergreenRecycler>();

        // Not published yet: nothing to recycle.
        Assert.Equal(0, await recycler.RecycleAsync(Ct));

        var scheduleId = first.GetProperty("id").GetGuid();
        var published = DateTime.Parse(first.GetProperty("nextRunAt").GetString()!, null, System.Globalization.DateTimeStyles.AdjustToUniversal);
        var reposts = new List<DateTime>();
        for (var round = 0; round < 3; round++)
        {
            await PublishAsync(s, scheduleId, published);
            s.Clock.SetUtcNow(new DateTimeOffset(published.AddMinutes(5), TimeSpan.Zero));
            var placed = await recycler.RecycleAsync(Ct);
            Assert.Equal(0, await recycler.RecycleAsync(Ct)); // idempotent
            if (round == 2)
            {
                Assert.Equal(0, placed); // maxRepeats = 2
                break;
            }
            Assert.Equal(1, placed);
            await using var db = await s.NewDbContextAsync();
            var repost = await db.ChannelPosts.IgnoreQueryFilters().Where(p => p.ContentId == content && p.Repeat == round + 1)
                .Join(db.Schedules.IgnoreQueryFilters(), p => p.ScheduleId, x => x.Id, (p, x) => x).SingleAsync(Ct);
            Assert.True(repost.NextRunAt >= published.AddDays(7), $"{repost.NextRunAt} after {published}");
            Assert.Equal(ScheduleType.Once, repost.ScheduleType);
            reposts.Add(repost.NextRunAt!.Value);
            scheduleId = repost.Id;
            published = repost.NextRunAt.Value;
        }
        // At least 7 days after each publication (the queue ends sooner): Monday 18:00 EST + 7 days is 19:00 EDT, so the first
        // free slot is Tuesday 12 March 09:00 EDT; from there 7 days later is exactly a slot.
        Assert.Equal(new DateTime(2030, 3, 12, 13, 0, 0, DateTimeKind.Utc), reposts[0]);
        Assert.Equal(new DateTime(2030, 3, 19, 13, 0, 0, DateTimeKind.Utc), reposts[1]);
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task Evergreen_TwoPassesAtOnce_PlaceOneRepost(DatabaseProvider provider)
    {
        await using var s = await CalendarScenario.StartAsync(provider, Monday);
        s.App.Services.GetRequiredService<Hangfire.IRecurringJobManager>().RemoveIfExists(Scheduling.Web.Engine.MaintenanceJobs.EvergreenId);
        var channel = await ChannelAsync(s.Client, "Blog");
        var items = new List<Guid>();
        for (var i = 0; i < 3; i++)
        {
            var content = await ContentAsync(s.Client, $"Evergreen {i}", new { intervalDays = 7 });
            var post = await CreatedAsync(s.Client, $"/api/v1/channels/{channel}/queue", new { contentId = content });
            await PublishAsync(s, post.GetProperty("id").GetGuid(),
                DateTime.Parse(post.GetProperty("nextRunAt").GetString()!, null, System.Globalization.DateTimeStyles.AdjustToUniversal));
            items.Add(content);
        }
        s.Clock.SetUtcNow(new DateTimeOffset(2030, 3, 6, 0, 0, 0, TimeSpan.Zero));

        // Four passes (as from two nodes) started together: each finds the three reposts missing.
        var passes = Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            using var scope = s.App.Services.CreateScope();
            return await scope.ServiceProvider.GetRequiredService<EvergreenRecycler>().RecycleAsync(Ct);
        }, Ct)).ToArray();
        var placed = (await Task.WhenAll(passes)).Sum();

        await using var db = await s.NewDbContextAsync();
        var reposts = await db.ChannelPosts.IgnoreQueryFilters().Where(p => p.ChannelId == channel && p.Repeat == 1)
            .Select(p => p.ContentId!.Value).ToListAsync(Ct);
        Assert.Equal(items.Order(), reposts.Order());
        Assert.Equal(3, placed);
        var slots = await db.ChannelPosts.IgnoreQueryFilters().Where(p => p.ChannelId == channel).Select(p => p.SlotAt).ToListAsync(Ct);
        Assert.Equal(slots.Count, slots.Distinct().Count());
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task Evergreen_ASecondRecordOfTheSameRepost_IsRefusedByTheDatabase(DatabaseProvider provider)
    {
        await using var s = await CalendarScenario.StartAsync(provider, Monday);
        var channel = await ChannelAsync(s.Client, "Blog");
        var content = await ContentAsync(s.Client, "Evergreen guide", new { intervalDays = 7 });
        await CreatedAsync(s.Client, $"/api/v1/channels/{channel}/queue", new { contentId = content });
        var second = (await CreatedAsync(s.Client, $"/api/v1/channels/{channel}/queue", new { name = "Other" })).GetProperty("id").GetGuid();
        var third = (await CreatedAsync(s.Client, $"/api/v1/channels/{channel}/queue", new { name = "Third" })).GetProperty("id").GetGuid();
        await using var db = await s.NewDbContextAsync();
        var posts = await db.ChannelPosts.IgnoreQueryFilters().Where(p => p.ScheduleId == second || p.ScheduleId == third).ToDictionaryAsync(p => p.ScheduleId, Ct);
        // First posts (repeat 0) of one item on one channel may be several (the API refuses them, the schema need not).
        posts[second].ContentId = content;
        posts[third].ContentId = content;
        await db.SaveChangesAsync(Ct);
        posts[second].Repeat = 1;
        await db.SaveChangesAsync(Ct);
        // An n-th repost only once.
        posts[third].Repeat = 1;
        await Assert.ThrowsAsync<DbUpdateException>(() => db.SaveChangesAsync(Ct));
    }

    /// <summary>The schedule ran at its time and succeeded, as the engine records it.</summary>
    private static async Task PublishAsync(CalendarScenario s, Guid scheduleId, DateTime at)
    {
        await using var db = await s.NewDbContextAsync();
        var schedule = await db.Schedules.IgnoreQueryFilters().SingleAsync(x => x.Id == scheduleId, Ct);
        db.Executions.Add(RecordedRuns.Planned(schedule.WorkspaceId, schedule.Id, schedule.Priority, schedule.JobType, at, ExecutionStatus.Completed));
        schedule.RunCount = 1;
        schedule.LastRunAt = at;
        schedule.NextRunAt = null;
        schedule.Status = ScheduleStatus.Completed;
        await db.SaveChangesAsync(Ct);
    }
}
