using NodaTime;
using Scheduling.Core.Recurrence;
using static Scheduling.Core.Tests.TestSupport;

namespace Scheduling.Core.Tests.Recurrence;

/// <summary>design.md §3 on real zones: gaps move forward by their length, overlaps take the earlier instant.</summary>
public class DstTests
{
    public static TheoryData<string, string, string, string[]> DailyTables => new()
    {
        // zone, DTSTART, rule, expected "local offset" per occurrence
        { "America/New_York", "2026-03-07T02:30:00", "FREQ=DAILY;COUNT=3", ["2026-03-07T02:30:00-05:00", "2026-03-08T03:30:00-04:00", "2026-03-09T02:30:00-04:00"] },
        { "America/New_York", "2026-10-31T01:30:00", "FREQ=DAILY;COUNT=3", ["2026-10-31T01:30:00-04:00", "2026-11-01T01:30:00-04:00", "2026-11-02T01:30:00-05:00"] },
        { "America/New_York", "2026-03-07T09:00:00", "FREQ=DAILY;COUNT=3", ["2026-03-07T09:00:00-05:00", "2026-03-08T09:00:00-04:00", "2026-03-09T09:00:00-04:00"] },
        { "Europe/London", "2026-03-28T01:30:00", "FREQ=DAILY;COUNT=3", ["2026-03-28T01:30:00Z", "2026-03-29T02:30:00+01:00", "2026-03-30T01:30:00+01:00"] },
        { "Europe/London", "2026-10-24T01:30:00", "FREQ=DAILY;COUNT=3", ["2026-10-24T01:30:00+01:00", "2026-10-25T01:30:00+01:00", "2026-10-26T01:30:00Z"] },
        // Sydney: spring forward on the first Sunday of October (02:00 → 03:00), back on the first Sunday of April (03:00 → 02:00).
        { "Australia/Sydney", "2026-10-03T02:30:00", "FREQ=DAILY;COUNT=3", ["2026-10-03T02:30:00+10:00", "2026-10-04T03:30:00+11:00", "2026-10-05T02:30:00+11:00"] },
        { "Australia/Sydney", "2026-04-04T02:30:00", "FREQ=DAILY;COUNT=3", ["2026-04-04T02:30:00+11:00", "2026-04-05T02:30:00+11:00", "2026-04-06T02:30:00+10:00"] },
        // Kolkata has no DST: the offset never moves.
        { "Asia/Kolkata", "2026-03-07T02:30:00", "FREQ=DAILY;COUNT=3", ["2026-03-07T02:30:00+05:30", "2026-03-08T02:30:00+05:30", "2026-03-09T02:30:00+05:30"] },
        { "Asia/Kolkata", "2026-10-31T01:30:00", "FREQ=WEEKLY;COUNT=2", ["2026-10-31T01:30:00+05:30", "2026-11-07T01:30:00+05:30"] },
    };

    [Theory]
    [MemberData(nameof(DailyTables))]
    public void Occurrences_AcrossTransitions_FollowDesignRules(string zone, string start, string rrule, string[] expected)
    {
        var set = Set(rrule, start, zone);

        Assert.Equal(expected, Offsets(set.Occurrences()));
    }

    [Theory]
    [InlineData("America/New_York", "2026-10-31T22:00:00", "FREQ=HOURLY")]
    [InlineData("America/New_York", "2026-10-31T22:00:00", "FREQ=MINUTELY;INTERVAL=15")]
    [InlineData("Europe/London", "2026-10-24T22:00:00", "FREQ=HOURLY")]
    [InlineData("Europe/London", "2026-10-24T22:00:00", "FREQ=MINUTELY")]
    [InlineData("Australia/Sydney", "2026-04-04T22:00:00", "FREQ=HOURLY")]
    [InlineData("Australia/Sydney", "2026-04-04T22:00:00", "FREQ=MINUTELY;INTERVAL=7")]
    [InlineData("America/New_York", "2026-03-07T22:00:00", "FREQ=HOURLY")]
    [InlineData("America/New_York", "2026-03-07T22:00:00", "FREQ=MINUTELY;INTERVAL=10")]
    [InlineData("Europe/London", "2026-03-28T22:00:00", "FREQ=HOURLY;BYMINUTE=0,30")]
    [InlineData("Asia/Kolkata", "2026-10-31T22:00:00", "FREQ=HOURLY")]
    public void SubDaily_AcrossTransition_TerminatesStrictlyIncreasingAndUnique(string zone, string start, string rrule)
    {
        var set = Set(rrule, start, zone);

        var occurrences = set.Occurrences().Take(3000).ToList();

        Assert.Equal(3000, occurrences.Count);
        for (var i = 1; i < occurrences.Count; i++)
        {
            Assert.True(occurrences[i].Instant > occurrences[i - 1].Instant, $"not increasing at {occurrences[i]}");
        }

        Assert.All(occurrences, o => Assert.Equal(o.Local, o.Instant.InZone(DateTimeZoneProviders.Tzdb[zone]).LocalDateTime));
    }

    [Fact]
    public void Hourly_FallBackInNewYork_SkipsRepeatedWallHourOnce()
    {
        var set = Set("FREQ=HOURLY;COUNT=4", "2026-11-01T00:00:00", "America/New_York");

        Assert.Equal(
            ["2026-11-01T00:00:00-04:00", "2026-11-01T01:00:00-04:00", "2026-11-01T02:00:00-05:00", "2026-11-01T03:00:00-05:00"],
            Offsets(set.Occurrences()));
    }

    [Fact]
    public void Hourly_SpringForwardInNewYork_GapHourCollapsesIntoNextHour()
    {
        var set = Set("FREQ=HOURLY;COUNT=4", "2026-03-08T00:00:00", "America/New_York");

        Assert.Equal(
            ["2026-03-08T00:00:00-05:00", "2026-03-08T01:00:00-05:00", "2026-03-08T03:00:00-04:00", "2026-03-08T04:00:00-04:00"],
            Offsets(set.Occurrences()));
    }

    [Fact]
    public void Daily_TwoTimesStraddlingGap_StayInInstantOrder()
    {
        // 02:30 does not exist on 2026-03-08 and becomes 03:30 EDT, after the 03:15 occurrence.
        var rule = new RecurrenceRule
        {
            Frequency = Frequency.Daily,
            TimesOfDay = [new LocalTime(2, 30), new LocalTime(3, 15)],
            Count = 4,
        };
        var set = new RecurrenceSet(rule, Local("2026-03-07T00:00:00"), "America/New_York");

        Assert.Equal(
            ["2026-03-07T02:30:00-05:00", "2026-03-07T03:15:00-05:00", "2026-03-08T03:15:00-04:00", "2026-03-08T03:30:00-04:00"],
            Offsets(set.Occurrences()));
    }

    [Fact]
    public void ExDate_NonexistentLocalTime_MatchesShiftedInstance()
    {
        var set = Set("FREQ=DAILY;COUNT=3", "2026-03-07T02:30:00", "America/New_York") with
        {
            ExDates = [Local("2026-03-08T02:30:00")],
        };

        Assert.Equal(["2026-03-07T02:30:00", "2026-03-09T02:30:00"], Locals(set.Occurrences()));
    }
}
