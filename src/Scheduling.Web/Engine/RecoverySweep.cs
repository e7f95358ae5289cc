using Hangfire;
using Hangfire.States;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Scheduling.Web.Data;
using Scheduling.Web.Features.Executions;

namespace Scheduling.Web.Engine;

/// <summary>What the recovery sweep has done on this node since start-up.</summary>
public sealed class EngineStats
{
    private long _recovered;
    private long _sweeps;

    public long Recovered => Interlocked.Read(ref _recovered);
    public long Sweeps => Interlocked.Read(ref _sweeps);
    public DateTime? LastSweepAt { get; private set; }

    internal void RecordSweep(int recovered, DateTime at)
    {
        Interlocked.Add(ref _recovered, recovered);
        Interlocked.Increment(ref _sweeps);
        LastSweepAt = at;
    }
}

/// <summary>
/// Finds executions our database says are pending or running but that no live Hangfire job will
/// carry (a crash, the in-memory storage after a restart, a lost enqueue) and enqueues them again
/// with the same execution id, so the integration sees the same idempotency key.
/// </summary>
public sealed class RecoverySweep(
    IDbContextFactory<AppDbContext> contexts,
    ExecutionQueue queue,
    RunTransitions transitions,
    JobStorage storage,
    EngineStats stats,
    IOptionsMonitor<ExecutionOptions> options,
    TimeProvider clock,
    ILogger<RecoverySweep> logger)
{
    /// <summary>Work younger than this may still be between commit and enqueue on another node.</summary>
    private static readonly TimeSpan Settling = TimeSpan.FromSeconds(30);
    public const string Interrupted = "Interrupted: the node running this attempt stopped before it ended.";
    private static readonly HashSet<string> LiveStates = [EnqueuedState.StateName, ScheduledState.StateName, ProcessingState.StateName, AwaitingState.StateName];

    public async Task<int> SweepAsync(bool startup, CancellationToken ct = default)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var settled = startup ? now : now - Settling;
        await using var db = await contexts.CreateDbContextAsync(ct);
        var candidates = await db.Executions.IgnoreQueryFilters().AsNoTracking()
            // Rows without a job id may be between commit and enqueue on another node: give them time.
            .Where(e => (e.Status == ExecutionStatus.Pending || e.Status == ExecutionStatus.Running) && (e.HangfireJobId != null || e.CreatedAt <= settled))
            .OrderBy(e => e.ScheduledFor)
            .Take(5000)
            .ToListAsync(ct);

        return await RecoverAsync(db, candidates, startup ? "start-up" : "periodic", ct);
    }

    /// <summary>
    /// Hands the <paramref name="candidates"/> (pending or running runs, tracked by <paramref name="db"/>) to Hangfire
    /// again unless a live job carries them. A job processing on a node that stopped heartbeating is not live, nor is
    /// one of <paramref name="deadJobs"/> (fetched by a worker that died: to Hangfire still "enqueued").
    /// </summary>
    internal async Task<int> RecoverAsync(AppDbContext db, List<Execution> candidates, string when, CancellationToken ct, IReadOnlySet<string>? deadJobs = null)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var liveServers = LiveServers(storage, options.CurrentValue.NodeTimeout);
        var recovered = 0;
        var dueNow = new List<(Execution Run, string? SeenJob)>();
        using var connection = storage.GetConnection();
        foreach (var execution in candidates)
        {
            var seenJob = execution.HangfireJobId;
            var stateData = execution.HangfireJobId is null || deadJobs?.Contains(execution.HangfireJobId) == true ? null : connection.GetStateData(execution.HangfireJobId);
            var state = stateData?.Name;
            if (state == ProcessingState.StateName && stateData!.Data.TryGetValue("ServerId", out var server) && !liveServers.Contains(server))
            {
                // Its worker died with its node: Hangfire would hand the job out again only after its invisibility timeout.
                state = null;
            }
            if (execution.AwaitingCallback)
            {
                // Its timeout check may have been lost with the job storage: plan it again.
                if (state is null || !LiveStates.Contains(state))
                {
                    var wait = execution.CallbackDeadline is { } deadline && deadline > now ? deadline - now : TimeSpan.Zero;
                    if (await RecordCarrierAsync(db, execution, seenJob, queue.ScheduleCallbackTimeout(execution.Id, wait), now, ct))
                    {
                        recovered++;
                    }
                }
                continue;
            }
            if (state is not null && LiveStates.Contains(state))
            {
                continue;
            }
            if (execution.Status == ExecutionStatus.Running)
            {
                // The attempt died with its job (a crash, a lost node): recorded as such, and the run goes again.
                // Compare-and-set: what was read above may be stale (the run may have ended since).
                var reason = $"Attempt {execution.Attempts} was interrupted (the node running it stopped); running it again.";
                if (!await transitions.InterruptAsync(db, execution.Id, execution.Attempts, execution.HangfireJobId, reason, ct))
                {
                    db.Entry(execution).State = EntityState.Detached;
                    continue;
                }
                // The row is written by the compare-and-sets only: a tracked copy saved below would put back what a job
                // that started the run meanwhile changed.
                db.Entry(execution).State = EntityState.Detached;
                execution.Status = ExecutionStatus.Pending;
                execution.Reason = reason;
                execution.WaitReason = Core.Scheduling.WaitReason.None;
                db.ExecutionAttempts.Add(new ExecutionAttempt
                {
                    Id = Guid.CreateVersion7(),
                    WorkspaceId = execution.WorkspaceId,
                    ExecutionId = execution.Id,
                    Number = execution.Attempts,
                    StartedAt = execution.StartedAt ?? now,
                    CompletedAt = now,
                    Status = ExecutionStatus.Failed,
                    Error = Interrupted,
                });
            }
            // A run kept for a place at the concurrency limit (decision 0035) carries "recheck at" as its wait's end, not a
            // time it must wait for: a place is the ledger's to decide, now. A dead node's kept runs go at once.
            var due = execution.WaitReason == Core.Scheduling.WaitReason.ConcurrencyLimit ? null : execution.NotBefore;
            if (!execution.IsManual && execution.Status == ExecutionStatus.Pending && execution.Attempts == 0 && execution.ScheduledFor > (due ?? now))
            {
                // Claimed ahead of its time: it still waits for its time.
                due = execution.ScheduledFor;
            }
            var delay = due is { } notBefore && notBefore > now ? notBefore - now : TimeSpan.Zero;
            if (delay == TimeSpan.Zero)
            {
                dueNow.Add((execution, seenJob));
                continue;
            }
            if (await RecordCarrierAsync(db, execution, seenJob, queue.Schedule(execution.Id, execution.Priority, delay), now, ct))
            {
                recovered++;
            }
        }

        // Runs due now go as a burst due now goes (decision 0033): a dead node's share, hundreds of runs, in jobs of
        // several runs, so that the survivors take it at the pace of their workers and not of Hangfire's job creation.
        var byId = dueNow.ToDictionary(d => d.Run.Id);
        foreach (var carrier in DueRunReleaser.Carriers([.. dueNow.Select(d => (d.Run.Id, d.Run.Priority))], options.CurrentValue))
        {
            var job = queue.EnqueueBatch(carrier.Ids, carrier.Priority);
            foreach (var id in carrier.Ids)
            {
                // Lost when the job already started the run (it wrote itself as the carrier), or when another writer moved
                // it (the job then finds it not its own): counted as handed over either way.
                await RecordCarrierAsync(db, byId[id].Run, byId[id].SeenJob, job, now, ct);
            }
            recovered += carrier.Ids.Length;
        }
        await db.SaveChangesAsync(ct);
        stats.RecordSweep(recovered, now);
        if (recovered > 0)
        {
            logger.LogInformation("Recovery: {Count} stranded execution(s) handed to Hangfire again ({When}).", recovered, when);
        }
        return recovered;
    }

    /// <summary>
    /// The new job carries the run only if nobody moved it since it was read (another node's sweep, the node watch, a
    /// job that started it meanwhile): a carrier written over a running run would start it a second time. A job that
    /// lost here finds the run not its own and leaves it.
    /// </summary>
    private static async Task<bool> RecordCarrierAsync(AppDbContext db, Execution seen, string? seenJob, string job, DateTime now, CancellationToken ct)
    {
        var (id, status, attempts) = (seen.Id, seen.Status, seen.Attempts);
        return await db.Executions.IgnoreQueryFilters()
            .Where(e => e.Id == id && e.Status == status && e.Attempts == attempts && e.HangfireJobId == seenJob)
            .ExecuteUpdateAsync(set => set.SetProperty(e => e.HangfireJobId, job).SetProperty(e => e.EnqueuedAt, e => e.EnqueuedAt ?? now), ct) == 1;
    }

    /// <summary>
    /// The Hangfire servers (nodes) that heartbeated within <paramref name="timeout"/> of the freshest heartbeat, by
    /// server id. Heartbeats are written on Hangfire's clock, not ours (a test's or an injected clock may differ): the
    /// freshest one (a live node's) is the reference, so only a node that fell silent while others beat counts as dead.
    /// </summary>
    internal static HashSet<string> LiveServers(JobStorage storage, TimeSpan timeout)
    {
        var servers = storage.GetMonitoringApi().Servers();
        var beats = servers.Where(s => s.Heartbeat is not null).Select(s => s.Heartbeat!.Value).ToList();
        if (beats.Count == 0)
        {
            return [];
        }
        var freshest = beats.Max();
        return servers.Where(s => s.Heartbeat is { } beat && beat > freshest - timeout).Select(s => s.Name).ToHashSet(StringComparer.Ordinal);
    }
}
