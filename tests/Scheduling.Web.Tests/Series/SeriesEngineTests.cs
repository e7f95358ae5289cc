using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Scheduling.Web.Data;
using Scheduling.Web.Features.Executions;
using Scheduling.Web.Tests.Engine;
using Scheduling.Web.Tests.Infrastructure;

namespace Scheduling.Web.Tests.Series;

/// <summary>
/// System time moved to another date: the real engine (dispatcher, releaser, Hangfire) runs on real timers while "now" is
/// days ahead, and a jump stands for the time (or downtime) between two releases.
/// </summary>
public sealed class ShiftedClock(DateTimeOffset start) : TimeProvider
{
    private long _offset = (start - System.GetUtcNow()).Ticks;

    public override DateTimeOffset GetUtcNow() => base.GetUtcNow().AddTicks(Interlocked.Read(ref _offset));

    public void JumpTo(DateTimeOffset at) => Interlocked.Exchange(ref _offset, (at - base.GetUtcNow()).Ticks);
}

/// <summary>
/// Episodes go out strictly in order through the real engine (seed 000 and issue 11): daily across a DST change, block
/// and continue after a failed episode, a missed-run catch-up with a retry in the middle, and two nodes on PostgreSQL.
/// </summary>
public class SeriesEngineTests
{
    private const string Path = "tales";
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private sealed class Host : IAsyncDisposable
    {
        public required List<AppFactory> Nodes { get; init; }
        public required HttpClient Client { get; init; }
        public required HoldingWebhookReceiver Receiver { get; init; }
        public required ShiftedClock Clock { get; init; }
        public TestDatabase? SharedDatabase { get; init; }

        public async ValueTask DisposeAsync()
        {
            foreach (var node in Nodes)
            {
                await node.DisposeAsync();
            }
            await Receiver.DisposeAsync();
            if (SharedDatabase is not null)
            {
                await SharedDatabase.DisposeAsync();
            }
        }
    }

    private static async Task<Host> StartAsync(DatabaseProvider provider, DateTimeOffset now, int nodes = 1)
    {
        var clock = new ShiftedClock(now);
        var receiver = await HoldingWebhookReceiver.StartAsync();
        var apps = new List<AppFactory>();
        TestDatabase? shared = null;
        if (nodes == 1)
        {
            apps.Add(await AppFactory.StartAsync(provider, EngineHost.FastSettings(), s => s.AddSingleton<TimeProvider>(clock)));
        }
        else
        {
            shared = await TestDatabase.CreateAsync(provider);
            for (var i = 0; i < nodes; i++)
            {
                var settings = EngineHost.FastSettings();
                settings["Execution:NodeName"] = $"node-{i}";
                var node = new AppFactory(shared, settings, s => s.AddSingleton<TimeProvider>(clock), ownsDatabase: false);
                node.StartServer();
                apps.Add(node);
            }
        }
        var client = await Session.RegisterAsync(apps[0], "series-engine@example.com");
        (await client.PostAsync("/api/v1/workspace/webhooks/secret", null, Ct)).EnsureSuccessStatusCode();
        return new Host { Nodes = apps, Client = client, Receiver = receiver, Clock = clock, SharedDatabase = shared };
    }

    private static async Task<JsonElement> CreateAsync(Host host, int count, string rrule, string start, string onFailure = "block", object? retry = null)
    {
        var response = await host.Client.PostAsJsonAsync("/api/v1/schedules/series", new
        {
            name = "Night Tales",
            jobType = "publish",
            template = new { jobConfig = new { voice = "calm" }, titleTemplate = "{title} #{episode} ({date})" },
            episodeCount = count,
            recurrence = new { rrule, start },
            timezone = "America/New_York",
            onFailure,
            webhookUrl = host.Receiver.Url(Path),
            retry,
        }, Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.Created, text);
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private static Task<JsonElement> SeriesAsync(Host host, Guid id) => host.Client.GetFromJsonAsync<JsonElement>($"/api/v1/schedules/series/{id}", Ct);

    private static string[] Statuses(JsonElement series) => [.. series.GetProperty("episodes").EnumerateArray().Select(e => e.GetProperty("status").GetString()!)];

    private static DateTime Planned(JsonElement series, int number) => series.GetProperty("episodes")[number - 1].GetProperty("scheduledFor").GetDateTime();

    /// <summary>Moves "now" to just before episode <paramref name="number"/> and waits until the episodes are as expected.</summary>
    private static async Task<JsonElement> ReachAsync(Host host, JsonElement series, int number, params string[] expected)
    {
        host.Clock.JumpTo(new DateTimeOffset(Planned(series, number), TimeSpan.Zero).AddSeconds(-2));
        return await UntilAsync(host, series, expected, $"episode {number}");
    }

    private static async Task<JsonElement> UntilAsync(Host host, JsonElement series, string[] expected, string what)
    {
        var id = series.GetProperty("id").GetGuid();
        try
        {
            return await Eventually.GetAsync(() => SeriesAsync(host, id), s => Statuses(s).SequenceEqual(expected), TimeSpan.FromSeconds(60), what);
        }
        catch (TimeoutException timeout)
        {
            throw new TimeoutException($"{timeout.Message}\nnow: {string.Join(",", Statuses(await SeriesAsync(host, id)))}\n{host.Nodes[0].Logs.Dump()}", timeout);
        }
    }

    /// <summary>Each episode was delivered successfully once, in order: the next one's request arrived after the previous one's success.</summary>
    private static void AssertReleasedInOrder(Host host, int count)
    {
        var successes = host.Receiver.On(Path).Where(r => r.Status is >= 200 and < 300).OrderBy(r => r.AnsweredSeq).ToList();
        Assert.Equal(Enumerable.Range(1, count), successes.Select(r => r.Json.GetProperty("series").GetProperty("episode").GetInt32()));
        for (var i = 1; i < successes.Count; i++)
        {
            Assert.True(successes[i].ArrivedSeq > successes[i - 1].AnsweredSeq, $"episode {i + 1} went out before episode {i} was released");
        }
        Assert.Equal(1, host.Receiver.MaxInFlight(Path));
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task FiveDailyEpisodes_AtNineNewYork_AcrossDst_EachReleasedOnceInOrder_WithTheSeriesInTheEnvelope(DatabaseProvider provider)
    {
        // US DST starts on Sunday 2027-03-14: episodes 1-2 are at 14:00 UTC, 3-5 at 13:00 UTC.
        await using var host = await StartAsync(provider, new DateTimeOffset(2027, 3, 11, 12, 0, 0, TimeSpan.Zero));
        host.Receiver.Respond(Path, TimeSpan.Zero);
        host.Receiver.Respond("events", TimeSpan.Zero);
        await Events.LifecycleEventTests.SubscribeAsync(host.Client, host.Receiver.Url("events"),
            Scheduling.Web.Features.Events.EventTypes.SeriesEpisodeReleased, Scheduling.Web.Features.Events.EventTypes.SeriesCompleted);
        var series = await CreateAsync(host, 5, "FREQ=DAILY;BYHOUR=9;BYMINUTE=0", "2027-03-12T00:00");
        var id = series.GetProperty("id").GetGuid();
        Assert.Equal(new DateTime(2027, 3, 12, 14, 0, 0, DateTimeKind.Utc), Planned(series, 1));
        Assert.Equal(new DateTime(2027, 3, 14, 13, 0, 0, DateTimeKind.Utc), Planned(series, 3));
        (await host.Client.PutAsJsonAsync($"/api/v1/schedules/series/{id}/episodes/3", new { jobConfig = new { voice = "loud" } }, Ct)).EnsureSuccessStatusCode();

        string[] expected = ["scheduled", "scheduled", "scheduled", "scheduled", "scheduled"];
        for (var n = 1; n <= 5; n++)
        {
            expected[n - 1] = "released";
            var now = await ReachAsync(host, series, n, expected);
            // Nothing later went out early.
            Assert.Equal(n, host.Receiver.On(Path).Count);
            Assert.Equal(n < 5 ? n + 1 : 5, now.GetProperty("currentEpisode").GetInt32());
        }

        var done = await Eventually.GetAsync(() => SeriesAsync(host, id), s => s.GetProperty("status").GetString() == "completed", TimeSpan.FromSeconds(10), "completed");
        Assert.Equal(5, done.GetProperty("releasedCount").GetInt32());
        AssertReleasedInOrder(host, 5);
        var deliveries = host.Receiver.On(Path);
        var episodes = done.GetProperty("episodes").EnumerateArray().ToList();
        Assert.Equal(episodes.Select(e => e.GetProperty("executionId").GetGuid().ToString()), deliveries.Select(d => d.IdempotencyKey));
        for (var i = 0; i < 5; i++)
        {
            var envelope = deliveries[i].Json;
            var block = envelope.GetProperty("series");
            Assert.Equal((id, "Night Tales", i + 1, 5), (block.GetProperty("id").GetGuid(), block.GetProperty("name").GetString(), block.GetProperty("episode").GetInt32(), block.GetProperty("episodeCount").GetInt32()));
            Assert.Equal(episodes[i].GetProperty("title").GetString(), envelope.GetProperty("title").GetString());
            Assert.Equal(Planned(done, i + 1), envelope.GetProperty("scheduledFor").GetDateTime());
            Assert.Equal(i == 2 ? "loud" : "calm", envelope.GetProperty("jobConfig").GetProperty("voice").GetString());
        }
        Assert.Equal("Night Tales #3 (2027-03-14)", episodes[2].GetProperty("title").GetString());

        // Lifecycle events: one series.episode_released per episode, in order, then series.completed.
        var events = await Eventually.GetAsync(() => Task.FromResult(host.Receiver.On("events")), r => r.Count >= 6, TimeSpan.FromSeconds(30), "the series events");
        Assert.Equal(6, events.Count);
        Assert.Equal([.. Enumerable.Repeat("series.episode_released", 5), "series.completed"], events.Select(e => e.Json.GetProperty("type").GetString()));
        for (var i = 0; i < 5; i++)
        {
            var data = events[i].Json.GetProperty("data");
            var episode = data.GetProperty("episode");
            Assert.Equal((i + 1, episodes[i].GetProperty("title").GetString(), "released", episodes[i].GetProperty("executionId").GetGuid()),
                (episode.GetProperty("number").GetInt32(), episode.GetProperty("title").GetString(), episode.GetProperty("status").GetString(), episode.GetProperty("executionId").GetGuid()));
            Assert.Equal((id, i + 1, "active"), (data.GetProperty("series").GetProperty("id").GetGuid(), data.GetProperty("series").GetProperty("releasedCount").GetInt32(),
                data.GetProperty("series").GetProperty("status").GetString()));
        }
        var completed = events[5].Json.GetProperty("data");
        Assert.Equal(JsonValueKind.Null, completed.GetProperty("episode").ValueKind);
        Assert.Equal(("completed", 5, "Night Tales"), (completed.GetProperty("series").GetProperty("status").GetString(),
            completed.GetProperty("series").GetProperty("releasedCount").GetInt32(), completed.GetProperty("series").GetProperty("name").GetString()));
    }

    [Fact]
    public async Task Cancel_AfterTwoReleases_TheRestGoBackToDraft_AndNothingMoreGoesOut()
    {
        await using var host = await StartAsync(DatabaseProvider.Sqlite, new DateTimeOffset(2027, 3, 11, 12, 0, 0, TimeSpan.Zero));
        host.Receiver.Respond(Path, TimeSpan.Zero);
        var series = await CreateAsync(host, 4, "FREQ=DAILY;BYHOUR=9;BYMINUTE=0", "2027-03-12T00:00");
        var id = series.GetProperty("id").GetGuid();
        await ReachAsync(host, series, 1, "released", "scheduled", "scheduled", "scheduled");
        await ReachAsync(host, series, 2, "released", "released", "scheduled", "scheduled");

        var cancelled = await (await host.Client.DeleteAsync($"/api/v1/schedules/series/{id}", Ct)).Content.ReadFromJsonAsync<JsonElement>(Ct);

        Assert.Equal(["released", "released", "draft", "draft"], Statuses(cancelled));
        Assert.Equal("cancelled", cancelled.GetProperty("status").GetString());
        // Time passes beyond episode 3: a dispatcher pass finds nothing due.
        host.Clock.JumpTo(new DateTimeOffset(Planned(series, 3), TimeSpan.Zero).AddMinutes(1));
        await using (var scope = host.Nodes[0].Services.CreateAsyncScope())
        {
            Assert.Equal(0, await scope.ServiceProvider.GetRequiredService<Web.Engine.Dispatcher>().DispatchDueAsync(Ct));
        }
        Assert.Equal(["released", "released", "draft", "draft"], Statuses(await SeriesAsync(host, id)));
        Assert.Equal(2, host.Receiver.On(Path).Count);
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task Block_AFailedEpisodeHoldsTheNext_UntilRetried_OrSkippedByHand(DatabaseProvider provider)
    {
        await using var host = await StartAsync(provider, new DateTimeOffset(2027, 3, 11, 12, 0, 0, TimeSpan.Zero));
        // Calls: ep1 ok, ep2 fails, ep2 retried ok, ep3 ok, ep4 fails, ep5 ok.
        host.Receiver.Respond(Path, TimeSpan.Zero, 200, 500, 200, 200, 500, 200);
        var series = await CreateAsync(host, 5, "FREQ=DAILY;BYHOUR=9;BYMINUTE=0", "2027-03-12T00:00", "block");
        var id = series.GetProperty("id").GetGuid();
        await ReachAsync(host, series, 1, "released", "scheduled", "scheduled", "scheduled", "scheduled");
        await ReachAsync(host, series, 2, "released", "failed", "scheduled", "scheduled", "scheduled");

        // Episode 3's time comes: its run exists but waits behind episode 2.
        var held = await ReachHeldAsync(host, series, 3);
        Assert.Equal(2, host.Receiver.On(Path).Count);
        Assert.Contains("earlier episode", held.GetProperty("reason").GetString(), StringComparison.Ordinal);

        var retried = await host.Client.PostAsync($"/api/v1/schedules/series/{id}/episodes/2/retry", null, Ct);
        Assert.True(retried.IsSuccessStatusCode, await retried.Content.ReadAsStringAsync(Ct));
        await UntilAsync(host, series, ["released", "released", "released", "scheduled", "scheduled"], "episode 2 retried, then 3");

        await ReachAsync(host, series, 4, "released", "released", "released", "failed", "scheduled");
        await ReachHeldAsync(host, series, 5);
        Assert.Equal(5, host.Receiver.On(Path).Count);
        (await host.Client.PutAsJsonAsync($"/api/v1/schedules/series/{id}/episodes/4", new { skip = true }, Ct)).EnsureSuccessStatusCode();

        var done = await UntilAsync(host, series, ["released", "released", "released", "skipped", "released"], "episode 4 skipped, then 5");
        Assert.Equal("completed", (await Eventually.GetAsync(() => SeriesAsync(host, id), s => s.GetProperty("status").GetString() == "completed", TimeSpan.FromSeconds(10))).GetProperty("status").GetString());
        Assert.Equal(4, done.GetProperty("releasedCount").GetInt32());
        var successes = host.Receiver.On(Path).Where(r => r.Status == 200).Select(r => r.Json.GetProperty("series").GetProperty("episode").GetInt32());
        Assert.Equal([1, 2, 3, 5], successes);
    }

    [Fact]
    public async Task Continue_AFailedEpisodeLetsTheNextGo_AndCanNoLongerBeRetried()
    {
        await using var host = await StartAsync(DatabaseProvider.Sqlite, new DateTimeOffset(2027, 3, 11, 12, 0, 0, TimeSpan.Zero));
        host.Receiver.Respond(Path, TimeSpan.Zero, 200, 500, 200);
        var series = await CreateAsync(host, 3, "FREQ=DAILY;BYHOUR=9;BYMINUTE=0", "2027-03-12T00:00", "continue");
        var id = series.GetProperty("id").GetGuid();
        await ReachAsync(host, series, 1, "released", "scheduled", "scheduled");
        await ReachAsync(host, series, 2, "released", "failed", "scheduled");
        await ReachAsync(host, series, 3, "released", "failed", "released");

        Assert.Equal("completed", (await Eventually.GetAsync(() => SeriesAsync(host, id), s => s.GetProperty("status").GetString() == "completed", TimeSpan.FromSeconds(10))).GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.Conflict, (await host.Client.PostAsync($"/api/v1/schedules/series/{id}/episodes/2/retry", null, Ct)).StatusCode);
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite, 1)]
    [InlineData(DatabaseProvider.PostgreSql, 1)]
    [InlineData(DatabaseProvider.PostgreSql, 2)]
    public async Task AfterDowntime_EveryMissedEpisodeCatchesUpInOrder_ThroughARetry_OnOneOrTwoNodes(DatabaseProvider provider, int nodes)
    {
        await using var host = await StartAsync(provider, new DateTimeOffset(2027, 3, 11, 12, 0, 0, TimeSpan.Zero), nodes);
        // Episode 2's first attempt fails and is retried a second later; every answer takes a moment, so overlaps would show.
        host.Receiver.Respond(Path, TimeSpan.FromMilliseconds(150), 200, 500, 200);
        var series = await CreateAsync(host, 6, "FREQ=HOURLY;BYMINUTE=0", "2027-03-12T00:00", retry: new { maxAttempts = 2, strategy = "fixed", baseDelaySeconds = 1 });

        // The app was down through all six: "now" is an hour after the last.
        host.Clock.JumpTo(new DateTimeOffset(Planned(series, 6), TimeSpan.Zero).AddHours(1));
        await UntilAsync(host, series, ["released", "released", "released", "released", "released", "released"], "all six caught up");

        AssertReleasedInOrder(host, 6);
        Assert.Equal(7, host.Receiver.On(Path).Count);
        await using var db = await host.Nodes[0].Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync(Ct);
        var runs = await db.Executions.IgnoreQueryFilters().AsNoTracking().OrderBy(e => e.ScheduledFor).ToListAsync(Ct);
        Assert.Equal(6, runs.Count);
        Assert.All(runs, r => Assert.Equal(ExecutionStatus.Completed, r.Status));
        for (var i = 1; i < runs.Count; i++)
        {
            Assert.True(runs[i].StartedAt >= runs[i - 1].CompletedAt, $"run {i + 1} started before run {i} completed");
        }
    }

    /// <summary>Moves "now" past episode <paramref name="number"/> and waits until its run waits behind the earlier one.</summary>
    private static async Task<JsonElement> ReachHeldAsync(Host host, JsonElement series, int number)
    {
        host.Clock.JumpTo(new DateTimeOffset(Planned(series, number), TimeSpan.Zero).AddSeconds(1));
        var id = series.GetProperty("id").GetGuid();
        var withRun = await Eventually.GetAsync(() => SeriesAsync(host, id),
            s => s.GetProperty("episodes")[number - 1].GetProperty("executionId").ValueKind == JsonValueKind.String, TimeSpan.FromSeconds(30), $"episode {number}'s run");
        var runId = withRun.GetProperty("episodes")[number - 1].GetProperty("executionId").GetGuid();
        return await Eventually.GetAsync(
            async () => (await host.Client.GetFromJsonAsync<JsonElement>($"/api/v1/executions/{runId}", Ct)).GetProperty("execution"),
            e => e.GetProperty("status").GetString() == "pending" && e.GetProperty("reason").GetString()?.Contains("earlier episode", StringComparison.Ordinal) == true,
            TimeSpan.FromSeconds(30), $"episode {number} held");
    }
}
