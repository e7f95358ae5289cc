using System.Globalization;
using System.Text;
using NodaTime;
using NodaTime.Text;
using Scheduling.Core.Common;

namespace Scheduling.Core.Recurrence;

/// <summary>
/// RFC 5545 RRULE text in and out (with RFC 7529 <c>RSCALE=GREGORIAN;SKIP=…</c>). Parsing never throws: any string
/// gives a rule or (field "rrule", message) errors that name the offending part.
/// <para>
/// One extension: <see cref="RecurrenceRule.TimesOfDay"/> that are not a BYHOUR×BYMINUTE×BYSECOND cross product
/// (09:00 and 17:30) are written as <c>X-TIMES=0900,1730</c>; RFC 5545 consumers ignore or reject X- parts, so
/// the ICS feed should emit one VEVENT per time in that case.
/// </para>
/// </summary>
/// <example><code>
/// var result = RRuleText.Parse("FREQ=MONTHLY;BYDAY=-1FR");   // result.Value!.ByDay[0] == WeekdayNum.Last(IsoDayOfWeek.Friday)
/// string text = RRuleText.Format(result.Value);               // "FREQ=MONTHLY;BYDAY=-1FR"
/// </code></example>
public static class RRuleText
{
    public const string Field = "rrule";
    public const int MaxLength = 2000;

    private static readonly string[] DayCodes = ["", "MO", "TU", "WE", "TH", "FR", "SA", "SU"];
    private static readonly LocalDateTimePattern BasicDateTime = LocalDateTimePattern.CreateWithInvariantCulture("uuuuMMdd'T'HHmmss");
    private static readonly LocalDatePattern BasicDate = LocalDatePattern.CreateWithInvariantCulture("uuuuMMdd");

    public static ParseOutcome<RecurrenceRule> Parse(string? text) => Parse(text, allowSecondly: false);

    /// <param name="allowSecondly">Accept FREQ=SECONDLY (conformance tests only; the product's smallest unit is a minute).</param>
    internal static ParseOutcome<RecurrenceRule> Parse(string? text, bool allowSecondly)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return ParseOutcome<RecurrenceRule>.Failure(Field, "Enter a recurrence rule, for example FREQ=WEEKLY;BYDAY=MO.");
        }

        if (text.Length > MaxLength)
        {
            return ParseOutcome<RecurrenceRule>.Failure(Field, $"The rule is longer than {MaxLength} characters.");
        }

        var body = text.Trim();
        if (body.StartsWith("RRULE:", StringComparison.OrdinalIgnoreCase))
        {
            body = body[6..];
        }

        var errors = new List<ValidationError>();
        void Error(string message) => errors.Add(new ValidationError(Field, message));

        var seen = new HashSet<string>(StringComparer.Ordinal);
        var rule = new RecurrenceRule();
        Frequency? frequency = null;
        var rscale = false;
        foreach (var rawPart in body.Split(';'))
        {
            var part = rawPart.Trim();
            if (part.Length == 0)
            {
                continue;
            }

            var eq = part.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                Error($"'{Clip(part)}' is not a NAME=VALUE part.");
                continue;
            }

            var name = part[..eq].Trim().ToUpperInvariant();
            var value = part[(eq + 1)..].Trim();
            if (!seen.Add(name))
            {
                Error($"{Clip(name)} appears more than once.");
                continue;
            }

            if (value.Length == 0)
            {
                Error($"{Clip(name)} has no value.");
                continue;
            }

            switch (name)
            {
                case "FREQ":
                    frequency = value.ToUpperInvariant() switch
                    {
                        "MINUTELY" => Frequency.Minutely,
                        "HOURLY" => Frequency.Hourly,
                        "DAILY" => Frequency.Daily,
                        "WEEKLY" => Frequency.Weekly,
                        "MONTHLY" => Frequency.Monthly,
                        "YEARLY" => Frequency.Yearly,
                        "SECONDLY" when allowSecondly => FrequencyExtensions.Secondly,
                        "SECONDLY" => null,
                        _ => null,
                    };
                    if (frequency is null)
                    {
                        Error(value.Equals("SECONDLY", StringComparison.OrdinalIgnoreCase)
                            ? "FREQ=SECONDLY is not supported; the smallest frequency is MINUTELY."
                            : $"FREQ '{Clip(value)}' is not one of MINUTELY, HOURLY, DAILY, WEEKLY, MONTHLY, YEARLY.");
                    }

                    break;
                case "INTERVAL":
                    if (ParseInt(value, 1, 100_000, name, Error) is { } interval)
                    {
                        rule = rule with { Interval = interval };
                    }

                    break;
                case "COUNT":
                    if (ParseInt(value, 1, 1_000_000, name, Error) is { } count)
                    {
                        rule = rule with { Count = count };
                    }

                    break;
                case "UNTIL":
                    if (ParseUntil(value) is { } until)
                    {
                        rule = rule with { Until = until };
                    }
                    else
                    {
                        Error($"UNTIL '{Clip(value)}' is not a date (YYYYMMDD) or date-time (YYYYMMDDTHHMMSS, optionally ending in Z).");
                    }

                    break;
                case "BYSECOND":
                    rule = rule with { BySecond = ParseList(value, name, 0, 59, allowNegative: false, Error) };
                    break;
                case "BYMINUTE":
                    rule = rule with { ByMinute = ParseList(value, name, 0, 59, allowNegative: false, Error) };
                    break;
                case "BYHOUR":
                    rule = rule with { ByHour = ParseList(value, name, 0, 23, allowNegative: false, Error) };
                    break;
                case "BYMONTHDAY":
                    rule = rule with { ByMonthDay = ParseList(value, name, 1, 31, allowNegative: true, Error) };
                    break;
                case "BYYEARDAY":
                    rule = rule with { ByYearDay = ParseList(value, name, 1, 366, allowNegative: true, Error) };
                    break;
                case "BYWEEKNO":
                    rule = rule with { ByWeekNo = ParseList(value, name, 1, 53, allowNegative: true, Error) };
                    break;
                case "BYMONTH":
                    rule = rule with { ByMonth = ParseList(value, name, 1, 12, allowNegative: false, Error) };
                    break;
                case "BYSETPOS":
                    rule = rule with { BySetPos = ParseList(value, name, 1, 366, allowNegative: true, Error) };
                    break;
                case "BYDAY":
                    rule = rule with { ByDay = ParseByDay(value, Error) };
                    break;
                case "WKST":
                    if (ParseDayCode(value) is { } wkst)
                    {
                        rule = rule with { WeekStart = wkst };
                    }
                    else
                    {
                        Error($"WKST '{Clip(value)}' is not a day (MO, TU, WE, TH, FR, SA, SU).");
                    }

                    break;
                case "RSCALE":
                    rscale = true;
                    if (!value.Equals("GREGORIAN", StringComparison.OrdinalIgnoreCase))
                    {
                        Error($"RSCALE '{Clip(value)}' is not supported; only GREGORIAN is.");
                    }

                    break;
                case "SKIP":
                    switch (value.ToUpperInvariant())
                    {
                        case "OMIT":
                            rule = rule with { Skip = MonthDaySkip.Omit };
                            break;
                        case "BACKWARD":
                            rule = rule with { Skip = MonthDaySkip.Backward };
                            break;
                        case "FORWARD":
                            rule = rule with { Skip = MonthDaySkip.Forward };
                            break;
                        default:
                            Error($"SKIP '{Clip(value)}' is not one of OMIT, BACKWARD, FORWARD.");
                            break;
                    }

                    break;
                case "X-TIMES":
                    rule = rule with { TimesOfDay = ParseTimes(value, Error) };
                    break;
                default:
                    Error($"'{Clip(name)}' is not a recurrence rule part.");
                    break;
            }
        }

        if (!seen.Contains("FREQ"))
        {
            Error("FREQ is required (for example FREQ=DAILY).");
        }

        if (seen.Contains("SKIP") && !rscale)
        {
            Error("SKIP needs RSCALE=GREGORIAN before it (RFC 7529).");
        }

        if (seen.Contains("COUNT") && seen.Contains("UNTIL"))
        {
            Error("COUNT and UNTIL cannot both be given; choose one way to end the rule.");
        }

        if (errors.Count > 0 || frequency is null)
        {
            return ParseOutcome<RecurrenceRule>.Failure(errors);
        }

        return ParseOutcome<RecurrenceRule>.Success(rule with { Frequency = frequency.Value });
    }

    /// <summary>The RRULE value in a canonical part order; parsing it gives a rule with the same occurrences.</summary>
    public static string Format(RecurrenceRule rule)
    {
        ArgumentNullException.ThrowIfNull(rule);
        var sb = new StringBuilder(64);
        sb.Append("FREQ=").Append(FrequencyName(rule.Frequency));
        if (rule.Interval != 1)
        {
            sb.Append(";INTERVAL=").Append(rule.Interval.ToString(CultureInfo.InvariantCulture));
        }

        if (rule.Count is { } count)
        {
            sb.Append(";COUNT=").Append(count.ToString(CultureInfo.InvariantCulture));
        }

        if (rule.Until is { } until)
        {
            sb.Append(";UNTIL=").Append(until.ToString());
        }

        AppendList(sb, "BYMONTH", rule.ByMonth);
        AppendList(sb, "BYWEEKNO", rule.ByWeekNo);
        AppendList(sb, "BYYEARDAY", rule.ByYearDay);
        AppendList(sb, "BYMONTHDAY", rule.ByMonthDay);
        if (rule.ByDay.Count > 0)
        {
            sb.Append(";BYDAY=").AppendJoin(',', rule.ByDay.Select(d => d.ToString()));
        }

        var hours = rule.ByHour;
        var minutes = rule.ByMinute;
        var seconds = rule.BySecond;
        string? extensionTimes = null;
        if (rule.TimesOfDay.Count > 0)
        {
            var times = rule.TimesOfDay.Distinct().Order().ToArray();
            int[] h = [.. times.Select(t => t.Hour).Distinct().Order()];
            int[] m = [.. times.Select(t => t.Minute).Distinct().Order()];
            int[] s = [.. times.Select(t => t.Second).Distinct().Order()];
            if (h.Length * m.Length * s.Length == times.Length)
            {
                hours = h;
                minutes = m;
                seconds = s.Length == 1 && s[0] == 0 ? [] : s;
            }
            else
            {
                extensionTimes = string.Join(',', times.Select(t => t.Second == 0
                    ? t.ToString("HHmm", CultureInfo.InvariantCulture)
                    : t.ToString("HHmmss", CultureInfo.InvariantCulture)));
            }
        }

        AppendList(sb, "BYHOUR", hours);
        AppendList(sb, "BYMINUTE", minutes);
        AppendList(sb, "BYSECOND", seconds);
        AppendList(sb, "BYSETPOS", rule.BySetPos);
        if (rule.WeekStart != IsoDayOfWeek.Monday)
        {
            sb.Append(";WKST=").Append(DayCode(rule.WeekStart));
        }

        if (rule.Skip != MonthDaySkip.Omit)
        {
            sb.Append(";RSCALE=GREGORIAN;SKIP=").Append(rule.Skip == MonthDaySkip.Backward ? "BACKWARD" : "FORWARD");
        }

        if (extensionTimes is not null)
        {
            sb.Append(";X-TIMES=").Append(extensionTimes);
        }

        return sb.ToString();
    }

    public static string DayCode(IsoDayOfWeek day) => day is >= IsoDayOfWeek.Monday and <= IsoDayOfWeek.Sunday ? DayCodes[(int)day] : "??";

    internal static string FrequencyName(Frequency frequency) => frequency switch
    {
        Frequency.Minutely => "MINUTELY",
        Frequency.Hourly => "HOURLY",
        Frequency.Daily => "DAILY",
        Frequency.Weekly => "WEEKLY",
        Frequency.Monthly => "MONTHLY",
        Frequency.Yearly => "YEARLY",
        FrequencyExtensions.Secondly => "SECONDLY",
        _ => "UNKNOWN",
    };

    internal static string FormatBasic(LocalDateTime value) => BasicDateTime.Format(value);

    /// <summary>Parses a DTSTART/EXDATE style value: <c>19970902T090000</c> or ISO <c>1997-09-02T09:00:00</c>.</summary>
    internal static LocalDateTime? ParseLocalDateTime(string value)
    {
        var basic = BasicDateTime.Parse(value);
        if (basic.Success)
        {
            return basic.Value;
        }

        var iso = LocalDateTimePattern.GeneralIso.Parse(value);
        return iso.Success ? iso.Value : null;
    }

    private static RecurrenceUntil? ParseUntil(string value)
    {
        var upper = value.ToUpperInvariant();
        if (upper.Length == 8)
        {
            var date = BasicDate.Parse(upper);
            return date.Success ? RecurrenceUntil.OnDate(date.Value) : null;
        }

        var utc = upper.EndsWith('Z');
        var parsed = BasicDateTime.Parse(utc ? upper[..^1] : upper);
        if (!parsed.Success)
        {
            return null;
        }

        return utc ? RecurrenceUntil.AtInstant(parsed.Value.InUtc().ToInstant()) : RecurrenceUntil.AtLocal(parsed.Value);
    }

    private static int? ParseInt(string value, int min, int max, string name, Action<string> error)
    {
        if (!int.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var result))
        {
            error($"{name} '{Clip(value)}' is not a whole number.");
            return null;
        }

        if (result < min || result > max)
        {
            error($"{name} must be between {min} and {max}; got {result}.");
            return null;
        }

        return result;
    }

    private static int[] ParseList(string value, string name, int min, int max, bool allowNegative, Action<string> error)
    {
        var list = new List<int>();
        foreach (var item in value.Split(','))
        {
            var token = item.Trim();
            var range = allowNegative ? $"{min} to {max} or -{max} to -{min}" : $"{min} to {max}";
            if (!int.TryParse(token, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n))
            {
                error($"{name} value '{Clip(token)}' is not a whole number ({range}).");
                continue;
            }

            var magnitude = Math.Abs((long)n);
            if ((n < 0 && !allowNegative) || magnitude < min || magnitude > max || (n == 0 && min > 0))
            {
                error($"{name} value {n} is out of range ({range}).");
                continue;
            }

            list.Add(n);
        }

        return [.. list];
    }

    private static WeekdayNum[] ParseByDay(string value, Action<string> error)
    {
        var list = new List<WeekdayNum>();
        foreach (var item in value.Split(','))
        {
            var token = item.Trim().ToUpperInvariant();
            if (token.Length < 2 || ParseDayCode(token[^2..]) is not { } day)
            {
                error($"BYDAY value '{Clip(token)}' is not a day such as MO, 2TU or -1FR.");
                continue;
            }

            var ordinalText = token[..^2];
            var ordinal = 0;
            if (ordinalText.Length > 0
                && (!int.TryParse(ordinalText, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out ordinal)
                    || ordinal == 0 || ordinal < -53 || ordinal > 53))
            {
                error($"BYDAY value '{Clip(token)}' has an ordinal outside 1 to 53 or -53 to -1.");
                continue;
            }

            list.Add(new WeekdayNum(day, ordinal));
        }

        return [.. list];
    }

    private static LocalTime[] ParseTimes(string value, Action<string> error)
    {
        var list = new List<LocalTime>();
        foreach (var item in value.Split(','))
        {
            var token = item.Trim();
            var pattern = token.Length == 4 ? "HHmm" : "HHmmss";
            var parsed = LocalTimePattern.CreateWithInvariantCulture(pattern).Parse(token);
            if (!parsed.Success)
            {
                error($"X-TIMES value '{Clip(token)}' is not a time such as 0900 or 173000.");
                continue;
            }

            list.Add(parsed.Value);
        }

        return [.. list];
    }

    internal static IsoDayOfWeek? ParseDayCode(string code) => code.ToUpperInvariant() switch
    {
        "MO" => IsoDayOfWeek.Monday,
        "TU" => IsoDayOfWeek.Tuesday,
        "WE" => IsoDayOfWeek.Wednesday,
        "TH" => IsoDayOfWeek.Thursday,
        "FR" => IsoDayOfWeek.Friday,
        "SA" => IsoDayOfWeek.Saturday,
        "SU" => IsoDayOfWeek.Sunday,
        _ => null,
    };

    private static void AppendList(StringBuilder sb, string name, IReadOnlyList<int> values)
    {
        if (values.Count == 0)
        {
            return;
        }

        sb.Append(';').Append(name).Append('=');
        for (var i = 0; i < values.Count; i++)
        {
            if (i > 0)
            {
                sb.Append(',');
            }

            sb.Append(values[i].ToString(CultureInfo.InvariantCulture));
        }
    }

    // User text is echoed in messages; keep it short so a pasted novel does not become the error.
    private static string Clip(string value) => value.Length <= 40 ? value : value[..40] + "…";
}
