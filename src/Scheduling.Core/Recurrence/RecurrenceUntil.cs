using NodaTime;
using NodaTime.Text;

namespace Scheduling.Core.Recurrence;

public enum UntilKind
{
    /// <summary>A wall-clock date-time in the rule's zone (RRULE <c>UNTIL=20261231T180000</c>).</summary>
    Local,

    /// <summary>An instant (RRULE <c>UNTIL=20261231T230000Z</c>).</summary>
    Utc,

    /// <summary>A whole local date, inclusive (RRULE <c>UNTIL=20261231</c>).</summary>
    Date,
}

/// <summary>The inclusive end of a recurrence. Comparisons are made between instants (design.md §3).</summary>
public readonly record struct RecurrenceUntil
{
    private RecurrenceUntil(UntilKind kind, LocalDateTime value)
    {
        Kind = kind;
        Value = value;
    }

    public UntilKind Kind { get; }

    /// <summary>The wall time (<see cref="UntilKind.Local"/>), the UTC wall time (<see cref="UntilKind.Utc"/>), or the date at midnight.</summary>
    public LocalDateTime Value { get; }

    public static RecurrenceUntil AtLocal(LocalDateTime local) => new(UntilKind.Local, local);

    public static RecurrenceUntil AtInstant(Instant instant) => new(UntilKind.Utc, instant.InUtc().LocalDateTime);

    public static RecurrenceUntil OnDate(LocalDate date) => new(UntilKind.Date, date.AtMidnight());

    public LocalDate Date => Value.Date;

    public Instant? Instant => Kind == UntilKind.Utc ? Value.InUtc().ToInstant() : null;

    /// <summary>The last local date-time still included, in the rule's zone for Local and Date kinds.</summary>
    internal LocalDateTime LastIncludedLocal => Kind == UntilKind.Date ? Value.Date.At(new LocalTime(23, 59, 59)) : Value;

    public override string ToString() => Kind switch
    {
        UntilKind.Date => LocalDatePattern.CreateWithInvariantCulture("yyyyMMdd").Format(Value.Date),
        UntilKind.Utc => RRuleText.FormatBasic(Value) + "Z",
        _ => RRuleText.FormatBasic(Value),
    };
}
