using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using NodaTime;
using Scheduling.Core.Recurrence;
using Scheduling.Core.Scheduling;
using Scheduling.Web.Data;
using Scheduling.Web.Features.Executions;
using Scheduling.Web.Features.Schedules;

namespace Scheduling.Web.Engine;

/// <summary>
/// Turns due schedules into executions. Our database is the source of truth: a schedule is claimed by a
/// conditional update of its next run (only one node's update matches), its due occurrences become
/// execution rows (unique per occurrence), and only after commit are they handed to Hangfire.
/// </summary>
public sealed class Dispatcher(
    IDbContextFactory<AppDbContext> contexts,
    DueRunReleaser releaser,
    RunTransitions transitions,
    Operations.EngineMetrics metrics,
    Features.Events.LifecycleOutbox outbox,
    IOptionsMonitor<ExecutionOptions> options,
    TimeProvider clock,
    ILogger<Dispatcher> logger)
{
    /// <summary>One pass: claims up to a batch of due schedules; returns how many were claimed.</summary>
    public async Task<int> DispatchDueAsync(CancellationToken ct = default)
    {
        var settings = options.CurrentValue;
        var now = clock.GetUtcNow().UtcDateTime;
        var horizon = now + settings.DispatchLookahead;
        await using var db = await contexts.CreateDbContextAsync(ct);
        var due = await db.Schedules.IgnoreQueryFilters().AsNoTracking().Include(s => s.Exceptions)
            .Where(s => s.Status == ScheduleStatus.Active && s.NextRunAt != null && s.NextRunAt <= horizon)
            // A paused workspace or channel claims nothing: its next runs stay, for the missed-run policy on resume.
            .Where(s => !db.Workspaces.Any(w => w.Id == s.WorkspaceId && w.PausedAt != null)
                && (s.ChannelId == null || !db.Channels.IgnoreQueryFilters().Any(c => c.Id == s.ChannelId && c.PausedAt != null)))
            .OrderByDescending(s => s.Priority).ThenBy(s => s.NextRunAt).ThenBy(s => s.Id)
            .Take(settings.DispatchBatchSize)
            .ToListAsync(ct);
        if (due.Count == 0)
        {
            return 0;
        }

        var missed = new MissedRunOptions(settings.MissedRunGrace, settings.CatchUpWindow);
        var toEnqueue = new List<Execution>();
        var skipped = new List<Execution>();
        var claimed = 0;
        await using (var transaction = await db.Database.BeginTransactionAsync(ct))
        {
            foreach (var schedule in due)
            {
                var created = await ClaimAsync(db, schedule, Instant.FromDateTimeUtc(now), Instant.FromDateTimeUtc(horizon), missed, ct);
                if (created is null)
                {
                    continue;
                }
                claimed++;
                toEnqueue.AddRange(created.Where(e => e.Status == ExecutionStatus.Pending));
                skipped.AddRange(created.Where(e => e.Status == ExecutionStatus.Skipped));
            }
            await db.SaveChangesAsync(ct);
            await transaction.CommitAsync(ct);
        }
        foreach (var run in skipped)
        {
            metrics.RunReached(run.JobType, ExecutionStatus.Skipped);
        }

        // After commit: a crash before this line leaves pending rows that the recovery sweep enqueues.
        // Runs claimed ahead are held on this node and handed to Hangfire the moment they fall due.
        var enqueuedAt = clock.GetUtcNow().UtcDateTime;
        foreach (var execution in toEnqueue)
        {
            // Jitter moves the start a little after the occurrence (NotBefore).
            execution.HangfireJobId = releaser.HandOver(execution.Id, execution.Priority, execution.NotBefore ?? execution.ScheduledFor);
            execution.EnqueuedAt = enqueuedAt;
        }
        await db.SaveChangesAsync(ct);
        if (claimed > 0)
        {
            logger.LogDebug("Dispatched {Schedules} schedule(s), {Executions} execution(s) enqueued.", claimed, toEnqueue.Count);
        }
        return due.Count;
    }

    /// <summary>Claims one schedule; null when another node (or an edit) moved its next run first.</summary>
    private async Task<List<Execution>?> ClaimAsync(AppDbContext db, Schedule schedule, Instant now, Instant horizon, MissedRunOptions missed, CancellationToken ct)
    {
        var timing = ScheduleTiming.FromSchedule(schedule);
        var from = Instant.FromDateTimeUtc(schedule.NextRunAt!.Value);
        // Occurrences skipped by hand are in the sequence, so that each is recorded as skipped when its time comes.
        IEnumerable<Instant> occurrences = timing.Type == ScheduleType.Once
            ? [from]
            : timing.EngineOccurrences(from).Select(o => o.At);
        int? remaining = schedule.MaxRuns is { } max ? Math.Max(0, max - schedule.RunCount) : null;
        var plan = MissedRunPlanner.Plan(occurrences, now, schedule.MissedPolicy, missed, remaining, horizon, timing.SkippedInstants());

        var runs = plan.RunCount;
        var nextRunAt = plan.NextRunAt?.ToDateTimeUtc();
        var status = nextRunAt is null ? ScheduleStatus.Completed : ScheduleStatus.Active;
        var lastRunAt = plan.Runs.Where(r => r.Action == PlannedRunAction.Run).Select(r => (DateTime?)r.ScheduledFor.ToDateTimeUtc()).LastOrDefault();
        var previous = schedule.NextRunAt;
        var updated = await db.Schedules.IgnoreQueryFilters()
            .Where(s => s.Id == schedule.Id && s.NextRunAt == previous && s.Status == ScheduleStatus.Active)
            .ExecuteUpdateAsync(set => set
                .SetProperty(s => s.NextRunAt, nextRunAt)
                .SetProperty(s => s.Status, status)
                .SetProperty(s => s.RunCount, s => s.RunCount + runs)
                .SetProperty(s => s.LastRunAt, s => lastRunAt ?? s.LastRunAt), ct);
        if (updated == 0)
        {
            return null;
        }

        var created = new List<Execution>(plan.Runs.Count);
        var runNumber = schedule.RunCount;
        var firstRun = true;
        var createdAt = now.ToDateTimeUtc();
        foreach (var run in plan.Runs)
        {
            var scheduledFor = run.ScheduledFor.ToDateTimeUtc();
            var isRun = run.Action == PlannedRunAction.Run;
            if (isRun)
            {
                runNumber++;
            }
            // Several due runs claimed at once (run_all catching up) go in order, one after the other;
            // runs claimed ahead of their time follow the overlap policy like any other.
            var catchingUp = isRun && !firstRun && run.ScheduledFor <= now;
            created.Add(isRun
                ? Execution.Planned(schedule, scheduledFor, runNumber, catchingUp,
                    schedule.JitterSeconds > 0 ? Jitter.StartOf(schedule.Id, run.ScheduledFor, schedule.JitterSeconds).ToDateTimeUtc() : null, createdAt)
                : Execution.Skipped(schedule, scheduledFor, runNumber, run.Reason, createdAt));
            firstRun &= !isRun;
        }
        var node = options.CurrentValue.NodeName;
        foreach (var run in created)
        {
            run.ClaimedBy = node;
        }
        await transitions.CreateAsync(db, created, ct);
        if (status == ScheduleStatus.Completed)
        {
            // Rare (a schedule's last run): the event joins the claim's transaction.
            var done = ScheduleService.ToView(schedule) with { Status = status, NextRunAt = null, NextRunLocal = null, RunCount = schedule.RunCount + runs, LastRunAt = lastRunAt ?? schedule.LastRunAt };
            await outbox.AddScheduleEventAsync(db, schedule.WorkspaceId, Features.Events.EventTypes.ScheduleCompleted, done, ct);
        }
        return created;
    }
}

/// <summary>Runs the dispatcher on this node: a short loop (Hangfire's recurring jobs poll every 15 s).</summary>
public sealed class DispatcherService(IServiceScopeFactory scopes, IOptionsMonitor<ExecutionOptions> options, TimeProvider clock, ILogger<DispatcherService> logger)
    : PeriodicService(scopes, clock, logger)
{
    protected override TimeSpan Interval => options.CurrentValue.DispatchInterval;

    protected override async Task<bool> RunOnceAsync(IServiceProvider services, CancellationToken cancellationToken) =>
        await services.GetRequiredService<Dispatcher>().DispatchDueAsync(cancellationToken) >= options.CurrentValue.DispatchBatchSize;
}
