namespace Scheduling.Core.Recurrence.Expansion;

internal enum Unit
{
    Second,
    Minute,
    Hour,
    Day,
    Week,
    Month,
    Year,
}

/// <summary>
/// A <see cref="RecurrenceRule"/> with DTSTART's defaults filled in (RFC 5545 §3.3.10) and every BYxxx list
/// turned into a lookup mask, so the per-candidate work is array indexing.
/// </summary>
internal sealed class CompiledRule
{
    public const int OrdinalStride = 54;

    public CompiledRule(RecurrenceRule rule, long startLocal)
    {
        Unit = ToUnit(rule.Frequency);
        Interval = Math.Max(1, rule.Interval);
        WeekStart = (int)rule.WeekStart;
        Skip = rule.Skip;
        StartLocal = startLocal;

        var startDay = (int)Civil.FloorDiv(startLocal, Civil.SecondsPerDay);
        var startSod = (int)(startLocal - (startDay * Civil.SecondsPerDay));
        Civil.FromDays(startDay, out var y0, out var m0, out var d0);
        StartYear = y0;
        StartMonth = m0;
        StartDay = startDay;
        var h0 = startSod / 3600;
        var mi0 = startSod / 60 % 60;
        var s0 = startSod % 60;
        var wd0 = Civil.IsoWeekday(startDay);

        var byMonth = rule.ByMonth.Where(v => v is >= 1 and <= 12).ToArray();
        var byMonthDay = rule.ByMonthDay.Where(v => v is >= -31 and <= 31 and not 0).ToArray();
        var byYearDay = rule.ByYearDay.Where(v => v is >= -366 and <= 366 and not 0).ToArray();
        var byWeekNo = rule.ByWeekNo.Where(v => v is >= -53 and <= 53 and not 0).ToArray();
        var byDay = rule.ByDay.Where(d => d.Day is >= NodaTime.IsoDayOfWeek.Monday and <= NodaTime.IsoDayOfWeek.Sunday).ToArray();

        var explicitMonth = byMonth.Length > 0;
        var anyDayPart = byWeekNo.Length > 0 || byYearDay.Length > 0 || byMonthDay.Length > 0 || byDay.Length > 0;
        switch (Unit)
        {
            case Unit.Year when !anyDayPart:
                if (!explicitMonth)
                {
                    byMonth = [m0];
                }

                byMonthDay = [d0];
                break;
            case Unit.Year when byMonthDay.Length > 0 && !explicitMonth && byWeekNo.Length == 0 && byYearDay.Length == 0:
                // RFC 5545 derives missing parts from DTSTART: a yearly month-day rule keeps DTSTART's month
                // (libical and Ical.Net agree; dateutil would expand every month).
                byMonth = [m0];
                break;
            case Unit.Month when !anyDayPart:
                byMonthDay = [d0];
                break;
            case Unit.Week when !anyDayPart:
                byDay = [new WeekdayNum((NodaTime.IsoDayOfWeek)wd0)];
                break;
        }

        if (byMonth.Length > 0)
        {
            MonthMask = Mask(13, byMonth);
        }

        if (byMonthDay.Length > 0)
        {
            HasMonthDay = true;
            MonthDayPositive = Mask(32, byMonthDay.Where(v => v > 0));
            MonthDayNegative = Mask(32, byMonthDay.Where(v => v < 0).Select(v => -v));
            SkippableMonthDays = [.. byMonthDay.Where(v => v >= 29).Distinct().Order()];
        }

        if (byYearDay.Length > 0)
        {
            HasYearDay = true;
            YearDayPositive = Mask(367, byYearDay.Where(v => v > 0));
            YearDayNegative = Mask(367, byYearDay.Where(v => v < 0).Select(v => -v));
        }

        if (byWeekNo.Length > 0)
        {
            HasWeekNo = true;
            WeekNoPositive = Mask(OrdinalStride, byWeekNo.Where(v => v > 0));
            WeekNoNegative = Mask(OrdinalStride, byWeekNo.Where(v => v < 0).Select(v => -v));
        }

        if (byDay.Length > 0)
        {
            HasWeekday = true;
            // Ordinals only mean something within a month or a year; elsewhere RFC 5545 forbids them and they act as plain days.
            var ordinalsApply = Unit is Unit.Month or Unit.Year;
            OrdinalYearScope = Unit == Unit.Year && !explicitMonth;
            foreach (var entry in byDay)
            {
                var wd = (int)entry.Day;
                if (entry.Ordinal == 0 || !ordinalsApply)
                {
                    WeekdayPlain[wd] = true;
                }
                else if (Math.Abs(entry.Ordinal) < OrdinalStride)
                {
                    HasOrdinals = true;
                    if (entry.Ordinal > 0)
                    {
                        OrdinalPositive[(wd * OrdinalStride) + entry.Ordinal] = true;
                    }
                    else
                    {
                        OrdinalNegative[(wd * OrdinalStride) - entry.Ordinal] = true;
                    }
                }
            }
        }

        var hours = Valid(rule.ByHour, 23);
        var minutes = Valid(rule.ByMinute, 59);
        var seconds = Valid(rule.BySecond, 59);
        switch (Unit)
        {
            case >= Unit.Day:
                if (rule.TimesOfDay.Count > 0)
                {
                    Times = [.. rule.TimesOfDay.Select(t => (t.Hour * 3600) + (t.Minute * 60) + t.Second).Distinct().Order()];
                }
                else
                {
                    Times = Product(hours.Length > 0 ? hours : [h0], minutes.Length > 0 ? minutes : [mi0], seconds.Length > 0 ? seconds : [s0], 3600, 60, 1);
                }

                break;
            case Unit.Hour:
                HourMask = hours.Length > 0 ? Mask(24, hours) : null;
                Times = Product([0], minutes.Length > 0 ? minutes : [mi0], seconds.Length > 0 ? seconds : [s0], 0, 60, 1);
                break;
            case Unit.Minute:
                HourMask = hours.Length > 0 ? Mask(24, hours) : null;
                MinuteMask = minutes.Length > 0 ? Mask(60, minutes) : null;
                Times = [.. (seconds.Length > 0 ? seconds : [s0]).Distinct().Order()];
                break;
            default:
                HourMask = hours.Length > 0 ? Mask(24, hours) : null;
                MinuteMask = minutes.Length > 0 ? Mask(60, minutes) : null;
                SecondMask = seconds.Length > 0 ? Mask(60, seconds) : null;
                Times = [0];
                break;
        }

        SetPos = [.. rule.BySetPos.Where(v => v != 0)];

        StepSeconds = Unit switch
        {
            Unit.Second => Interval,
            Unit.Minute => 60L * Interval,
            Unit.Hour => 3600L * Interval,
            _ => 0,
        };
        SubDailyOrigin = Unit switch
        {
            Unit.Hour => startLocal - (mi0 * 60) - s0,
            Unit.Minute => startLocal - s0,
            _ => startLocal,
        };
        WeekOrigin = startDay - ((wd0 - WeekStart + 7) % 7);
        // A daily or shorter period always holds the same number of candidates, so BYSETPOS either fits or never does.
        var setPosNeverFits = SetPos.Length > 0 && Unit <= Unit.Day && !SetPos.Any(p => Math.Abs(p) <= Times.Length);
        NeverMatches = setPosNeverFits || (Unit < Unit.Day && !AnyReachableTimeOfDay(startSod));
    }

    public Unit Unit { get; }

    public int Interval { get; }

    public int WeekStart { get; }

    public MonthDaySkip Skip { get; }

    public long StartLocal { get; }

    public int StartYear { get; }

    public int StartMonth { get; }

    public int StartDay { get; }

    public bool[]? MonthMask { get; }

    public bool HasMonthDay { get; }

    public bool[] MonthDayPositive { get; } = [];

    public bool[] MonthDayNegative { get; } = [];

    public int[] SkippableMonthDays { get; } = [];

    public bool HasYearDay { get; }

    public bool[] YearDayPositive { get; } = [];

    public bool[] YearDayNegative { get; } = [];

    public bool HasWeekNo { get; }

    public bool[] WeekNoPositive { get; } = [];

    public bool[] WeekNoNegative { get; } = [];

    public bool HasWeekday { get; }

    public bool[] WeekdayPlain { get; } = new bool[8];

    public bool HasOrdinals { get; }

    public bool OrdinalYearScope { get; }

    public bool[] OrdinalPositive { get; } = new bool[8 * OrdinalStride];

    public bool[] OrdinalNegative { get; } = new bool[8 * OrdinalStride];

    public bool[]? HourMask { get; }

    public bool[]? MinuteMask { get; }

    public bool[]? SecondMask { get; }

    /// <summary>Sorted offsets added to each candidate day (daily and longer: second of day; sub-daily: offset within the period).</summary>
    public int[] Times { get; }

    public int[] SetPos { get; }

    public long StepSeconds { get; }

    public long SubDailyOrigin { get; }

    public int WeekOrigin { get; }

    /// <summary>Sub-daily BYHOUR/BYMINUTE/BYSECOND that the interval can never land on (e.g. every 2 hours from 09:00 with BYHOUR=10).</summary>
    public bool NeverMatches { get; }

    public bool DayMatches(in DayInfo day, bool derived = false)
    {
        if (!derived)
        {
            if (MonthMask is not null && !MonthMask[day.Month])
            {
                return false;
            }

            if (HasMonthDay && !MonthDayPositive[day.Day] && !MonthDayNegative[day.MonthLength - day.Day + 1])
            {
                return false;
            }
        }

        if (HasYearDay && !YearDayPositive[day.YearDay] && !YearDayNegative[day.YearLength - day.YearDay + 1])
        {
            return false;
        }

        if (HasWeekday && !WeekdayPlain[day.Weekday])
        {
            if (!HasOrdinals)
            {
                return false;
            }

            int nth, nthFromEnd;
            if (OrdinalYearScope)
            {
                nth = ((day.YearDay - 1) / 7) + 1;
                nthFromEnd = ((day.YearLength - day.YearDay) / 7) + 1;
            }
            else
            {
                nth = ((day.Day - 1) / 7) + 1;
                nthFromEnd = ((day.MonthLength - day.Day) / 7) + 1;
            }

            var row = day.Weekday * OrdinalStride;
            if (!OrdinalPositive[row + nth] && !OrdinalNegative[row + nthFromEnd])
            {
                return false;
            }
        }

        return !HasWeekNo || WeekNoMatches(day);
    }

    private bool WeekNoMatches(in DayInfo day)
    {
        var weekStartDay = day.Number - ((day.Weekday - WeekStart + 7) % 7);
        var thisYear = Week1Start(day.Year);
        var nextYear = Week1Start(day.Year + 1);
        int yearStart, followingStart;
        if (weekStartDay >= nextYear)
        {
            yearStart = nextYear;
            followingStart = Week1Start(day.Year + 2);
        }
        else if (weekStartDay < thisYear)
        {
            yearStart = Week1Start(day.Year - 1);
            followingStart = thisYear;
        }
        else
        {
            yearStart = thisYear;
            followingStart = nextYear;
        }

        var week = ((weekStartDay - yearStart) / 7) + 1;
        var weeks = (followingStart - yearStart) / 7;
        return WeekNoPositive[week] || WeekNoNegative[weeks - week + 1];
    }

    // Week 1 is the week (starting on WKST) that contains January 4th, i.e. has at least four days of the year.
    private int Week1Start(int year)
    {
        var jan4 = Civil.DaysFromCivil(year, 1, 4);
        return jan4 - ((Civil.IsoWeekday(jan4) - WeekStart + 7) % 7);
    }

    private bool AnyReachableTimeOfDay(int startSecondOfDay)
    {
        var (granularity, positions) = Unit switch
        {
            Unit.Hour => (3600, 24),
            Unit.Minute => (60, 1440),
            _ => (1, 86_400),
        };
        var step = Civil.Gcd(StepSeconds, Civil.SecondsPerDay);
        var origin = (int)(startSecondOfDay - (startSecondOfDay % granularity));
        for (var i = 0; i < positions; i++)
        {
            var sod = i * granularity;
            if ((sod - origin) % step != 0)
            {
                continue;
            }

            if (HourMask is not null && !HourMask[sod / 3600])
            {
                continue;
            }

            if (MinuteMask is not null && !MinuteMask[sod / 60 % 60])
            {
                continue;
            }

            if (SecondMask is not null && !SecondMask[sod % 60])
            {
                continue;
            }

            return true;
        }

        return false;
    }

    private static Unit ToUnit(Frequency frequency) => frequency switch
    {
        Frequency.Minutely => Unit.Minute,
        Frequency.Hourly => Unit.Hour,
        Frequency.Daily => Unit.Day,
        Frequency.Weekly => Unit.Week,
        Frequency.Monthly => Unit.Month,
        Frequency.Yearly => Unit.Year,
        FrequencyExtensions.Secondly => Unit.Second,
        _ => throw new ArgumentOutOfRangeException(nameof(frequency), frequency, "Unknown frequency."),
    };

    private static int[] Valid(IReadOnlyList<int> values, int max) => [.. values.Where(v => v >= 0 && v <= max)];

    private static bool[] Mask(int size, IEnumerable<int> values)
    {
        var mask = new bool[size];
        foreach (var v in values)
        {
            if (v >= 0 && v < size)
            {
                mask[v] = true;
            }
        }

        return mask;
    }

    private static int[] Product(int[] a, int[] b, int[] c, int wa, int wb, int wc)
    {
        var result = new List<int>(a.Length * b.Length * c.Length);
        foreach (var x in a)
        {
            foreach (var y in b)
            {
                foreach (var z in c)
                {
                    result.Add((x * wa) + (y * wb) + (z * wc));
                }
            }
        }

        return [.. result.Distinct().Order()];
    }
}

/// <summary>One calendar day with the attributes the BYxxx filters look at.</summary>
internal struct DayInfo
{
    public int Number;
    public int Year;
    public int Month;
    public int Day;
    public int MonthLength;
    public int YearDay;
    public int YearLength;
    public int Weekday;

    public static DayInfo Of(int dayNumber)
    {
        Civil.FromDays(dayNumber, out var y, out var m, out var d);
        return new DayInfo
        {
            Number = dayNumber,
            Year = y,
            Month = m,
            Day = d,
            MonthLength = Civil.DaysInMonth(y, m),
            YearDay = dayNumber - Civil.DaysFromCivil(y, 1, 1) + 1,
            YearLength = Civil.DaysInYear(y),
            Weekday = Civil.IsoWeekday(dayNumber),
        };
    }

    public void Advance()
    {
        Number++;
        Weekday = Weekday == 7 ? 1 : Weekday + 1;
        YearDay++;
        if (++Day <= MonthLength)
        {
            return;
        }

        Day = 1;
        if (++Month > 12)
        {
            Month = 1;
            Year++;
            YearDay = 1;
            YearLength = Civil.DaysInYear(Year);
        }

        MonthLength = Civil.DaysInMonth(Year, Month);
    }
}
