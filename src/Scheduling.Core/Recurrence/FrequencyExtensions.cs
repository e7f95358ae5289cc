namespace Scheduling.Core.Recurrence;

/// <summary>Helpers around <see cref="Frequency"/>.</summary>
public static class FrequencyExtensions
{
    /// <summary>
    /// FREQ=SECONDLY. The product does not offer it (hence no enum member), but the engine implements it so the
    /// RFC conformance vectors run; only <see cref="RRuleText.Parse(string, bool)"/> with <c>allowSecondly</c> produces it.
    /// </summary>
    internal const Frequency Secondly = (Frequency)(-1);

    public static bool IsSubDaily(this Frequency frequency) => frequency is Frequency.Minutely or Frequency.Hourly or Secondly;
}
