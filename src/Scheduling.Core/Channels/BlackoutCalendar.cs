using Ical.Net;
using NodaTime;

namespace Scheduling.Core.Channels;

/// <summary>Blackout dates from an .ics holiday calendar: each all-day VEVENT gives its dates (a multi-day event each of its days).</summary>
public static class BlackoutCalendar
{
    /// <summary>The most days one import may add (a year of holidays is a few dozen).</summary>
    public const int MaxDays = 2000;

    /// <summary>The dates, sorted and distinct; null with a reason when the text is not an iCalendar file.</summary>
    public static (IReadOnlyList<LocalDate>? Dates, string? Error) Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text) || !text.TrimStart().StartsWith("BEGIN:VCALENDAR", StringComparison.OrdinalIgnoreCase))
        {
            return (null, "The body must be an iCalendar (.ics) file starting with BEGIN:VCALENDAR.");
        }
        Ical.Net.Calendar? calendar;
        try
        {
            calendar = Ical.Net.Calendar.Load(text);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            return (null, $"The .ics file could not be read: {ex.Message}");
        }
        if (calendar is null)
        {
            return (null, "The .ics file holds no calendar.");
        }
        var dates = new SortedSet<LocalDate>();
        foreach (var e in calendar.Events)
        {
            if (e.DtStart is not { HasTime: false } start)
            {
                continue;
            }
            var first = new LocalDate(start.Year, start.Month, start.Day);
            var end = e.DtEnd is { HasTime: false } dtEnd ? new LocalDate(dtEnd.Year, dtEnd.Month, dtEnd.Day) : first.PlusDays(1);
            for (var day = first; day < end || day == first; day = day.PlusDays(1))
            {
                dates.Add(day);
                if (dates.Count > MaxDays)
                {
                    return (null, $"The .ics file gives more than {MaxDays} blackout days.");
                }
            }
        }
        return (dates.ToList(), null);
    }
}
