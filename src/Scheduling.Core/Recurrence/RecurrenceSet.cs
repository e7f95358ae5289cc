using NodaTime;

namespace Scheduling.Core.Recurrence;

/// <summary>Moves one occurrence of a recurring schedule: the occurrence at <paramref name="Original"/> runs at <paramref name="Replacement"/> instead.</summary>
public sealed record OccurrenceOverride(LocalDateTime Original, LocalDateTime Replacement);

/// <summary>
/// Everything needed to expand a recurring schedule: the rule, its start (DTSTART, a lower bound that is emitted
/// only when it matches the rule), the IANA zone the rule is evaluated in (null = floating wall time), and the
/// exceptions. Expansion methods are lazy; see <see cref="RecurrenceSetExpansion"/>.
/// </summary>
/// <example><code>
/// var set = new RecurrenceSet(rule, new LocalDateTime(2026, 1, 5, 9, 0), "America/New_York");
/// var next = set.Next(clock.GetCurrentInstant(), 5);
/// </code></example>
public sealed record RecurrenceSet
{
    private Expansion.CompiledRecurrence? compiled;

    public RecurrenceSet(RecurrenceRule rule, LocalDateTime start, string? timeZone = null)
    {
        Rule = rule;
        Start = start;
        TimeZone = timeZone;
    }

    // Written out so that `with` never carries a compiled plan over to a changed copy.
    private RecurrenceSet(RecurrenceSet original)
    {
        Rule = original.Rule;
        Start = original.Start;
        TimeZone = original.TimeZone;
        ExDates = original.ExDates;
        Overrides = original.Overrides;
        BlackoutDates = original.BlackoutDates;
    }

    public RecurrenceRule Rule { get; init; }

    /// <summary>DTSTART as local wall time in <see cref="TimeZone"/>.</summary>
    public LocalDateTime Start { get; init; }

    /// <summary>IANA zone id (TZDB). Null evaluates the rule in floating time (no DST).</summary>
    public string? TimeZone { get; init; }

    /// <summary>Occurrences to skip (EXDATE), as local wall times; matched by instant.</summary>
    public IReadOnlyList<LocalDateTime> ExDates { get; init => field = [.. value ?? []]; } = [];

    /// <summary>Single occurrences moved to another local time.</summary>
    public IReadOnlyList<OccurrenceOverride> Overrides { get; init => field = [.. value ?? []]; } = [];

    /// <summary>Whole local dates on which nothing runs (holidays, blackouts).</summary>
    public IReadOnlyList<LocalDate> BlackoutDates { get; init => field = [.. value ?? []]; } = [];

    public bool IsFloating => TimeZone is null;

    internal Expansion.CompiledRecurrence Compiled => compiled ??= Expansion.CompiledRecurrence.Compile(this);

    public bool Equals(RecurrenceSet? other) =>
        other is not null
        && Rule.Equals(other.Rule)
        && Start == other.Start
        && string.Equals(TimeZone, other.TimeZone, StringComparison.Ordinal)
        && ExDates.SequenceEqual(other.ExDates)
        && Overrides.SequenceEqual(other.Overrides)
        && BlackoutDates.SequenceEqual(other.BlackoutDates);

    public override int GetHashCode() => HashCode.Combine(Rule, Start, TimeZone, ExDates.Count, Overrides.Count, BlackoutDates.Count);

    /// <summary>The rule in English, e.g. "Every 2 weeks on Monday and Thursday at 09:00 (America/New_York)".</summary>
    public string Describe() => RecurrenceDescriber.Describe(this);

    public override string ToString() => $"DTSTART{(TimeZone is null ? string.Empty : ";TZID=" + TimeZone)}:{RRuleText.FormatBasic(Start)} RRULE:{Rule}";
}
