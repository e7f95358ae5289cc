using Microsoft.EntityFrameworkCore;
using NodaTime;
using NodaTime.Text;
using Scheduling.Core.Channels;
using Scheduling.Core.Common;
using Scheduling.Web.Api;
using Scheduling.Web.Data;
using Scheduling.Web.Features.Channels;
using Scheduling.Web.Features.Schedules;
using Scheduling.Web.Features.Workspaces;

namespace Scheduling.Web.Features.Planning;

public sealed record PlanningConflict(Guid ChannelId, string ChannelName, Guid ScheduleId, string Name, DateTime At, string Local, string Code, string Message, Guid? OtherScheduleId, bool Blocking);

public sealed record SlotSuggestion(Guid ChannelId, DateTime Utc, string Local, bool OnGrid, bool PreferredHour);

public sealed record ChannelGaps(Guid ChannelId, string ChannelName, IReadOnlyList<string> Days);

public sealed record WeekUtilisation(string WeekStart, int Slots, int Filled, int Percent);

public sealed record ChannelUtilisation(Guid ChannelId, string ChannelName, string Color, IReadOnlyList<WeekUtilisation> Weeks);

/// <summary>
/// The planning helpers over a range of days (at most <see cref="MaxRangeDays"/>): every rule broken by planned posts,
/// the best free slots of a channel, the days without content, and the use of each channel's posting slots per week.
/// Dates are local dates of each channel; every list reads the channel's posts once (ChannelPlanner.PostsAsync).
/// </summary>
public sealed class PlanningService(IDbContextFactory<AppDbContext> contexts, WorkspaceContext current, TimeProvider clock)
{
    public const int MaxRangeDays = 92;
    public const int MaxSuggestions = 50;
    public const int MaxChannels = 100;

    private Instant Now => Instant.FromDateTimeOffset(clock.GetUtcNow());

    public async Task<IReadOnlyList<PlanningConflict>> ConflictsAsync(string? startDate, string? endDate, Guid? channelId, CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var channels = await ChannelsAsync(db, channelId, ct);
        var (start, end) = Range(startDate, endDate);
        var result = new List<PlanningConflict>();
        foreach (var channel in channels)
        {
            var policy = ChannelPlanner.PolicyOf(channel);
            var (from, until) = Window(policy.Zone, start, end);
            var reach = Duration.Max(Duration.FromMinutes(channel.MinGapMinutes), Duration.FromHours(26));
            var posts = await ChannelPlanner.PostsAsync(db, channel, from - reach, until + reach, null, ct);
            foreach (var post in posts.Where(p => p.At >= from && p.At < until).OrderBy(p => p.At))
            {
                // The post against the others: itself (same schedule, same instant) left out.
                var others = posts.Where(o => !(o.ScheduleId == post.ScheduleId && o.At == post.At)).ToList();
                foreach (var conflict in ChannelRules.Check(policy, post.At, others))
                {
                    result.Add(new PlanningConflict(channel.Id, channel.Name, post.ScheduleId, post.Name, post.At.ToDateTimeUtc(),
                        ScheduleTiming.FormatLocal(post.At.InZone(policy.Zone).LocalDateTime), conflict.Code.ToWire(), conflict.Message,
                        conflict.ScheduleId, conflict.Blocks(channel.ConflictMode)));
                }
            }
        }
        return result;
    }

    /// <summary>
    /// The best free slots of a channel: posting-grid slots first (preferred hours among them next), else the preferred hours;
    /// spread evenly over the days; never breaking the gap, the daily maximum or a blackout, with each other or what is planned.
    /// </summary>
    public async Task<IReadOnlyList<SlotSuggestion>> SuggestAsync(Guid? channelId, int? count, string? startDate, int? days, string? preferredHours, CancellationToken ct = default)
    {
        var errors = new List<ValidationError>();
        Channel? channel = null;
        await using var db = await contexts.CreateDbContextAsync(ct);
        if (channelId is null)
        {
            errors.Add(new("channelId", "Channel is required."));
        }
        else
        {
            channel = (await ChannelsAsync(db, channelId, ct))[0];
        }
        var wanted = count ?? 5;
        if (wanted is < 1 or > MaxSuggestions)
        {
            errors.Add(new("count", $"Count is between 1 and {MaxSuggestions}."));
        }
        var span = days ?? 14;
        if (span is < 1 or > MaxRangeDays)
        {
            errors.Add(new("days", $"Days are between 1 and {MaxRangeDays}."));
        }
        var hours = new List<int>();
        foreach (var part in (preferredHours ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!int.TryParse(part, out var hour) || hour is < 0 or > 23)
            {
                errors.Add(new("preferredHours", "Preferred hours are hours 0-23, comma separated, such as 10,14,18."));
                break;
            }
            hours.Add(hour);
        }
        LocalDate? first = null;
        if (!string.IsNullOrWhiteSpace(startDate))
        {
            var parsed = LocalDatePattern.Iso.Parse(startDate.Trim());
            if (!parsed.Success || parsed.Value.Year is < 2000 or > 9000)
            {
                errors.Add(new("startDate", "A date is YYYY-MM-DD, such as 2030-03-04."));
            }
            else
            {
                first = parsed.Value;
            }
        }
        ScheduleService.ThrowIfAny(errors);
        var policy = ChannelPlanner.PolicyOf(channel!);
        var now = Now + Duration.FromMinutes(1);
        var startDay = first ?? now.InZone(policy.Zone).Date;
        var (from, until) = Window(policy.Zone, startDay, startDay.PlusDays(span - 1));
        from = Instant.Max(from, now);
        if (from >= until)
        {
            return [];
        }
        var reach = Duration.Max(Duration.FromMinutes(channel!.MinGapMinutes), Duration.FromHours(26));
        var planned = await ChannelQueue.OccupiedAsync(db, channel, from - reach, until + reach, ct);

        // Candidates in time order: the grid's slots, or, without a grid, the preferred hours of every day (not on blackouts).
        var candidates = policy.PostingTimes.Count > 0
            ? ChannelRules.Slots(policy, from, until).Select(s => (s.At, OnGrid: true)).ToList()
            : [.. Days(policy.Zone, from, until).Where(d => !policy.Blackouts.Contains(d))
                .SelectMany(d => hours.Select(h => policy.Zone.ResolveLocal(d + new LocalTime(h, 0), NodaTime.TimeZones.Resolvers.LenientResolver).ToInstant()))
                .Where(at => at >= from && at < until).Order().Select(at => (At: at, OnGrid: false))];
        bool Preferred(Instant at) => hours.Contains(at.InZone(policy.Zone).Hour);

        // Spread evenly: the range cut into `wanted` equal parts, the best free candidate of each part (preferred hour first,
        // then the earliest); parts left empty are filled from the remaining free candidates in time order.
        var chosen = new List<(Instant At, bool OnGrid)>();
        var taken = planned.ToList();
        bool Fits(Instant at) => !ChannelRules.Check(policy, at, taken).Any(c => !c.WarningOnly) && !taken.Any(t => t.At == at);
        var length = (until - from) / wanted;
        for (var part = 0; part < wanted; part++)
        {
            var partStart = from + length * part;
            var partEnd = part == wanted - 1 ? until : partStart + length;
            var pick = candidates.Where(c => c.At >= partStart && c.At < partEnd && Fits(c.At))
                .OrderByDescending(c => Preferred(c.At)).ThenBy(c => c.At).Cast<(Instant At, bool OnGrid)?>().FirstOrDefault();
            if (pick is { } found)
            {
                chosen.Add(found);
                taken.Add(new PlannedPost(Guid.Empty, found.At, "suggestion"));
            }
        }
        foreach (var candidate in candidates)
        {
            if (chosen.Count >= wanted)
            {
                break;
            }
            if (Fits(candidate.At))
            {
                chosen.Add(candidate);
                taken.Add(new PlannedPost(Guid.Empty, candidate.At, "suggestion"));
            }
        }
        return [.. chosen.OrderBy(c => c.At).Select(c => new SlotSuggestion(channel!.Id, c.At.ToDateTimeUtc(),
            ScheduleTiming.FormatLocal(c.At.InZone(policy.Zone).LocalDateTime), c.OnGrid, Preferred(c.At)))];
    }

    /// <summary>Per channel, the local days of the range with nothing planned.</summary>
    public async Task<IReadOnlyList<ChannelGaps>> GapsAsync(string? startDate, string? endDate, Guid? channelId, CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var channels = await ChannelsAsync(db, channelId, ct);
        var (start, end) = Range(startDate, endDate);
        var result = new List<ChannelGaps>();
        foreach (var channel in channels)
        {
            var zone = DateTimeZoneProviders.Tzdb[channel.TimeZone];
            var (from, until) = Window(zone, start, end);
            var posts = await ChannelPlanner.PostsAsync(db, channel, from, until, null, ct);
            var busy = posts.Select(p => p.At.InZone(zone).Date).ToHashSet();
            result.Add(new ChannelGaps(channel.Id, channel.Name, [.. DaysOf(start, end).Where(d => !busy.Contains(d)).Select(ScheduleTiming.FormatDate)]));
        }
        return result;
    }

    /// <summary>Per channel and week (Monday first): the posting slots of the range's days in that week, the posts, and the share used.</summary>
    public async Task<IReadOnlyList<ChannelUtilisation>> UtilisationAsync(string? startDate, string? endDate, CancellationToken ct = default)
    {
        var (start, end) = Range(startDate, endDate);
        await using var db = await contexts.CreateDbContextAsync(ct);
        var result = new List<ChannelUtilisation>();
        foreach (var channel in await ChannelsAsync(db, null, ct))
        {
            var policy = ChannelPlanner.PolicyOf(channel);
            var (from, until) = Window(policy.Zone, start, end);
            var posts = await ChannelPlanner.PostsAsync(db, channel, from, until, null, ct);
            var slots = ChannelRules.Slots(policy, from, until).GroupBy(s => WeekOf(s.Date)).ToDictionary(g => g.Key, g => g.Count());
            var filled = posts.GroupBy(p => WeekOf(p.At.InZone(policy.Zone).Date)).ToDictionary(g => g.Key, g => g.Count());
            var weeks = DaysOf(start, end).Select(WeekOf).Distinct().Select(week =>
            {
                var slotCount = slots.GetValueOrDefault(week);
                var filledCount = filled.GetValueOrDefault(week);
                var percent = slotCount == 0 ? (filledCount > 0 ? 100 : 0) : Math.Min(100, (int)Math.Round(100.0 * filledCount / slotCount));
                return new WeekUtilisation(ScheduleTiming.FormatDate(week), slotCount, filledCount, percent);
            }).ToList();
            result.Add(new ChannelUtilisation(channel.Id, channel.Name, channel.Color, weeks));
        }
        return result;
    }

    private async Task<List<Channel>> ChannelsAsync(AppDbContext db, Guid? channelId, CancellationToken ct)
    {
        current.RequireWorkspace();
        var rows = db.Channels.AsNoTracking();
        if (channelId is { } id)
        {
            // Another workspace's channel is not found, whatever else the query says.
            var one = await rows.FirstOrDefaultAsync(c => c.Id == id, ct) ?? throw new NotFoundException("Channel");
            return [one];
        }
        return await rows.OrderBy(c => c.Name).ThenBy(c => c.Id).Take(MaxChannels).ToListAsync(ct);
    }

    private static LocalDate WeekOf(LocalDate date) => date.PlusDays(1 - (int)date.DayOfWeek);

    private static IEnumerable<LocalDate> DaysOf(LocalDate start, LocalDate end)
    {
        for (var d = start; d <= end; d = d.PlusDays(1))
        {
            yield return d;
        }
    }

    private static IEnumerable<LocalDate> Days(DateTimeZone zone, Instant from, Instant until) =>
        DaysOf(from.InZone(zone).Date, until.InZone(zone).Date);

    /// <summary>From the start of the first local day to the end of the last one, in the zone.</summary>
    private static (Instant From, Instant Until) Window(DateTimeZone zone, LocalDate start, LocalDate end) =>
        (zone.AtStartOfDay(start).ToInstant(), zone.AtStartOfDay(end.PlusDays(1)).ToInstant());

    private static (LocalDate Start, LocalDate End) Range(string? startDate, string? endDate)
    {
        var errors = new List<ValidationError>();
        var start = Date(startDate, "startDate", errors);
        var end = Date(endDate, "endDate", errors);
        if (start is { } s && end is { } e && (e < s || Period.Between(s, e, PeriodUnits.Days).Days >= MaxRangeDays))
        {
            errors.Add(new("endDate", $"The end date is on or after the start date, at most {MaxRangeDays} days in all."));
        }
        ScheduleService.ThrowIfAny(errors);
        return (start!.Value, end!.Value);
    }

    private static LocalDate? Date(string? text, string field, List<ValidationError> errors)
    {
        var parsed = LocalDatePattern.Iso.Parse(text?.Trim() ?? "");
        if (!parsed.Success || parsed.Value.Year is < 2000 or > 9000)
        {
            errors.Add(new(field, "A date is YYYY-MM-DD, such as 2030-03-04 (required)."));
            return null;
        }
        return parsed.Value;
    }
}
