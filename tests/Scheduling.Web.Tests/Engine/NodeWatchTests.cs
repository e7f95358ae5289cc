using System.Net.Http.Json;
using Hangfire;
using Hangfire.Common;
using Hangfire.States;
using Hangfire.Storage.Monitoring;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Scheduling.Web.Data;
using Scheduling.Web.Engine;
using Scheduling.Web.Features.Executions;
using Scheduling.Web.Tests.Infrastructure;

namespace Scheduling.Web.Tests.Engine;

/// <summary>
/// A node that dies (kill -9) leaves runs its dispatcher held in memory and runs its workers were processing. The
/// node watch hands them to the live nodes as soon as the node stops heartbeating, not after the periodic sweep's
/// settling time or Hangfire's invisibility timeout. A dead node is played by a name no live server has.
/// </summary>
public class NodeWatchTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task RunsHeldOrProcessedByADeadNode_AreTakenOverAtOnce_AndDeliveredOnce(DatabaseProvider provider)
    {
        Assert.SkipWhen(provider == DatabaseProvider.PostgreSql && string.IsNullOrEmpty(Environment.GetEnvironmentVariable(PostgreSqlTestDatabase.EnvironmentVariable)),
            $"PostgreSQL: set {PostgreSqlTestDatabase.EnvironmentVariable} to run this case.");
        // The periodic sweep is an hour away: only the node watch can take these runs over within the test.
        await using var host = await EngineHost.StartAsync(provider, extra: new() { ["Execution:RecoveryInterval"] = "01:00:00" });
        var heldId = await host.CreateOnceAsync("held", inSeconds: 3600);
        var processedId = await host.CreateOnceAsync("processed", inSeconds: 3600);
        var liveId = await host.CreateOnceAsync("live", inSeconds: 3600);
        var now = DateTime.UtcNow;

        // Claimed ahead by the dead node and held in its memory: pending, no job, due in two seconds.
        var held = await host.RecordRunAsync(heldId, now.AddSeconds(2), ExecutionStatus.Pending);
        // Claimed by this (live) node and held here: not the watch's to take.
        var heldHere = await host.RecordRunAsync(liveId, now.AddSeconds(30), ExecutionStatus.Pending);
        // Running on the dead node: a job in Processing on its server.
        var processed = await host.RecordRunAsync(processedId, now.AddSeconds(-1), ExecutionStatus.Running);
        var ghostJob = host.App.Services.GetRequiredService<IBackgroundJobClient>().Create(
            Job.FromExpression<ExecutionRunner>(runner => runner.RunAsync(processed.Id, null, CancellationToken.None)), new ProcessingOn("dead-node:5f0c7e"));
        var thisNode = host.App.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<ExecutionOptions>>().Value.NodeName;
        // This node's Hangfire server is known by its node name: what it holds is not taken from it.
        var live = RecoverySweep.LiveServers(host.App.Services.GetRequiredService<JobStorage>(), TimeSpan.FromMinutes(1));
        Assert.Contains(live, server => NodeWatch.IsServerOf(server, thisNode));
        var factory = host.App.Services.GetRequiredService<IDbContextFactory<AppDbContext>>();
        await using (var db = await factory.CreateDbContextAsync(Ct))
        {
            await db.Executions.IgnoreQueryFilters().Where(e => e.Id == held.Id).ExecuteUpdateAsync(set => set.SetProperty(e => e.ClaimedBy, "dead-node"), Ct);
            await db.Executions.IgnoreQueryFilters().Where(e => e.Id == heldHere.Id).ExecuteUpdateAsync(set => set.SetProperty(e => e.ClaimedBy, thisNode), Ct);
            await db.Executions.IgnoreQueryFilters().Where(e => e.Id == processed.Id).ExecuteUpdateAsync(set => set
                .SetProperty(e => e.Attempts, 1).SetProperty(e => e.StartedAt, now).SetProperty(e => e.AttemptStartedAt, now)
                .SetProperty(e => e.HangfireJobId, ghostJob).SetProperty(e => e.ClaimedBy, "dead-node"), Ct);
        }

        // The node watch runs every heartbeat (5 s) as a recurring job: nothing else hands these runs over.
        var heldDone = await host.WaitForAsync(held.Id, e => e.GetProperty("status").GetString() == "completed", "the held run delivered");
        await host.WaitForAsync(processed.Id, e => e.GetProperty("status").GetString() == "completed", "the interrupted run delivered");
        var processedDone = await host.Client.GetFromJsonAsync<System.Text.Json.JsonElement>($"/api/v1/executions/{processed.Id}", Ct);
        Assert.Single(host.Receiver.Received, r => r.Path == "/held");
        await Task.Delay(6000, Ct);
        Assert.True(host.Receiver.Received.Count(r => r.Path == "/processed") == 1, await host.EngineStateAsync(processedId) + "\n" + (await host.Client.GetStringAsync($"/api/v1/executions/{processed.Id}", Ct)));
        Assert.True(processedDone.GetProperty("attempts").EnumerateArray().Any(a => a.TryGetProperty("error", out var error) && error.GetString() == RecoverySweep.Interrupted),
            processedDone.GetRawText() + "\n" + await host.EngineStateAsync(processedId));
        // Taken over at its time, not before.
        Assert.True(heldDone.GetProperty("startedAt").GetDateTime().ToUniversalTime() >= held.ScheduledFor);
        await using var check = await factory.CreateDbContextAsync(Ct);
        var untouched = await check.Executions.IgnoreQueryFilters().AsNoTracking().SingleAsync(e => e.Id == heldHere.Id, Ct);
        Assert.Null(untouched.HangfireJobId);
        using var scope = host.App.Services.CreateScope();
        Assert.Equal(0, await scope.ServiceProvider.GetRequiredService<NodeWatch>().WatchAsync(Ct));
    }

    /// <summary>
    /// A worker takes a job from the shared queue and its node dies before the worker marks it processing (on two
    /// nodes this is a window of a state lock's wait, and the session 12 kill measurements left 15 runs in it). The
    /// job stays "enqueued" and fetched: Hangfire.PostgreSql hands it out again only after 30 minutes, and the run's
    /// row names either that job (handed over by the dispatcher) or none (released at its time from memory).
    /// </summary>
    [Fact]
    public async Task JobsFetchedByAWorkerThatDied_BeforeItMarkedThemProcessing_AreTakenOver_AndDeliveredOnce()
    {
        Assert.SkipWhen(string.IsNullOrEmpty(Environment.GetEnvironmentVariable(PostgreSqlTestDatabase.EnvironmentVariable)),
            $"PostgreSQL: set {PostgreSqlTestDatabase.EnvironmentVariable} to run this case (the in-memory storage of one node has no shared queue).");
        await using var host = await EngineHost.StartAsync(DatabaseProvider.PostgreSql, extra: new() { ["Execution:RecoveryInterval"] = "01:00:00" });
        var withJobId = await host.CreateOnceAsync("with-job-id", inSeconds: 3600);
        var released = await host.CreateOnceAsync("released", inSeconds: 3600);
        var now = DateTime.UtcNow;
        var thisNode = host.App.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<ExecutionOptions>>().Value.NodeName;
        var runs = new[] { await host.RecordRunAsync(withJobId, now.AddSeconds(-1), ExecutionStatus.Pending), await host.RecordRunAsync(released, now.AddSeconds(-1), ExecutionStatus.Pending) };
        var client = host.App.Services.GetRequiredService<IBackgroundJobClient>();
        var factory = host.App.Services.GetRequiredService<IDbContextFactory<AppDbContext>>();
        var ghostJobs = new List<string>();
        await using (var db = await factory.CreateDbContextAsync(Ct))
        {
            foreach (var run in runs)
            {
                // Enqueued on a queue no worker serves, then moved to the run's queue as fetched a minute ago (by a
                // worker that is gone): this node's live workers would take a plainly enqueued job at once.
                // The released run went in a batch of runs due together (decision 0033), beside one that no longer exists.
                var job = run == runs[0]
                    ? client.Create(Job.FromExpression<ExecutionRunner>(runner => runner.RunAsync(run.Id, null, CancellationToken.None)), new EnqueuedState("parked"))
                    : client.Create(Job.FromExpression<ExecutionRunner>(runner => runner.RunBatchAsync(new[] { Guid.CreateVersion7(), run.Id }, null, CancellationToken.None)), new EnqueuedState("parked"));
                ghostJobs.Add(job);
                var moved = await db.Database.ExecuteSqlRawAsync(
                    "UPDATE hangfire.jobqueue SET queue = {0}, fetchedat = NOW() - INTERVAL '1 minute' WHERE jobid = {1}",
                    [ExecutionOptions.QueueOf(run.Priority), long.Parse(job, System.Globalization.CultureInfo.InvariantCulture)], Ct);
                Assert.Equal(1, moved);
                // Its worker died while changing the job's state: the job's state lock stays taken (a lock row that
                // expires after ten minutes). Nothing the watch does may wait for it.
                await db.Database.ExecuteSqlRawAsync("INSERT INTO hangfire.lock (resource, updatecount, acquired) VALUES ('job:' || {0} || ':state-lock', 0, NOW())", [job], Ct);
            }
            // Claimed by this live node: the held-runs path of the watch leaves them alone; only the fetched jobs say they are stranded.
            await db.Executions.IgnoreQueryFilters().Where(e => e.Id == runs[0].Id).ExecuteUpdateAsync(set => set
                .SetProperty(e => e.HangfireJobId, ghostJobs[0]).SetProperty(e => e.ClaimedBy, thisNode), Ct);
            await db.Executions.IgnoreQueryFilters().Where(e => e.Id == runs[1].Id).ExecuteUpdateAsync(set => set.SetProperty(e => e.ClaimedBy, thisNode), Ct);
        }

        foreach (var run in runs)
        {
            await host.WaitForAsync(run.Id, e => e.GetProperty("status").GetString() == "completed", "the stranded run delivered");
        }
        await Task.Delay(6000, Ct);
        Assert.Single(host.Receiver.Received, r => r.Path == "/with-job-id");
        Assert.Single(host.Receiver.Received, r => r.Path == "/released");
        // Marked deleted without Hangfire's state lock, which their dead worker may have held when it died.
        using var connection = host.App.Services.GetRequiredService<JobStorage>().GetConnection();
        Assert.All(ghostJobs, job => Assert.Equal(DeletedState.StateName, connection.GetStateData(job)?.Name));
        using var scope = host.App.Services.CreateScope();
        Assert.Equal(0, await scope.ServiceProvider.GetRequiredService<NodeWatch>().WatchAsync(Ct));
    }

    /// <summary>A job a live worker fetched a moment ago is its own, however the heartbeats fall.</summary>
    [Theory]
    [InlineData(-30, true)]
    [InlineData(-6, true)]
    [InlineData(-4, false)]
    [InlineData(2, false)]
    public void FetchedJobs_AreDeadWorkers_OnlyWhenStillEnqueuedAHeartbeatBeforeTheFreshestHeartbeat(int fetchedSecondsFromFreshest, bool taken)
    {
        var freshest = new DateTime(2026, 12, 3, 12, 0, 0, DateTimeKind.Utc);
        DateTime?[] heartbeats = [freshest, freshest.AddSeconds(-40), null];
        var fetched = Fetched(EnqueuedState.StateName, freshest.AddSeconds(fetchedSecondsFromFreshest));
        Assert.Equal(taken ? ["job-1"] : [], NodeWatch.FetchedByDeadWorkers(heartbeats, fetched, TimeSpan.FromSeconds(5)).Select(job => job.Key).ToArray());
        // Marked processing (or any state but enqueued): a worker has it, and the processing check judges it.
        Assert.Empty(NodeWatch.FetchedByDeadWorkers(heartbeats, Fetched(ProcessingState.StateName, freshest.AddMinutes(-5)), TimeSpan.FromSeconds(5)));
        // No server heartbeats (none started yet): nothing to judge by.
        Assert.Empty(NodeWatch.FetchedByDeadWorkers([], Fetched(EnqueuedState.StateName, freshest.AddMinutes(-5)), TimeSpan.FromSeconds(5)));
    }

    private static KeyValuePair<string, FetchedJobDto>[] Fetched(string state, DateTime at) =>
        [new("job-1", new FetchedJobDto { State = state, FetchedAt = at })];

    [Fact]
    public void HangfireServerIds_AreMatchedToNodeNames()
    {
        Assert.True(NodeWatch.IsServerOf("node-a:2b9f0c4e-55d1-4c3a-9a51-0d4f1e1f7a10", "node-A"));
        Assert.True(NodeWatch.IsServerOf("host:4242:2b9f0c4e-55d1-4c3a-9a51-0d4f1e1f7a10", "host:4242"));
        Assert.False(NodeWatch.IsServerOf("node-ab:2b9f0c4e", "node-a"));
    }

    [Theory]
    [InlineData("node-a:4242:2b9f0c4e-55d1-4c3a-9a51-0d4f1e1f7a10", "node-a")]
    [InlineData("vm:14600:14600:2b9f0c4e-55d1-4c3a-9a51-0d4f1e1f7a10", "vm:14600")]
    public void NodeOf_IsTheServerNameWithoutItsGuid_AndKeysItsLock_AsTheNodeTakesIt(string server, string node)
    {
        Assert.Equal(node, NodeLiveness.NodeOf(server));
        // The node takes its lock by its configured name, whatever its case; Hangfire writes it lower case.
        Assert.Equal(NodeLiveness.KeyOf(node.ToUpperInvariant()), NodeLiveness.KeyOf(NodeLiveness.NodeOf(server)));
    }

    /// <summary>
    /// A node killed with kill -9 closes its database sessions at once, and with them its node lock: two missed heartbeats
    /// later the watch takes its runs over, long before the node timeout (decision 0038). A node that still holds its lock
    /// is left alone however late its heartbeat, until the node timeout.
    /// </summary>
    [Fact]
    public async Task ANodeWhoseSessionLockIsGone_IsTakenOverAfterTwoMissedHeartbeats_NotAtTheNodeTimeout()
    {
        Assert.SkipWhen(string.IsNullOrEmpty(Environment.GetEnvironmentVariable(PostgreSqlTestDatabase.EnvironmentVariable)),
            $"PostgreSQL: set {PostgreSqlTestDatabase.EnvironmentVariable} to run this case (node locks are a server database's).");
        await using var host = await EngineHost.StartAsync(DatabaseProvider.PostgreSql, extra: new()
        {
            ["Execution:RecoveryInterval"] = "01:00:00",
            ["Execution:HeartbeatInterval"] = "00:00:01",
            ["Execution:NodeTimeout"] = "00:05:00",
        });
        var factory = host.App.Services.GetRequiredService<IDbContextFactory<AppDbContext>>();
        string connectionString;
        await using (var db = await factory.CreateDbContextAsync(Ct))
        {
            connectionString = db.Database.GetConnectionString()!;
        }
        // Two other nodes announce themselves and fall silent: one killed (no session, so no lock), one whose lock this
        // test's session holds (alive, say, but its heartbeat late).
        using (var connection = host.App.Services.GetRequiredService<JobStorage>().GetConnection())
        {
            connection.AnnounceServer("killed-node:4242:1a2b", new Hangfire.Server.ServerContext { Queues = ["default"], WorkerCount = 1 });
            connection.AnnounceServer("late-node:4343:3c4d", new Hangfire.Server.ServerContext { Queues = ["default"], WorkerCount = 1 });
        }
        await using var lateNodeSession = new Npgsql.NpgsqlConnection(connectionString);
        await lateNodeSession.OpenAsync(Ct);
        await using (var take = new Npgsql.NpgsqlCommand($"SELECT pg_advisory_lock(727002, {NodeLiveness.KeyOf("late-node")})", lateNodeSession))
        {
            await take.ExecuteNonQueryAsync(Ct);
        }

        var killed = await RunningOnAsync(host, "killed", "killed-node:4242:1a2b");
        var late = await RunningOnAsync(host, "late", "late-node:4343:3c4d");
        // A run the killed node's worker kept for a place at the concurrency limit: its row says to look again in five
        // minutes (the most it would have been kept), which is no time it must wait for.
        var kept = await RunningOnAsync(host, "kept", "killed-node:4242:1a2b", keptForAPlaceFor: TimeSpan.FromMinutes(5));

        // Taken over within seconds, though the node timeout is five minutes.
        await host.WaitForAsync(killed.Id, e => e.GetProperty("status").GetString() == "completed", "the killed node's run delivered");
        await host.WaitForAsync(kept.Id, e => e.GetProperty("status").GetString() == "completed", "the killed node's kept run delivered");
        Assert.Single(host.Receiver.Received, r => r.Path == "/killed");
        Assert.Single(host.Receiver.Received, r => r.Path == "/kept");
        await Task.Delay(3000, Ct);
        await using var check = await factory.CreateDbContextAsync(Ct);
        var untouched = await check.Executions.IgnoreQueryFilters().AsNoTracking().SingleAsync(e => e.Id == late.Id, Ct);
        Assert.Equal(ExecutionStatus.Running, untouched.Status);
        Assert.Equal(late.HangfireJobId, untouched.HangfireJobId);
        Assert.DoesNotContain(host.Receiver.Received, r => r.Path == "/late");
    }

    /// <summary>
    /// A run of a new schedule, running in a job processing on <paramref name="server"/>, claimed by its node; or, with
    /// <paramref name="keptForAPlaceFor"/>, pending in that job, kept for a place at the concurrency limit for that long.
    /// Written in one statement: the watch may look at any moment.
    /// </summary>
    private static async Task<Execution> RunningOnAsync(EngineHost host, string path, string server, TimeSpan? keptForAPlaceFor = null)
    {
        var node = NodeLiveness.NodeOf(server);
        var scheduleId = await host.CreateOnceAsync(path, inSeconds: 3600);
        var now = DateTime.UtcNow;
        var run = await host.RecordRunAsync(scheduleId, now.AddSeconds(-1), ExecutionStatus.Running);
        var job = host.App.Services.GetRequiredService<IBackgroundJobClient>().Create(
            Job.FromExpression<ExecutionRunner>(runner => runner.RunAsync(run.Id, null, CancellationToken.None)), new ProcessingOn(server));
        await using var db = await host.App.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync(Ct);
        if (keptForAPlaceFor is { } kept)
        {
            await db.Executions.IgnoreQueryFilters().Where(e => e.Id == run.Id).ExecuteUpdateAsync(set => set
                .SetProperty(e => e.Status, ExecutionStatus.Pending).SetProperty(e => e.Attempts, 0).SetProperty(e => e.StartedAt, (DateTime?)null)
                .SetProperty(e => e.AttemptStartedAt, (DateTime?)null).SetProperty(e => e.WaitReason, Scheduling.Core.Scheduling.WaitReason.ConcurrencyLimit)
                .SetProperty(e => e.NotBefore, now + kept).SetProperty(e => e.HangfireJobId, job).SetProperty(e => e.ClaimedBy, node), Ct);
        }
        else
        {
            await db.Executions.IgnoreQueryFilters().Where(e => e.Id == run.Id).ExecuteUpdateAsync(set => set
                .SetProperty(e => e.Attempts, 1).SetProperty(e => e.StartedAt, now).SetProperty(e => e.AttemptStartedAt, now)
                .SetProperty(e => e.HangfireJobId, job).SetProperty(e => e.ClaimedBy, node), Ct);
        }
        return await db.Executions.IgnoreQueryFilters().AsNoTracking().SingleAsync(e => e.Id == run.Id, Ct);
    }

    /// <summary>Hangfire's processing state as a worker of <paramref name="serverId"/> writes it (its constructor is not public).</summary>
    private sealed class ProcessingOn(string serverId) : IState
    {
        public string Name => ProcessingState.StateName;
        public string? Reason => null;
        public bool IsFinal => false;
        public bool IgnoreJobLoadException => false;

        public Dictionary<string, string> SerializeData() => new()
        {
            ["StartedAt"] = JobHelper.SerializeDateTime(DateTime.UtcNow),
            ["ServerId"] = serverId,
            ["WorkerId"] = "worker-1",
        };
    }

    /// <summary>
    /// A node killed while its delayed-job scheduler held Hangfire.PostgreSql's poller lock (a row, not a session) left
    /// it taken: at the storage's default the survivors moved no delayed job (a retry, a recheck at a limit) for ten
    /// minutes. A lock older than the node timeout is now taken over (measured with the load script's kill).
    /// </summary>
    [Fact]
    public async Task ASchedulerLockLeftByADeadNode_DoesNotStopDelayedJobsPastTheNodeTimeout()
    {
        Assert.SkipWhen(string.IsNullOrEmpty(Environment.GetEnvironmentVariable(PostgreSqlTestDatabase.EnvironmentVariable)),
            $"PostgreSQL: set {PostgreSqlTestDatabase.EnvironmentVariable} to run this case (the in-memory storage has no lock rows).");
        await using var host = await EngineHost.StartAsync(DatabaseProvider.PostgreSql, extra: new() { ["Execution:NodeTimeout"] = "00:00:10" });
        var factory = host.App.Services.GetRequiredService<IDbContextFactory<AppDbContext>>();
        await using (var db = await factory.CreateDbContextAsync(Ct))
        {
            // Taken 30 s ago by a node that died (the default removes it only after ten minutes).
            await db.Database.ExecuteSqlRawAsync(
                "INSERT INTO hangfire.lock (resource, updatecount, acquired) VALUES ('hangfire:locks:schedulepoller', 0, NOW() - INTERVAL '30 seconds') " +
                "ON CONFLICT (resource) DO UPDATE SET acquired = EXCLUDED.acquired", Ct);
        }
        // A delayed job (as a retry or a recheck is): it finds no run and succeeds, once the scheduler moved it to its queue.
        var job = host.App.Services.GetRequiredService<IBackgroundJobClient>()
            .Schedule<ExecutionRunner>(runner => runner.RunAsync(Guid.CreateVersion7(), null, CancellationToken.None), TimeSpan.FromSeconds(1));
        var storage = host.App.Services.GetRequiredService<JobStorage>();
        await Eventually.GetAsync(() =>
        {
            using var connection = storage.GetConnection();
            return Task.FromResult(connection.GetStateData(job)?.Name);
        }, state => state == SucceededState.StateName, TimeSpan.FromSeconds(30), "the delayed job to run despite the dead node's lock");
    }
}
