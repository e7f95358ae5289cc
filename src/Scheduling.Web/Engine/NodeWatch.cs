using Hangfire;
using Hangfire.States;
using Hangfire.Storage;
using Hangfire.Storage.Monitoring;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Scheduling.Web.Data;
using Scheduling.Web.Features.Executions;

namespace Scheduling.Web.Engine;

/// <summary>
/// Takes over the runs of a node that died (kill -9, a lost machine) as soon as it stops heartbeating, instead of
/// waiting for the periodic sweep's settling time or Hangfire's invisibility timeout: the runs its workers were
/// processing, the runs its workers had taken from the queue but not begun (decision 0033), and the runs its
/// dispatcher claimed ahead and held in memory until their time (pending, without a job,
/// <see cref="Execution.ClaimedBy"/> naming it). Cheap when nothing died: the server list, the processing and fetched
/// jobs and one small query. Runs every <see cref="ExecutionOptions.HeartbeatInterval"/> as a recurring job.
/// </summary>
public sealed class NodeWatch(IDbContextFactory<AppDbContext> contexts, JobStorage storage, RecoverySweep recovery, NodeLiveness liveness,
    IOptionsMonitor<ExecutionOptions> options, ILogger<NodeWatch> logger)
{
    /// <returns>How many runs were handed over again.</returns>
    public async Task<int> WatchAsync(CancellationToken ct = default)
    {
        var settings = options.CurrentValue;
        var live = RecoverySweep.LiveServers(storage, settings.NodeTimeout);
        var monitoring = storage.GetMonitoringApi();
        // A node whose session lock is gone and that missed two heartbeats is dead now, not at the node timeout (decision 0038).
        live.ExceptWith(await liveness.GoneAsync([.. monitoring.Servers().Select(server => (server.Name, server.Heartbeat))], ct));
        // Jobs a dead node's workers were processing, by the run they carry.
        var processing = monitoring.ProcessingJobs(0, 10_000)
            .Where(job => job.Value is { ServerId: { } server } && !live.Contains(server))
            .Select(job => (job.Key, job.Value.Job));
        // Jobs a worker took from the shared queue and died with before it could mark them processing. Nothing in
        // Hangfire names that worker, and its storage hands them out again only after its invisibility timeout (30 min).
        var fetched = FetchedByDeadWorkers(monitoring.Servers().Select(server => server.Heartbeat),
            ExecutionOptions.Queues.SelectMany(queue => monitoring.FetchedJobs(queue, 0, 10_000)), settings.HeartbeatInterval);
        var orphaned = processing.Concat(fetched.Select(job => (job.Key, job.Value.Job)))
            .SelectMany(job => RunsOf(job.Job).Select(run => (Run: run, job.Key)))
            .GroupBy(job => job.Run)
            .ToDictionary(g => g.Key, g => g.Select(job => job.Key).ToHashSet(StringComparer.Ordinal));

        await using var db = await contexts.CreateDbContextAsync(ct);
        var holders = await db.Executions.IgnoreQueryFilters()
            .Where(e => e.Status == ExecutionStatus.Pending && e.HangfireJobId == null && e.ClaimedBy != null)
            .Select(e => e.ClaimedBy!).Distinct().ToListAsync(ct);
        var deadHolders = holders.Where(node => !live.Any(server => IsServerOf(server, node))).ToList();
        if (orphaned.Count == 0 && deadHolders.Count == 0)
        {
            return 0;
        }

        var orphanedRuns = orphaned.Keys.ToList();
        var candidates = (await db.Executions.IgnoreQueryFilters().AsNoTracking()
            .Where(e => (e.Status == ExecutionStatus.Pending || e.Status == ExecutionStatus.Running)
                && (orphanedRuns.Contains(e.Id) || (e.HangfireJobId == null && e.ClaimedBy != null && deadHolders.Contains(e.ClaimedBy))))
            .ToListAsync(ct))
            // Only a run its dead job still carries: one a live job took over since is that job's.
            .Where(e => e.HangfireJobId is null || (orphaned.TryGetValue(e.Id, out var dead) && dead.Contains(e.HangfireJobId)))
            .ToList();
        var dead = orphaned.Values.SelectMany(ids => ids).ToHashSet(StringComparer.Ordinal);
        if (candidates.Count == 0)
        {
            // Their runs ended or went with another job since.
            MarkDeleted(dead);
            return 0;
        }
        logger.LogWarning("Node watch: {Nodes} stopped heartbeating; taking over {Runs} run(s).",
            string.Join(", ", deadHolders.DefaultIfEmpty("a node")), candidates.Count);
        var recovered = await recovery.RecoverAsync(db, candidates, "a node died", ct, deadJobs: dead);
        MarkDeleted(dead);
        return recovered;
    }

    /// <summary>
    /// The dead jobs are done with: marked deleted so that they leave the dashboard's processing list and, when the
    /// storage's invisibility timeout gives them out again, are dropped instead of run. Written in a transaction of
    /// the storage, not through Hangfire's state changer: a worker killed while changing a job's state leaves that
    /// job's state lock taken (a row in the storage's lock table until it expires, ten minutes on PostgreSQL), and the
    /// state changer would wait for it.
    /// </summary>
    private void MarkDeleted(IReadOnlyCollection<string> dead)
    {
        using var connection = storage.GetConnection();
        using var transaction = connection.CreateWriteTransaction();
        foreach (var job in dead)
        {
            transaction.SetJobState(job, new DeletedState { Reason = "Its node stopped heartbeating; the node watch handed its run over again." });
            transaction.ExpireJob(job, TimeSpan.FromDays(1));
        }
        transaction.Commit();
    }

    /// <summary>
    /// Jobs fetched from our queues more than a heartbeat interval before the freshest heartbeat and still enqueued: a
    /// live worker marks the job it fetched as processing within milliseconds, so one still waiting that long was
    /// fetched by a worker that is gone. Both times are the job storage's clock (a database's <c>NOW()</c>), not ours.
    /// </summary>
    internal static List<KeyValuePair<string, FetchedJobDto>> FetchedByDeadWorkers(IEnumerable<DateTime?> heartbeats,
        IEnumerable<KeyValuePair<string, FetchedJobDto>> fetched, TimeSpan heartbeat)
    {
        var beats = heartbeats.OfType<DateTime>().ToList();
        if (beats.Count == 0)
        {
            return [];
        }
        var before = beats.Max() - heartbeat;
        return [.. fetched.Where(job => job.Value is { State: var state, FetchedAt: { } at } && state == EnqueuedState.StateName && at < before)];
    }

    /// <summary>The runs a job carries: one (its first argument) or a batch of runs due together.</summary>
    internal static IEnumerable<Guid> RunsOf(Hangfire.Common.Job? job) => job?.Args switch
    {
        [Guid run, ..] => [run],
        [Guid[] runs, ..] => runs,
        _ => [],
    };

    /// <summary>Hangfire names a server "{server name, lower case}:{guid}"; the server name is our node name.</summary>
    internal static bool IsServerOf(string serverId, string nodeName) =>
        serverId.StartsWith(nodeName.ToLowerInvariant() + ":", StringComparison.Ordinal);
}
