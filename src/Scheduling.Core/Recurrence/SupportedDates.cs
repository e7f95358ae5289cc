using NodaTime;

namespace Scheduling.Core.Recurrence;

/// <summary>
/// The dates a schedule may use: years 1 to 9998. NodaTime's patterns also read year 0 and negative years, and every
/// instant must fit a UTC DateTime (years 1 to 9999) in any zone (offsets reach ±18 h); a year of margin at the end
/// keeps a local time in 9998 inside it. One rule for the parser of the API's text and for the validator.
/// </summary>
public static class SupportedDates
{
    public const string Range = "years 1 to 9998";

    public static bool Contains(LocalDate date) => date.Year is >= 1 and <= 9998;
}
