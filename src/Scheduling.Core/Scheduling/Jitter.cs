using System.Buffers.Binary;
using System.Security.Cryptography;
using NodaTime;

namespace Scheduling.Core.Scheduling;

/// <summary>
/// Optional jitter (design.md §5): many schedules set to the same minute (09:00 is popular) would all hit their
/// integrations in the same second. A schedule with jitter starts each run a little after its occurrence, by
/// an offset in [0, jitter) that is the same every time it is computed for that schedule and occurrence
/// (a replay or a recovery does not move it), and differs across schedules and occurrences.
/// </summary>
public static class Jitter
{
    public const int MaxSeconds = 3600;

    /// <summary>When the run of <paramref name="occurrence"/> starts: the occurrence plus its offset.</summary>
    public static Instant StartOf(Guid scheduleId, Instant occurrence, int jitterSeconds) =>
        occurrence + OffsetFor(scheduleId, occurrence, jitterSeconds);

    public static Duration OffsetFor(Guid scheduleId, Instant occurrence, int jitterSeconds)
    {
        if (jitterSeconds <= 0)
        {
            return Duration.Zero;
        }
        Span<byte> input = stackalloc byte[24];
        scheduleId.TryWriteBytes(input);
        BinaryPrimitives.WriteInt64LittleEndian(input[16..], occurrence.ToUnixTimeTicks());
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(input, hash);
        var milliseconds = BinaryPrimitives.ReadUInt64LittleEndian(hash) % (ulong)(Math.Min(jitterSeconds, MaxSeconds) * 1000L);
        return Duration.FromMilliseconds((long)milliseconds);
    }
}
