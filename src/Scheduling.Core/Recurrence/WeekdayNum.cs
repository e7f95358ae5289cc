using NodaTime;

namespace Scheduling.Core.Recurrence;

/// <summary>
/// A BYDAY entry: a day of the week, optionally with an ordinal within the month or year
/// (<c>2TU</c> = second Tuesday, <c>-1FR</c> = last Friday; 0 = every such day).
/// </summary>
public readonly record struct WeekdayNum(IsoDayOfWeek Day, int Ordinal = 0)
{
    public static WeekdayNum Every(IsoDayOfWeek day) => new(day);

    public static WeekdayNum Last(IsoDayOfWeek day) => new(day, -1);

    public static WeekdayNum Nth(int ordinal, IsoDayOfWeek day) => new(day, ordinal);

    public bool HasOrdinal => Ordinal != 0;

    public override string ToString() =>
        (Ordinal == 0 ? string.Empty : Ordinal.ToString(System.Globalization.CultureInfo.InvariantCulture)) + RRuleText.DayCode(Day);
}
