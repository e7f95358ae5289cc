using Ical.Net.CalendarComponents;
using Ical.Net.DataTypes;
using NodaTime;
using Scheduling.Core.Recurrence;
using static Scheduling.Core.Tests.TestSupport;

namespace Scheduling.Core.Tests.Recurrence;

/// <summary>
/// Agreement with Ical.Net 5.2.4 on simple rules in UTC, where it is known to be right (it is not across DST
/// fall-back for hourly rules, and not for BYMONTH+BYYEARDAY; see the vector notes).
/// </summary>
public class IcalNetCrossCheckTests
{
    [Theory]
    [InlineData("FREQ=DAILY;COUNT=40", "2026-01-05T09:00:00")]
    [InlineData("FREQ=DAILY;INTERVAL=3;COUNT=40", "2026-01-05T09:00:00")]
    [InlineData("FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR;COUNT=60", "2026-01-05T08:00:00")]
    [InlineData("FREQ=WEEKLY;COUNT=30", "2026-01-07T18:30:00")]
    [InlineData("FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH;COUNT=30", "2026-01-05T09:00:00")]
    [InlineData("FREQ=WEEKLY;BYDAY=MO,WE,FR;BYHOUR=9,17;BYMINUTE=0;COUNT=50", "2026-01-05T09:00:00")]
    [InlineData("FREQ=MONTHLY;COUNT=24", "2026-01-15T12:00:00")]
    [InlineData("FREQ=MONTHLY;BYMONTHDAY=1,15;COUNT=24", "2026-01-01T12:00:00")]
    [InlineData("FREQ=MONTHLY;BYMONTHDAY=-1;COUNT=24", "2026-01-01T12:00:00")]
    [InlineData("FREQ=MONTHLY;BYDAY=-1FR;COUNT=24", "2026-01-01T18:00:00")]
    [InlineData("FREQ=MONTHLY;BYDAY=2TU;COUNT=24", "2026-01-01T10:00:00")]
    [InlineData("FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1;COUNT=24", "2026-01-01T17:00:00")]
    [InlineData("FREQ=MONTHLY;INTERVAL=3;BYMONTHDAY=31;COUNT=12", "2026-01-01T09:00:00")]
    [InlineData("FREQ=YEARLY;BYMONTH=1,4,7,10;BYMONTHDAY=1;COUNT=20", "2026-01-01T09:00:00")]
    [InlineData("FREQ=DAILY;UNTIL=20260401T000000Z", "2026-01-01T06:00:00")]
    public void Occurrences_SimpleRuleInUtc_AgreesWithIcalNet(string rrule, string start)
    {
        var ours = Set(rrule, start, "UTC").Occurrences().Select(o => o.Local).ToList();

        var dtStart = Local(start);
        var calendarEvent = new CalendarEvent
        {
            DtStart = new CalDateTime(dtStart.Year, dtStart.Month, dtStart.Day, dtStart.Hour, dtStart.Minute, dtStart.Second, "UTC"),
            RecurrenceRule = new RecurrencePattern(rrule),
        };
        var theirs = calendarEvent.GetOccurrences()
            .Take(ours.Count + 5)
            .Select(o => LocalDateTime.FromDateTime(o.Period.StartTime.Value))
            .ToList();

        Assert.NotEmpty(ours);
        Assert.Equal(theirs, ours);
    }
}
