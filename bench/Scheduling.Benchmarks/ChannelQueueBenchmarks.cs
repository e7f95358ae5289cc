using BenchmarkDotNet.Attributes;
using NodaTime;
using Scheduling.Core.Channels;

namespace Scheduling.Benchmarks;

/// <summary>
/// Add to queue on a crowded channel: the next free slot among 5,000 planned posts (the pure half; the server adds one
/// indexed range read of the posts). The grid has 3 slots a weekday; the posts fill them for about 6.5 years ahead, so
/// the search walks the whole plan before it finds a free slot (the worst case).
/// </summary>
[MemoryDiagnoser]
public class ChannelQueueBenchmarks
{
    private ChannelPolicy _policy = default!;
    private List<PlannedPost> _posts = default!;
    private Instant _from;

    [GlobalSetup]
    public void Setup()
    {
        var zone = DateTimeZoneProviders.Tzdb["America/New_York"];
        var times = new[] { new LocalTime(9, 0), new LocalTime(13, 0), new LocalTime(18, 0) };
        var grid = new[] { IsoDayOfWeek.Monday, IsoDayOfWeek.Tuesday, IsoDayOfWeek.Wednesday, IsoDayOfWeek.Thursday, IsoDayOfWeek.Friday }
            .SelectMany(d => times.Select(t => new PostingTime(d, t))).ToList();
        _policy = new ChannelPolicy(zone, grid, 120, 3, new HashSet<LocalDate> { new(2030, 12, 25) });
        _from = Instant.FromUtc(2030, 3, 4, 12, 0);
        _posts = [.. ChannelRules.Slots(_policy, _from, _from + Duration.FromDays(3000)).Take(5000)
            .Select((s, i) => new PlannedPost(Guid.NewGuid(), s.At, $"Post {i}"))];
    }

    [Benchmark]
    public SlotInstance? NextFreeSlot_5000Posts() => ChannelRules.NextFreeSlot(_policy, _from, _from + Duration.FromDays(3000), _posts);

    [Benchmark]
    public int CheckOneCandidate_5000Posts() => ChannelRules.Check(_policy, _from + Duration.FromDays(30), _posts).Count;
}
