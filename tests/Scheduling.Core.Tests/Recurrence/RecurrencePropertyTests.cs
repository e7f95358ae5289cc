using CsCheck;
using NodaTime;
using Scheduling.Core.Recurrence;

namespace Scheduling.Core.Tests.Recurrence;

/// <summary>Invariants over random rules in real zones (CsCheck shrinks a failure to a small rule).</summary>
public class RecurrencePropertyTests
{
    private const int Take = 150;

    private static readonly string[] Zones = ["UTC", "America/New_York", "Europe/London", "Australia/Sydney", "Asia/Kolkata"];

    private static readonly Gen<IsoDayOfWeek> Day = Gen.Int[1, 7].Select(d => (IsoDayOfWeek)d);

    internal static readonly Gen<RecurrenceSet> Sets =
        from frequency in Gen.Frequency((1, Gen.Const(Frequency.Minutely)), (2, Gen.Const(Frequency.Hourly)), (3, Gen.Const(Frequency.Daily)),
                                        (3, Gen.Const(Frequency.Weekly)), (3, Gen.Const(Frequency.Monthly)), (2, Gen.Const(Frequency.Yearly)))
        from interval in Gen.Int[1, 4]
        from plainDays in Day.Array[0, 3]
        from ordinal in Gen.Int[-5, 5]
        from ordinalDay in Day
        from monthDays in Gen.OneOf(Gen.Int[1, 31], Gen.Int[-31, -1]).Array[0, 2]
        from months in Gen.Int[1, 12].Array[0, 2]
        from hours in Gen.Int[0, 23].Array[0, 2]
        from minutes in Gen.OneOf(0, 15, 30, 45).Array[0, 2]
        from setPos in Gen.OneOf(0, 1, 2, -1, -2)
        from end in Gen.Int[0, 2]
        from count in Gen.Int[1, 40]
        from untilDays in Gen.Int[1, 900]
        from skip in Gen.OneOf(MonthDaySkip.Omit, MonthDaySkip.Backward, MonthDaySkip.Forward)
        from zone in Gen.OneOf(Zones)
        from startDay in Gen.Int[0, 3650]
        from startHour in Gen.Int[0, 23]
        from startMinute in Gen.OneOf(0, 15, 30, 45)
        let start = new LocalDate(2020, 1, 1).PlusDays(startDay).At(new LocalTime(startHour, startMinute))
        let monthlyish = frequency is Frequency.Monthly or Frequency.Yearly
        let rule = new RecurrenceRule
        {
            Frequency = frequency,
            Interval = interval,
            ByDay = monthlyish && ordinal != 0
                ? [new WeekdayNum(ordinalDay, ordinal)]
                : [.. plainDays.Distinct().Select(WeekdayNum.Every)],
            ByMonthDay = monthlyish ? monthDays : [],
            ByMonth = months,
            ByHour = frequency >= Frequency.Daily ? hours : [],
            ByMinute = frequency >= Frequency.Hourly ? minutes : [],
            BySetPos = setPos != 0 && (plainDays.Length > 0 || hours.Length > 0) ? [setPos] : [],
            Count = end == 1 ? count : null,
            Until = end == 2 ? RecurrenceUntil.AtLocal(start.PlusDays(untilDays)) : null,
            Skip = skip,
        }
        select new RecurrenceSet(rule, start, zone);

    [Fact]
    public void Occurrences_RandomRules_SortedUniqueInsideStartUntilAndCount()
    {
        Sets.Sample(set =>
        {
            var list = set.Occurrences().Take(Take).ToList();
            var zone = DateTimeZoneProviders.Tzdb[set.TimeZone!];
            for (var i = 0; i < list.Count; i++)
            {
                var o = list[i];
                Assert.True(i == 0 || o.Instant > list[i - 1].Instant, "instants must strictly increase");
                Assert.True(o.Local >= set.Start, "no occurrence before DTSTART");
                Assert.Equal(o.Instant.InZone(zone).LocalDateTime, o.Local);
                Assert.Equal(zone.GetUtcOffset(o.Instant), o.Offset);
                if (set.Rule.Until is { } until)
                {
                    Assert.True(o.Instant <= zone.AtLeniently(until.Value).ToInstant(), "past UNTIL");
                }
            }

            if (set.Rule.Count is { } count)
            {
                Assert.True(list.Count <= count);
            }
        }, iter: 400, threads: 1, print: s => s.ToString());
    }

    [Fact]
    public void RRuleText_RandomRules_RoundTripToSameOccurrences()
    {
        Sets.Sample(set =>
        {
            var text = RRuleText.Format(set.Rule);
            var parsed = RRuleText.Parse(text);
            Assert.True(parsed.IsSuccess, $"{text}: {parsed}");
            var again = set with { Rule = parsed.Value! };

            Assert.Equal(RRuleText.Format(parsed.Value!), text);
            Assert.Equal(set.Occurrences().Take(60).Select(o => o.Instant), again.Occurrences().Take(60).Select(o => o.Instant));
        }, iter: 400, threads: 1, print: s => s.ToString());
    }

    [Fact]
    public void OccurrencesAfter_RandomRulesAndInstants_EqualsFilteringTheFullStream()
    {
        var gen = Sets.Select(Gen.Int[0, 60], Gen.Int[-3600, 3600], (set, index, jitter) => (set, index, jitter));
        gen.Sample(t =>
        {
            var (set, index, jitter) = t;
            var all = set.Occurrences().Take(120).ToList();
            if (all.Count == 0)
            {
                return;
            }

            var pivot = all[Math.Min(index, all.Count - 1)].Instant + Duration.FromSeconds(jitter);
            var expected = all.Where(o => o.Instant > pivot).Take(10).Select(o => o.Instant).ToList();
            var actual = set.OccurrencesAfter(pivot).Take(expected.Count).Select(o => o.Instant).ToList();
            Assert.Equal(expected, actual);

            var windowEnd = pivot + Duration.FromDays(20);
            Assert.Equal(
                all.Where(o => o.Instant >= pivot && o.Instant < windowEnd).Select(o => o.Instant),
                set.OccurrencesBetween(pivot, windowEnd).TakeWhile(o => o.Instant <= all[^1].Instant).Select(o => o.Instant));
        }, iter: 300, print: t => $"{t.set} index={t.index} jitter={t.jitter}");
    }
}
