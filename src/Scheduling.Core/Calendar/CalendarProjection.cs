using NodaTime;
using Scheduling.Core.Recurrence;

namespace Scheduling.Core.Calendar;

/// <summary>How an item of the calendar came to be.</summary>
public enum CalendarItemKind
{
    /// <summary>An occurrence the rule will run (no execution yet).</summary>
    Planned,

    /// <summary>An execution exists for it (pending, running or finished); a manual run is always this.</summary>
    Executed,

    /// <summary>An occurrence moved to another time (by the schedule's moves or an override).</summary>
    Moved,

    /// <summary>An occurrence that will not run (EXDATE or a skip override), shown at its original time.</summary>
    Skipped,

    /// <summary>A produced run's publishing, held until its publish time (produce now, publish later); Original: when it was produced.</summary>
    Publish,
}

/// <summary>
/// What the projection needs of one schedule. Occurrences are planned only from <see cref="PlannedFrom"/> (the
/// schedule's next run: earlier ones either ran and have executions, or will never run), and at most
/// <see cref="RemainingRuns"/> of them (max runs). A null <see cref="PlannedFrom"/> plans nothing (paused,
/// completed, cancelled): only its executions show.
/// </summary>
/// <param name="Set">A recurring schedule's rule; its EXDATEs are better passed as skip overrides, so that they show as skipped.</param>
/// <param name="Once">A one-time schedule's instant.</param>
/// <param name="NeedsSequence">Count planned occurrences from <see cref="PlannedFrom"/> (a title with {run}); costs an expansion from there.</param>
public sealed record CalendarSource(Guid ScheduleId, RecurrenceSet? Set, Instant? Once, Instant? PlannedFrom, int? RemainingRuns = null, bool NeedsSequence = false);

/// <summary>An execution of a schedule: planned ones carry their occurrence's instant, manual ones their own time.</summary>
public sealed record CalendarRun(Guid ScheduleId, Guid ExecutionId, Instant ScheduledFor, bool IsManual, string Status);

/// <summary>An edit to one occurrence (its planned instant): skipped when <see cref="MovedTo"/> is null, else moved there.</summary>
public sealed record CalendarOverride(Guid ScheduleId, Instant Original, Instant? MovedTo = null)
{
    public bool IsSkip => MovedTo is null;
}

/// <summary>One item of the calendar.</summary>
/// <param name="At">When it runs (or ran, or would have run when skipped).</param>
/// <param name="Original">Where a moved occurrence came from.</param>
/// <param name="Sequence">1-based position among the planned runs from <see cref="CalendarSource.PlannedFrom"/>, when asked for.</param>
/// <param name="DstShifted">The rule asked for a wall time a DST gap skips (02:30 on a spring-forward day): it runs at the shifted time (03:30).</param>
public sealed record CalendarEntry(Guid ScheduleId, Instant At, CalendarItemKind Kind, Instant? Original, Guid? ExecutionId, string? Status, int? Sequence, bool DstShifted = false);

/// <summary>
/// The calendar of many schedules over a window [start, end): each rule expanded lazily for the window only
/// (never beyond it), merged with executions (an execution turns its occurrence from planned into executed) and
/// with per-occurrence overrides. Pure: no clock, no database.
/// </summary>
public static class CalendarProjection
{
    public static IReadOnlyList<CalendarEntry> Project(
        IEnumerable<CalendarSource> sources,
        IEnumerable<CalendarRun> runs,
        IEnumerable<CalendarOverride> overrides,
        Instant start,
        Instant end)
    {
        var runsBySchedule = runs.Where(r => r.ScheduledFor >= start && r.ScheduledFor < end).ToLookup(r => r.ScheduleId);
        var overridesBySchedule = overrides.ToLookup(o => o.ScheduleId);
        var entries = new List<CalendarEntry>();
        foreach (var source in sources)
        {
            var scheduleRuns = runsBySchedule[source.ScheduleId];
            var planned = scheduleRuns.Where(r => !r.IsManual).GroupBy(r => r.ScheduledFor).ToDictionary(g => g.Key, g => g.First());
            foreach (var run in scheduleRuns.Where(r => r.IsManual))
            {
                entries.Add(new CalendarEntry(source.ScheduleId, run.ScheduledFor, CalendarItemKind.Executed, null, run.ExecutionId, run.Status, null));
            }
            var edits = overridesBySchedule[source.ScheduleId].GroupBy(o => o.Original).ToDictionary(g => g.Key, g => g.Last());
            foreach (var occurrence in Plan(source, edits, start, end))
            {
                if (planned.Remove(occurrence.At, out var run))
                {
                    entries.Add(occurrence with { Kind = CalendarItemKind.Executed, ExecutionId = run.ExecutionId, Status = run.Status });
                }
                else
                {
                    entries.Add(occurrence);
                }
            }
            // Runs of occurrences the rule no longer yields (edited since, or before the next run) still happened.
            foreach (var run in planned.Values)
            {
                entries.Add(new CalendarEntry(source.ScheduleId, run.ScheduledFor, CalendarItemKind.Executed, null, run.ExecutionId, run.Status, null));
            }
        }
        entries.Sort(static (a, b) => a.At != b.At ? a.At.CompareTo(b.At) : a.ScheduleId.CompareTo(b.ScheduleId));
        return entries;
    }

    /// <summary>The planned items of one schedule in the window, overrides applied.</summary>
    private static IEnumerable<CalendarEntry> Plan(CalendarSource source, Dictionary<Instant, CalendarOverride> edits, Instant start, Instant end)
    {
        if (source.PlannedFrom is not { } plannedFrom || source.RemainingRuns is <= 0)
        {
            yield break;
        }

        // Counting runs (max runs, {run}) needs every occurrence from the next run on; otherwise the window alone.
        var counting = source.RemainingRuns is not null || source.NeedsSequence;
        var from = counting ? plannedFrom : Max(plannedFrom, start);
        var remaining = source.RemainingRuns ?? int.MaxValue;
        var sequence = 0;
        foreach (var (at, original, shifted) in Occurrences(source, from, end))
        {
            if (remaining <= 0)
            {
                yield break;
            }
            var key = original ?? at;
            if (edits.Remove(key, out var edit))
            {
                if (edit.IsSkip)
                {
                    if (at >= start)
                    {
                        yield return new CalendarEntry(source.ScheduleId, at, CalendarItemKind.Skipped, null, null, null, null, shifted);
                    }
                    continue;
                }
                sequence++;
                remaining--;
                var movedTo = edit.MovedTo!.Value;
                if (movedTo >= start && movedTo < end)
                {
                    yield return new CalendarEntry(source.ScheduleId, movedTo, CalendarItemKind.Moved, key, null, null, counting ? sequence : null);
                }
                continue;
            }
            sequence++;
            remaining--;
            if (at >= start)
            {
                var kind = original is null ? CalendarItemKind.Planned : CalendarItemKind.Moved;
                yield return new CalendarEntry(source.ScheduleId, at, kind, original, null, null, counting ? sequence : null, shifted);
            }
        }

        // Occurrences outside the window moved into it: the original must be one the rule yields (and is still planned).
        foreach (var edit in edits.Values)
        {
            if (edit.MovedTo is { } movedTo && movedTo >= start && movedTo < end && edit.Original >= plannedFrom
                && (edit.Original < start || edit.Original >= end) && Yields(source, edit.Original))
            {
                yield return new CalendarEntry(source.ScheduleId, movedTo, CalendarItemKind.Moved, edit.Original, null, null, null);
            }
        }
    }

    /// <summary>Occurrences in [from, end) with, for moved ones, the instant they came from, and whether a DST gap shifted them.</summary>
    private static IEnumerable<(Instant At, Instant? Original, bool Shifted)> Occurrences(CalendarSource source, Instant from, Instant end)
    {
        if (source.Once is { } once)
        {
            if (once >= from && once < end)
            {
                yield return (once, null, false);
            }
            yield break;
        }
        if (source.Set is not { } set)
        {
            yield break;
        }
        var zone = set.TimeZone is null ? DateTimeZone.Utc : DateTimeZoneProviders.Tzdb[set.TimeZone];
        foreach (var occurrence in set.OccurrencesBetween(from, end))
        {
            yield return occurrence.IsMoved
                ? (occurrence.Instant, zone.ResolveLocal(occurrence.OriginalLocal, NodaTime.TimeZones.Resolvers.LenientResolver).ToInstant(), false)
                : (occurrence.Instant, null, occurrence.IsDstShifted);
        }
    }

    private static bool Yields(CalendarSource source, Instant instant) =>
        source.Once is { } once
            ? once == instant
            : source.Set is { } set && set.OccurrencesBetween(instant, instant + Duration.FromSeconds(1)).Any(o => o.Instant == instant && !o.IsMoved);

    private static Instant Max(Instant a, Instant b) => a > b ? a : b;
}
