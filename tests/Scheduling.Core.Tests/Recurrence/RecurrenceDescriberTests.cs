using NodaTime;
using Scheduling.Core.Recurrence;
using static Scheduling.Core.Tests.TestSupport;

namespace Scheduling.Core.Tests.Recurrence;

public class RecurrenceDescriberTests
{
    [Theory]
    [InlineData("FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH", "2026-01-05T09:00:00", "America/New_York", "Every 2 weeks on Monday and Thursday at 09:00 (America/New_York)")]
    [InlineData("FREQ=MONTHLY;BYDAY=-1FR", "2026-01-01T18:00:00", null, "Every month on the last Friday at 18:00")]
    [InlineData("FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR", "2026-01-05T08:00:00", null, "Every weekday at 08:00")]
    [InlineData("FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR;COUNT=10", "2026-01-05T08:00:00", null, "Every weekday at 08:00, 10 times")]
    [InlineData("FREQ=DAILY;UNTIL=20261231", "2026-01-05T08:00:00", null, "Every day at 08:00, until 31 Dec 2026")]
    [InlineData("FREQ=DAILY;COUNT=1", "2026-01-05T08:00:00", null, "Every day at 08:00, once")]
    [InlineData("FREQ=MONTHLY;BYMONTHDAY=1,15", "2026-01-01T09:00:00", null, "Every month on the 1st and 15th at 09:00")]
    [InlineData("FREQ=MONTHLY;BYMONTHDAY=-1", "2026-01-01T09:00:00", null, "Every month on the last day at 09:00")]
    [InlineData("FREQ=MONTHLY;BYMONTHDAY=-2", "2026-01-01T09:00:00", null, "Every month on the 2nd to last day at 09:00")]
    [InlineData("FREQ=MONTHLY;BYDAY=2TU", "2026-01-01T09:30:00", null, "Every month on the 2nd Tuesday at 09:30")]
    [InlineData("FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1", "2026-01-01T17:00:00", null, "Every month on the last weekday at 17:00")]
    [InlineData("FREQ=MONTHLY", "2026-01-03T09:00:00", null, "Every month on the 3rd at 09:00")]
    [InlineData("FREQ=MINUTELY;BYSECOND=0,10,20,30,40,50", "2026-01-03T09:00:00", null, "Every minute at seconds 0, 10, 20, 30, 40 and 50")]
    [InlineData("FREQ=WEEKLY", "2026-01-06T09:00:00", null, "Every week on Tuesday (the start date's weekday) at 09:00")]
    [InlineData("FREQ=YEARLY", "2026-09-02T09:00:00", null, "Every year on September 2 at 09:00")]
    [InlineData("FREQ=YEARLY;BYMONTH=1,7;BYMONTHDAY=1", "2026-01-01T09:00:00", null, "Every year in January and July on the 1st at 09:00")]
    [InlineData("FREQ=DAILY;BYHOUR=9,17;BYMINUTE=0", "2026-01-01T00:00:00", null, "Every day at 09:00 and 17:00")]
    [InlineData("FREQ=HOURLY;INTERVAL=6", "2026-01-01T00:00:00", null, "Every 6 hours")]
    [InlineData("FREQ=MINUTELY;INTERVAL=30", "2026-01-01T00:00:00", null, "Every 30 minutes")]
    [InlineData("FREQ=HOURLY;BYHOUR=9,10,11,12", "2026-01-01T09:00:00", null, "Every hour from 09:00 to 12:59")]
    [InlineData("FREQ=MONTHLY;BYMONTHDAY=31;RSCALE=GREGORIAN;SKIP=BACKWARD", "2026-01-01T09:00:00", null, "Every month on the 31st (or the last day of shorter months) at 09:00")]
    [InlineData("FREQ=YEARLY;BYWEEKNO=1;BYDAY=MO", "2026-01-01T09:00:00", null, "Every year on Monday in week 1 at 09:00")]
    public void Describe_Rule_ReadsAsEnglish(string rrule, string start, string? zone, string expected)
    {
        Assert.Equal(expected, Set(rrule, start, zone).Describe());
    }

    [Fact]
    public void Describe_UntilInUtc_ShowsDateInScheduleZone()
    {
        var set = Set("FREQ=DAILY;UNTIL=20270101T030000Z", "2026-01-05T08:00:00", "America/New_York");

        Assert.Equal("Every day at 08:00, until 31 Dec 2026 22:00 (America/New_York)", set.Describe());
    }

    [Fact]
    public void Describe_ManyTimes_ListsSomeAndCountsTheRest()
    {
        var rule = new RecurrenceRule { Frequency = Frequency.Daily, ByHour = [.. Enumerable.Range(8, 10)], ByMinute = [0] };

        Assert.Equal("Every day at 08:00, 09:00, 10:00, 11:00, 12:00, 13:00 and 4 more times", rule.Describe());
    }

    [Fact]
    public void Describe_TimesOfDay_ListsThem()
    {
        var rule = new RecurrenceRule { Frequency = Frequency.Daily, TimesOfDay = [new LocalTime(17, 30), new LocalTime(9, 0)] };

        Assert.Equal("Every day at 09:00 and 17:30", rule.Describe());
    }
}
