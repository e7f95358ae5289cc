namespace Scheduling.Core.Recurrence;

/// <summary>
/// RFC 7529 SKIP: what a BYMONTHDAY of 29-31 does in a month that is too short.
/// </summary>
public enum MonthDaySkip
{
    /// <summary>Drop that month's occurrence (RFC 5545 behaviour, the default).</summary>
    Omit,

    /// <summary>Use the last day of the short month.</summary>
    Backward,

    /// <summary>Use the first day of the following month.</summary>
    Forward,
}
