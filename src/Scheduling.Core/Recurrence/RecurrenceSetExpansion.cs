using NodaTime;

namespace Scheduling.Core.Recurrence;

/// <summary>
/// Lazy expansion of a <see cref="RecurrenceSet"/>. Every method streams: nothing is materialised beyond what the
/// caller takes, so an unbounded FREQ=MINUTELY rule with <c>.Take(n)</c> is fine. Results are strictly increasing
/// in UTC, with exceptions (EXDATE, blackout dates, overrides) applied. The set must be valid
/// (<see cref="RecurrenceValidator"/>); an unknown zone throws <see cref="ArgumentException"/>.
/// </summary>
public static class RecurrenceSetExpansion
{
    private static readonly long MinSeconds = Instant.MinValue.ToUnixTimeSeconds();
    private static readonly long MaxSeconds = Instant.MaxValue.ToUnixTimeSeconds();

    /// <summary>All occurrences from DTSTART.</summary>
    /// <example><c>set.Occurrences().Take(10)</c></example>
    public static IEnumerable<Occurrence> Occurrences(this RecurrenceSet set) =>
        set.Compiled.Enumerate(long.MinValue, long.MaxValue);

    /// <summary>Occurrences after <paramref name="instant"/> (or at it, when <paramref name="inclusive"/>).</summary>
    /// <example><c>set.OccurrencesAfter(now).Take(5)</c></example>
    public static IEnumerable<Occurrence> OccurrencesAfter(this RecurrenceSet set, Instant instant, bool inclusive = false)
    {
        var from = inclusive ? Seconds(instant, roundUp: true) : Seconds(instant, roundUp: false) + 1;
        return set.Compiled.Enumerate(from, long.MaxValue);
    }

    /// <summary>Occurrences in the half-open window [<paramref name="from"/>, <paramref name="to"/>), e.g. a calendar's visible range.</summary>
    /// <example><c>set.OccurrencesBetween(monthStart, monthEnd)</c></example>
    public static IEnumerable<Occurrence> OccurrencesBetween(this RecurrenceSet set, Instant from, Instant to) =>
        set.Compiled.Enumerate(Seconds(from, roundUp: true), Seconds(to, roundUp: true));

    /// <summary>The next <paramref name="count"/> occurrences after <paramref name="instant"/>.</summary>
    /// <example><c>set.Next(now, 5)</c></example>
    public static IReadOnlyList<Occurrence> Next(this RecurrenceSet set, Instant instant, int count, bool inclusive = false)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        return [.. set.OccurrencesAfter(instant, inclusive).Take(count)];
    }

    /// <summary>The first occurrence after <paramref name="instant"/>, or null when the rule has ended.</summary>
    public static Occurrence? NextOccurrence(this RecurrenceSet set, Instant instant, bool inclusive = false)
    {
        foreach (var o in set.OccurrencesAfter(instant, inclusive))
        {
            return o;
        }

        return null;
    }

    /// <summary>Whether at least one occurrence falls strictly after <paramref name="now"/>.</summary>
    public static bool HasOccurrenceAfter(this RecurrenceSet set, Instant now) => set.NextOccurrence(now) is not null;

    // Occurrences are whole seconds; a sub-second bound rounds so that comparisons stay exact.
    private static long Seconds(Instant instant, bool roundUp)
    {
        if (instant == Instant.MinValue || instant.ToUnixTimeSeconds() <= MinSeconds)
        {
            return long.MinValue + 1;
        }

        if (instant == Instant.MaxValue || instant.ToUnixTimeSeconds() >= MaxSeconds)
        {
            return long.MaxValue - 1;
        }

        var seconds = instant.ToUnixTimeSeconds();
        return roundUp && Instant.FromUnixTimeSeconds(seconds) < instant ? seconds + 1 : seconds;
    }
}
