using NodaTime;
using NodaTime.TimeZones;

namespace Scheduling.Core.Recurrence.Expansion;

/// <summary>
/// Maps local seconds to instants by design.md §3 (RFC 5545 §3.3.5): a local time in a gap moves forward by the gap,
/// an ambiguous one takes the earlier instant. NodaTime's <c>MapLocal</c> allocates a mapping object per call; this
/// keeps the zone interval in force and the local range it maps unambiguously, so almost every call is two compares.
/// </summary>
internal sealed class ZoneResolver(DateTimeZone zone)
{
    private const long Window = Civil.SecondsPerDay;

    private long safeLow = long.MaxValue;
    private long safeHigh = long.MinValue;
    private int safeOffset;

    public DateTimeZone Zone { get; } = zone;

    /// <summary>Returns the instant (Unix seconds) for <paramref name="local"/>.</summary>
    /// <param name="local">Local wall time as seconds since 1970-01-01T00:00.</param>
    /// <param name="offset">The offset in force at the returned instant, in seconds.</param>
    /// <param name="shifted">True when the local time did not exist and was moved forward; the wall time shown is then <c>instant + offset</c>.</param>
    public long Resolve(long local, out int offset, out bool shifted)
    {
        if (local >= safeLow && local < safeHigh)
        {
            offset = safeOffset;
            shifted = false;
            return local - safeOffset;
        }

        return ResolveSlow(local, out offset, out shifted);
    }

    private long ResolveSlow(long local, out int offset, out bool shifted)
    {
        // Offsets are within ±18 h, so every interval that can contain a mapping overlaps local ± 1 day.
        var interval = Zone.GetZoneInterval(Instant.FromUnixTimeSeconds(local - Window));
        ZoneInterval? previous = null;
        while (true)
        {
            var o = interval.WallOffset.Seconds;
            var candidate = local - o;
            if ((!interval.HasStart || candidate >= interval.Start.ToUnixTimeSeconds())
                && (!interval.HasEnd || candidate < interval.End.ToUnixTimeSeconds()))
            {
                // Intervals are walked in time order, so the first hit is the earlier of two ambiguous instants.
                Remember(interval);
                offset = o;
                shifted = false;
                return candidate;
            }

            if (previous is not null && interval.HasStart)
            {
                var transition = interval.Start.ToUnixTimeSeconds();
                var before = previous.WallOffset.Seconds;
                if (local - before >= transition && candidate < transition)
                {
                    // In the gap: use the offset before the transition, which lands after it by the gap's length.
                    Remember(interval);
                    offset = o;
                    shifted = true;
                    return local - before;
                }
            }

            if (!interval.HasEnd || interval.End.ToUnixTimeSeconds() > local + Window)
            {
                // Unreachable for real TZDB data; fall back to the interval's own offset rather than loop.
                offset = o;
                shifted = false;
                return candidate;
            }

            previous = interval;
            interval = Zone.GetZoneInterval(interval.End);
        }
    }

    private void Remember(ZoneInterval interval)
    {
        var o = interval.WallOffset.Seconds;
        long low = long.MinValue;
        long high = long.MaxValue;
        if (interval.HasStart)
        {
            var start = interval.Start.ToUnixTimeSeconds();
            var before = Zone.GetZoneInterval(Instant.FromUnixTimeSeconds(start - 1)).WallOffset.Seconds;
            low = start + Math.Max(o, before);
        }

        if (interval.HasEnd)
        {
            var end = interval.End.ToUnixTimeSeconds();
            var after = Zone.GetZoneInterval(interval.End).WallOffset.Seconds;
            high = end + Math.Min(o, after);
        }

        safeLow = low;
        safeHigh = high;
        safeOffset = o;
    }
}
