namespace Scheduling.Core.Recurrence.Expansion;

/// <summary>
/// Walks a compiled rule period by period (year, month, week, day, or one sub-daily step) and hands out the
/// candidate local times of each period in order. Buffers are sized once, so the walk allocates nothing.
/// A period's candidates are the sorted days × sorted times; BYSETPOS picks from that product by index
/// arithmetic, without building it.
/// </summary>
internal sealed class PeriodCursor
{
    private readonly CompiledRule rule;
    private readonly int[] days = new int[400];
    private readonly long[] selected;
    private readonly int[] times;
    private readonly long emptyPeriodLimit;
    private readonly long emptySpanLimit;

    private int dayCount;
    private int dayIndex;
    private int timeIndex;
    private long timeBase;
    private int selectedCount;
    private int selectedIndex;
    private long period;
    private long emptyPeriods;
    private long lastProductiveLocal;
    private int cachedDay = int.MinValue;
    private bool cachedDayMatches;
    private bool done;

    public PeriodCursor(CompiledRule rule, long firstPeriod)
    {
        this.rule = rule;
        times = rule.Times;
        selected = new long[Math.Max(1, rule.SetPos.Length)];
        period = Math.Max(0, firstPeriod);
        done = rule.NeverMatches;

        // The Gregorian calendar repeats every 400 years (146 097 days, a whole number of weeks), so a rule whose
        // periods have produced nothing for a full cycle never will.
        var interval = rule.Interval;
        emptyPeriodLimit = rule.Unit switch
        {
            Unit.Year => 400 / Civil.Gcd(interval, 400),
            Unit.Month => 4800 / Civil.Gcd(interval, 4800),
            Unit.Week => 20_871 / Civil.Gcd(interval, 20_871),
            Unit.Day => 146_097 / Civil.Gcd(interval, 146_097),
            _ => long.MaxValue,
        };
        const long cycle = 146_097 * Civil.SecondsPerDay;
        if (rule.StepSeconds > 0)
        {
            var factor = rule.StepSeconds / Civil.Gcd(rule.StepSeconds, cycle);
            emptySpanLimit = factor > long.MaxValue / cycle ? long.MaxValue : factor * cycle;
            lastProductiveLocal = rule.SubDailyOrigin + (period * rule.StepSeconds);
        }
    }

    /// <summary>The first period index whose candidates can reach <paramref name="local"/> (for skipping ahead).</summary>
    public static long PeriodNear(CompiledRule rule, long local)
    {
        var day = (int)Civil.FloorDiv(local, Civil.SecondsPerDay);
        Civil.FromDays(day, out var y, out var m, out _);
        long k = rule.Unit switch
        {
            Unit.Year => Civil.FloorDiv(y - 1 - rule.StartYear, rule.Interval),
            Unit.Month => Civil.FloorDiv(((y * 12L) + m - 2) - ((rule.StartYear * 12L) + rule.StartMonth - 1), rule.Interval),
            Unit.Week => Civil.FloorDiv(day - 7 - rule.WeekOrigin, 7L * rule.Interval),
            Unit.Day => Civil.FloorDiv(day - 1 - rule.StartDay, rule.Interval),
            _ => Civil.FloorDiv(local - Civil.SecondsPerDay - rule.SubDailyOrigin, rule.StepSeconds),
        };
        return Math.Max(0, k);
    }

    public bool TryNext(out long local)
    {
        while (true)
        {
            if (selectedIndex < selectedCount)
            {
                local = selected[selectedIndex++];
                return true;
            }

            if (dayIndex < dayCount)
            {
                local = (days[dayIndex] * Civil.SecondsPerDay) + timeBase + times[timeIndex];
                if (++timeIndex == times.Length)
                {
                    timeIndex = 0;
                    dayIndex++;
                }

                return true;
            }

            if (!NextPeriod())
            {
                local = 0;
                return false;
            }
        }
    }

    private bool NextPeriod()
    {
        while (!done)
        {
            dayCount = 0;
            dayIndex = 0;
            timeIndex = 0;
            selectedCount = 0;
            selectedIndex = 0;
            timeBase = 0;
            switch (rule.Unit)
            {
                case Unit.Year:
                    FillYear();
                    break;
                case Unit.Month:
                    FillMonthPeriod();
                    break;
                case Unit.Week:
                    FillWeek();
                    break;
                case Unit.Day:
                    FillDay();
                    break;
                default:
                    FillSubDaily();
                    break;
            }

            if (done)
            {
                return false;
            }

            period++;
            if (dayCount > 0 && rule.SetPos.Length > 0)
            {
                ApplySetPos();
            }

            if (dayCount > 0)
            {
                emptyPeriods = 0;
                return true;
            }

            if (++emptyPeriods >= emptyPeriodLimit)
            {
                done = true;
            }
        }

        return false;
    }

    private void FillYear()
    {
        var year = rule.StartYear + (period * rule.Interval);
        if (year > 9999)
        {
            done = true;
            return;
        }

        var sorted = true;
        for (var month = 1; month <= 12; month++)
        {
            if (rule.MonthMask is null || rule.MonthMask[month])
            {
                sorted &= FillMonth((int)year, month);
            }
        }

        if (!sorted)
        {
            SortDays();
        }
    }

    private void FillMonthPeriod()
    {
        var index = (rule.StartYear * 12L) + rule.StartMonth - 1 + (period * rule.Interval);
        var year = Civil.FloorDiv(index, 12);
        if (year > 9999)
        {
            done = true;
            return;
        }

        if (!FillMonth((int)year, (int)(index - (year * 12)) + 1))
        {
            SortDays();
        }
    }

    /// <returns>False when RFC 7529 substitutes were appended out of order.</returns>
    private bool FillMonth(int year, int month)
    {
        if (rule.MonthMask is not null && !rule.MonthMask[month])
        {
            return true;
        }

        var day = DayInfo.Of(Civil.DaysFromCivil(year, month, 1));
        var length = day.MonthLength;
        for (var d = 1; d <= length; d++)
        {
            if (rule.DayMatches(day))
            {
                Add(day.Number);
            }

            day.Advance();
        }

        if (rule.Skip == MonthDaySkip.Omit || rule.SkippableMonthDays.Length == 0)
        {
            return true;
        }

        var appended = false;
        foreach (var wanted in rule.SkippableMonthDays)
        {
            if (wanted <= length)
            {
                continue;
            }

            var substitute = Civil.DaysFromCivil(year, month, length) + (rule.Skip == MonthDaySkip.Forward ? 1 : 0);
            if (substitute <= Civil.MaxDay && rule.DayMatches(DayInfo.Of(substitute), derived: true))
            {
                Add(substitute);
                appended = true;
            }
        }

        return !appended;
    }

    private void FillWeek()
    {
        var start = rule.WeekOrigin + (period * 7L * rule.Interval);
        if (start > Civil.MaxDay)
        {
            done = true;
            return;
        }

        var day = DayInfo.Of((int)Math.Max(start, Civil.MinDay));
        for (var i = 0; i < 7 && day.Number <= Civil.MaxDay; i++)
        {
            if (rule.DayMatches(day))
            {
                Add(day.Number);
            }

            day.Advance();
        }
    }

    private void FillDay()
    {
        var number = rule.StartDay + (period * rule.Interval);
        if (number > Civil.MaxDay)
        {
            done = true;
            return;
        }

        if (rule.DayMatches(DayInfo.Of((int)number)))
        {
            Add((int)number);
        }
    }

    private void FillSubDaily()
    {
        var step = rule.StepSeconds;
        var origin = rule.SubDailyOrigin;
        while (true)
        {
            var p = origin + (period * step);
            var dayNumber = Civil.FloorDiv(p, Civil.SecondsPerDay);
            if (dayNumber > Civil.MaxDay || p - lastProductiveLocal > emptySpanLimit)
            {
                done = true;
                return;
            }

            var day = (int)dayNumber;
            var dayStart = day * Civil.SecondsPerDay;
            if (day != cachedDay)
            {
                cachedDay = day;
                cachedDayMatches = rule.DayMatches(DayInfo.Of(day));
            }

            if (!cachedDayMatches)
            {
                period = Civil.CeilDiv(dayStart + Civil.SecondsPerDay - origin, step);
                continue;
            }

            var sod = (int)(p - dayStart);
            var hour = sod / 3600;
            if (rule.HourMask is not null && !rule.HourMask[hour])
            {
                period = rule.Unit == Unit.Hour ? period + 1 : Civil.CeilDiv(dayStart + ((hour + 1) * 3600L) - origin, step);
                continue;
            }

            if (rule.Unit != Unit.Hour)
            {
                var minute = sod / 60 % 60;
                if (rule.MinuteMask is not null && !rule.MinuteMask[minute])
                {
                    period = rule.Unit == Unit.Minute
                        ? period + 1
                        : Civil.CeilDiv(dayStart + (hour * 3600L) + ((minute + 1) * 60L) - origin, step);
                    continue;
                }

                if (rule.Unit == Unit.Second && rule.SecondMask is not null && !rule.SecondMask[sod % 60])
                {
                    period++;
                    continue;
                }
            }

            timeBase = rule.Unit switch
            {
                Unit.Hour => hour * 3600L,
                Unit.Minute => sod - (sod % 60),
                _ => sod,
            };
            Add(day);
            lastProductiveLocal = p;
            return;
        }
    }

    private void Add(int dayNumber) => days[dayCount++] = dayNumber;

    private void SortDays()
    {
        Array.Sort(days, 0, dayCount);
        var unique = 0;
        for (var i = 0; i < dayCount; i++)
        {
            if (unique == 0 || days[unique - 1] != days[i])
            {
                days[unique++] = days[i];
            }
        }

        dayCount = unique;
    }

    private void ApplySetPos()
    {
        long n = (long)dayCount * times.Length;
        foreach (var pos in rule.SetPos)
        {
            var index = pos > 0 ? pos - 1 : n + pos;
            if (index < 0 || index >= n)
            {
                continue;
            }

            var value = (days[index / times.Length] * Civil.SecondsPerDay) + timeBase + times[index % times.Length];
            var at = selectedCount;
            while (at > 0 && selected[at - 1] > value)
            {
                at--;
            }

            if (at > 0 && selected[at - 1] == value)
            {
                continue;
            }

            Array.Copy(selected, at, selected, at + 1, selectedCount - at);
            selected[at] = value;
            selectedCount++;
        }

        // Candidates now come from the selection only.
        dayCount = selectedCount == 0 ? 0 : dayCount;
        dayIndex = dayCount;
    }
}
