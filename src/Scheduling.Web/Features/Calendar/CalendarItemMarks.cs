namespace Scheduling.Web.Features.Calendar;

/// <summary>Marks an item of the calendar can carry beyond its kind.</summary>
public static class CalendarItemMarks
{
    /// <summary>
    /// Whether the occurrence's local time fell in a DST gap and was shifted forward (the rule asked for 02:30 on a
    /// spring-forward day and it runs at 03:30): the projection knows it from the expansion. Every view and the drawer
    /// ask this helper.
    /// </summary>
    public static bool IsDstShifted(CalendarOccurrence occurrence) => occurrence.Entry.DstShifted;
}
