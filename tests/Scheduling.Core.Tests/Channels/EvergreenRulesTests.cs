using NodaTime;
using Scheduling.Core.Channels;

namespace Scheduling.Core.Tests.Channels;

/// <summary>Evergreen recycling over long ranges: interval, end of the queue, repeat limit and end date, across DST changes.</summary>
public class EvergreenRulesTests
{
    private static readonly DateTimeZone Paris = DateTimeZoneProviders.Tzdb["Europe/Paris"];

    // Tuesday and Friday at 09:00 in Paris, at most one post a day, 12 hours apart.
    private static readonly ChannelPolicy Blog = new(Paris,
        [new PostingTime(IsoDayOfWeek.Tuesday, new LocalTime(9, 0)), new PostingTime(IsoDayOfWeek.Friday, new LocalTime(9, 0))],
        12 * 60, 1, new HashSet<LocalDate> { new(2027, 12, 24), new(2027, 12, 28) });

    private static Instant At(int y, int m, int d, int h = 9) => Paris.AtStrictly(new LocalDateTime(y, m, d, h, 0)).ToInstant();

    /// <summary>Publishes the item again and again (each repost "runs" at its slot), as the recycler would, from the first post on.</summary>
    private static List<Instant> Recycle(EvergreenPolicy policy, Instant first, List<PlannedPost> others, int maxPasses = 10_000)
    {
        var published = new List<Instant> { first };
        for (var pass = 0; pass < maxPasses; pass++)
        {
            var last = published[^1];
            var queueEnd = others.Count == 0 ? (Instant?)null : others.Max(o => o.At);
            // "now" is the moment of the last publication: the recycler runs just after it.
            if (EvergreenRules.SearchFrom(policy, last, published.Count - 1, queueEnd, last) is not { } from)
            {
                break;
            }
            var slot = ChannelRules.NextFreeSlot(Blog, from, from + Duration.FromDays(366), others);
            if (slot is not { } found || !EvergreenRules.Allows(policy, found.At))
            {
                break;
            }
            published.Add(found.At);
        }
        return published;
    }

    [Fact]
    public void OverThreeYears_RepostsEveryIntervalInAFreeSlot_UntilTheEndDate_DstCorrect()
    {
        var until = At(2029, 1, 1, 0);
        var posts = Recycle(new EvergreenPolicy(30, null, until), At(2026, 1, 6), []);

        // Every repost is at least 30 days after the one before, on a posting slot at 09:00 local (winter and summer time),
        // never on a blackout date, and all before the end date; about 3 years / 30+ days of them.
        Assert.InRange(posts.Count, 30, 38);
        Assert.All(posts.Zip(posts.Skip(1)), pair => Assert.True(pair.Second - pair.First >= Duration.FromDays(30), $"{pair.First} → {pair.Second}"));
        Assert.All(posts, p => Assert.Equal(new LocalTime(9, 0), p.InZone(Paris).TimeOfDay));
        Assert.All(posts, p => Assert.Contains(p.InZone(Paris).DayOfWeek, new[] { IsoDayOfWeek.Tuesday, IsoDayOfWeek.Friday }));
        Assert.All(posts, p => Assert.DoesNotContain(p.InZone(Paris).Date, Blog.Blackouts));
        Assert.True(posts[^1] < until);
        // Both offsets were met: +01:00 in winter, +02:00 in summer.
        Assert.Equal(2, posts.Select(p => p.InZone(Paris).Offset).Distinct().Count());
        // Each repost is the first free slot after the interval (nothing is skipped for no reason).
        foreach (var (before, after) in posts.Zip(posts.Skip(1)))
        {
            Assert.Equal(ChannelRules.NextFreeSlot(Blog, before + Duration.FromDays(30), before + Duration.FromDays(400), [])!.Value.At, after);
        }
    }

    [Fact]
    public void MaxRepeats_StopsAfterThatManyReposts()
    {
        var posts = Recycle(new EvergreenPolicy(7, 5, null), At(2026, 1, 6), []);
        Assert.Equal(6, posts.Count); // the first post and 5 reposts
    }

    [Fact]
    public void RepostGoesToTheEndOfTheQueue_AfterTheLastPlannedPost_AndBlackoutsAreSkipped()
    {
        // The queue is planned until Tuesday 28 December 2027 (a blackout date itself, but planned before it became one).
        var planned = new List<PlannedPost> { new(Guid.NewGuid(), At(2027, 12, 21), "Queued A"), new(Guid.NewGuid(), At(2027, 12, 28, 10), "Queued B") };
        var from = EvergreenRules.SearchFrom(new EvergreenPolicy(1, null, null), At(2027, 12, 10), 0, planned.Max(p => p.At), At(2027, 12, 10));
        Assert.Equal(At(2027, 12, 28, 10) + Duration.FromSeconds(1), from);
        var slot = ChannelRules.NextFreeSlot(Blog, from!.Value, from.Value + Duration.FromDays(30), planned);
        Assert.Equal(At(2027, 12, 31), slot!.Value.At);
    }

    [Fact]
    public void EndDate_BeforeTheIntervalEnds_MeansNoRepost()
    {
        Assert.Null(EvergreenRules.SearchFrom(new EvergreenPolicy(30, null, At(2026, 2, 1, 0)), At(2026, 1, 6), 0, null, At(2026, 1, 6)));
        Assert.Null(EvergreenRules.SearchFrom(new EvergreenPolicy(30, 3, null), At(2026, 1, 6), 3, null, At(2026, 1, 6)));
        Assert.Equal(At(2026, 2, 5), EvergreenRules.SearchFrom(new EvergreenPolicy(30, 3, null), At(2026, 1, 6), 2, null, At(2026, 1, 6)));
    }
}
