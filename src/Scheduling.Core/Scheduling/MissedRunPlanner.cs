using NodaTime;

namespace Scheduling.Core.Scheduling;

public enum PlannedRunAction
{
    Run,
    Skip,
}

/// <summary>One due occurrence and what to do with it; skipped ones carry the reason shown to users.</summary>
public readonly record struct PlannedRun(Instant ScheduledFor, PlannedRunAction Action, string? Reason = null);

/// <summary>
/// What a dispatch pass does with a schedule: the runs to record (run or skip) and the schedule's next
/// run afterwards (null when its rule or its run limit is exhausted; still in the past when more due
/// occurrences remain than one pass takes).
/// </summary>
public sealed record DuePlan(IReadOnlyList<PlannedRun> Runs, Instant? NextRunAt, bool LimitReached)
{
    public int RunCount => Runs.Count(r => r.Action == PlannedRunAction.Run);
}

/// <summary>Settings of missed-run handling (design.md §5).</summary>
public sealed record MissedRunOptions(TimeSpan Grace, TimeSpan CatchUpWindow, int MaxPerPass = 1000)
{
    public static MissedRunOptions Default { get; } = new(TimeSpan.FromMinutes(5), TimeSpan.FromDays(1));
}

/// <summary>
/// Decides, for the occurrences of a schedule that are due now, which run and which are recorded as
/// skipped: an occurrence later than its grace period was missed (downtime, pause) and its fate is the
/// schedule's policy. Nothing is dropped silently: every due occurrence becomes a run or a skip.
/// </summary>
public static class MissedRunPlanner
{
    /// <param name="occurrences">The schedule's occurrences from its current next run on, in order (lazy).</param>
    /// <param name="remainingRuns">Runs left before max runs (null: no limit).</param>
    /// <param name="horizon">Occurrences up to this instant are taken (a dispatcher claiming a little ahead of time);
    /// default: <paramref name="now"/>. Occurrences after now are never missed.</param>
    /// <param name="skippedByHand">Occurrences a person skipped (EXDATEs, "skip this occurrence"), included in
    /// <paramref name="occurrences"/> so that each is recorded as skipped when its time comes; they never run and do not count.</param>
    public static DuePlan Plan(IEnumerable<Instant> occurrences, Instant now, MissedRunPolicy policy, MissedRunOptions options, int? remainingRuns, Instant? horizon = null,
        IReadOnlySet<Instant>? skippedByHand = null)
    {
        ArgumentNullException.ThrowIfNull(occurrences);
        ArgumentNullException.ThrowIfNull(options);
        var until = horizon is { } h && h > now ? h : now;
        var due = new List<Instant>();
        Instant? next = null;
        var more = false;
        foreach (var occurrence in occurrences)
        {
            if (occurrence > until)
            {
                next = occurrence;
                break;
            }
            if (due.Count == options.MaxPerPass)
            {
                next = occurrence;
                more = true;
                break;
            }
            due.Add(occurrence);
        }

        var missedBefore = now - Duration.FromTimeSpan(options.Grace);
        var catchUpFrom = now - Duration.FromTimeSpan(options.CatchUpWindow);
        // run_latest runs the latest occurrence that is already due; the ones ahead of now run as usual.
        var lastPast = due.FindLastIndex(o => o <= now && skippedByHand?.Contains(o) != true);
        var pastContinues = more && next <= now;
        var runs = new List<PlannedRun>(due.Count);
        var left = remainingRuns;
        for (var i = 0; i < due.Count; i++)
        {
            var at = due[i];
            if (skippedByHand?.Contains(at) == true)
            {
                runs.Add(new PlannedRun(at, PlannedRunAction.Skip, SkippedByHandReason));
                continue;
            }
            var run = at >= missedBefore ? new PlannedRun(at, PlannedRunAction.Run) : policy switch
            {
                MissedRunPolicy.RunAll when at >= catchUpFrom => new PlannedRun(at, PlannedRunAction.Run),
                MissedRunPolicy.RunAll => new PlannedRun(at, PlannedRunAction.Skip, $"Missed by more than the catch-up window ({Describe(options.CatchUpWindow)})."),
                MissedRunPolicy.RunLatest when i == lastPast && !pastContinues => new PlannedRun(at, PlannedRunAction.Run),
                MissedRunPolicy.RunLatest => new PlannedRun(at, PlannedRunAction.Skip, "Missed; only the latest missed run is run."),
                _ => new PlannedRun(at, PlannedRunAction.Skip, "Missed; the schedule's policy skips missed runs."),
            };
            runs.Add(run);
            if (run.Action == PlannedRunAction.Run && left is not null && --left == 0)
            {
                return new DuePlan(runs, null, LimitReached: true);
            }
        }
        return new DuePlan(runs, next, LimitReached: false);
    }

    /// <summary>The reason recorded on an occurrence a person skipped.</summary>
    public const string SkippedByHandReason = "Skipped by hand.";

    private static string Describe(TimeSpan window) => window.TotalHours >= 24 && window.TotalDays % 1 == 0
        ? $"{window.TotalDays:0} day(s)"
        : window.TotalMinutes >= 60 ? $"{window.TotalHours:0.#} hour(s)" : $"{window.TotalMinutes:0} minute(s)";
}

public enum OverlapDecision
{
    /// <summary>Start now.</summary>
    Start,

    /// <summary>Record as skipped: the previous run is still going.</summary>
    Skip,

    /// <summary>Wait for the running one to finish, then start.</summary>
    Wait,
}

/// <summary>What a run does when earlier runs of its schedule are still going (design.md §5).</summary>
public static class OverlapRules
{
    /// <param name="running">Runs of the same schedule in progress.</param>
    /// <param name="waitingAhead">Runs of the same schedule already waiting, queued before this one.</param>
    public static OverlapDecision Decide(OverlapPolicy policy, int running, int waitingAhead)
    {
        if (running == 0 && waitingAhead == 0)
        {
            return OverlapDecision.Start;
        }
        return policy switch
        {
            OverlapPolicy.Allow => OverlapDecision.Start,
            OverlapPolicy.QueueAll => OverlapDecision.Wait,
            OverlapPolicy.QueueOne => waitingAhead == 0 ? OverlapDecision.Wait : OverlapDecision.Skip,
            // FIFO: a run that waited its turn starts when nothing runs any more.
            _ when running == 0 => OverlapDecision.Start,
            _ => OverlapDecision.Skip,
        };
    }
}
