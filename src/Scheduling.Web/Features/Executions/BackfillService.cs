using Microsoft.EntityFrameworkCore;
using NodaTime;
using Scheduling.Core.Recurrence;
using Scheduling.Core.Scheduling;
using Scheduling.Web.Api;
using Scheduling.Web.Data;
using Scheduling.Web.Engine;
using Scheduling.Web.Features.Schedules;
using Scheduling.Web.Features.Workspaces;

namespace Scheduling.Web.Features.Executions;

/// <summary>
/// What a backfill did (or, for a dry run, would do) over [<see cref="From"/>, <see cref="To"/>).
/// </summary>
/// <param name="Total">Occurrences of the schedule in the range (its exceptions applied).</param>
/// <param name="Created">Runs created (dry run: that would be created): occurrences without an execution yet.</param>
/// <param name="Skipped">
/// Occurrences recorded as skipped (missed while the app was down, skipped by the overlap policy ...): they never
/// ran, so they run again when <see cref="IncludeSkipped"/> (the default), keeping their execution (and idempotency key).
/// </param>
/// <param name="AlreadyRecorded">Occurrences recorded otherwise (ran, running, pending, failed ..., or skipped when not included): not run again.</param>
/// <param name="LeftToSchedule">
/// Occurrences at or after the schedule's next run (a paused schedule keeps its next run): they belong to the
/// schedule's own dispatch, which runs or skips them by its missed-run policy, so a backfill does not create them.
/// </param>
/// <param name="Occurrences">The first <see cref="BackfillService.ListedAtMost"/> occurrences that run (or would run), in order (UTC).</param>
/// <param name="ExecutionIds">The runs for <see cref="Occurrences"/>, index by index; empty for a dry run.</param>
public sealed record BackfillResult(
    Guid ScheduleId, DateTime From, DateTime To, bool DryRun, bool IncludeSkipped, int Total, int Created, int Skipped, int AlreadyRecorded,
    int LeftToSchedule, IReadOnlyList<DateTime> Occurrences, IReadOnlyList<Guid> ExecutionIds)
{
    /// <summary>How many runs the backfill runs: the created ones, and the skipped ones run again.</summary>
    public int ToRun => Created + (IncludeSkipped ? Skipped : 0);
}

/// <summary>
/// Backfill (design.md §5): runs a schedule for a past range. Each occurrence of the range without an execution
/// becomes a planned run as the dispatcher would have created it (unique on schedule + occurrence, so a repeat
/// or a race creates nothing twice), and each one recorded as skipped goes back to pending (compare-and-set, so
/// it runs once), all handed to the engine after commit. They run one after the other in
/// occurrence order (every run after the first is marked as catching up, which the ledger treats as queue_all).
/// Backfilled runs do not count toward max runs and leave the schedule's next run alone.
/// </summary>
public sealed class BackfillService(
    IDbContextFactory<AppDbContext> contexts,
    WorkspaceContext current,
    ExecutionQueue queue,
    RunTransitions transitions,
    DatabaseOptions database,
    TimeProvider clock,
    ILogger<BackfillService> logger)
{
    /// <summary>The most occurrences one backfill covers.</summary>
    public const int MaxOccurrences = 1000;

    /// <summary>How many occurrences (and run ids) a result lists.</summary>
    public const int ListedAtMost = 50;

    private const int InsertAttempts = 3;

    public async Task<BackfillResult> BackfillAsync(Guid scheduleId, DateTime fromUtc, DateTime toUtc, bool dryRun, CancellationToken ct = default, bool includeSkipped = true)
    {
        if (dryRun)
        {
            current.RequireWorkspace();
        }
        else
        {
            current.RequireEditor();
        }
        var from = AsUtc(fromUtc);
        var to = AsUtc(toUtc);
        var now = clock.GetUtcNow().UtcDateTime;
        if (from >= to)
        {
            throw new RequestValidationException("to", "to must be later than from: the range is [from, to).");
        }
        if (to > now)
        {
            throw new RequestValidationException("to", $"to is in the future: a backfill is for the past, so to is at most now ({now:yyyy-MM-dd'T'HH:mm:ss'Z'}).");
        }

        for (var attempt = 1; ; attempt++)
        {
            await using var db = await contexts.CreateDbContextAsync(ct);
            var schedule = await db.Schedules.AsNoTracking().Include(s => s.Exceptions).FirstOrDefaultAsync(s => s.Id == scheduleId, ct)
                ?? throw new NotFoundException("Schedule");
            // A series keeps its missed runs and releases each episode once, in order: backfilling its schedule could
            // release an episode skipped by hand (decision 0025).
            await Schedules.ScheduleService.RefuseIfPartOfSeriesAsync(db, scheduleId, "release or retry episodes through", ct);
            if (schedule.Status == ScheduleStatus.Cancelled)
            {
                throw new ConflictException("A cancelled schedule does not run: clone it to backfill it.");
            }

            var occurrences = Expand(schedule, from, to);
            // From its next run on, an occurrence is the dispatcher's to claim (and a duplicate of its claim
            // would fail the claim): a backfill covers only what lies before.
            var nextRunAt = schedule.NextRunAt;
            var own = nextRunAt is { } next ? occurrences.Where(o => o < next).ToList() : occurrences;
            var keys = own.Select(Execution.PlannedKey).ToList();
            var recorded = keys.Count == 0 ? [] : (await db.Executions.AsNoTracking()
                .Where(e => e.ScheduleId == scheduleId && keys.Contains(e.OccurrenceKey))
                .Select(e => new { e.Id, e.OccurrenceKey, e.ScheduledFor, e.Status, e.Priority })
                .ToListAsync(ct)).ToDictionary(e => e.OccurrenceKey, StringComparer.Ordinal);
            var missing = own.Where(o => !recorded.ContainsKey(Execution.PlannedKey(o))).ToList();
            var skipped = recorded.Values.Where(e => e.Status == ExecutionStatus.Skipped).OrderBy(e => e.ScheduledFor).ToList();
            var rerun = includeSkipped ? skipped : [];
            var alreadyRecorded = recorded.Count - rerun.Count;
            var leftToSchedule = occurrences.Count - own.Count;
            // What runs, in occurrence order: the first goes at once, every later one catches up behind it.
            var plan = missing.Select(o => (At: o, Skipped: (Guid?)null, Priority: schedule.Priority))
                .Concat(rerun.Select(e => (At: DateTime.SpecifyKind(e.ScheduledFor, DateTimeKind.Utc), Skipped: (Guid?)e.Id, e.Priority)))
                .OrderBy(p => p.At)
                .ToList();
            if (dryRun)
            {
                return new BackfillResult(scheduleId, from, to, true, includeSkipped, occurrences.Count, missing.Count, skipped.Count, alreadyRecorded, leftToSchedule,
                    [.. plan.Take(ListedAtMost).Select(p => p.At)], []);
            }

            var recordedAt = clock.GetUtcNow().UtcDateTime;
            var first = plan.Count == 0 ? (DateTime?)null : plan[0].At;
            var created = plan.Where(p => p.Skipped is null).Select(p => Execution.Backfilled(schedule, p.At, first: p.At == first, recordedAt)).ToList();
            await transitions.CreateAsync(db, created, ct);
            try
            {
                await db.SaveChangesAsync(ct);
            }
            catch (DbUpdateException ex)
            {
                // Another backfill of this schedule recorded some of these occurrences meanwhile (the unique key held):
                // nothing of ours was written; look again and create only what is still missing.
                if (!await AnyRecordedAsync(scheduleId, [.. created.Select(e => e.OccurrenceKey)], ct))
                {
                    throw;
                }
                if (attempt >= InsertAttempts)
                {
                    throw new ConflictException("Runs of this schedule in this range were being recorded at the same time (another backfill?): try again; what is recorded is not created twice.");
                }
                logger.LogInformation(ex, "Backfill of schedule {ScheduleId} met runs recorded meanwhile; looking again.", scheduleId);
                continue;
            }
            var reset = await RunSkippedAgainAsync(db, [.. plan.Where(p => p.Skipped is not null).Select(p => (p.Skipped!.Value, p.At, p.Priority, First: p.At == first))], recordedAt);

            var toRun = created.Select(e => (e.Id, e.ScheduledFor, e.Priority)).Concat(reset).OrderBy(r => r.ScheduledFor).ToList();
            await HandOverAsync(db, toRun, ct);
            logger.LogInformation("Backfill of schedule {ScheduleId} over [{From:o}, {To:o}): {Created} run(s) created, {Rerun} skipped run(s) run again, {Recorded} already recorded, {Left} left to the schedule.",
                scheduleId, from, to, created.Count, reset.Count, alreadyRecorded, leftToSchedule);
            return new BackfillResult(scheduleId, from, to, false, includeSkipped, occurrences.Count, created.Count, skipped.Count, alreadyRecorded + (rerun.Count - reset.Count), leftToSchedule,
                [.. toRun.Take(ListedAtMost).Select(r => r.ScheduledFor)], [.. toRun.Take(ListedAtMost).Select(r => r.Id)]);
        }
    }

    /// <summary>
    /// Runs recorded as skipped go back to pending as planned runs that never started (<see cref="RunTransitions.ReopenAsync"/>:
    /// same execution, compare-and-set); one reopened meanwhile by a concurrent backfill or a retry is left out.
    /// </summary>
    private async Task<List<(Guid Id, DateTime ScheduledFor, SchedulePriority Priority)>> RunSkippedAgainAsync(
        AppDbContext db, List<(Guid Id, DateTime ScheduledFor, SchedulePriority Priority, bool First)> skipped, DateTime now)
    {
        var reset = new List<(Guid, DateTime, SchedulePriority)>(skipped.Count);
        foreach (var (id, scheduledFor, priority, first) in skipped)
        {
            var waitReason = first ? WaitReason.None : WaitReason.CatchingUp;
            if (await transitions.ReopenAsync(db, id, ExecutionStatus.Skipped, WaitReasons.Describe(waitReason), waitReason, enqueuedAt: now))
            {
                reset.Add((id, scheduledFor, priority));
            }
        }
        return reset;
    }

    /// <summary>The schedule's occurrences in [from, to), in order, with its exceptions applied; at most <see cref="MaxOccurrences"/>.</summary>
    private static List<DateTime> Expand(Schedule schedule, DateTime from, DateTime to)
    {
        var timing = ScheduleTiming.FromSchedule(schedule);
        var start = Instant.FromDateTimeUtc(from);
        var end = Instant.FromDateTimeUtc(to);
        IEnumerable<Instant> instants = timing.Type == ScheduleType.Once
            ? [ScheduleTiming.ToInstant(timing.ScheduledAt!.Value, timing.Zone)]
            : timing.Set!.OccurrencesAfter(start, inclusive: true).Select(o => o.Instant);
        var occurrences = instants.Where(i => i >= start).TakeWhile(i => i < end).Take(MaxOccurrences + 1).Select(i => i.ToDateTimeUtc()).ToList();
        if (occurrences.Count > MaxOccurrences)
        {
            throw new RequestValidationException("to",
                $"The range holds more than {MaxOccurrences} runs of this schedule; a backfill covers at most {MaxOccurrences}: choose an earlier to (or a later from), and backfill the rest separately.");
        }
        return occurrences;
    }

    private async Task<bool> AnyRecordedAsync(Guid scheduleId, List<string> keys, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.Executions.AnyAsync(e => e.ScheduleId == scheduleId && keys.Contains(e.OccurrenceKey), ct);
    }

    /// <summary>
    /// After commit, each run goes to Hangfire in order. The job id is recorded only where the row has none yet:
    /// the ledger may already have decided the run (a catching-up run waits, with its recheck job recorded), and that
    /// job must not be replaced by this one, which has then finished. A crash before this leaves pending rows
    /// without a job: the recovery sweep hands them over.
    /// </summary>
    private async Task HandOverAsync(AppDbContext db, List<(Guid Id, DateTime ScheduledFor, SchedulePriority Priority)> runs, CancellationToken ct)
    {
        if (runs.Count == 0)
        {
            return;
        }
        var jobs = new List<(Guid Id, string Job)>(runs.Count);
        foreach (var run in runs)
        {
            jobs.Add((run.Id, queue.Enqueue(run.Id, run.Priority)));
        }
        // SQLite: one transaction (one commit, under its database-wide write lock). Elsewhere each update commits on
        // its own: no row lock is held while the ledger may be deciding the next rows.
        await using var transaction = database.Provider == DatabaseProvider.Sqlite ? await db.Database.BeginTransactionAsync(CancellationToken.None) : null;
        foreach (var (id, job) in jobs)
        {
            await RunTransitions.RecordJobAsync(db, id, job);
        }
        if (transaction is not null)
        {
            await transaction.CommitAsync(CancellationToken.None);
        }
    }

    private static DateTime AsUtc(DateTime value) => value.Kind switch
    {
        DateTimeKind.Utc => value,
        DateTimeKind.Local => value.ToUniversalTime(),
        _ => DateTime.SpecifyKind(value, DateTimeKind.Utc),
    };
}
