using BenchmarkDotNet.Attributes;
using Ical.Net.CalendarComponents;
using Ical.Net.DataTypes;
using NodaTime;
using Scheduling.Core.Recurrence;

namespace Scheduling.Benchmarks;

/// <summary>
/// Full expansion of three product-shaped rules, ours against Ical.Net 5.2.4 on identical input.
/// Each operation starts from the rule text's parsed form and walks every occurrence, converting to UTC,
/// so both sides pay for zone resolution. Setup fails if the two disagree on any occurrence.
/// Ical.Net loops forever on FREQ=HOURLY across a fall-back hour in America/New_York (see
/// shared/rrule-vectors/README.md), so the hourly comparison runs in Asia/Kolkata (no DST); our own hourly
/// year in New York is measured on its own.
/// </summary>
[MemoryDiagnoser]
public class RecurrenceExpansionBenchmarks
{
    private const string NewYork = "America/New_York";

    private static readonly Case HourlyYearNewYork = new("FREQ=HOURLY;COUNT=8760", new LocalDateTime(2026, 1, 1, 0, 0), NewYork);
    private static readonly Case HourlyYearKolkata = new("FREQ=HOURLY;COUNT=8760", new LocalDateTime(2026, 1, 1, 0, 0), "Asia/Kolkata");
    private static readonly Case WeekdaysThreeTimesFiveYears =
        new("FREQ=WEEKLY;UNTIL=20301231T235959Z;BYDAY=MO,TU,WE,TH,FR;BYHOUR=8,12,17;BYMINUTE=0;BYSECOND=0", new LocalDateTime(2026, 1, 1, 8, 0), NewYork);
    private static readonly Case LastFridayTenYears =
        new("FREQ=MONTHLY;UNTIL=20351231T235959Z;BYDAY=-1FR", new LocalDateTime(2026, 1, 1, 18, 0), NewYork);

    private CalendarEvent icalHourlyKolkata = null!;
    private CalendarEvent icalWeekdays = null!;
    private CalendarEvent icalLastFriday = null!;

    [GlobalSetup]
    public void Setup()
    {
        icalHourlyKolkata = HourlyYearKolkata.ToIcal();
        icalWeekdays = WeekdaysThreeTimesFiveYears.ToIcal();
        icalLastFriday = LastFridayTenYears.ToIcal();

        Verify(HourlyYearKolkata, icalHourlyKolkata);
        Verify(WeekdaysThreeTimesFiveYears, icalWeekdays);
        Verify(LastFridayTenYears, icalLastFriday);
        var hourly = HourlyYearNewYork.ToSet().Occurrences().ToList();
        if (hourly.Count != 8760 || hourly.Zip(hourly.Skip(1)).Any(p => p.First.Instant >= p.Second.Instant))
        {
            throw new InvalidOperationException("Hourly New York year is not 8760 strictly increasing instants.");
        }
    }

    [Benchmark(Description = "Ours: hourly, 1 year, America/New_York (8760)")]
    public long OursHourlyNewYork() => Walk(HourlyYearNewYork.ToSet());

    [Benchmark(Description = "Ours: hourly, 1 year, Asia/Kolkata (8760)")]
    public long OursHourlyKolkata() => Walk(HourlyYearKolkata.ToSet());

    [Benchmark(Description = "Ical.Net: hourly, 1 year, Asia/Kolkata (8760)")]
    public long IcalHourlyKolkata() => Walk(icalHourlyKolkata);

    [Benchmark(Description = "Ours: weekdays x3 times, 5 years, New York")]
    public long OursWeekdays() => Walk(WeekdaysThreeTimesFiveYears.ToSet());

    [Benchmark(Description = "Ical.Net: weekdays x3 times, 5 years, New York")]
    public long IcalWeekdays() => Walk(icalWeekdays);

    [Benchmark(Description = "Ours: last Friday monthly, 10 years, New York")]
    public long OursLastFriday() => Walk(LastFridayTenYears.ToSet());

    [Benchmark(Description = "Ical.Net: last Friday monthly, 10 years, New York")]
    public long IcalLastFriday() => Walk(icalLastFriday);

    private static long Walk(RecurrenceSet set)
    {
        long sum = 0;
        foreach (var o in set.Occurrences())
        {
            sum += o.Instant.ToUnixTimeSeconds();
        }

        return sum;
    }

    private static long Walk(CalendarEvent calendarEvent)
    {
        long sum = 0;
        foreach (var o in calendarEvent.GetOccurrences())
        {
            sum += new DateTimeOffset(o.Period.StartTime.AsUtc).ToUnixTimeSeconds();
        }

        return sum;
    }

    private static void Verify(Case c, CalendarEvent calendarEvent)
    {
        var ours = c.ToSet().Occurrences().Select(o => o.Instant.ToDateTimeUtc()).ToList();
        var theirs = calendarEvent.GetOccurrences().Select(o => o.Period.StartTime.AsUtc).ToList();
        if (ours.Count == 0 || !ours.SequenceEqual(theirs))
        {
            var at = ours.Zip(theirs).TakeWhile(p => p.First == p.Second).Count();
            throw new InvalidOperationException(
                $"{c.RRule}: ours {ours.Count} vs Ical.Net {theirs.Count} occurrences; first difference at {at}.");
        }
    }

    private sealed record Case(string RRule, LocalDateTime Start, string Zone)
    {
        private readonly Scheduling.Core.Recurrence.RecurrenceRule rule = RRuleText.Parse(RRule).Value!;

        // A new set per call so the compiled plan is rebuilt inside the measured operation.
        public RecurrenceSet ToSet() => new(rule, Start, Zone);

        public CalendarEvent ToIcal() => new()
        {
            DtStart = new CalDateTime(Start.Year, Start.Month, Start.Day, Start.Hour, Start.Minute, Start.Second, Zone),
            RecurrenceRule = new RecurrencePattern(RRule),
        };
    }
}
