using Microsoft.AspNetCore.Components;
using NodaTime;

namespace Scheduling.Web.Components.Calendar;

/// <summary>What every view shares: its calendar (items, zone, range, events) and the day keys of the stable hooks.</summary>
public abstract class CalendarViewBase<TItem> : ComponentBase
{
    [Parameter, EditorRequired] public Calendar<TItem> Owner { get; set; } = default!;

    protected CalendarRange Range => Owner.Range;

    protected IEnumerable<LocalDate> Days()
    {
        for (var date = Range.First; date < Range.EndExclusive; date = date.PlusDays(1))
        {
            yield return date;
        }
    }

    protected static string DateKey(LocalDate date) => Calendar<TItem>.FormatDate(date);

    protected static string SlotKey(LocalDateTime start) => Calendar<TItem>.FormatSlot(start);

    protected static string DayLabel(LocalDate date) => date.ToString("ddd d", System.Globalization.CultureInfo.InvariantCulture);

    protected static string LongDay(LocalDate date) => date.ToString("dddd d MMMM yyyy", System.Globalization.CultureInfo.InvariantCulture);
}
