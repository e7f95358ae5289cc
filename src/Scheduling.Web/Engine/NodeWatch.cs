using Hangfire;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Scheduling.Web.Data;
using Scheduling.Web.Features.Executions;

namespace Scheduling.Web.Engine;

/// <summary>
/// Takes over the runs of a node that died (kill -9, a lost machine) as soon as it stops heartbeating, instead of
/// waiting for the periodic sweep's settling time or Hangfire's invisibility timeout: the runs its workers were
/// processing, and the runs its dispatcher claimed ahead and held in memory until their time (pending, without a
/// job, <see cref="Execution.ClaimedBy"/> naming it). Cheap when nothing died: the server list, the processing
/// jobs and one small query. Runs every <see cref="ExecutionOptions.HeartbeatInterval"/> as a recurring job.
/// </summary>
public sealed class NodeWatch(IDbContextFactory<AppDbContext> contexts, JobStorage storage, IBackgroundJobClient jobs, RecoverySweep recovery,
    IOptionsMonitor<ExecutionOptions> options, ILogger<NodeWatch> logger)
{
    /// <returns>How many runs were handed over again.</returns>
    public async Task<int> WatchAsync(CancellationToken ct = default)
    {
        var live = RecoverySweep.LiveServers(storage, options.CurrentValue.NodeTimeout);
        var monitoring = storage.GetMonitoringApi();
        // Jobs a dead node's workers were processing, by the run they carry.
        var orphaned = monitoring.ProcessingJobs(0, 10_000)
            .Where(job => job.Value is { ServerId: { } server } && !live.Contains(server) && job.Value.Job?.Args is [Guid, ..])
            .GroupBy(job => (Guid)job.Value.Job.Args[0])
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
        logger.LogWarning("Node watch: {Nodes} stopped heartbeating; taking over {Runs} run(s).",
            string.Join(", ", deadHolders.DefaultIfEmpty("a node")), candidates.Count);
        var recovered = await recovery.RecoverAsync(db, candidates, "a node died", ct);
        // The dead jobs are done with: deleted, so that the next look does not find them again.
        foreach (var job in orphaned.Values.SelectMany(ids => ids))
        {
            jobs.Delete(job);
        }
        return recovered;
    }

    /// <summary>Hangfire names a server "{server name, lower case}:{guid}"; the server name is our node name.</summary>
    internal static bool IsServerOf(string serverId, string nodeName) =>
        serverId.StartsWith(nodeName.ToLowerInvariant() + ":", StringComparison.Ordinal);
}
