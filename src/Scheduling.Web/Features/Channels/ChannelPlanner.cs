using Microsoft.EntityFrameworkCore;
using NodaTime;
using Scheduling.Core.Channels;
using Scheduling.Core.Common;
using Scheduling.Core.Recurrence;
using Scheduling.Core.Scheduling;
using Scheduling.Web.Api;
using Scheduling.Web.Data;
using Scheduling.Web.Features.Schedules;

namespace Scheduling.Web.Features.Channels;

/// <summary>A broken channel rule a write went through with (conflict mode warn), shown before the user confirms.</summary>
public sealed record RuleWarning(string Code, string Message, Guid? ScheduleId);

/// <summary>What a write would meet on a channel: <see cref="Conflicts"/> refuse it (block mode), <see cref="Warnings"/> go through with it.</summary>
public sealed record ChannelCheck(IReadOnlyList<RuleWarning> Conflicts, IReadOnlyList<RuleWarning> Warnings);

/// <summary>
/// The database half of <see cref="ChannelRules"/>: reads a channel's planned posts around the times to check and
/// applies its conflict mode. Every write that puts a post on a channel calls it (schedule create and update,
/// add to queue, occurrence moves; waves and bulk changes next), so the rules are checked in one place.
/// </summary>
public sealed class ChannelPlanner(TimeProvider clock)
{
    /// <summary>A recurring schedule is checked on its occurrences within this horizon (at most <see cref="MaxCheckedOccurrences"/>).</summary>
    public static readonly Duration RecurringHorizon = Duration.FromDays(31);
    public const int MaxCheckedOccurrences = 62;

    private Instant Now => Instant.FromDateTimeOffset(clock.GetUtcNow());

    public static ChannelPolicy PolicyOf(Channel channel) => new(
        DateTimeZoneProviders.Tzdb[channel.TimeZone],
        ChannelText.ParsePostingTimes(channel.PostingTimes),
        channel.MinGapMinutes,
        channel.MaxPerDay,
        ChannelText.ParseDates(channel.BlackoutDates).Concat(ChannelText.ParseDates(channel.ImportedBlackoutDates)).ToHashSet());

    /// <summary>The channel of the current workspace, or a 400 naming <paramref name="field"/> (another workspace's id is unknown here).</summary>
    public static async Task<Channel> ChannelForScheduleAsync(AppDbContext db, Guid channelId, string field, CancellationToken ct) =>
        await db.Channels.AsNoTracking().FirstOrDefaultAsync(c => c.Id == channelId, ct)
        ?? throw new RequestValidationException(field, "No such channel in this workspace.");

    /// <summary>
    /// Checks a schedule's timing against its channel: a one-time post in the past is a 400; a broken rule is a 409 in
    /// block mode (naming the other schedule) and a warning in warn mode. Returns the warnings.
    /// </summary>
    public async Task<IReadOnlyList<RuleWarning>> CheckScheduleAsync(AppDbContext db, Channel channel, ScheduleTiming timing, Guid? scheduleId, CancellationToken ct)
    {
        var now = Now;
        List<Instant> candidates;
        if (timing.Type == ScheduleType.Once)
        {
            var at = timing.NextAtOrAfter(Instant.MinValue)!.Value;
            if (at < now)
            {
                throw new RequestValidationException("scheduledAt", "The time is in the past: a post on a channel must be in the future.");
            }
            candidates = [at];
        }
        else
        {
            candidates = [.. timing.Set!.OccurrencesAfter(now, inclusive: true).Select(o => o.Instant)
                .TakeWhile(i => i < now + RecurringHorizon).Take(MaxCheckedOccurrences)];
        }
        return await CheckAsync(db, channel, candidates, scheduleId, ct);
    }

    /// <summary>Checks posts at <paramref name="candidates"/> (of one schedule, <paramref name="scheduleId"/>, left out of the others).</summary>
    public async Task<IReadOnlyList<RuleWarning>> CheckAsync(AppDbContext db, Channel channel, IReadOnlyList<Instant> candidates, Guid? scheduleId, CancellationToken ct)
    {
        if (candidates.Count == 0)
        {
            return [];
        }
        var policy = PolicyOf(channel);
        // Same local day and the gap either side (a day is at most 25 hours).
        var reach = Duration.Max(Duration.FromMinutes(channel.MinGapMinutes), Duration.FromHours(26));
        var others = await PostsAsync(db, channel, candidates.Min() - reach, candidates.Max() + reach, scheduleId, ct);
        return Apply(channel, policy, candidates, others);
    }

    /// <summary>
    /// Checks one post of schedule <paramref name="scheduleId"/> moved to <paramref name="to"/> (a calendar drag, "move to...",
    /// the occurrence move API). Unlike a whole schedule's check, the schedule's own other posts count (a daily maximum
    /// or a gap with its next occurrence); only the post it leaves, <paramref name="vacated"/>, does not.
    /// </summary>
    public async Task<IReadOnlyList<RuleWarning>> CheckMoveAsync(AppDbContext db, Channel channel, Instant to, Guid scheduleId, Instant? vacated, CancellationToken ct)
    {
        var reach = Duration.Max(Duration.FromMinutes(channel.MinGapMinutes), Duration.FromHours(26));
        var posts = await PostsAsync(db, channel, to - reach, to + reach, except: null, ct);
        var others = posts.Where(p => !(p.ScheduleId == scheduleId && p.At == vacated)).ToList();
        return Apply(channel, PolicyOf(channel), [to], others);
    }

    /// <summary>
    /// What saving a schedule's timing on the channel would meet, without refusing anything: the conflicts that would
    /// block it (409) and the warnings it would carry. The schedule editor shows them before the user saves.
    /// </summary>
    public async Task<ChannelCheck> PreviewScheduleAsync(AppDbContext db, Channel channel, ScheduleTiming timing, Guid? scheduleId, CancellationToken ct)
    {
        var now = Now;
        if (timing.Type == ScheduleType.Once && timing.NextAtOrAfter(Instant.MinValue)!.Value < now)
        {
            throw new RequestValidationException("scheduledAt", "The time is in the past: a post on a channel must be in the future.");
        }
        List<Instant> candidates = timing.Type == ScheduleType.Once
            ? [timing.NextAtOrAfter(Instant.MinValue)!.Value]
            : timing.Set!.OccurrencesAfter(now, inclusive: true).Select(o => o.Instant)
                .TakeWhile(i => i < now + RecurringHorizon).Take(MaxCheckedOccurrences).ToList();
        if (candidates.Count == 0)
        {
            return new ChannelCheck([], []);
        }
        var reach = Duration.Max(Duration.FromMinutes(channel.MinGapMinutes), Duration.FromHours(26));
        var others = await PostsAsync(db, channel, candidates.Min() - reach, candidates.Max() + reach, scheduleId, ct);
        return Evaluate(channel, PolicyOf(channel), candidates, others);
    }

    /// <summary>
    /// What one post on each of several channels would meet (a wave), without refusing anything: one read of the
    /// channels' planned posts around all the times, instead of one per channel. Answers in the order of <paramref name="posts"/>.
    /// </summary>
    public async Task<IReadOnlyList<ChannelCheck>> PreviewManyAsync(AppDbContext db, IReadOnlyList<(Channel Channel, Instant At)> posts, CancellationToken ct)
    {
        if (posts.Count == 0)
        {
            return [];
        }
        var reach = posts.Select(p => Duration.Max(Duration.FromMinutes(p.Channel.MinGapMinutes), Duration.FromHours(26))).Max();
        var byChannel = await PostsOfChannelsAsync(db, [.. posts.Select(p => p.Channel.Id).Distinct()], posts.Min(p => p.At) - reach, posts.Max(p => p.At) + reach, except: null, ct);
        return [.. posts.Select(p => Evaluate(p.Channel, PolicyOf(p.Channel), [p.At], byChannel.GetValueOrDefault(p.Channel.Id) ?? []))];
    }

    /// <summary>As <see cref="PreviewManyAsync"/>, refusing in block mode: the first channel with a conflict is a 409 naming it and the rule.</summary>
    public async Task<IReadOnlyList<RuleWarning>> CheckManyAsync(AppDbContext db, IReadOnlyList<(Channel Channel, Instant At)> posts, CancellationToken ct)
    {
        var checks = await PreviewManyAsync(db, posts, ct);
        for (var i = 0; i < checks.Count; i++)
        {
            if (checks[i].Conflicts.Count > 0)
            {
                throw new ConflictException($"Channel '{posts[i].Channel.Name}' blocks this post: {checks[i].Conflicts[0].Message}");
            }
        }
        return [.. checks.SelectMany(c => c.Warnings)];
    }

    /// <summary>The channel's conflict mode on the rules' answer: block → 409 naming the channel and the rule, warn → the warnings.</summary>
    private static IReadOnlyList<RuleWarning> Apply(Channel channel, ChannelPolicy policy, IReadOnlyList<Instant> candidates, IReadOnlyList<PlannedPost> others)
    {
        var check = Evaluate(channel, policy, candidates, others);
        return check.Conflicts.Count > 0
            ? throw new ConflictException($"Channel '{channel.Name}' blocks this post: {check.Conflicts[0].Message}")
            : check.Warnings;
    }

    /// <summary>Each broken rule once (by code and other schedule): blocking ones in the channel's mode as conflicts, the rest as warnings.</summary>
    private static ChannelCheck Evaluate(Channel channel, ChannelPolicy policy, IReadOnlyList<Instant> candidates, IReadOnlyList<PlannedPost> others)
    {
        var conflicts = new List<RuleWarning>();
        var warnings = new List<RuleWarning>();
        foreach (var candidate in candidates)
        {
            foreach (var conflict in ChannelRules.Check(policy, candidate, others))
            {
                var list = conflict.Blocks(channel.ConflictMode) ? conflicts : warnings;
                var found = new RuleWarning(conflict.Code.ToWire(), conflict.Message, conflict.ScheduleId);
                if (!list.Any(w => w.Code == found.Code && w.ScheduleId == found.ScheduleId))
                {
                    list.Add(found);
                }
            }
        }
        return new ChannelCheck(conflicts, warnings);
    }

    /// <summary>
    /// The planned posts of several channels in [<paramref name="from"/>, <paramref name="until"/>), by channel, in two
    /// reads whatever their number: one-time schedules by their time (an index range on ChannelId + NextRunAt), recurring
    /// ones expanded in the window; cancelled ones and <paramref name="except"/> left out.
    /// </summary>
    private static async Task<Dictionary<Guid, List<PlannedPost>>> PostsOfChannelsAsync(AppDbContext db, IReadOnlyList<Guid> channelIds, Instant from, Instant until, Guid? except, CancellationToken ct)
    {
        var start = from.ToDateTimeUtc();
        var end = until.ToDateTimeUtc();
        var once = await db.Schedules.AsNoTracking()
            .Where(s => s.ChannelId != null && channelIds.Contains(s.ChannelId.Value) && s.Id != except && s.ScheduleType == ScheduleType.Once && s.Status != ScheduleStatus.Cancelled
                && ((s.NextRunAt >= start && s.NextRunAt < end) || (s.NextRunAt == null && s.LastRunAt >= start && s.LastRunAt < end)))
            .Select(s => new { s.Id, s.Name, ChannelId = s.ChannelId!.Value, At = s.NextRunAt ?? s.LastRunAt })
            .ToListAsync(ct);
        var posts = channelIds.Distinct().ToDictionary(id => id, _ => new List<PlannedPost>());
        foreach (var s in once)
        {
            posts[s.ChannelId].Add(new PlannedPost(s.Id, Instant.FromDateTimeUtc(s.At!.Value), s.Name));
        }
        var recurring = await db.Schedules.AsNoTracking().Include(s => s.Exceptions)
            .Where(s => s.ChannelId != null && channelIds.Contains(s.ChannelId.Value) && s.Id != except && s.ScheduleType == ScheduleType.Recurring
                && (s.Status == ScheduleStatus.Active || s.Status == ScheduleStatus.Paused) && s.NextRunAt != null && s.NextRunAt < end)
            .ToListAsync(ct);
        foreach (var schedule in recurring)
        {
            var timing = ScheduleTiming.FromSchedule(schedule);
            var first = Instant.Max(from, Instant.FromDateTimeUtc(schedule.NextRunAt!.Value));
            posts[schedule.ChannelId!.Value].AddRange(timing.Set!.OccurrencesAfter(first, inclusive: true).TakeWhile(o => o.Instant < until).Take(10_000)
                .Select(o => new PlannedPost(schedule.Id, o.Instant, schedule.Name)));
        }
        return posts;
    }

    /// <summary>The channel's planned posts in [<paramref name="from"/>, <paramref name="until"/>), as <see cref="PostsOfChannelsAsync"/>.</summary>
    public static async Task<IReadOnlyList<PlannedPost>> PostsAsync(AppDbContext db, Channel channel, Instant from, Instant until, Guid? except, CancellationToken ct) =>
        (await PostsOfChannelsAsync(db, [channel.Id], from, until, except, ct))[channel.Id];
}
