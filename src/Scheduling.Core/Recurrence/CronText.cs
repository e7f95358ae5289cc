using System.Globalization;
using Cronos;
using NodaTime;
using Scheduling.Core.Common;

namespace Scheduling.Core.Recurrence;

/// <summary>
/// Cron (5 fields, or 6 with seconds first; Cronos syntax and macros) to the one recurrence model. Cronos validates
/// the text; the fields are then mapped to BYxxx parts so cron rules expand, describe and handle DST exactly like
/// every other rule. Cron's one construct a single RRULE cannot express is rejected with a message:
/// day-of-month and day-of-week both restricted (cron runs when <em>either</em> matches). So are <c>nW</c>
/// (nearest weekday) and <c>LW</c> with more than one time a day. See docs/decisions/0002-own-recurrence-engine.md.
/// </summary>
/// <example><c>CronText.Parse("0 9,17 * * 1-5").Value!.Describe()</c> → "Every weekday at 09:00 and 17:00"</example>
public static class CronText
{
    public const string Field = "cron";

    private static readonly string[] MonthNames = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
    private static readonly string[] DayNames = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

    public static ParseOutcome<RecurrenceRule> Parse(string? expression)
    {
        if (string.IsNullOrWhiteSpace(expression))
        {
            return Fail("Enter a cron expression, for example '0 9 * * 1-5' (minute hour day-of-month month day-of-week).");
        }

        if (expression.Length > 200)
        {
            return Fail("The cron expression is longer than 200 characters.");
        }

        var text = ExpandMacro(expression.Trim());
        if (text is null)
        {
            return Fail($"'{expression.Trim()}' is not a supported cron macro (@yearly, @monthly, @weekly, @daily, @hourly, @every_minute).");
        }

        var fields = text.Split((char[])[' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length is not (5 or 6))
        {
            return Fail($"A cron expression has 5 fields (minute hour day-of-month month day-of-week) or 6 with seconds first; this one has {fields.Length}.");
        }

        try
        {
            _ = CronExpression.Parse(string.Join(' ', fields), fields.Length == 6 ? CronFormat.IncludeSeconds : CronFormat.Standard);
        }
        catch (CronFormatException ex)
        {
            return Fail($"'{text}' is not a valid cron expression: {ex.Message}");
        }

        if (fields.Length == 5)
        {
            fields = ["0", .. fields];
        }

        var errors = new List<string>();
        var seconds = ParseField(fields[0], 0, 59, null, "second", errors);
        var minutes = ParseField(fields[1], 0, 59, null, "minute", errors);
        var hours = ParseField(fields[2], 0, 23, null, "hour", errors);
        var monthDays = ParseDayOfMonth(fields[3], errors);
        var months = ParseField(fields[4], 1, 12, MonthNames, "month", errors);
        var weekDays = ParseDayOfWeek(fields[5], errors);
        if (errors.Count > 0)
        {
            return ParseOutcome<RecurrenceRule>.Failure(errors.Select(e => new ValidationError(Field, e)));
        }

        if (monthDays.Restricted && weekDays.Restricted)
        {
            return Fail("Day-of-month and day-of-week are both restricted; cron then runs when either matches, "
                + "which one recurrence rule cannot express. Put * or ? in one of them, or write the rule as RRULE.");
        }

        var rule = new RecurrenceRule
        {
            BySecond = seconds.Values,
            ByMonth = months.Restricted ? months.Values : [],
        };

        var monthly = monthDays.Restricted || weekDays.Ordinals.Length > 0;
        if (monthly)
        {
            rule = rule with
            {
                Frequency = Frequency.Monthly,
                ByHour = hours.Values,
                ByMinute = minutes.Values,
                ByMonthDay = monthDays.Values,
                ByDay = weekDays.Ordinals.Length > 0 ? weekDays.Ordinals : [],
            };
            if (monthDays.LastWeekday)
            {
                if (hours.Values.Length * minutes.Values.Length * seconds.Values.Length != 1)
                {
                    return Fail("LW (last weekday of the month) works only with a single time of day.");
                }

                rule = rule with
                {
                    ByDay = [.. Enumerable.Range(1, 5).Select(d => WeekdayNum.Every((IsoDayOfWeek)d))],
                    BySetPos = [-1],
                };
            }
        }
        else if (!hours.Restricted && !minutes.Restricted)
        {
            rule = rule with { Frequency = Frequency.Minutely };
        }
        else if (!hours.Restricted)
        {
            rule = rule with { Frequency = Frequency.Hourly, ByMinute = minutes.Values };
        }
        else
        {
            rule = rule with
            {
                Frequency = weekDays.Restricted ? Frequency.Weekly : Frequency.Daily,
                ByHour = hours.Values,
                ByMinute = minutes.Values,
            };
        }

        if (!monthly && weekDays.Restricted)
        {
            rule = rule with { ByDay = weekDays.Plain };
        }

        return ParseOutcome<RecurrenceRule>.Success(rule);
    }

    private static ParseOutcome<RecurrenceRule> Fail(string message) => ParseOutcome<RecurrenceRule>.Failure(Field, message);

    private static string? ExpandMacro(string text)
    {
        if (!text.StartsWith('@'))
        {
            return text;
        }

        return text.ToLowerInvariant() switch
        {
            "@yearly" or "@annually" => "0 0 1 1 *",
            "@monthly" => "0 0 1 * *",
            "@weekly" => "0 0 * * 0",
            "@daily" or "@midnight" => "0 0 * * *",
            "@hourly" => "0 * * * *",
            "@every_minute" => "* * * * *",
            _ => null,
        };
    }

    private sealed record FieldValues(int[] Values, bool Restricted);

    private sealed record MonthDayValues(int[] Values, bool Restricted, bool LastWeekday);

    private sealed record WeekDayValues(WeekdayNum[] Plain, WeekdayNum[] Ordinals, bool Restricted);

    private static FieldValues ParseField(string field, int min, int max, string[]? names, string label, List<string> errors)
    {
        var set = new SortedSet<int>();
        var unrestricted = true;
        foreach (var token in field.Split(','))
        {
            if (!ExpandToken(token, min, max, names, set, ref unrestricted))
            {
                errors.Add($"The {label} field value '{token}' is not supported here.");
            }
        }

        return new FieldValues([.. set], !unrestricted && set.Count < max - min + 1);
    }

    private static bool ExpandToken(string token, int min, int max, string[]? names, SortedSet<int> set, ref bool unrestricted)
    {
        var step = 1;
        var body = token;
        var slash = token.IndexOf('/', StringComparison.Ordinal);
        if (slash >= 0)
        {
            if (!int.TryParse(token[(slash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out step) || step <= 0)
            {
                return false;
            }

            body = token[..slash];
        }

        int from, to;
        if (body is "*" or "?")
        {
            (from, to) = (min, max);
            if (slash < 0)
            {
                for (var v = min; v <= max; v++)
                {
                    set.Add(v);
                }

                return true;
            }
        }
        else
        {
            var dash = body.IndexOf('-', StringComparison.Ordinal);
            if (dash > 0)
            {
                if (Value(body[..dash], names, min) is not { } a || Value(body[(dash + 1)..], names, min) is not { } b)
                {
                    return false;
                }

                (from, to) = (a, b);
            }
            else
            {
                if (Value(body, names, min) is not { } a)
                {
                    return false;
                }

                (from, to) = (a, slash >= 0 ? max : a);
            }
        }

        if (from < min || to > max || from > to)
        {
            return false;
        }

        unrestricted = false;
        for (var v = from; v <= to; v += step)
        {
            set.Add(v);
        }

        return true;
    }

    private static int? Value(string text, string[]? names, int min)
    {
        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n))
        {
            return n;
        }

        if (names is not null)
        {
            var index = Array.FindIndex(names, x => x.Equals(text, StringComparison.OrdinalIgnoreCase));
            if (index >= 0)
            {
                return index + min;
            }
        }

        return null;
    }

    private static MonthDayValues ParseDayOfMonth(string field, List<string> errors)
    {
        var values = new SortedSet<int>();
        var lastWeekday = false;
        var unrestricted = true;
        foreach (var token in field.Split(','))
        {
            var upper = token.ToUpperInvariant();
            if (upper == "L")
            {
                values.Add(-1);
                unrestricted = false;
            }
            else if (upper == "LW")
            {
                lastWeekday = true;
                unrestricted = false;
            }
            else if (upper.StartsWith("L-", StringComparison.Ordinal)
                     && int.TryParse(upper[2..], NumberStyles.None, CultureInfo.InvariantCulture, out var back) && back <= 30)
            {
                values.Add(-(back + 1));
                unrestricted = false;
            }
            else if (upper.EndsWith('W'))
            {
                errors.Add($"The day-of-month value '{token}' (nearest weekday) has no recurrence-rule equivalent.");
            }
            else if (!ExpandToken(token, 1, 31, null, values, ref unrestricted))
            {
                errors.Add($"The day-of-month field value '{token}' is not supported here.");
            }
        }

        if (lastWeekday && values.Count > 0)
        {
            errors.Add("LW cannot be combined with other days of the month.");
        }

        var full = !lastWeekday && values.Count == 31;
        return new MonthDayValues(full ? [] : [.. values], !unrestricted && !full, lastWeekday);
    }

    private static WeekDayValues ParseDayOfWeek(string field, List<string> errors)
    {
        var plain = new SortedSet<int>();
        var ordinals = new List<WeekdayNum>();
        var unrestricted = true;
        foreach (var token in field.Split(','))
        {
            var upper = token.ToUpperInvariant();
            var hash = upper.IndexOf('#', StringComparison.Ordinal);
            if (hash > 0)
            {
                if (Value(upper[..hash], DayNames, 0) is { } d && d <= 7
                    && int.TryParse(upper[(hash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var nth) && nth is >= 1 and <= 5)
                {
                    ordinals.Add(new WeekdayNum(ToIso(d), nth));
                    unrestricted = false;
                }
                else
                {
                    errors.Add($"The day-of-week value '{token}' is not supported here.");
                }
            }
            else if (upper.Length > 1 && upper.EndsWith('L'))
            {
                if (Value(upper[..^1], DayNames, 0) is { } d && d <= 7)
                {
                    ordinals.Add(WeekdayNum.Last(ToIso(d)));
                    unrestricted = false;
                }
                else
                {
                    errors.Add($"The day-of-week value '{token}' is not supported here.");
                }
            }
            else if (!ExpandToken(token, 0, 7, DayNames, plain, ref unrestricted))
            {
                errors.Add($"The day-of-week field value '{token}' is not supported here.");
            }
        }

        var days = plain.Select(ToIso).Distinct().Order().ToArray();
        if (ordinals.Count > 0 && days.Length > 0)
        {
            errors.Add("Day-of-week ordinals (# or L) cannot be mixed with plain days.");
        }

        var full = days.Length == 7 && ordinals.Count == 0;
        return new WeekDayValues([.. days.Select(WeekdayNum.Every)], [.. ordinals], !unrestricted && !full);
    }

    private static IsoDayOfWeek ToIso(int cronDay) => cronDay is 0 or 7 ? IsoDayOfWeek.Sunday : (IsoDayOfWeek)cronDay;
}
