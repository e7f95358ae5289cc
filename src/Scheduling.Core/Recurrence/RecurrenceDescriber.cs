using System.Globalization;
using System.Text;
using NodaTime;
using Scheduling.Core.Recurrence.Expansion;

namespace Scheduling.Core.Recurrence;

/// <summary>
/// Renders a rule as one English sentence, e.g. "Every 2 weeks on Monday and Thursday at 09:00 (America/New_York)",
/// "Every month on the last Friday at 18:00", "Every weekday at 08:00, 10 times". English only for now; the
/// structure (head, days, months, times, end, zone) is where a localised version would plug in.
/// </summary>
public static class RecurrenceDescriber
{
    private const int MaxListedTimes = 6;

    private static readonly IsoDayOfWeek[] Weekdays =
        [IsoDayOfWeek.Monday, IsoDayOfWeek.Tuesday, IsoDayOfWeek.Wednesday, IsoDayOfWeek.Thursday, IsoDayOfWeek.Friday];

    /// <example><c>set.Describe()</c> → "Every weekday at 08:00 (Europe/London)"</example>
    public static string Describe(RecurrenceSet set)
    {
        ArgumentNullException.ThrowIfNull(set);
        return Describe(set.Rule, set.Start, set.TimeZone);
    }

    /// <param name="start">DTSTART, which supplies the day and time a rule leaves out; without it those are not mentioned.</param>
    /// <param name="timeZone">Appended in parentheses when given.</param>
    public static string Describe(RecurrenceRule rule, LocalDateTime? start = null, string? timeZone = null)
    {
        ArgumentNullException.ThrowIfNull(rule);
        var sb = new StringBuilder(96);
        var plainDays = rule.ByDay.Where(d => !d.HasOrdinal).Select(d => d.Day).Distinct().Order().ToArray();
        var ordinalDays = rule.ByDay.Where(d => d.HasOrdinal).ToArray();
        var otherDayParts = rule.ByMonthDay.Count > 0 || rule.ByYearDay.Count > 0 || rule.ByWeekNo.Count > 0;
        var isWeekdays = plainDays.SequenceEqual(Weekdays) && ordinalDays.Length == 0;
        var isWeekend = plainDays.SequenceEqual([IsoDayOfWeek.Saturday, IsoDayOfWeek.Sunday]) && ordinalDays.Length == 0;
        var setPosConsumed = false;

        // Head: "Every weekday" / "Every 2 weeks".
        if ((isWeekdays || isWeekend) && rule.Interval == 1 && !otherDayParts && rule.BySetPos.Count == 0
            && rule.Frequency is Frequency.Daily or Frequency.Weekly)
        {
            sb.Append(isWeekdays ? "Every weekday" : "Every weekend day");
            plainDays = [];
        }
        else
        {
            var unit = UnitName(rule.Frequency);
            sb.Append(rule.Interval == 1 ? $"Every {unit}" : $"Every {rule.Interval.ToString(CultureInfo.InvariantCulture)} {unit}s");
        }

        var anyDayPart = rule.ByDay.Count > 0 || otherDayParts;
        if (rule.Frequency == Frequency.Yearly && rule.ByMonth.Count == 0 && !anyDayPart && start is { } ys)
        {
            sb.Append(" on ").Append(MonthName(ys.Month)).Append(' ').Append(ys.Day.ToString(CultureInfo.InvariantCulture));
        }

        if (rule.ByMonth.Count > 0 && rule.Frequency == Frequency.Yearly)
        {
            sb.Append(" in ").Append(Join(rule.ByMonth.Distinct().Order().Select(MonthName)));
        }

        // Days.
        var dayPhrases = new List<string>();
        if (plainDays.Length > 0)
        {
            if (isWeekdays && rule.BySetPos.Count == 1 && rule.ByMonthDay.Count == 0)
            {
                dayPhrases.Add($"the {Ordinal(rule.BySetPos[0])} weekday");
                setPosConsumed = true;
            }
            else
            {
                dayPhrases.Add(Join(plainDays.Select(DayName)));
            }
        }

        if (ordinalDays.Length > 0)
        {
            dayPhrases.Add("the " + Join(ordinalDays.Select(d => $"{Ordinal(d.Ordinal)} {DayName(d.Day)}")));
        }

        if (rule.ByMonthDay.Count > 0)
        {
            var positive = rule.ByMonthDay.Where(d => d > 0).Distinct().Order().Select(d => Ordinal(d));
            var negative = rule.ByMonthDay.Where(d => d < 0).Distinct().OrderDescending().Select(d => Ordinal(d) + " day");
            dayPhrases.Add("the " + Join(positive.Concat(negative)));
        }

        if (!anyDayPart && start is { } s)
        {
            switch (rule.Frequency)
            {
                case Frequency.Monthly:
                    dayPhrases.Add("the " + Ordinal(s.Day));
                    break;
                case Frequency.Weekly:
                    // No day was picked: say where the day comes from, or it looks like a choice nobody made.
                    dayPhrases.Add(DayName(s.DayOfWeek) + " (the start date's weekday)");
                    break;
            }
        }

        if (dayPhrases.Count > 0)
        {
            sb.Append(" on ").Append(string.Join(" and ", dayPhrases));
        }

        if (rule.ByYearDay.Count > 0)
        {
            sb.Append(rule.ByYearDay.Count == 1 ? " on day " : " on days ")
              .Append(Join(rule.ByYearDay.Select(YearDay)))
              .Append(" of the year");
        }

        if (rule.ByWeekNo.Count > 0)
        {
            sb.Append(rule.ByWeekNo.Count == 1 ? " in week " : " in weeks ")
              .Append(Join(rule.ByWeekNo.Select(w => w > 0 ? w.ToString(CultureInfo.InvariantCulture) : Ordinal(w))));
        }

        if (rule.ByMonth.Count > 0 && rule.Frequency != Frequency.Yearly)
        {
            sb.Append(" in ").Append(Join(rule.ByMonth.Distinct().Order().Select(MonthName)));
        }

        if (rule.Skip != MonthDaySkip.Omit && rule.ByMonthDay.Any(d => d >= 29))
        {
            sb.Append(rule.Skip == MonthDaySkip.Backward
                ? " (or the last day of shorter months)"
                : " (or the 1st of the next month when a month is shorter)");
        }

        AppendTimes(sb, rule, start);

        if (rule.BySetPos.Count > 0 && !setPosConsumed)
        {
            sb.Append(", keeping only the ")
              .Append(Join(rule.BySetPos.Select(p => Ordinal(p))))
              .Append(rule.BySetPos.Count == 1 ? " occurrence" : " occurrences")
              .Append(" of each ")
              .Append(UnitName(rule.Frequency));
        }

        if (rule.Count is { } count)
        {
            sb.Append(count == 1 ? ", once" : $", {count.ToString(CultureInfo.InvariantCulture)} times");
        }
        else if (rule.Until is { } until)
        {
            sb.Append(", until ").Append(DescribeUntil(until, timeZone));
        }

        if (timeZone is not null)
        {
            sb.Append(" (").Append(timeZone).Append(')');
        }

        return sb.ToString();
    }

    private static void AppendTimes(StringBuilder sb, RecurrenceRule rule, LocalDateTime? start)
    {
        switch (rule.Frequency)
        {
            case Frequency.Hourly:
            {
                var minutes = rule.ByMinute.Count > 0 ? [.. rule.ByMinute.Distinct().Order()] : start is { Minute: not 0 } s ? [s.Minute] : Array.Empty<int>();
                if (minutes.Length > 0)
                {
                    sb.Append(" at ").Append(Join(minutes.Select(m => m.ToString(CultureInfo.InvariantCulture))))
                      .Append(minutes.Length == 1 && minutes[0] == 1 ? " minute" : " minutes").Append(" past the hour");
                }

                AppendHourFilter(sb, rule);
                return;
            }

            case Frequency.Minutely or FrequencyExtensions.Secondly:
                if (rule.ByMinute.Count > 0)
                {
                    sb.Append(" at minutes ").Append(Join(rule.ByMinute.Distinct().Order().Select(m => m.ToString(CultureInfo.InvariantCulture))))
                      .Append(" past the hour");
                }
                // Cron with seconds ("*/10 * * * * *"): a minutely rule that fires more than once a minute says so.
                if (rule.Frequency == Frequency.Minutely && rule.BySecond.Distinct().Count() > 1)
                {
                    sb.Append(rule.ByMinute.Count > 0 ? ", " : " ").Append("at seconds ")
                      .Append(Join(rule.BySecond.Distinct().Order().Select(x => x.ToString(CultureInfo.InvariantCulture))));
                }

                AppendHourFilter(sb, rule);
                return;
        }

        LocalTime[] times;
        if (rule.TimesOfDay.Count > 0)
        {
            times = [.. rule.TimesOfDay.Distinct().Order()];
        }
        else if (rule.ByHour.Count > 0 || rule.ByMinute.Count > 0 || rule.BySecond.Count > 0 || start is not null)
        {
            var t0 = start?.TimeOfDay ?? LocalTime.Midnight;
            int[] hours = rule.ByHour.Count > 0 ? [.. rule.ByHour] : [t0.Hour];
            int[] minutes = rule.ByMinute.Count > 0 ? [.. rule.ByMinute] : [t0.Minute];
            int[] seconds = rule.BySecond.Count > 0 ? [.. rule.BySecond] : [t0.Second];
            times = [.. (from h in hours from m in minutes from sec in seconds select new LocalTime(h, m, sec)).Distinct().Order()];
        }
        else
        {
            return;
        }

        var shown = times.Take(MaxListedTimes).Select(FormatTime).ToList();
        if (times.Length > MaxListedTimes)
        {
            shown.Add($"{(times.Length - MaxListedTimes).ToString(CultureInfo.InvariantCulture)} more times");
        }

        sb.Append(" at ").Append(Join(shown));
    }

    private static void AppendHourFilter(StringBuilder sb, RecurrenceRule rule)
    {
        if (rule.ByHour.Count == 0)
        {
            return;
        }

        var hours = rule.ByHour.Distinct().Order().ToArray();
        var contiguous = hours.Length > 2 && hours[^1] - hours[0] == hours.Length - 1;
        sb.Append(contiguous
            ? $" from {hours[0]:00}:00 to {hours[^1]:00}:59"
            : " during the " + Join(hours.Select(h => $"{h:00}:00")) + (hours.Length == 1 ? " hour" : " hours"));
    }

    private static string DescribeUntil(RecurrenceUntil until, string? timeZone)
    {
        LocalDateTime local = until.Value;
        if (until.Kind == UntilKind.Utc && timeZone is not null && DateTimeZoneProviders.Tzdb.GetZoneOrNull(timeZone) is { } zone)
        {
            local = until.Instant!.Value.InZone(zone).LocalDateTime;
        }

        var date = local.Date.ToString("d MMM yyyy", CultureInfo.InvariantCulture);
        return until.Kind == UntilKind.Date || local.TimeOfDay == LocalTime.Midnight || local.TimeOfDay == new LocalTime(23, 59, 59)
            ? date
            : $"{date} {FormatTime(local.TimeOfDay)}";
    }

    private static string FormatTime(LocalTime time) =>
        time.ToString(time.Second == 0 ? "HH:mm" : "HH:mm:ss", CultureInfo.InvariantCulture);

    private static string UnitName(Frequency frequency) => frequency switch
    {
        Frequency.Minutely => "minute",
        Frequency.Hourly => "hour",
        Frequency.Daily => "day",
        Frequency.Weekly => "week",
        Frequency.Monthly => "month",
        Frequency.Yearly => "year",
        FrequencyExtensions.Secondly => "second",
        _ => "period",
    };

    internal static string DayName(IsoDayOfWeek day) => day switch
    {
        IsoDayOfWeek.Monday => "Monday",
        IsoDayOfWeek.Tuesday => "Tuesday",
        IsoDayOfWeek.Wednesday => "Wednesday",
        IsoDayOfWeek.Thursday => "Thursday",
        IsoDayOfWeek.Friday => "Friday",
        IsoDayOfWeek.Saturday => "Saturday",
        IsoDayOfWeek.Sunday => "Sunday",
        _ => "?",
    };

    internal static string MonthName(int month) => CultureInfo.InvariantCulture.DateTimeFormat.GetMonthName(month);

    /// <summary>1 → "1st", 22 → "22nd", -1 → "last", -2 → "2nd to last".</summary>
    internal static string Ordinal(int n)
    {
        if (n == -1)
        {
            return "last";
        }

        if (n < 0)
        {
            return Ordinal(-n) + " to last";
        }

        var suffix = (n % 100) is 11 or 12 or 13 ? "th" : (n % 10) switch
        {
            1 => "st",
            2 => "nd",
            3 => "rd",
            _ => "th",
        };
        return n.ToString(CultureInfo.InvariantCulture) + suffix;
    }

    private static string YearDay(int day) => day > 0 ? day.ToString(CultureInfo.InvariantCulture) : Ordinal(day);

    private static string Join(IEnumerable<string> items)
    {
        var list = items.ToList();
        return list.Count switch
        {
            0 => string.Empty,
            1 => list[0],
            _ => string.Join(", ", list.Take(list.Count - 1)) + " and " + list[^1],
        };
    }
}
