namespace Scheduling.Web.Features.Calendar;

/// <summary>Marks an item of the calendar can carry beyond its kind.</summary>
public static class CalendarItemMarks
{
    /// <summary>
    /// Whether the occurrence's local time fell in a DST gap and was shifted forward. The projection gains a
    /// <c>DstShifted</c> flag in a parallel change; until it is merged this answers false (wire it here, once:
    /// every view and the drawer ask this helper).
    /// </summary>
    public static bool IsDstShifted(CalendarOccurrence occurrence) => false;
}
