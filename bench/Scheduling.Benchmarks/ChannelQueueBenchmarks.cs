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

    /// <summary>
    /// What the server's first window holds when 5 000 posts are spread over the year with a free slot within days
    /// (ChannelQueue reads 7 days ± 26 h first): the posts of that window only, every third slot free.
    /// </summary>
    private List<PlannedPost> _firstWindow = default!;

    [GlobalSetup(Target = nameof(NextFreeSlot_FirstWindowOfA5000PostYear))]
    public void SetupWindow()
    {
        Setup();
        var until = _from + Duration.FromDays(7) + Duration.FromHours(26);
        _firstWindow = [.. ChannelRules.Slots(_policy, _from, until).Where((s, i) => i % 3 != 2).Select((s, i) => new PlannedPost(Guid.NewGuid(), s.At, $"Post {i}"))];
    }

    [Benchmark]
    public SlotInstance? NextFreeSlot_FirstWindowOfA5000PostYear() => ChannelRules.NextFreeSlot(_policy, _from, _from + Duration.FromDays(7), _firstWindow);

    [Benchmark]
    public SlotInstance? NextFreeSlot_5000Posts() => ChannelRules.NextFreeSlot(_policy, _from, _from + Duration.FromDays(3000), _posts);

    [Benchmark]
    public int CheckOneCandidate_5000Posts() => ChannelRules.Check(_policy, _from + Duration.FromDays(30), _posts).Count;
}
