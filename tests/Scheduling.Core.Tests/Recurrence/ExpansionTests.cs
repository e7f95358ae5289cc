using NodaTime;
using Scheduling.Core.Recurrence;
using static Scheduling.Core.Tests.TestSupport;

namespace Scheduling.Core.Tests.Recurrence;

public class ExpansionTests
{
    [Fact]
    public void Occurrences_SecondTuesdayMonthly_PicksOrdinalWeekday()
    {
        var set = Set("FREQ=MONTHLY;COUNT=3;BYDAY=2TU", "2026-01-01T10:00:00", "Europe/London");

        Assert.Equal(["2026-01-13T10:00:00", "2026-02-10T10:00:00", "2026-03-10T10:00:00"], Locals(set.Occurrences()));
    }

    [Fact]
    public void Occurrences_LastFridayMonthly_PicksLastWeekday()
    {
        var set = Set("FREQ=MONTHLY;COUNT=3;BYDAY=-1FR", "2026-01-01T18:00:00", "America/New_York");

        Assert.Equal(["2026-01-30T18:00:00", "2026-02-27T18:00:00", "2026-03-27T18:00:00"], Locals(set.Occurrences()));
    }

    [Fact]
    public void Occurrences_NegativeMonthDay_CountsFromMonthEnd()
    {
        var set = Set("FREQ=MONTHLY;COUNT=3;BYMONTHDAY=-2", "2026-01-01T09:00:00");

        Assert.Equal(["2026-01-30T09:00:00", "2026-02-27T09:00:00", "2026-03-30T09:00:00"], Locals(set.Occurrences()));
    }

    [Fact]
    public void Occurrences_LastWeekdayViaSetPos_PicksLastWorkingDay()
    {
        var set = Set("FREQ=MONTHLY;COUNT=3;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1", "2026-01-01T17:00:00");

        Assert.Equal(["2026-01-30T17:00:00", "2026-02-27T17:00:00", "2026-03-31T17:00:00"], Locals(set.Occurrences()));
    }

    [Theory]
    [InlineData(MonthDaySkip.Omit, new[] { "2026-01-31T09:00:00", "2026-03-31T09:00:00", "2026-05-31T09:00:00" })]
    [InlineData(MonthDaySkip.Backward, new[] { "2026-01-31T09:00:00", "2026-02-28T09:00:00", "2026-03-31T09:00:00" })]
    [InlineData(MonthDaySkip.Forward, new[] { "2026-01-31T09:00:00", "2026-03-01T09:00:00", "2026-03-31T09:00:00" })]
    public void Occurrences_MonthDay31WithSkip_FollowsRfc7529(MonthDaySkip skip, string[] expected)
    {
        var set = new RecurrenceSet(Rule("FREQ=MONTHLY;COUNT=3;BYMONTHDAY=31") with { Skip = skip }, Local("2026-01-01T09:00:00"));

        Assert.Equal(expected, Locals(set.Occurrences()));
    }

    [Fact]
    public void Occurrences_SkipForwardIntoMonthThatAlsoMatches_DoesNotDuplicate()
    {
        // Apr 31 → May 1, and May 1 is itself listed.
        var set = Set("FREQ=MONTHLY;BYMONTHDAY=1,31;RSCALE=GREGORIAN;SKIP=FORWARD;COUNT=5", "2026-04-01T09:00:00");

        Assert.Equal(
            ["2026-04-01T09:00:00", "2026-05-01T09:00:00", "2026-05-31T09:00:00", "2026-06-01T09:00:00", "2026-07-01T09:00:00"],
            Locals(set.Occurrences()));
    }

    [Fact]
    public void Occurrences_DtStartNotMatching_IsNotEmittedOrCounted()
    {
        var set = Set("FREQ=WEEKLY;COUNT=2;BYDAY=MO", "2026-01-01T09:00:00"); // a Thursday

        Assert.Equal(["2026-01-05T09:00:00", "2026-01-12T09:00:00"], Locals(set.Occurrences()));
    }

    [Fact]
    public void Occurrences_SeveralTimesOfDay_EmitsEachPerDayInOrder()
    {
        var rule = new RecurrenceRule
        {
            Frequency = Frequency.Weekly,
            ByDay = [WeekdayNum.Every(IsoDayOfWeek.Monday)],
            TimesOfDay = [new LocalTime(17, 30), new LocalTime(9, 0)],
            Count = 4,
        };

        var set = new RecurrenceSet(rule, Local("2026-01-05T09:00:00"), "Europe/London");

        Assert.Equal(
            ["2026-01-05T09:00:00", "2026-01-05T17:30:00", "2026-01-12T09:00:00", "2026-01-12T17:30:00"],
            Locals(set.Occurrences()));
    }

    [Fact]
    public void Occurrences_ExDateAndBlackout_SkipButStillCount()
    {
        var set = Set("FREQ=DAILY;COUNT=5", "2026-01-01T09:00:00", "Europe/London") with
        {
            ExDates = [Local("2026-01-02T09:00:00")],
            BlackoutDates = [new LocalDate(2026, 1, 4)],
        };

        Assert.Equal(["2026-01-01T09:00:00", "2026-01-03T09:00:00", "2026-01-05T09:00:00"], Locals(set.Occurrences()));
    }

    [Fact]
    public void Occurrences_OverrideMovesOccurrence_KeepsOrderAndMarksIt()
    {
        var set = Set("FREQ=DAILY;COUNT=4", "2026-01-01T09:00:00", "Europe/London") with
        {
            Overrides = [new OccurrenceOverride(Local("2026-01-02T09:00:00"), Local("2026-01-03T15:00:00"))],
        };

        var occurrences = set.Occurrences().ToList();

        Assert.Equal(
            ["2026-01-01T09:00:00", "2026-01-03T09:00:00", "2026-01-03T15:00:00", "2026-01-04T09:00:00"],
            Locals(occurrences));
        var moved = Assert.Single(occurrences, o => o.IsMoved);
        Assert.Equal(Local("2026-01-02T09:00:00"), moved.OriginalLocal);
    }

    [Fact]
    public void Occurrences_OverrideMovedEarlierThanPrevious_IsSorted()
    {
        var set = Set("FREQ=DAILY;COUNT=3", "2026-01-01T09:00:00") with
        {
            Overrides = [new OccurrenceOverride(Local("2026-01-03T09:00:00"), Local("2025-12-31T08:00:00"))],
        };

        Assert.Equal(["2025-12-31T08:00:00", "2026-01-01T09:00:00", "2026-01-02T09:00:00"], Locals(set.Occurrences()));
    }

    [Fact]
    public void Occurrences_OverrideOfTimeThatIsNotAnOccurrence_IsIgnored()
    {
        var set = Set("FREQ=DAILY;COUNT=2", "2026-01-01T09:00:00") with
        {
            Overrides = [new OccurrenceOverride(Local("2026-01-01T10:00:00"), Local("2026-01-05T10:00:00"))],
        };

        Assert.Equal(["2026-01-01T09:00:00", "2026-01-02T09:00:00"], Locals(set.Occurrences()));
    }

    [Fact]
    public void Occurrences_MinutelyForever_TakeIsLazy()
    {
        var set = Set("FREQ=MINUTELY", "2026-01-01T00:00:00", "UTC");

        var taken = set.Occurrences().Take(100_000).ToList();

        Assert.Equal(100_000, taken.Count);
        Assert.Equal(Local("2026-03-11T10:39:00"), taken[^1].Local);
    }

    [Fact]
    public void OccurrencesAfter_UnboundedMinutelyStartedLongAgo_SkipsAheadQuickly()
    {
        var set = Set("FREQ=MINUTELY;INTERVAL=7", "1900-01-01T00:00:00", "Europe/Paris");
        var now = Utc("2026-06-01T12:00:30Z");

        var next = set.Next(now, 3);

        Assert.Equal(3, next.Count);
        Assert.True(next[0].Instant > now);
        Assert.True(next[0].Instant - now <= Duration.FromMinutes(7));
        Assert.Equal(Duration.FromMinutes(7), next[1].Instant - next[0].Instant);
        // Same wall-clock grid as walking from DTSTART (1900 Paris ran on local mean time, so compare wall times).
        var first = set.Occurrences().First().Local;
        Assert.Equal(0, (next[0].Local.InUtc().ToInstant() - first.InUtc().ToInstant()).TotalMinutes % 7);
    }

    [Fact]
    public void OccurrencesBetween_Window_IsHalfOpen()
    {
        var set = Set("FREQ=DAILY", "2026-01-01T09:00:00", "America/New_York");

        var window = set.OccurrencesBetween(Utc("2026-01-03T14:00:00Z"), Utc("2026-01-05T14:00:00Z")).ToList();

        Assert.Equal(["2026-01-03T09:00:00", "2026-01-04T09:00:00"], Locals(window));
        Assert.All(window, o => Assert.Equal(Offset.FromHours(-5), o.Offset));
    }

    [Fact]
    public void Next_AfterInstantOfAnOccurrence_IsExclusiveUnlessAsked()
    {
        var set = Set("FREQ=DAILY", "2026-01-01T09:00:00", "UTC");
        var at = Utc("2026-01-02T09:00:00Z");

        Assert.Equal(Local("2026-01-03T09:00:00"), set.NextOccurrence(at)!.Value.Local);
        Assert.Equal(Local("2026-01-02T09:00:00"), set.NextOccurrence(at, inclusive: true)!.Value.Local);
    }

    [Fact]
    public void HasOccurrenceAfter_EndedRule_IsFalse()
    {
        var set = Set("FREQ=DAILY;COUNT=3", "2026-01-01T09:00:00", "UTC");

        Assert.True(set.HasOccurrenceAfter(Utc("2026-01-02T12:00:00Z")));
        Assert.False(set.HasOccurrenceAfter(Utc("2026-01-03T09:00:00Z")));
    }

    [Theory]
    [InlineData("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30")]
    [InlineData("FREQ=MONTHLY;BYMONTHDAY=31;BYMONTH=4,6,9,11")]
    [InlineData("FREQ=DAILY;BYMONTH=2;BYMONTHDAY=31")]
    [InlineData("FREQ=WEEKLY;INTERVAL=2;BYMONTH=2;BYMONTHDAY=30")]
    [InlineData("FREQ=HOURLY;INTERVAL=2;BYHOUR=10")]
    [InlineData("FREQ=HOURLY;INTERVAL=168;BYDAY=MO")]
    [InlineData("FREQ=MINUTELY;INTERVAL=2;BYMINUTE=1,3,5")]
    public void Occurrences_ImpossibleRule_TerminatesEmpty(string rrule)
    {
        // DTSTART 2026-01-06 09:00 is a Tuesday at an even hour and minute.
        var set = Set(rrule, "2026-01-06T09:00:00", "Europe/London");

        var watch = System.Diagnostics.Stopwatch.StartNew();
        Assert.Empty(set.Occurrences());
        Assert.False(set.HasOccurrenceAfter(Utc("2026-01-01T00:00:00Z")));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"took {watch.Elapsed}");
    }

    [Fact]
    public void Occurrences_UntilLocalDate_IncludesThatWholeDay()
    {
        var set = Set("FREQ=DAILY;UNTIL=20260103", "2026-01-01T23:00:00", "Asia/Kolkata");

        Assert.Equal(["2026-01-01T23:00:00", "2026-01-02T23:00:00", "2026-01-03T23:00:00"], Locals(set.Occurrences()));
    }

    [Fact]
    public void Occurrences_Floating_HasZeroOffsetAndLocalEqualsUtc()
    {
        var set = Set("FREQ=DAILY;COUNT=1", "2026-03-08T02:30:00");

        var o = Assert.Single(set.Occurrences());

        Assert.Equal(Offset.Zero, o.Offset);
        Assert.Equal(Utc("2026-03-08T02:30:00Z"), o.Instant);
    }

    [Fact]
    public void Occurrences_YearlyByWeekNoAndDay_UsesIsoWeeks()
    {
        var set = Set("FREQ=YEARLY;COUNT=3;BYWEEKNO=20;BYDAY=MO", "2026-01-01T09:00:00");

        Assert.Equal(["2026-05-11T09:00:00", "2027-05-17T09:00:00", "2028-05-15T09:00:00"], Locals(set.Occurrences()));
    }

    [Fact]
    public void Occurrences_YearlyByYearDay_HandlesLeapYears()
    {
        var set = Set("FREQ=YEARLY;COUNT=3;BYYEARDAY=60", "2027-01-01T09:00:00");

        Assert.Equal(["2027-03-01T09:00:00", "2028-02-29T09:00:00", "2029-03-01T09:00:00"], Locals(set.Occurrences()));
    }

    [Fact]
    public void Occurrences_UnknownZone_ThrowsArgumentException()
    {
        var set = Set("FREQ=DAILY", "2026-01-01T09:00:00", "Mars/Olympus");

        Assert.Throws<ArgumentException>(() => set.Occurrences().First());
    }

    [Fact]
    public void With_ChangedRule_DoesNotReuseCompiledPlan()
    {
        var set = Set("FREQ=DAILY;COUNT=2", "2026-01-01T09:00:00");
        _ = set.Occurrences().ToList();

        var changed = set with { Rule = Rule("FREQ=DAILY;COUNT=1") };

        Assert.Single(changed.Occurrences());
    }
}
