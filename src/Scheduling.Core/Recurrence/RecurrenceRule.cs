using System.Collections.Immutable;
using NodaTime;

namespace Scheduling.Core.Recurrence;

/// <summary>
/// The repeating part of a schedule: RFC 5545 RRULE (plus RFC 7529 SKIP) as an immutable value.
/// Where the rule starts, its zone and its exceptions live in <see cref="RecurrenceSet"/>.
/// Lists are copied on assignment, so a rule never changes after construction; equality compares contents.
/// </summary>
/// <example><code>
/// var rule = new RecurrenceRule { Frequency = Frequency.Weekly, Interval = 2, ByDay = [WeekdayNum.Every(IsoDayOfWeek.Monday)] };
/// </code></example>
public sealed record RecurrenceRule
{
    public Frequency Frequency { get; init; } = Frequency.Daily;

    /// <summary>Every <c>Interval</c> periods of <see cref="Frequency"/>; at least 1.</summary>
    public int Interval { get; init; } = 1;

    /// <summary>Days of the week, optionally with ordinals (monthly and yearly rules only).</summary>
    public IReadOnlyList<WeekdayNum> ByDay { get; init => field = Freeze(value); } = [];

    /// <summary>1 to 31, or -1 (last day) to -31.</summary>
    public IReadOnlyList<int> ByMonthDay { get; init => field = Freeze(value); } = [];

    /// <summary>1 (January) to 12.</summary>
    public IReadOnlyList<int> ByMonth { get; init => field = Freeze(value); } = [];

    /// <summary>1 to 366, or -1 to -366.</summary>
    public IReadOnlyList<int> ByYearDay { get; init => field = Freeze(value); } = [];

    /// <summary>Week of the year per <see cref="WeekStart"/> (week 1 has at least four days of the year): 1 to 53, or -1 to -53.</summary>
    public IReadOnlyList<int> ByWeekNo { get; init => field = Freeze(value); } = [];

    public IReadOnlyList<int> ByHour { get; init => field = Freeze(value); } = [];

    public IReadOnlyList<int> ByMinute { get; init => field = Freeze(value); } = [];

    public IReadOnlyList<int> BySecond { get; init => field = Freeze(value); } = [];

    /// <summary>Keeps only the n-th (negative: from the end) of the occurrences each period would produce.</summary>
    public IReadOnlyList<int> BySetPos { get; init => field = Freeze(value); } = [];

    /// <summary>
    /// Several wall-clock times per day (daily and longer frequencies). The product's editor uses this instead of
    /// BYHOUR/BYMINUTE/BYSECOND, whose cross product cannot express "09:00 and 17:30". Empty = DTSTART's time.
    /// </summary>
    public IReadOnlyList<LocalTime> TimesOfDay { get; init => field = Freeze(value); } = [];

    public IsoDayOfWeek WeekStart { get; init; } = IsoDayOfWeek.Monday;

    /// <summary>Total occurrences generated (before exceptions, as RFC 5545 counts). Null = unbounded or <see cref="Until"/>.</summary>
    public int? Count { get; init; }

    public RecurrenceUntil? Until { get; init; }

    /// <summary>RFC 7529 behaviour for BYMONTHDAY values that a month does not have.</summary>
    public MonthDaySkip Skip { get; init; } = MonthDaySkip.Omit;

    public bool IsUnbounded => Count is null && Until is null;

    public bool Equals(RecurrenceRule? other) =>
        other is not null
        && Frequency == other.Frequency
        && Interval == other.Interval
        && WeekStart == other.WeekStart
        && Count == other.Count
        && Until == other.Until
        && Skip == other.Skip
        && ByDay.SequenceEqual(other.ByDay)
        && ByMonthDay.SequenceEqual(other.ByMonthDay)
        && ByMonth.SequenceEqual(other.ByMonth)
        && ByYearDay.SequenceEqual(other.ByYearDay)
        && ByWeekNo.SequenceEqual(other.ByWeekNo)
        && ByHour.SequenceEqual(other.ByHour)
        && ByMinute.SequenceEqual(other.ByMinute)
        && BySecond.SequenceEqual(other.BySecond)
        && BySetPos.SequenceEqual(other.BySetPos)
        && TimesOfDay.SequenceEqual(other.TimesOfDay);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(Frequency);
        hash.Add(Interval);
        hash.Add(Count);
        hash.Add(Until);
        hash.Add(ByDay.Count);
        foreach (var d in ByDay)
        {
            hash.Add(d);
        }

        foreach (var d in ByMonthDay)
        {
            hash.Add(d);
        }

        foreach (var t in TimesOfDay)
        {
            hash.Add(t);
        }

        return hash.ToHashCode();
    }

    /// <summary>The rule in English; <paramref name="start"/> supplies the day/time the rule leaves to DTSTART.</summary>
    public string Describe(LocalDateTime? start = null, string? timeZone = null) => RecurrenceDescriber.Describe(this, start, timeZone);

    /// <summary>The RRULE value (without the <c>RRULE:</c> prefix), e.g. <c>FREQ=WEEKLY;INTERVAL=2;BYDAY=MO</c>.</summary>
    public override string ToString() => RRuleText.Format(this);

    private static ImmutableArray<T> Freeze<T>(IReadOnlyList<T>? value) =>
        value switch
        {
            null => [],
            ImmutableArray<T> a => a.IsDefault ? [] : a,
            _ => [.. value],
        };
}
