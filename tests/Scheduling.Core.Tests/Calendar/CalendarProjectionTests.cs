using NodaTime;
using Scheduling.Core.Calendar;
using Scheduling.Core.Recurrence;
using static Scheduling.Core.Tests.TestSupport;

namespace Scheduling.Core.Tests.Calendar;

public class CalendarProjectionTests
{
    private static readonly Guid A = Guid.Parse("00000000-0000-0000-0000-00000000000a");
    private static readonly Guid B = Guid.Parse("00000000-0000-0000-0000-00000000000b");

    /// <summary>The window of local dates [first, last] in a zone, as the calendar API builds it.</summary>
    private static (Instant Start, Instant End) Days(string zoneId, string first, string last)
    {
        var zone = DateTimeZoneProviders.Tzdb[zoneId];
        return (zone.AtStartOfDay(Local(first + "T00:00:00").Date).ToInstant(), zone.AtStartOfDay(Local(last + "T00:00:00").Date.PlusDays(1)).ToInstant());
    }

    private static CalendarSource Recurring(Guid id, RecurrenceSet set, string plannedFrom = "2000-01-01T00:00:00Z", int? remaining = null, bool sequence = false) =>
        new(id, set, null, Utc(plannedFrom), remaining, sequence);

    private static IReadOnlyList<CalendarEntry> Project(CalendarSource source, (Instant Start, Instant End) window,
        IEnumerable<CalendarRun>? runs = null, IEnumerable<CalendarOverride>? overrides = null) =>
        CalendarProjection.Project([source], runs ?? [], overrides ?? [], window.Start, window.End);

    private static string[] Instants(IEnumerable<CalendarEntry> entries) => [.. entries.Select(e => e.At.ToString())];

    [Fact]
    public void NewYork_SpringForwardWeek_GapTimeMovesForwardByTheGap()
    {
        var set = Set("FREQ=DAILY;BYHOUR=2;BYMINUTE=30", "2026-03-01T00:00:00", "America/New_York");

        var entries = Project(Recurring(A, set), Days("America/New_York", "2026-03-06", "2026-03-10"));

        // 2026-03-08 02:30 does not exist in New York: it runs at 03:30 EDT, which is the same 07:30Z as EST 02:30.
        Assert.Equal(["2026-03-06T07:30:00Z", "2026-03-07T07:30:00Z", "2026-03-08T07:30:00Z", "2026-03-09T06:30:00Z", "2026-03-10T06:30:00Z"], Instants(entries));
        Assert.All(entries, e => Assert.Equal(CalendarItemKind.Planned, e.Kind));
    }

    [Fact]
    public void NewYork_FallBackWeek_AmbiguousTimeRunsOnceAtTheEarlierInstant()
    {
        var set = Set("FREQ=DAILY;BYHOUR=1;BYMINUTE=30", "2026-10-25T00:00:00", "America/New_York");

        var entries = Project(Recurring(A, set), Days("America/New_York", "2026-10-31", "2026-11-02"));

        // 01:30 happens twice on 2026-11-01: once, EDT (05:30Z); the day is 25 hours long and holds one run.
        Assert.Equal(["2026-10-31T05:30:00Z", "2026-11-01T05:30:00Z", "2026-11-02T06:30:00Z"], Instants(entries));
    }

    [Fact]
    public void Sydney_SpringForwardAndFallBack_FollowTheLenientRule()
    {
        var set = Set("FREQ=DAILY;BYHOUR=2;BYMINUTE=30", "2026-01-01T00:00:00", "Australia/Sydney");

        var autumn = Project(Recurring(A, set), Days("Australia/Sydney", "2026-04-04", "2026-04-06"));
        var spring = Project(Recurring(A, set), Days("Australia/Sydney", "2026-10-03", "2026-10-05"));

        // 5 April: 02:30 is ambiguous, the earlier (AEDT, +11) wins; 4 October: 02:30 is in the gap, 03:30 AEDT.
        Assert.Equal(["2026-04-03T15:30:00Z", "2026-04-04T15:30:00Z", "2026-04-05T16:30:00Z"], Instants(autumn));
        Assert.Equal(["2026-10-02T16:30:00Z", "2026-10-03T16:30:00Z", "2026-10-04T15:30:00Z"], Instants(spring));
    }

    [Fact]
    public void DstShifted_MarksOnlyTheOccurrenceAGapMovedForward_NewYork()
    {
        var set = Set("FREQ=DAILY;BYHOUR=2;BYMINUTE=30", "2026-03-01T00:00:00", "America/New_York");
        var asksForThree = Set("FREQ=DAILY;BYHOUR=3;BYMINUTE=0", "2026-03-01T00:00:00", "America/New_York");
        var window = Days("America/New_York", "2026-03-07", "2026-03-09");

        var entries = Project(Recurring(A, set), window);
        var three = Project(Recurring(B, asksForThree), window);

        // 8 March 02:30 does not exist (02:00 → 03:00): it runs at 03:30 EDT and is marked; the days around are not.
        Assert.Equal([false, true, false], entries.Select(e => e.DstShifted));
        // 03:00 on that day exists (the first instant after the gap): same instant as a shifted 02:00 would be, but not shifted.
        Assert.All(three, e => Assert.False(e.DstShifted));
        // A run of the shifted occurrence keeps the mark (an execution, not the rule, is what the item shows then).
        var executed = Project(Recurring(A, set), window, [new CalendarRun(A, Guid.NewGuid(), Utc("2026-03-08T07:30:00Z"), false, "completed")]);
        Assert.Equal((CalendarItemKind.Executed, true), (executed[1].Kind, executed[1].DstShifted));
    }

    [Fact]
    public void DstShifted_Sydney_SpringForwardIsMarked_TheAmbiguousAutumnTimeIsNot()
    {
        var set = Set("FREQ=DAILY;BYHOUR=2;BYMINUTE=30", "2026-01-01T00:00:00", "Australia/Sydney");

        var autumn = Project(Recurring(A, set), Days("Australia/Sydney", "2026-04-04", "2026-04-06"));
        var spring = Project(Recurring(A, set), Days("Australia/Sydney", "2026-10-03", "2026-10-05"));

        Assert.All(autumn, e => Assert.False(e.DstShifted));
        Assert.Equal([false, true, false], spring.Select(e => e.DstShifted));
        Assert.Equal(Utc("2026-10-03T16:30:00Z"), spring[1].At);
    }

    [Fact]
    public void Executions_TurnTheirOccurrenceIntoExecuted_AndManualRunsAppearAtTheirTime()
    {
        var set = Set("FREQ=DAILY;BYHOUR=9;BYMINUTE=0", "2026-06-01T00:00:00", "Europe/Paris");
        var done = Guid.NewGuid();
        var manual = Guid.NewGuid();
        var orphan = Guid.NewGuid();
        CalendarRun[] runs =
        [
            new(A, done, Utc("2026-06-02T07:00:00Z"), false, "completed"),
            new(A, manual, Utc("2026-06-02T12:34:00Z"), true, "failed"),
            // An occurrence the rule no longer yields (the schedule was edited since): it still ran.
            new(A, orphan, Utc("2026-06-03T05:00:00Z"), false, "skipped"),
            new(B, Guid.NewGuid(), Utc("2026-06-02T07:00:00Z"), false, "completed"),
            new(A, Guid.NewGuid(), Utc("2026-06-10T07:00:00Z"), false, "completed"),
        ];

        var entries = Project(Recurring(A, set), Days("Europe/Paris", "2026-06-02", "2026-06-03"), runs);

        Assert.Equal(
            [("2026-06-02T07:00:00Z", CalendarItemKind.Executed, (Guid?)done, "completed"), ("2026-06-02T12:34:00Z", CalendarItemKind.Executed, manual, "failed"),
             ("2026-06-03T05:00:00Z", CalendarItemKind.Executed, orphan, "skipped"), ("2026-06-03T07:00:00Z", CalendarItemKind.Planned, null, null)],
            entries.Select(e => (e.At.ToString(), e.Kind, e.ExecutionId, e.Status)).ToArray());
    }

    [Fact]
    public void PlannedFrom_NothingBeforeTheNextRun_AndRemainingRunsEndTheSeries()
    {
        var set = Set("FREQ=DAILY;BYHOUR=0;BYMINUTE=0", "2026-01-01T00:00:00", "UTC");
        var window = Days("UTC", "2026-01-01", "2026-01-10");

        var fromFifth = Project(Recurring(A, set, plannedFrom: "2026-01-05T00:00:00Z"), window);
        var threeLeft = Project(Recurring(A, set, plannedFrom: "2026-01-05T00:00:00Z", remaining: 3), window);
        var paused = Project(new CalendarSource(A, set, null, null), window);

        Assert.Equal("2026-01-05T00:00:00Z", fromFifth[0].At.ToString());
        Assert.Equal(6, fromFifth.Count);
        Assert.Equal(["2026-01-05T00:00:00Z", "2026-01-06T00:00:00Z", "2026-01-07T00:00:00Z"], Instants(threeLeft));
        Assert.Empty(paused);
    }

    [Fact]
    public void Sequence_CountsPlannedRunsFromTheNextRun_EvenBeforeTheWindow()
    {
        var set = Set("FREQ=WEEKLY;BYDAY=MO;BYHOUR=9;BYMINUTE=0", "2026-01-05T00:00:00", "UTC");

        var entries = Project(Recurring(A, set, plannedFrom: "2026-01-05T09:00:00Z", sequence: true), Days("UTC", "2026-02-01", "2026-02-10"));

        // Mondays from 5 January: 5, 12, 19, 26 Jan, then 2 Feb is the 5th and 9 Feb the 6th.
        Assert.Equal([5, 6], entries.Select(e => e.Sequence!.Value).ToArray());
    }

    [Fact]
    public void Overrides_SkipShowsAtItsTime_MoveInsideOutOfAndIntoTheWindow()
    {
        var set = Set("FREQ=DAILY;BYHOUR=10;BYMINUTE=0", "2026-05-01T00:00:00", "UTC");
        CalendarOverride[] overrides =
        [
            new(A, Utc("2026-05-11T10:00:00Z")),
            new(A, Utc("2026-05-12T10:00:00Z"), Utc("2026-05-12T15:00:00Z")),
            new(A, Utc("2026-05-13T10:00:00Z"), Utc("2026-06-20T10:00:00Z")),
            new(A, Utc("2026-05-01T10:00:00Z"), Utc("2026-05-11T18:00:00Z")),
            // Not an occurrence of the rule: nothing to move.
            new(A, Utc("2026-05-02T11:00:00Z"), Utc("2026-05-11T19:00:00Z")),
        ];

        var entries = Project(Recurring(A, set), Days("UTC", "2026-05-11", "2026-05-13"), overrides: overrides);

        Assert.Equal(
            [("2026-05-11T10:00:00Z", CalendarItemKind.Skipped, (string?)null), ("2026-05-11T18:00:00Z", CalendarItemKind.Moved, "2026-05-01T10:00:00Z"),
             ("2026-05-12T15:00:00Z", CalendarItemKind.Moved, "2026-05-12T10:00:00Z")],
            entries.Select(e => (e.At.ToString(), e.Kind, e.Original?.ToString())).ToArray());
    }

    [Fact]
    public void ScheduleMoves_InTheRecurrenceSet_ShowAsMovedFromTheirOriginalInstant()
    {
        var set = Set("FREQ=DAILY;BYHOUR=9;BYMINUTE=0", "2026-07-01T00:00:00", "America/New_York") with
        {
            Overrides = [new OccurrenceOverride(Local("2026-07-02T09:00:00"), Local("2026-07-02T16:00:00"))],
        };

        var entries = Project(Recurring(A, set), Days("America/New_York", "2026-07-02", "2026-07-02"));

        var moved = Assert.Single(entries);
        Assert.Equal((CalendarItemKind.Moved, "2026-07-02T20:00:00Z", "2026-07-02T13:00:00Z"), (moved.Kind, moved.At.ToString(), moved.Original.ToString()));
    }

    [Fact]
    public void Unbounded_MinutelyRule_ExpandsOnlyTheWindow()
    {
        var set = Set("FREQ=MINUTELY", "2020-01-01T00:00:00", "UTC");

        var entries = Project(Recurring(A, set), Days("UTC", "2026-08-01", "2026-08-01"));

        Assert.Equal(1440, entries.Count);
        Assert.Equal("2026-08-01T23:59:00Z", entries[^1].At.ToString());
    }

    [Fact]
    public void ManySchedules_AreMergedInTimeOrder_OnceSchedulesIncluded()
    {
        var daily = Recurring(A, Set("FREQ=DAILY;BYHOUR=12;BYMINUTE=0", "2026-09-01T00:00:00", "UTC"));
        var once = new CalendarSource(B, null, Utc("2026-09-02T08:00:00Z"), Utc("2026-09-02T08:00:00Z"));
        var onceOutside = new CalendarSource(Guid.NewGuid(), null, Utc("2026-09-09T08:00:00Z"), Utc("2026-09-09T08:00:00Z"));
        var window = Days("UTC", "2026-09-01", "2026-09-02");

        var entries = CalendarProjection.Project([daily, once, onceOutside], [], [], window.Start, window.End);

        Assert.Equal([(A, "2026-09-01T12:00:00Z"), (B, "2026-09-02T08:00:00Z"), (A, "2026-09-02T12:00:00Z")],
            entries.Select(e => (e.ScheduleId, e.At.ToString())).ToArray());
    }
}
