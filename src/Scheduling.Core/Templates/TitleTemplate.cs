using System.Globalization;
using System.Text;
using NodaTime;
using NodaTime.Calendars;

namespace Scheduling.Core.Templates;

/// <summary>
/// Fills a title template such as "Tutorial Week {week}" for one run, in the schedule's zone (seed 004).
/// Placeholders: {date} 2024-06-15 · {time} 14:30 · {datetime} 2024-06-15 14:30 · {year} 2024 · {month} June ·
/// {month_num} 6 · {day} 15 · {weekday} Saturday · {week} 24 (ISO week) · {timestamp} 1718456400 (Unix seconds) ·
/// {run} the run number. Names are case-sensitive; unknown placeholders and unmatched braces stay as written, so a
/// typo shows up in the title instead of failing the run.
/// </summary>
public static class TitleTemplate
{
    public static readonly IReadOnlyList<string> Placeholders =
        ["date", "time", "datetime", "year", "month", "month_num", "day", "weekday", "week", "timestamp", "run"];

    /// <example><c>TitleTemplate.Render("Deep Dive {month} {year}", instant, zone, run: 3)</c> → "Deep Dive June 2024"</example>
    public static string Render(string template, Instant instant, DateTimeZone zone, int run)
    {
        ArgumentNullException.ThrowIfNull(template);
        ArgumentNullException.ThrowIfNull(zone);
        if (template.IndexOf('{', StringComparison.Ordinal) < 0)
        {
            return template;
        }

        var local = instant.InZone(zone).LocalDateTime;
        var sb = new StringBuilder(template.Length + 16);
        var i = 0;
        while (i < template.Length)
        {
            var open = template.IndexOf('{', i);
            if (open < 0)
            {
                sb.Append(template, i, template.Length - i);
                break;
            }

            sb.Append(template, i, open - i);
            var close = template.IndexOf('}', open + 1);
            if (close < 0)
            {
                sb.Append(template, open, template.Length - open);
                break;
            }

            var name = template.AsSpan(open + 1, close - open - 1);
            if (name.Contains('{'))
            {
                // "{{date}" — the first brace is literal; resume at the inner one.
                sb.Append('{');
                i = open + 1;
                continue;
            }

            if (!Append(sb, name, local, instant, run))
            {
                sb.Append(template, open, close - open + 1);
            }

            i = close + 1;
        }

        return sb.ToString();
    }

    /// <summary>Same, with the zone given as an IANA id; an unknown id renders in UTC.</summary>
    public static string Render(string template, Instant instant, string? timeZone, int run) =>
        Render(template, instant, (timeZone is null ? null : DateTimeZoneProviders.Tzdb.GetZoneOrNull(timeZone)) ?? DateTimeZone.Utc, run);

    private static bool Append(StringBuilder sb, ReadOnlySpan<char> name, LocalDateTime local, Instant instant, int run)
    {
        var c = CultureInfo.InvariantCulture;
        switch (name)
        {
            case "date":
                sb.Append(local.Date.ToString("yyyy-MM-dd", c));
                return true;
            case "time":
                sb.Append(local.TimeOfDay.ToString("HH:mm", c));
                return true;
            case "datetime":
                sb.Append(local.ToString("yyyy-MM-dd HH:mm", c));
                return true;
            case "year":
                sb.Append(local.Year.ToString(c));
                return true;
            case "month":
                sb.Append(c.DateTimeFormat.GetMonthName(local.Month));
                return true;
            case "month_num":
                sb.Append(local.Month.ToString(c));
                return true;
            case "day":
                sb.Append(local.Day.ToString(c));
                return true;
            case "weekday":
                sb.Append(c.DateTimeFormat.GetDayName(NodaTime.Utility.BclConversions.ToDayOfWeek(local.DayOfWeek)));
                return true;
            case "week":
                sb.Append(WeekYearRules.Iso.GetWeekOfWeekYear(local.Date).ToString(c));
                return true;
            case "timestamp":
                sb.Append(instant.ToUnixTimeSeconds().ToString(c));
                return true;
            case "run":
                sb.Append(run.ToString(c));
                return true;
            default:
                return false;
        }
    }
}
