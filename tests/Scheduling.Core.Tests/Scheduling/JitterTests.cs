using NodaTime;
using Scheduling.Core.Scheduling;

namespace Scheduling.Core.Tests.Scheduling;

public class JitterTests
{
    private static readonly Instant NineOClock = Instant.FromUtc(2030, 3, 4, 9, 0);

    /// <summary>SHA-256 of the schedule id and the occurrence, modulo the window: pinned so a change is seen.</summary>
    private const long ExpectedMilliseconds = 200_404;

    [Fact]
    public void OffsetFor_NoJitter_IsZero()
    {
        Assert.Equal(Duration.Zero, Jitter.OffsetFor(Guid.NewGuid(), NineOClock, 0));
    }

    [Fact]
    public void OffsetFor_SameScheduleAndOccurrence_IsTheSameEveryTime()
    {
        var schedule = Guid.Parse("0193a0b2-7c4e-7d11-9a3f-2b4c5d6e7f80");

        var offset = Jitter.OffsetFor(schedule, NineOClock, 300);

        Assert.Equal(offset, Jitter.OffsetFor(Guid.Parse(schedule.ToString()), Instant.FromUtc(2030, 3, 4, 9, 0), 300));
        // Another process (another node, a restart) computes the same: no randomized hash codes.
        Assert.Equal(Duration.FromMilliseconds(ExpectedMilliseconds), offset);
    }

    [Fact]
    public void OffsetFor_ManySchedulesSharingAMinute_StayInRangeAndSpreadOverIt()
    {
        var offsets = Enumerable.Range(0, 2000).Select(_ => Jitter.OffsetFor(Guid.NewGuid(), NineOClock, 60)).ToList();

        Assert.All(offsets, o => Assert.InRange(o, Duration.Zero, Duration.FromSeconds(60) - Duration.Epsilon));
        // Spread: every 6-second tenth of the window gets a fair share (expected 200 each).
        var tenths = offsets.GroupBy(o => (int)(o.TotalSeconds / 6)).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(10, tenths.Count);
        Assert.All(tenths.Values, count => Assert.InRange(count, 120, 280));
    }

    [Fact]
    public void OffsetFor_OneSchedule_DiffersAcrossOccurrences()
    {
        var schedule = Guid.NewGuid();
        var offsets = Enumerable.Range(0, 50).Select(day => Jitter.OffsetFor(schedule, NineOClock + Duration.FromDays(day), 600)).Distinct().Count();

        Assert.True(offsets > 45, $"{offsets} distinct offsets for 50 occurrences");
    }

    [Fact]
    public void OffsetFor_MoreThanTheMaximum_IsCappedAtAnHour()
    {
        Assert.All(Enumerable.Range(0, 200).Select(_ => Jitter.OffsetFor(Guid.NewGuid(), NineOClock, int.MaxValue)),
            o => Assert.True(o < Duration.FromSeconds(Jitter.MaxSeconds)));
    }
}
