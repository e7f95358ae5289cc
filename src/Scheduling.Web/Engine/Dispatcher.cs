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
    DatabaseOptions database,
    DueRunReleaser releaser,
    RunTransitions transitions,
    Operations.EngineMetrics metrics,
    Features.Events.LifecycleOutbox outbox,
    EngineActivity activity,
    IOptionsMonitor<ExecutionOptions> options,
    TimeProvider clock,
    ILogger<Dispatcher> logger)
{
    /// <summary>One pass: claims up to a batch of due schedules; returns how many were claimed.</summary>
    public async Task<int> DispatchDueAsync(CancellationToken ct = default)
    {
        var settings = options.CurrentValue;
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var now = clock.GetUtcNow().UtcDateTime;
        var horizon = now + settings.DispatchLookahead;
        await using var db = await contexts.CreateDbContextAsync(ct);
        var dueQuery = DueSchedules(db, horizon, settings.DispatchBatchSize);

        // Several nodes (PostgreSQL, SQL Server) take disjoint batches: the due rows are locked for the claim's transaction
        // and rows another node holds are skipped, so two dispatchers work side by side instead of one waiting for the
        // other's commit and then finding every row of its batch gone (decision 0039). SQLite is one node and one writer:
        // it reads before its (immediate) transaction, which then holds the write lock only for the writes.
        await using var transaction = database.Provider == DatabaseProvider.Sqlite ? null : await db.Database.BeginTransactionAsync(ct);
        List<Schedule> due;
        if (transaction is null)
        {
            due = await dueQuery.AsNoTracking().Include(s => s.Exceptions).ToListAsync(ct);
        }
        else
        {
            var ids = await dueQuery.TagWith(RowLocks.SkipLocked).Select(s => s.Id).ToListAsync(ct);
            var order = ids.Select((id, index) => (id, index)).ToDictionary(x => x.id, x => x.index);
            due = ids.Count == 0 ? [] : await db.Schedules.IgnoreQueryFilters().AsNoTracking().Include(s => s.Exceptions)
                .Where(s => ids.Contains(s.Id)).ToListAsync(ct);
            due.Sort((a, b) => order[a.Id].CompareTo(order[b.Id]));
        }
        if (due.Count == 0)
        {
            return 0;
        }
        var queried = watch.Elapsed;

        var missed = new MissedRunOptions(settings.MissedRunGrace, settings.CatchUpWindow);
        var claims = due.Select(schedule => Plan(schedule, Instant.FromDateTimeUtc(now), Instant.FromDateTimeUtc(horizon), missed)).ToList();
        await using var writes = transaction is null ? await db.Database.BeginTransactionAsync(ct) : null;
        // One compare-and-set per schedule, all in one round trip: a schedule whose next run moved since it was read (an
        // edit; on SQLite, which locks no row) is left to the next pass.
        var won = await RowUpdates<Schedule>.For(db, "claim",
            [s => s.NextRunAt, s => s.Status, s => s.RunCount, s => s.LastRunAt],
            [s => s.Id, s => s.NextRunAt, s => s.Status, s => s.RunCount]).RunAsync(db,
            [.. claims.Select(c => new object?[]
            {
                c.NextRunAt, c.Status, c.Schedule.RunCount + c.Runs, c.LastRunAt ?? c.Schedule.LastRunAt,
                c.Schedule.Id, c.Schedule.NextRunAt, ScheduleStatus.Active, c.Schedule.RunCount,
            })], ct);
        var claimed = claims.Where((_, i) => won[i]).ToList();
        var created = claimed.SelectMany(c => c.Created).ToList();
        await transitions.CreateAsync(db, created, ct);
        foreach (var claim in claimed.Where(c => c.Status == ScheduleStatus.Completed))
        {
            // A schedule's last run (every one-time schedule's only one): the event joins the claim's transaction. The
            // view is made only for a workspace that listens.
            var schedule = claim.Schedule;
            if (!await outbox.IsWantedAsync(db, schedule.WorkspaceId, ct))
            {
                continue;
            }
            var done = ScheduleService.ToView(schedule) with
            {
                Status = claim.Status, NextRunAt = null, NextRunLocal = null, RunCount = schedule.RunCount + claim.Runs, LastRunAt = claim.LastRunAt ?? schedule.LastRunAt,
            };
            await outbox.AddScheduleEventAsync(db, schedule.WorkspaceId, Features.Events.EventTypes.ScheduleCompleted, done, ct);
        }
        var planned = watch.Elapsed;
        await db.SaveChangesAsync(ct);
        await (transaction ?? writes!).CommitAsync(ct);
        var committed = watch.Elapsed;
        // Many runs claimed at once are a burst about to start: events (their schedules' own among them) wait for it.
        activity.NoteBatch(created.Count, 0);

        foreach (var run in created.Where(e => e.Status == ExecutionStatus.Skipped))
        {
            metrics.RunReached(run.JobType, ExecutionStatus.Skipped);
        }
        // After commit: a crash before this line leaves pending rows that the recovery sweep hands over. Runs due now
        // or soon are held on this node and handed to Hangfire in batches the moment they fall due (decision 0039);
        // later ones become Hangfire's delayed jobs, whose ids are recorded.
        var enqueuedAt = clock.GetUtcNow().UtcDateTime;
        var pending = created.Where(e => e.Status == ExecutionStatus.Pending).ToList();
        foreach (var execution in pending)
        {
            // Jitter moves the start a little after the occurrence (NotBefore).
            execution.HangfireJobId = releaser.HandOver(execution.Id, execution.Priority, execution.NotBefore ?? execution.ScheduledFor);
            execution.EnqueuedAt = enqueuedAt;
        }
        await db.SaveChangesAsync(ct);
        if (claimed.Count > 0 && logger.IsEnabled(LogLevel.Debug))
        {
            logger.LogDebug("Dispatched {Claimed} of {Due} due schedule(s), {Executions} execution(s): read {Read:0} ms, planned and written {Planned:0} ms, "
                + "committed {Committed:0} ms, handed over {HandedOver:0} ms.", claimed.Count, due.Count, created.Count, queried.TotalMilliseconds,
                (planned - queried).TotalMilliseconds, (committed - planned).TotalMilliseconds, (watch.Elapsed - committed).TotalMilliseconds);
        }
        return due.Count;
    }

    /// <summary>The next batch of schedules due by <paramref name="horizon"/>, urgent first, then by their next run.</summary>
    internal static IQueryable<Schedule> DueSchedules(AppDbContext db, DateTime horizon, int take) =>
        db.Schedules.IgnoreQueryFilters()
            .Where(s => s.Status == ScheduleStatus.Active && s.NextRunAt != null && s.NextRunAt <= horizon)
            // A paused workspace or channel claims nothing: its next runs stay, for the missed-run policy on resume.
            .Where(s => !db.Workspaces.Any(w => w.Id == s.WorkspaceId && w.PausedAt != null)
                && (s.ChannelId == null || !db.Channels.IgnoreQueryFilters().Any(c => c.Id == s.ChannelId && c.PausedAt != null)))
            .OrderByDescending(s => s.Priority).ThenBy(s => s.NextRunAt).ThenBy(s => s.Id)
            .Take(take);

    /// <summary>What claiming one schedule writes: its next run, status and counts, and the runs it creates (tracked once won).</summary>
    private sealed record Claim(Schedule Schedule, DateTime? NextRunAt, ScheduleStatus Status, int Runs, DateTime? LastRunAt, List<Execution> Created);

    private Claim Plan(Schedule schedule, Instant now, Instant horizon, MissedRunOptions missed)
    {
        var timing = ScheduleTiming.FromSchedule(schedule);
        var from = Instant.FromDateTimeUtc(schedule.NextRunAt!.Value);
        // Occurrences skipped by hand are in the sequence, so that each is recorded as skipped when its time comes.
        IEnumerable<Instant> occurrences = timing.Type == ScheduleType.Once
            ? [from]
            : timing.EngineOccurrences(from).Select(o => o.At);
        int? remaining = schedule.MaxRuns is { } max ? Math.Max(0, max - schedule.RunCount) : null;
        var plan = MissedRunPlanner.Plan(occurrences, now, schedule.MissedPolicy, missed, remaining, horizon, timing.SkippedInstants());

        var nextRunAt = plan.NextRunAt?.ToDateTimeUtc();
        var status = nextRunAt is null ? ScheduleStatus.Completed : ScheduleStatus.Active;
        var lastRunAt = plan.Runs.Where(r => r.Action == PlannedRunAction.Run).Select(r => (DateTime?)r.ScheduledFor.ToDateTimeUtc()).LastOrDefault();

        var created = new List<Execution>(plan.Runs.Count);
        var runNumber = schedule.RunCount;
        var firstRun = true;
        var createdAt = now.ToDateTimeUtc();
        var node = options.CurrentValue.NodeName;
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
            var execution = isRun
                ? Execution.Planned(schedule, scheduledFor, runNumber, catchingUp,
                    schedule.JitterSeconds > 0 ? Jitter.StartOf(schedule.Id, run.ScheduledFor, schedule.JitterSeconds).ToDateTimeUtc() : null, createdAt)
                : Execution.Skipped(schedule, scheduledFor, runNumber, run.Reason, createdAt);
            execution.ClaimedBy = node;
            created.Add(execution);
            firstRun &= !isRun;
        }
        return new Claim(schedule, nextRunAt, status, plan.RunCount, lastRunAt, created);
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
