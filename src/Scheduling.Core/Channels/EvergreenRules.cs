using NodaTime;

namespace Scheduling.Core.Channels;

/// <summary>
/// How an evergreen content item comes back: at least <see cref="IntervalDays"/> after its last publication on a channel,
/// at the end of that channel's queue, up to <see cref="MaxRepeats"/> reposts and not after <see cref="Until"/> (exclusive instant).
/// </summary>
public sealed record EvergreenPolicy(int IntervalDays, int? MaxRepeats, Instant? Until);

/// <summary>The evergreen rule, pure: where the search for a repost's slot starts, and whether a slot found may be used.</summary>
public static class EvergreenRules
{
    /// <summary>
    /// Where the next repost's slot search starts after the publication at <paramref name="published"/> (the
    /// <paramref name="repeatsSoFar"/>-th repost, 0 for the first post): the later of the interval's end, the end of the
    /// channel's queue (<paramref name="queueEnd"/>, its last planned post) and <paramref name="now"/>; null when no repost is due
    /// (the maximum is reached, or the start is already past the end date).
    /// </summary>
    public static Instant? SearchFrom(EvergreenPolicy policy, Instant published, int repeatsSoFar, Instant? queueEnd, Instant now)
    {
        ArgumentNullException.ThrowIfNull(policy);
        if (policy.MaxRepeats is { } max && repeatsSoFar >= max)
        {
            return null;
        }
        var from = Instant.Max(published + Duration.FromDays(policy.IntervalDays), now);
        if (queueEnd is { } end && end > from)
        {
            // Strictly after the last planned post: the end of the queue.
            from = end + Duration.FromSeconds(1);
        }
        return policy.Until is { } until && from >= until ? null : from;
    }

    /// <summary>Whether a repost at <paramref name="slot"/> is still within the end date.</summary>
    public static bool Allows(EvergreenPolicy policy, Instant slot) => policy.Until is not { } until || slot < until;
}
