using Scheduling.Core.Recurrence;
using static Scheduling.Core.Tests.TestSupport;

namespace Scheduling.Core.Tests.Recurrence;

public class OccurrenceAllocationTests
{
    [Fact]
    public void Occurrences_ManyVersusFewInUtc_AllocateTheSameFixedAmount()
    {
        var set = Set("FREQ=HOURLY", "2026-01-01T00:00:00", "UTC");
        Walk(set, 10); // JIT warm-up

        var few = Measure(set, 100);
        var many = Measure(set, 20_000);

        Assert.InRange(many - few, -256, 256);
        Assert.True(many < 16 * 1024, $"allocated {many} bytes");
    }

    [Fact]
    public void Occurrences_AcrossDstTransitions_AllocateOnlyPerTransition()
    {
        var set = Set("FREQ=HOURLY", "2026-01-01T00:00:00", "America/New_York");
        Walk(set, 10);

        var few = Measure(set, 100);
        var many = Measure(set, 20_000);

        // NodaTime builds and caches each zone interval the first time it is asked for (a few hundred bytes per
        // DST transition, ~5 here); nothing is allocated per occurrence.
        Assert.True((many - few) / (20_000.0 - 100) < 0.25, $"{many - few} extra bytes");
    }

    private static long Measure(RecurrenceSet set, int count)
    {
        var before = GC.GetAllocatedBytesForCurrentThread();
        Walk(set, count);
        return GC.GetAllocatedBytesForCurrentThread() - before;
    }

    private static long Walk(RecurrenceSet set, int count)
    {
        long sum = 0;
        var n = 0;
        foreach (var o in set.Occurrences())
        {
            sum += o.Instant.ToUnixTimeSeconds();
            if (++n == count)
            {
                break;
            }
        }

        return sum;
    }
}
