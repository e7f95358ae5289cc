using NodaTime;

namespace Scheduling.Core.Recurrence.Expansion;

/// <summary>
/// Proleptic Gregorian arithmetic on plain integers (days and seconds since 1970-01-01, local or UTC).
/// The expansion loop runs on these instead of NodaTime values because it touches every candidate day,
/// and integer math keeps it free of allocation and validation overhead.
/// </summary>
internal static class Civil
{
    public const long SecondsPerDay = 86_400;

    public static readonly int MinDay = DaysFromCivil(1, 1, 1);

    public static readonly int MaxDay = DaysFromCivil(9999, 12, 31);

    // Howard Hinnant's days_from_civil: exact for the whole proleptic Gregorian range we use.
    public static int DaysFromCivil(int y, int m, int d)
    {
        y -= m <= 2 ? 1 : 0;
        var era = (y >= 0 ? y : y - 399) / 400;
        var yoe = y - (era * 400);
        var doy = ((153 * (m + (m > 2 ? -3 : 9))) + 2) / 5 + d - 1;
        var doe = (yoe * 365) + (yoe / 4) - (yoe / 100) + doy;
        return (era * 146_097) + doe - 719_468;
    }

    public static void FromDays(int z, out int y, out int m, out int d)
    {
        z += 719_468;
        var era = (z >= 0 ? z : z - 146_096) / 146_097;
        var doe = z - (era * 146_097);
        var yoe = (doe - (doe / 1460) + (doe / 36_524) - (doe / 146_096)) / 365;
        var doy = doe - ((365 * yoe) + (yoe / 4) - (yoe / 100));
        var mp = ((5 * doy) + 2) / 153;
        d = doy - (((153 * mp) + 2) / 5) + 1;
        m = mp < 10 ? mp + 3 : mp - 9;
        y = yoe + (era * 400) + (m <= 2 ? 1 : 0);
    }

    /// <summary>ISO day of week, Monday = 1 … Sunday = 7.</summary>
    public static int IsoWeekday(int dayNumber)
    {
        var w = (dayNumber + 3) % 7;
        return (w < 0 ? w + 7 : w) + 1;
    }

    public static bool IsLeap(int y) => (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

    public static int DaysInYear(int y) => IsLeap(y) ? 366 : 365;

    public static int DaysInMonth(int y, int m) => m switch
    {
        2 => IsLeap(y) ? 29 : 28,
        4 or 6 or 9 or 11 => 30,
        _ => 31,
    };

    public static long FloorDiv(long a, long b)
    {
        var q = a / b;
        return (a % b != 0 && ((a < 0) ^ (b < 0))) ? q - 1 : q;
    }

    public static long CeilDiv(long a, long b) => -FloorDiv(-a, b);

    public static long Gcd(long a, long b)
    {
        while (b != 0)
        {
            (a, b) = (b, a % b);
        }

        return Math.Abs(a);
    }

    public static long ToSeconds(LocalDateTime value) =>
        (DaysFromCivil(value.Year, value.Month, value.Day) * SecondsPerDay) + (value.Hour * 3600L) + (value.Minute * 60L) + value.Second;

    public static long ToSeconds(LocalDate value) => DaysFromCivil(value.Year, value.Month, value.Day) * SecondsPerDay;

    public static int ToDayNumber(LocalDate value) => DaysFromCivil(value.Year, value.Month, value.Day);

    public static LocalDateTime ToLocalDateTime(long seconds)
    {
        var day = (int)FloorDiv(seconds, SecondsPerDay);
        var sod = (int)(seconds - (day * SecondsPerDay));
        FromDays(day, out var y, out var m, out var d);
        return new LocalDateTime(y, m, d, sod / 3600, sod / 60 % 60, sod % 60);
    }

    public static LocalDate ToLocalDate(int dayNumber)
    {
        FromDays(dayNumber, out var y, out var m, out var d);
        return new LocalDate(y, m, d);
    }
}
