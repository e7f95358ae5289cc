using NodaTime;
using Scheduling.Core.Recurrence.Expansion;

namespace Scheduling.Core.Recurrence;

/// <summary>
/// One occurrence of a recurrence: its wall time in the schedule's zone, the instant, and the offset in force.
/// Stored as three numbers so that producing one allocates nothing; the NodaTime values are built on access.
/// </summary>
public readonly struct Occurrence : IEquatable<Occurrence>
{
    private readonly long localSeconds;
    private readonly long instantSeconds;
    private readonly int offsetSeconds;
    private readonly long originalLocalSeconds;
    private readonly bool moved;
    private readonly bool dstShifted;

    internal Occurrence(long localSeconds, long instantSeconds, int offsetSeconds, bool dstShifted = false)
    {
        this.localSeconds = localSeconds;
        this.instantSeconds = instantSeconds;
        this.offsetSeconds = offsetSeconds;
        originalLocalSeconds = localSeconds;
        moved = false;
        this.dstShifted = dstShifted;
    }

    internal Occurrence(long localSeconds, long instantSeconds, int offsetSeconds, long originalLocalSeconds)
    {
        this.localSeconds = localSeconds;
        this.instantSeconds = instantSeconds;
        this.offsetSeconds = offsetSeconds;
        this.originalLocalSeconds = originalLocalSeconds;
        moved = true;
    }

    /// <summary>Wall-clock time in the schedule's zone (after DST adjustment: a time in a spring-forward gap shows the shifted time).</summary>
    public LocalDateTime Local => Civil.ToLocalDateTime(localSeconds);

    public Instant Instant => Instant.FromUnixTimeSeconds(instantSeconds);

    public Offset Offset => Offset.FromSeconds(offsetSeconds);

    public OffsetDateTime OffsetDateTime => new(Local, Offset);

    /// <summary>True when an <see cref="OccurrenceOverride"/> moved this occurrence; <see cref="OriginalLocal"/> says from where.</summary>
    public bool IsMoved => moved;

    public LocalDateTime OriginalLocal => Civil.ToLocalDateTime(originalLocalSeconds);

    /// <summary>True when the rule asked for a wall time that a DST gap skips (02:30 on a spring-forward day): <see cref="Local"/> is the shifted time (03:30).</summary>
    public bool IsDstShifted => dstShifted;

    internal long LocalSeconds => localSeconds;

    internal long InstantSeconds => instantSeconds;

    public bool Equals(Occurrence other) =>
        localSeconds == other.localSeconds && instantSeconds == other.instantSeconds && offsetSeconds == other.offsetSeconds
        && moved == other.moved && originalLocalSeconds == other.originalLocalSeconds && dstShifted == other.dstShifted;

    public override bool Equals(object? obj) => obj is Occurrence o && Equals(o);

    public override int GetHashCode() => HashCode.Combine(localSeconds, instantSeconds, offsetSeconds);

    public static bool operator ==(Occurrence left, Occurrence right) => left.Equals(right);

    public static bool operator !=(Occurrence left, Occurrence right) => !left.Equals(right);

    public override string ToString() => OffsetDateTime.ToString("uuuu-MM-dd'T'HH:mm:sso<Z+HH:mm>", System.Globalization.CultureInfo.InvariantCulture);
}
