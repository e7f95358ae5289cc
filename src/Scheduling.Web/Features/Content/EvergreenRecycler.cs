using Microsoft.EntityFrameworkCore;
using NodaTime;
using Scheduling.Core.Channels;
using Scheduling.Core.Scheduling;
using Scheduling.Web.Data;
using Scheduling.Web.Features.Channels;
using Scheduling.Web.Features.Executions;
using Scheduling.Web.Features.Schedules;
using Scheduling.Web.Features.Workspaces;

namespace Scheduling.Web.Features.Content;

/// <summary>
/// Evergreen recycling (a maintenance recurring job): each publication of an evergreen item on a channel that has no
/// repost after it yet gets one, in the channel's next free slot after the end of its queue and at least the item's
/// interval later (Core EvergreenRules), as a copy of the published schedule claimed like any queue add. Idempotent: a
/// pass that finds the repost already there does nothing, so a missed or doubled pass is harmless; two passes at once
/// (two nodes) cannot both place it, a unique index on (content, channel, repeat) refuses the second.
/// </summary>
public sealed class EvergreenRecycler(IDbContextFactory<AppDbContext> contexts, IServiceScopeFactory scopes, TimeProvider clock, ILogger<EvergreenRecycler> logger)
{
    /// <summary>Reposts placed per pass at most (the next pass goes on).</summary>
    public const int BatchSize = 200;

    public async Task<int> RecycleAsync(CancellationToken ct)
    {
        var now = Instant.FromDateTimeOffset(clock.GetUtcNow());
        List<Candidate> due;
        await using (var db = await contexts.CreateDbContextAsync(ct))
        {
            // Published posts (a completed run) of evergreen items with no later repost on the same channel.
            due = await db.ChannelPosts.IgnoreQueryFilters().AsNoTracking()
                .Where(p => p.ContentId != null
                    && db.ContentItems.IgnoreQueryFilters().Any(c => c.Id == p.ContentId && c.Evergreen)
                    && db.Executions.IgnoreQueryFilters().Any(e => e.ScheduleId == p.ScheduleId && e.Status == ExecutionStatus.Completed)
                    && !db.ChannelPosts.IgnoreQueryFilters().Any(n => n.ContentId == p.ContentId && n.ChannelId == p.ChannelId && n.Repeat > p.Repeat))
                .OrderBy(p => p.Id)
                .Select(p => new Candidate(p.WorkspaceId, p.ScheduleId, p.ChannelId, p.ContentId!.Value, p.Repeat))
                .Take(BatchSize)
                .ToListAsync(ct);
        }
        var placed = 0;
        foreach (var candidate in due)
        {
            try
            {
                placed += await RepostAsync(candidate, now, ct) ? 1 : 0;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogWarning(ex, "Evergreen repost of content {ContentId} on channel {ChannelId} failed; the next pass tries again.", candidate.ContentId, candidate.ChannelId);
            }
        }
        return placed;
    }

    private async Task<bool> RepostAsync(Candidate candidate, Instant now, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var services = scope.ServiceProvider;
        // The repost is written in the item's workspace, on behalf of the member who created the item.
        ContentItem? content;
        await using (var db = await contexts.CreateDbContextAsync(ct))
        {
            content = await db.ContentItems.IgnoreQueryFilters().AsNoTracking().FirstOrDefaultAsync(c => c.Id == candidate.ContentId, ct);
        }
        if (content is null)
        {
            return false;
        }
        services.GetRequiredService<WorkspaceContext>().Set(content.CreatedByUserId, candidate.WorkspaceId, "", WorkspaceRole.Admin, false);
        var scoped = services.GetRequiredService<IDbContextFactory<AppDbContext>>();
        Channel? channel;
        Schedule? published;
        DateTime? queueEnd;
        await using (var db = await scoped.CreateDbContextAsync(ct))
        {
            channel = await db.Channels.AsNoTracking().FirstOrDefaultAsync(c => c.Id == candidate.ChannelId, ct);
            published = await db.Schedules.AsNoTracking().FirstOrDefaultAsync(s => s.Id == candidate.ScheduleId, ct);
            var channelId = candidate.ChannelId;
            queueEnd = await db.Schedules.Where(s => s.ChannelId == channelId && s.ScheduleType == ScheduleType.Once && s.Status == ScheduleStatus.Active)
                .MaxAsync(s => s.NextRunAt, ct);
        }
        if (channel is null || published?.LastRunAt is not { } lastRun || channel.PostingTimes.Length == 0)
        {
            return false;
        }
        var policy = new EvergreenPolicy(content.EvergreenIntervalDays, content.EvergreenMaxRepeats,
            content.EvergreenUntil is { } until ? Instant.FromDateTimeUtc(until) : null);
        if (EvergreenRules.SearchFrom(policy, Instant.FromDateTimeUtc(lastRun), candidate.Repeat, queueEnd is { } end ? Instant.FromDateTimeUtc(end) : null,
                now + Duration.FromMinutes(1)) is not { } from)
        {
            return false;
        }
        var slot = await CheckSlotAsync(scoped, channel, from, policy, ct);
        if (slot is null)
        {
            return false;
        }
        var planner = services.GetRequiredService<ChannelPlanner>();
        var outbox = services.GetRequiredService<Events.LifecycleOutbox>();
        try
        {
            await PlaceRepostAsync(scoped, planner, outbox, channel, from, published, content, candidate, ct);
            return true;
        }
        catch (DbUpdateException)
        {
            if (!await RepostExistsAsync(candidate, ct))
            {
                throw;
            }
            // Another pass placed this repost first (its unique index refused ours): nothing is lost, nothing doubled.
            logger.LogDebug("Evergreen repost {Repeat} of content {ContentId} on channel {ChannelId} was placed by another pass.",
                candidate.Repeat + 1, candidate.ContentId, candidate.ChannelId);
            return false;
        }
    }

    private async Task PlaceRepostAsync(IDbContextFactory<AppDbContext> scoped, ChannelPlanner planner, Events.LifecycleOutbox outbox, Channel channel,
        Instant from, Schedule published, ContentItem content, Candidate candidate, CancellationToken ct)
    {
        await ChannelQueue.PlaceAsync(scoped, planner, channel, from, async (db, found) =>
        {
            var repost = Repost(published, channel, found, candidate.Repeat + 1, clock.GetUtcNow().UtcDateTime);
            await outbox.AddScheduleEventAsync(db, repost.WorkspaceId, Events.EventTypes.ScheduleCreated, ScheduleService.ToView(repost), ct);
            return repost;
        }, schedule => new ChannelPost
        {
            Id = Guid.CreateVersion7(), WorkspaceId = candidate.WorkspaceId, ScheduleId = schedule.Id, ChannelId = channel.Id,
            ContentId = content.Id, Repeat = candidate.Repeat + 1,
        }, ct);
    }

    private async Task<bool> RepostExistsAsync(Candidate candidate, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(CancellationToken.None);
        var repeat = candidate.Repeat + 1;
        return await db.ChannelPosts.IgnoreQueryFilters()
            .AnyAsync(p => p.ContentId == candidate.ContentId && p.ChannelId == candidate.ChannelId && p.Repeat == repeat, ct);
    }

    /// <summary>The slot the repost would take, or null when it falls after the item's end date.</summary>
    private static async Task<SlotInstance?> CheckSlotAsync(IDbContextFactory<AppDbContext> contexts, Channel channel, Instant from, EvergreenPolicy policy, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var slot = await ChannelQueue.NextFreeSlotAsync(db, channel, from, ChannelLimits.QueueSearchDays, ct);
        return slot is { } found && EvergreenRules.Allows(policy, found.At) ? found : null;
    }

    /// <summary>A copy of the published schedule at the new slot: the same job and delivery, once, active.</summary>
    private static Schedule Repost(Schedule published, Channel channel, SlotInstance slot, int repeat, DateTime now)
    {
        var zone = DateTimeZoneProviders.Tzdb[channel.TimeZone];
        return new Schedule
        {
            Id = Guid.CreateVersion7(),
            WorkspaceId = published.WorkspaceId,
            Name = TrimName($"{published.Name} (evergreen {repeat})"),
            Description = published.Description,
            JobType = published.JobType,
            JobConfig = published.JobConfig,
            ScheduleType = ScheduleType.Once,
            TimeZone = channel.TimeZone,
            ScheduledAt = ScheduleTiming.FormatLocal(slot.At.InZone(zone).LocalDateTime),
            Status = ScheduleStatus.Active,
            Priority = published.Priority,
            NextRunAt = slot.At.ToDateTimeUtc(),
            MissedPolicy = published.MissedPolicy,
            OverlapPolicy = published.OverlapPolicy,
            RetryStrategy = published.RetryStrategy,
            RetryMaxAttempts = published.RetryMaxAttempts,
            RetryBaseDelaySeconds = published.RetryBaseDelaySeconds,
            RetryMaxDelaySeconds = published.RetryMaxDelaySeconds,
            TimeoutSeconds = published.TimeoutSeconds,
            WebhookUrl = published.WebhookUrl,
            TitleTemplate = published.TitleTemplate,
            ChannelId = channel.Id,
            CreatedByUserId = published.CreatedByUserId,
            CreatedAt = now,
            UpdatedAt = now,
        };
    }

    private static string TrimName(string name) => name.Length <= ScheduleLimits.MaxNameLength ? name : name[..ScheduleLimits.MaxNameLength];

    private sealed record Candidate(Guid WorkspaceId, Guid ScheduleId, Guid ChannelId, Guid ContentId, int Repeat);
}
