using System.Text.RegularExpressions;
using NodaTime;
using NodaTime.Text;
using NodaTime.TimeZones;
using Scheduling.Core.Common;
using Scheduling.Core.Recurrence;
using Scheduling.Core.Scheduling;

namespace Scheduling.Web.Features.Schedules;

/// <summary>
/// When a schedule runs, parsed and checked: a once-schedule's local wall time, or a recurring
/// schedule's <see cref="RecurrenceSet"/> (the one model of RRULE, cron, presets and the structured form).
/// </summary>
public sealed partial record ScheduleTiming(ScheduleType Type, string TimeZone, LocalDateTime? ScheduledAt, RecurrenceSet? Set, string? Cron)
{
    private static readonly LocalDateTimePattern Canonical = LocalDateTimePattern.CreateWithInvariantCulture("uuuu'-'MM'-'dd'T'HH':'mm':'ss");
    private static readonly LocalDateTimePattern[] LocalPatterns =
    [
        Canonical,
        LocalDateTimePattern.CreateWithInvariantCulture("uuuu'-'MM'-'dd'T'HH':'mm"),
        LocalDateTimePattern.ExtendedIso,
    ];

    private static readonly LocalTimePattern[] TimePatterns =
    [
        LocalTimePattern.CreateWithInvariantCulture("HH':'mm"),
        LocalTimePattern.CreateWithInvariantCulture("HH':'mm':'ss"),
    ];

    public DateTimeZone Zone => DateTimeZoneProviders.Tzdb[TimeZone];

    public static string FormatLocal(LocalDateTime value) => Canonical.Format(value);

    public static string FormatDate(LocalDate value) => LocalDatePattern.Iso.Format(value);

    /// <summary>The instant of a local wall time, by design.md §3: a time in a DST gap moves forward by the gap, an ambiguous one takes the earlier instant.</summary>
    public static Instant ToInstant(LocalDateTime local, DateTimeZone zone) => zone.ResolveLocal(local, Resolvers.LenientResolver).ToInstant();

    /// <summary>
    /// The engine's next occurrence at or after <paramref name="from"/> (the schedule's next run), or null when
    /// nothing is left. An occurrence skipped by hand counts: the dispatcher records it as skipped at its time.
    /// </summary>
    public Instant? NextAtOrAfter(Instant from)
    {
        foreach (var (at, _) in EngineOccurrences(from))
        {
            return at;
        }
        return null;
    }

    /// <summary>
    /// What the engine goes through from <paramref name="from"/> (inclusive), in order: the rule's runs (moves applied)
    /// and, marked <c>Skipped</c>, the occurrences skipped by hand (EXDATEs), which are recorded as skipped executions
    /// when their time passes instead of vanishing.
    /// </summary>
    public IEnumerable<(Instant At, bool Skipped)> EngineOccurrences(Instant from)
    {
        if (Type == ScheduleType.Once)
        {
            var at = ToInstant(ScheduledAt!.Value, Zone);
            if (at >= from)
            {
                yield return (at, false);
            }
            yield break;
        }
        var set = Set!;
        if (set.ExDates.Count == 0)
        {
            foreach (var occurrence in set.OccurrencesAfter(from, inclusive: true))
            {
                yield return (occurrence.Instant, false);
            }
            yield break;
        }
        var skipped = SkippedInstants();
        foreach (var occurrence in (set with { ExDates = [] }).OccurrencesAfter(from, inclusive: true))
        {
            yield return (occurrence.Instant, !occurrence.IsMoved && skipped.Contains(occurrence.Instant));
        }
    }

    /// <summary>The instants of the occurrences skipped by hand (a recurring schedule's EXDATEs).</summary>
    public IReadOnlySet<Instant> SkippedInstants() =>
        Set is { ExDates.Count: > 0 } set ? set.ExDates.Select(local => ToInstant(local, Zone)).ToHashSet() : new HashSet<Instant>();

    /// <summary>"Once on Tue 1 Dec 2026 at 09:00 (Europe/Paris)" or the rule in words.</summary>
    public string Describe() => Type == ScheduleType.Once
        ? $"Once on {ScheduledAt!.Value.ToString("ddd d MMM yyyy 'at' HH:mm", System.Globalization.CultureInfo.InvariantCulture)} ({TimeZone})"
        : Set!.Describe();

    /// <summary>Rebuilds the timing of a stored schedule (its text was validated when saved).</summary>
    public static ScheduleTiming FromSchedule(Schedule schedule)
    {
        if (schedule.ScheduleType == ScheduleType.Once)
        {
            return new ScheduleTiming(ScheduleType.Once, schedule.TimeZone, ParseStored(schedule.ScheduledAt!), null, null);
        }

        var rule = RRuleText.Parse(schedule.RecurrenceRule).Value
            ?? throw new InvalidOperationException($"Schedule {schedule.Id} holds an unreadable rule: {schedule.RecurrenceRule}");
        var set = new RecurrenceSet(rule, ParseStored(schedule.RecurrenceStart!), schedule.TimeZone)
        {
            ExDates = [.. schedule.Exceptions.Where(e => e.Kind == ScheduleExceptionKind.Skip).Select(e => ParseStored(e.Original))],
            Overrides = [.. schedule.Exceptions.Where(e => e.Kind == ScheduleExceptionKind.Move).Select(e => new OccurrenceOverride(ParseStored(e.Original), ParseStored(e.Replacement!)))],
            BlackoutDates = [.. schedule.Exceptions.Where(e => e.Kind == ScheduleExceptionKind.Blackout).Select(e => ParseStored(e.Original).Date)],
        };
        return new ScheduleTiming(ScheduleType.Recurring, schedule.TimeZone, null, set, schedule.CronExpression);
    }

    /// <summary>
    /// Parses the timing part of an input. Problems are added to <paramref name="errors"/> with the
    /// field as the API names it; the result is null when any was found.
    /// </summary>
    public static ScheduleTiming? Parse(ScheduleInput input, Instant now, List<ValidationError> errors)
    {
        var timeZone = input.Timezone?.Trim();
        if (string.IsNullOrEmpty(timeZone))
        {
            errors.Add(new("timezone", "Time zone is required (an IANA name such as America/New_York)."));
            return null;
        }
        if (!RecurrenceValidator.IsKnownTimeZone(timeZone))
        {
            errors.Add(new("timezone", $"'{Clip(timeZone)}' is not a known IANA time zone (for example Europe/London)."));
            return null;
        }

        var type = input.ScheduleType ?? (input.Recurrence is null ? ScheduleType.Once : ScheduleType.Recurring);
        if (type == ScheduleType.Once)
        {
            if (input.Recurrence is not null)
            {
                errors.Add(new("recurrence", "A once-schedule has no recurrence: use scheduleType 'recurring', or remove recurrence."));
            }
            var at = ParseLocal(input.ScheduledAt, "scheduledAt", errors, required: true);
            if (at is null)
            {
                return null;
            }
            var once = RecurrenceValidator.ValidateOnce(at, timeZone, now);
            errors.AddRange(once.Errors);
            return once.IsValid && errors.Count == 0 ? new ScheduleTiming(ScheduleType.Once, timeZone, at, null, null) : null;
        }

        if (input.Recurrence is null)
        {
            errors.Add(new("recurrence", "A recurring schedule needs a recurrence: rrule, cron, preset or the structured fields."));
            return null;
        }
        if (input.ScheduledAt is not null)
        {
            errors.Add(new("scheduledAt", "scheduledAt is for once-schedules; a recurring schedule starts at recurrence.start."));
        }
        var set = ParseRecurrence(input.Recurrence, timeZone, now, errors);
        return set is null || errors.Count > 0 ? null : new ScheduleTiming(ScheduleType.Recurring, timeZone, null, set, input.Recurrence.Cron?.Trim());
    }

    /// <summary>Parses a recurrence (any of its input forms) into a set, checked to yield a future occurrence.</summary>
    public static RecurrenceSet? ParseRecurrence(RecurrenceInput input, string timeZone, Instant now, List<ValidationError> errors, string prefix = "recurrence.")
    {
        var rule = ParseRule(input, errors, prefix);
        var start = input.Start is null
            ? now.InZone(DateTimeZoneProviders.Tzdb[timeZone]).LocalDateTime.With(TimeAdjusters.TruncateToMinute)
            : ParseLocal(input.Start, prefix + "start", errors, required: true);
        var exdates = ParseLocals(input.Exdates, prefix + "exdates", errors);
        var moves = new List<OccurrenceOverride>();
        foreach (var (move, index) in (input.Moves ?? []).Select((m, i) => (m, i)))
        {
            var from = ParseLocal(move?.From, $"{prefix}moves[{index}].from", errors, required: true);
            var to = ParseLocal(move?.To, $"{prefix}moves[{index}].to", errors, required: true);
            if (from is { } f && to is { } t)
            {
                moves.Add(new OccurrenceOverride(f, t));
            }
        }
        var blackouts = new List<LocalDate>();
        foreach (var (text, index) in (input.BlackoutDates ?? []).Select((d, i) => (d, i)))
        {
            var parsed = LocalDatePattern.Iso.Parse(text?.Trim() ?? "");
            if (parsed.Success && !IsSupported(parsed.Value))
            {
                errors.Add(new($"{prefix}blackoutDates[{index}]", OutOfRange(text)));
            }
            else if (parsed.Success)
            {
                blackouts.Add(parsed.Value);
            }
            else
            {
                errors.Add(new($"{prefix}blackoutDates[{index}]", $"'{Clip(text)}' is not a date (yyyy-MM-dd)."));
            }
        }
        var exceptionCount = exdates.Count + moves.Count + blackouts.Count;
        if (exceptionCount > ScheduleLimits.MaxExceptions)
        {
            errors.Add(new(prefix + "exdates", $"At most {ScheduleLimits.MaxExceptions} exceptions (skips, moves and blackout dates together)."));
        }
        if (rule is null || start is null || errors.Count > 0)
        {
            return null;
        }

        var set = new RecurrenceSet(rule, start.Value, timeZone) { ExDates = exdates, Overrides = moves, BlackoutDates = blackouts };
        var result = RecurrenceValidator.Validate(set, now);
        errors.AddRange(result.Errors.Select(e => e with { Field = PrefixField(prefix, e.Field) }));
        return result.IsValid ? set : null;
    }

    private static RecurrenceRule? ParseRule(RecurrenceInput input, List<ValidationError> errors, string prefix)
    {
        var forms = new[] { input.Rrule is not null, input.Cron is not null, input.Preset is not null, input.Frequency is not null }.Count(f => f);
        if (forms != 1)
        {
            errors.Add(new(prefix + "rrule", forms == 0
                ? "Give the rule one way: rrule, cron, preset, or frequency with the structured fields."
                : "Give the rule only one way: rrule, cron, preset or frequency, not several."));
            return null;
        }

        ParseOutcome<RecurrenceRule> outcome;
        if (input.Rrule is not null)
        {
            outcome = RRuleText.Parse(input.Rrule);
        }
        else if (input.Cron is not null)
        {
            outcome = CronText.Parse(input.Cron);
        }
        else if (input.Preset is not null)
        {
            outcome = RecurrencePresets.TryGet(input.Preset, out var preset)
                ? ParseOutcome<RecurrenceRule>.Success(preset.Rule)
                : ParseOutcome<RecurrenceRule>.Failure("preset", $"Unknown preset '{Clip(input.Preset)}'; known: {string.Join(", ", RecurrencePresets.All.Select(p => p.Key))}.");
        }
        else
        {
            outcome = Structured(input);
        }

        errors.AddRange(outcome.Errors.Select(e => e with { Field = PrefixField(prefix, e.Field) }));
        return outcome.Value;
    }

    private static ParseOutcome<RecurrenceRule> Structured(RecurrenceInput input)
    {
        var errors = new List<ValidationError>();
        var byDay = new List<WeekdayNum>();
        foreach (var code in input.ByDay ?? [])
        {
            var match = DayCode().Match(code?.Trim() ?? "");
            var day = match.Success ? RRuleText.Parse($"FREQ=WEEKLY;BYDAY={match.Groups[2].Value}").Value?.ByDay[0].Day : null;
            if (day is null || !int.TryParse(match.Groups[1].Value is { Length: > 0 } n ? n : "0", out var ordinal))
            {
                errors.Add(new(RecurrenceFields.ByDay, $"'{Clip(code)}' is not a day: use MO, TU, WE, TH, FR, SA, SU, optionally with an ordinal such as 2TU or -1FR."));
                continue;
            }
            byDay.Add(new WeekdayNum(day.Value, ordinal));
        }
        var times = new List<LocalTime>();
        foreach (var text in input.TimesOfDay ?? [])
        {
            var parsed = TimePatterns.Select(p => p.Parse(text?.Trim() ?? "")).FirstOrDefault(r => r.Success);
            if (parsed is null)
            {
                errors.Add(new(RecurrenceFields.TimesOfDay, $"'{Clip(text)}' is not a time of day (HH:mm)."));
                continue;
            }
            times.Add(parsed.Value);
        }
        RecurrenceUntil? until = null;
        if (input.Until is { } untilText)
        {
            if (LocalDatePattern.Iso.Parse(untilText.Trim()) is { Success: true } date)
            {
                if (IsSupported(date.Value))
                {
                    until = RecurrenceUntil.OnDate(date.Value);
                }
                else
                {
                    errors.Add(new(RecurrenceFields.Until, OutOfRange(untilText)));
                }
            }
            else if (LocalPatterns.Select(p => p.Parse(untilText.Trim())).FirstOrDefault(r => r.Success) is { } local)
            {
                if (IsSupported(local.Value.Date))
                {
                    until = RecurrenceUntil.AtLocal(local.Value);
                }
                else
                {
                    errors.Add(new(RecurrenceFields.Until, OutOfRange(untilText)));
                }
            }
            else
            {
                errors.Add(new(RecurrenceFields.Until, $"'{Clip(untilText)}' is not a date (yyyy-MM-dd) or local date-time."));
            }
        }
        if (errors.Count > 0)
        {
            return ParseOutcome<RecurrenceRule>.Failure(errors);
        }

        var rule = new RecurrenceRule
        {
            Frequency = input.Frequency!.Value,
            Interval = input.Interval ?? 1,
            ByDay = byDay,
            // A repeated value means the same set; keeping one keeps the stored rule short and readable.
            ByMonthDay = [.. (input.ByMonthDay ?? []).Distinct()],
            ByMonth = [.. (input.ByMonth ?? []).Distinct()],
            BySetPos = [.. (input.BySetPos ?? []).Distinct()],
            TimesOfDay = times,
            Count = input.Count,
            Until = until,
            Skip = input.Skip ?? MonthDaySkip.Omit,
        };
        var validation = RecurrenceValidator.ValidateRule(rule);
        if (!validation.IsValid)
        {
            return ParseOutcome<RecurrenceRule>.Failure(validation.Errors);
        }
        // The rule is stored as text and read back with the text parser, so it must fit the parser's bound.
        return RRuleText.Format(rule).Length > RRuleText.MaxLength
            ? ParseOutcome<RecurrenceRule>.Failure("recurrence", $"These fields make a rule longer than {RRuleText.MaxLength} characters; list fewer values.")
            : ParseOutcome<RecurrenceRule>.Success(rule);
    }

    public static LocalDateTime? ParseLocal(string? text, string field, List<ValidationError> errors, bool required)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            if (required)
            {
                errors.Add(new(field, "Required: a local date and time such as 2026-03-01T09:00."));
            }
            return null;
        }
        foreach (var pattern in LocalPatterns)
        {
            var result = pattern.Parse(text.Trim());
            if (result.Success)
            {
                if (!IsSupported(result.Value.Date))
                {
                    errors.Add(new(field, OutOfRange(text)));
                    return null;
                }
                return result.Value;
            }
        }
        errors.Add(new(field, $"'{Clip(text)}' is not a valid local date and time (yyyy-MM-ddTHH:mm[:ss], a date that exists)."));
        return null;
    }

    private static bool IsSupported(LocalDate date) => SupportedDates.Contains(date);

    private static string OutOfRange(string? text) => $"'{Clip(text)}' is outside the supported dates: {SupportedDates.Range}.";

    private static List<LocalDateTime> ParseLocals(IReadOnlyList<string>? texts, string field, List<ValidationError> errors)
    {
        var values = new List<LocalDateTime>();
        foreach (var (text, index) in (texts ?? []).Select((t, i) => (t, i)))
        {
            if (ParseLocal(text, $"{field}[{index}]", errors, required: true) is { } value)
            {
                values.Add(value);
            }
        }
        return values;
    }

    private static LocalDateTime ParseStored(string text) => Canonical.Parse(text).GetValueOrThrow();

    private static string PrefixField(string prefix, string field) => field switch
    {
        RecurrenceFields.TimeZone => "timezone",
        RecurrenceFields.ScheduledAt => "scheduledAt",
        _ when field.StartsWith(prefix, StringComparison.Ordinal) => field,
        _ => prefix + field,
    };

    private static string Clip(string? value) => value is null ? "" : value.Length <= 60 ? value : value[..60] + "…";

    [GeneratedRegex("^([+-]?[0-9]{1,2})?([A-Za-z]{2})$")]
    private static partial Regex DayCode();
}
