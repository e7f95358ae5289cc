namespace Scheduling.Core.Recurrence;

/// <summary>How often a recurrence rule repeats (RFC 5545 FREQ, minus SECONDLY).</summary>
public enum Frequency
{
    Minutely,
    Hourly,
    Daily,
    Weekly,
    Monthly,
    Yearly,
}
