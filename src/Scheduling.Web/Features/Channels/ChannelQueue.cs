using Microsoft.EntityFrameworkCore;
using NodaTime;
using Scheduling.Core.Channels;
using Scheduling.Core.Scheduling;
using Scheduling.Web.Api;
using Scheduling.Web.Data;
using Scheduling.Web.Features.Schedules;

namespace Scheduling.Web.Features.Channels;

/// <summary>A schedule placed in a queue slot, with the warnings its channel's rules gave.</summary>
public sealed record QueuePlacement(Schedule Schedule, SlotInstance Slot, IReadOnlyList<RuleWarning> Warnings);

/// <summary>
/// Puts posts into a channel's next free posting slot (add to queue, independent waves, evergreen reposts), decision 0023:
/// the search reads only a window of the channel's posts and grows it while no slot is free, so its cost follows
/// what is needed rather than the horizon; the slot is claimed by a unique row (channel, slot) saved with the
/// schedule, so two simultaneous adds cannot take the same slot: the one that loses looks again.
/// </summary>
public static class ChannelQueue
{
    /// <summary>
    /// Attempts of one add when other adds keep taking the slot it found: n simultaneous adds to one channel need up to n
    /// (each round one of them wins), so this bounds the burst one channel absorbs before a 409 asks to try again.
    /// </summary>
    public const int MaxAttempts = 32;

    /// <summary>The first window searched; each next one is four times as long.</summary>
    public const int FirstWindowDays = 7;

    /// <summary>
    /// The first slot at or after <paramref name="from"/> within <paramref name="maxDays"/> days that breaks no blocking rule
    /// with the channel's posts, planned or claimed (drafts awaiting approval hold their slot); null when there is none.
    /// </summary>
    public static async Task<SlotInstance?> NextFreeSlotAsync(AppDbContext db, Channel channel, Instant from, int maxDays, CancellationToken ct)
    {
        var policy = ChannelPlanner.PolicyOf(channel);
        if (policy.PostingTimes.Count == 0)
        {
            return null;
        }
        var limit = from + Duration.FromDays(maxDays);
        // The gap reaches either side of a slot, and the daily maximum counts the slot's whole local day (at most 25 h).
        var reach = Duration.Max(Duration.FromMinutes(channel.MinGapMinutes), Duration.FromHours(26));
        for (var days = FirstWindowDays; ; days *= 4)
        {
            var until = Instant.Min(from + Duration.FromDays(days), limit);
            var posts = await OccupiedAsync(db, channel, from - reach, until + reach, ct);
            if (ChannelRules.NextFreeSlot(policy, from, until, posts) is { } slot)
            {
                return slot;
            }
            if (until >= limit)
            {
                return null;
            }
        }
    }

    /// <summary>The channel's planned posts in the window, and the slots claimed by schedules not planned yet (drafts, in review).</summary>
    public static async Task<List<PlannedPost>> OccupiedAsync(AppDbContext db, Channel channel, Instant from, Instant until, CancellationToken ct)
    {
        var posts = (await ChannelPlanner.PostsAsync(db, channel, from, until, null, ct)).ToList();
        var start = from.ToDateTimeUtc();
        var end = until.ToDateTimeUtc();
        var channelId = channel.Id;
        var claimed = await db.ChannelPosts.AsNoTracking()
            .Where(p => p.ChannelId == channelId && p.SlotAt >= start && p.SlotAt < end)
            .Join(db.Schedules, p => p.ScheduleId, s => s.Id, (p, s) => new { p.ScheduleId, p.SlotAt, s.Name, s.Status })
            .Where(x => x.Status == ScheduleStatus.Draft || x.Status == ScheduleStatus.InReview)
            .ToListAsync(ct);
        posts.AddRange(claimed.Select(c => new PlannedPost(c.ScheduleId, Instant.FromDateTimeUtc(c.SlotAt!.Value), c.Name)));
        return posts;
    }

    /// <summary>
    /// Frees a claim of <paramref name="slot"/> whose schedule no longer posts there (cancelled, ended, or moved elsewhere):
    /// the rules let the slot be taken again, so the unique claim must too.
    /// </summary>
    public static Task ReleaseStaleClaimAsync(AppDbContext db, Guid channelId, Instant slot, CancellationToken ct)
    {
        var at = slot.ToDateTimeUtc();
        return db.ChannelPosts.Where(p => p.ChannelId == channelId && p.SlotAt == at
                && db.Schedules.Any(s => s.Id == p.ScheduleId && (s.Status == ScheduleStatus.Cancelled
                    || (s.NextRunAt != null && s.NextRunAt != at) || (s.NextRunAt == null && s.LastRunAt != null && s.LastRunAt != at))))
            .ExecuteUpdateAsync(set => set.SetProperty(p => p.SlotAt, (DateTime?)null), ct);
    }

    /// <summary>
    /// Places one schedule, built by <paramref name="build"/> for the slot found, into the channel's next free slot from
    /// <paramref name="from"/>, and saves it with its claim (and whatever <paramref name="build"/> added to the context) in one commit.
    /// A lost race for the slot (the claim's unique index) is retried with a fresh look.
    /// </summary>
    public static async Task<QueuePlacement> PlaceAsync(IDbContextFactory<AppDbContext> contexts, ChannelPlanner planner, Channel channel, Instant from,
        Func<AppDbContext, SlotInstance, Task<Schedule>> build, Func<Schedule, ChannelPost> claim, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            await using var db = await contexts.CreateDbContextAsync(ct);
            var slot = await NextFreeSlotAsync(db, channel, from, ChannelLimits.QueueSearchDays, ct)
                ?? throw new ConflictException(ChannelPlanner.PolicyOf(channel).PostingTimes.Count == 0
                    ? $"Channel '{channel.Name}' has no posting times: add some to its weekly grid first."
                    : $"Channel '{channel.Name}' has no free posting slot in the next {ChannelLimits.QueueSearchDays} days.");
            var schedule = await build(db, slot);
            schedule.ChannelId = channel.Id;
            var warnings = await planner.CheckAsync(db, channel, [slot.At], null, ct);
            await ReleaseStaleClaimAsync(db, channel.Id, slot.At, ct);
            db.Schedules.Add(schedule);
            var post = claim(schedule);
            post.SlotAt = slot.At.ToDateTimeUtc();
            db.ChannelPosts.Add(post);
            try
            {
                await db.SaveChangesAsync(ct);
                return new QueuePlacement(schedule, slot, warnings);
            }
            catch (DbUpdateException)
            {
                // Another add claimed this slot first: look again (its post is committed, so the next look skips the slot).
                if (!await SlotTakenAsync(contexts, channel.Id, slot.At, ct))
                {
                    throw;
                }
                if (attempt >= MaxAttempts)
                {
                    throw new ConflictException($"Channel '{channel.Name}' is taking many posts at this moment: try again.");
                }
            }
        }
    }

    private static async Task<bool> SlotTakenAsync(IDbContextFactory<AppDbContext> contexts, Guid channelId, Instant slot, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var at = slot.ToDateTimeUtc();
        return await db.ChannelPosts.IgnoreQueryFilters().AnyAsync(p => p.ChannelId == channelId && p.SlotAt == at, ct);
    }
}
