using System.Globalization;
using NodaTime;
using NodaTime.Text;
using Scheduling.Core.Common;

namespace Scheduling.Core.Recurrence;

/// <summary>Field names used in validation errors (camelCase, as the API and the editor name them).</summary>
public static class RecurrenceFields
{
    public const string Frequency = "frequency";
    public const string Interval = "interval";
    public const string ByDay = "byDay";
    public const string ByMonthDay = "byMonthDay";
    public const string ByMonth = "byMonth";
    public const string ByYearDay = "byYearDay";
    public const string ByWeekNo = "byWeekNo";
    public const string ByHour = "byHour";
    public const string ByMinute = "byMinute";
    public const string BySecond = "bySecond";
    public const string BySetPos = "bySetPos";
    public const string TimesOfDay = "timesOfDay";
    public const string Count = "count";
    public const string Until = "until";
    public const string Start = "start";
    public const string TimeZone = "timeZone";
    public const string Rule = "rule";
    public const string ScheduledAt = "scheduledAt";
    public const string Overrides = "overrides";
}

/// <summary>
/// Checks a rule or schedule and returns every problem as (field, message); never throws on user input.
/// "Now" is passed in (from an injected <see cref="TimeProvider"/>) so the future-occurrence checks are testable.
/// </summary>
public static class RecurrenceValidator
{
    private static readonly LocalDateTimePattern Display = LocalDateTimePattern.CreateWithInvariantCulture("uuuu-MM-dd HH:mm");

    public static bool IsKnownTimeZone(string? timeZone) =>
        !string.IsNullOrWhiteSpace(timeZone) && DateTimeZoneProviders.Tzdb.GetZoneOrNull(timeZone) is not null;

    /// <summary>The rule on its own: ranges and the RFC 5545 combinations that make no sense.</summary>
    public static ValidationResult ValidateRule(RecurrenceRule? rule)
    {
        if (rule is null)
        {
            return new ValidationResult([new ValidationError(RecurrenceFields.Rule, "A recurring schedule needs a recurrence rule.")]);
        }

        var errors = new List<ValidationError>();
        void Add(string field, string message) => errors.Add(new ValidationError(field, message));

        var frequency = rule.Frequency;
        if (!Enum.IsDefined(frequency))
        {
            Add(RecurrenceFields.Frequency, "Choose minutely, hourly, daily, weekly, monthly or yearly.");
        }

        if (rule.Interval < 1)
        {
            Add(RecurrenceFields.Interval, $"Interval must be at least 1; got {rule.Interval}.");
        }
        else if (rule.Interval > 100_000)
        {
            Add(RecurrenceFields.Interval, $"Interval must be at most 100000; got {rule.Interval}.");
        }

        foreach (var day in rule.ByDay)
        {
            if (day.Day is < IsoDayOfWeek.Monday or > IsoDayOfWeek.Sunday)
            {
                Add(RecurrenceFields.ByDay, $"'{day.Day}' is not a day of the week.");
            }
            else if (day.HasOrdinal && frequency is not (Frequency.Monthly or Frequency.Yearly))
            {
                Add(RecurrenceFields.ByDay, $"'{day}' has an ordinal, which needs a monthly or yearly frequency.");
            }
            else if (day.HasOrdinal && frequency == Frequency.Monthly && Math.Abs(day.Ordinal) > 5)
            {
                Add(RecurrenceFields.ByDay, $"'{day}': a month has at most 5 of each weekday (use 1 to 5 or -1 to -5).");
            }
            else if (Math.Abs(day.Ordinal) > 53)
            {
                Add(RecurrenceFields.ByDay, $"'{day}': the ordinal must be between -53 and 53.");
            }
        }

        CheckRange(rule.ByMonthDay, 1, 31, true, RecurrenceFields.ByMonthDay, "a day of the month (1 to 31, or -1 to -31 counting from the end)", errors);
        CheckRange(rule.ByMonth, 1, 12, false, RecurrenceFields.ByMonth, "a month (1 to 12)", errors);
        CheckRange(rule.ByYearDay, 1, 366, true, RecurrenceFields.ByYearDay, "a day of the year (1 to 366, or -1 to -366)", errors);
        CheckRange(rule.ByWeekNo, 1, 53, true, RecurrenceFields.ByWeekNo, "a week of the year (1 to 53, or -1 to -53)", errors);
        CheckRange(rule.ByHour, 0, 23, false, RecurrenceFields.ByHour, "an hour (0 to 23)", errors);
        CheckRange(rule.ByMinute, 0, 59, false, RecurrenceFields.ByMinute, "a minute (0 to 59)", errors);
        CheckRange(rule.BySecond, 0, 59, false, RecurrenceFields.BySecond, "a second (0 to 59)", errors);
        CheckRange(rule.BySetPos, 1, 366, true, RecurrenceFields.BySetPos, "a position (1 to 366, or -1 to -366)", errors);

        if (rule.ByMonthDay.Count > 0 && frequency == Frequency.Weekly)
        {
            Add(RecurrenceFields.ByMonthDay, "Days of the month cannot be used with a weekly frequency (RFC 5545); use monthly.");
        }

        if (rule.ByYearDay.Count > 0 && frequency is Frequency.Daily or Frequency.Weekly or Frequency.Monthly)
        {
            Add(RecurrenceFields.ByYearDay, "Days of the year need a yearly (or hourly/minutely) frequency.");
        }

        if (rule.ByWeekNo.Count > 0 && frequency != Frequency.Yearly)
        {
            Add(RecurrenceFields.ByWeekNo, "Week numbers need a yearly frequency.");
        }

        if (rule.BySetPos.Count > 0 && rule.ByDay.Count + rule.ByMonthDay.Count + rule.ByMonth.Count + rule.ByYearDay.Count
            + rule.ByWeekNo.Count + rule.ByHour.Count + rule.ByMinute.Count + rule.BySecond.Count + rule.TimesOfDay.Count == 0)
        {
            Add(RecurrenceFields.BySetPos, "A set position picks from the days or times the rule lists; add days or times to pick from.");
        }

        if (rule.TimesOfDay.Count > 0)
        {
            if (frequency.IsSubDaily())
            {
                Add(RecurrenceFields.TimesOfDay, "Times of day apply to daily, weekly, monthly and yearly rules.");
            }

            if (rule.ByHour.Count + rule.ByMinute.Count + rule.BySecond.Count > 0)
            {
                Add(RecurrenceFields.TimesOfDay, "Give times of day or hours/minutes/seconds, not both.");
            }
        }

        if (rule.Count is { } count && count < 1)
        {
            Add(RecurrenceFields.Count, $"Count must be at least 1; got {count}.");
        }
        else if (rule.Count > 1_000_000)
        {
            // The RRULE text (how a rule is stored) accepts no more: a larger one could be saved but never read back.
            Add(RecurrenceFields.Count, $"Count must be at most 1000000; got {rule.Count}.");
        }

        if (rule.Count is not null && rule.Until is not null)
        {
            Add(RecurrenceFields.Until, "Use either an end date or a number of occurrences, not both.");
        }

        return new ValidationResult(errors);
    }

    /// <summary>
    /// A recurring schedule: the rule, its start and zone, the end after the start, and at least one occurrence
    /// strictly after <paramref name="now"/>.
    /// </summary>
    /// <example><c>RecurrenceValidator.Validate(set, timeProvider.GetUtcNow().ToInstant())</c></example>
    public static ValidationResult Validate(RecurrenceSet set, Instant now, bool requireTimeZone = true)
    {
        ArgumentNullException.ThrowIfNull(set);
        var errors = new List<ValidationError>(ValidateRule(set.Rule).Errors);
        var zone = CheckZone(set.TimeZone, requireTimeZone, errors);
        if (!SupportedDates.Contains(set.Start.Date))
        {
            errors.Add(new ValidationError(RecurrenceFields.Start, $"The start must be within {SupportedDates.Range}."));
        }

        if (errors.Count > 0 || (zone is null && set.TimeZone is not null))
        {
            return new ValidationResult(errors);
        }

        var effectiveZone = zone ?? DateTimeZone.Utc;
        var startInstant = effectiveZone.AtLeniently(set.Start).ToInstant();
        if (set.Rule.Until is { } until)
        {
            var untilInstant = until.Kind == UntilKind.Utc ? until.Instant!.Value : effectiveZone.AtLeniently(until.LastIncludedLocal).ToInstant();
            if (untilInstant <= startInstant)
            {
                errors.Add(new ValidationError(RecurrenceFields.Until, "The end date must be after the start."));
                return new ValidationResult(errors);
            }
        }

        if (!set.Occurrences().Any())
        {
            errors.Add(new ValidationError(RecurrenceFields.Rule, "This rule never produces an occurrence; check the days, months and end."));
        }
        else if (!set.HasOccurrenceAfter(now))
        {
            var (field, message) = set.Rule switch
            {
                { Count: not null } => (RecurrenceFields.Count, "All occurrences of this rule are in the past; raise the count or move the start."),
                { Until: not null } => (RecurrenceFields.Until, "All occurrences of this rule are in the past; move the end date later."),
                _ => (RecurrenceFields.Rule, "This rule has no occurrence in the future."),
            };
            errors.Add(new ValidationError(field, message));
        }

        return new ValidationResult(errors);
    }

    /// <summary>A one-off schedule: a known zone and a time strictly in the future.</summary>
    public static ValidationResult ValidateOnce(LocalDateTime? scheduledAt, string? timeZone, Instant now)
    {
        var errors = new List<ValidationError>();
        var zone = CheckZone(timeZone, required: true, errors);
        if (scheduledAt is not { } local)
        {
            errors.Add(new ValidationError(RecurrenceFields.ScheduledAt, "Choose when the schedule runs."));
        }
        else if (!SupportedDates.Contains(local.Date))
        {
            errors.Add(new ValidationError(RecurrenceFields.ScheduledAt, $"Choose a time within {SupportedDates.Range}."));
        }
        else if (zone is not null && zone.AtLeniently(local).ToInstant() <= now)
        {
            errors.Add(new ValidationError(
                RecurrenceFields.ScheduledAt,
                $"{Display.Format(local)} ({timeZone}) is in the past; choose a future time."));
        }

        return new ValidationResult(errors);
    }

    private static DateTimeZone? CheckZone(string? timeZone, bool required, List<ValidationError> errors)
    {
        if (string.IsNullOrWhiteSpace(timeZone))
        {
            if (required)
            {
                errors.Add(new ValidationError(RecurrenceFields.TimeZone, "Choose a time zone, for example Europe/London."));
            }

            return null;
        }

        var zone = DateTimeZoneProviders.Tzdb.GetZoneOrNull(timeZone);
        if (zone is null)
        {
            var shown = timeZone.Length <= 60 ? timeZone : timeZone[..60] + "…";
            errors.Add(new ValidationError(RecurrenceFields.TimeZone, $"'{shown}' is not a known IANA time zone (for example America/New_York)."));
        }

        return zone;
    }

    private static void CheckRange(IReadOnlyList<int> values, int min, int max, bool allowNegative, string field, string what, List<ValidationError> errors)
    {
        foreach (var v in values)
        {
            var magnitude = Math.Abs((long)v);
            if ((v < 0 && !allowNegative) || magnitude < min || magnitude > max || (v == 0 && min > 0))
            {
                errors.Add(new ValidationError(field, $"{v.ToString(CultureInfo.InvariantCulture)} is not {what}."));
            }
        }
    }
}
