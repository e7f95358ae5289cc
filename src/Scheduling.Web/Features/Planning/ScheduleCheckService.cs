using Microsoft.EntityFrameworkCore;
using Scheduling.Core.Channels;
using Scheduling.Web.Api;
using Scheduling.Web.Data;
using Scheduling.Web.Features.Channels;
using Scheduling.Web.Features.Schedules;
using Scheduling.Web.Features.Workspaces;

namespace Scheduling.Web.Features.Planning;

/// <param name="Schedule">The schedule as it would be saved (the same fields as creating one), with its channelId.</param>
/// <param name="ScheduleId">When editing: the schedule itself, left out of the channel's other posts.</param>
public sealed record ScheduleCheckRequest(ScheduleInput? Schedule, Guid? ScheduleId);

/// <summary>What saving would meet on the schedule's channel: <see cref="Conflicts"/> would refuse it (409, block mode), <see cref="Warnings"/> would go with it.</summary>
public sealed record ScheduleCheckView(Guid? ChannelId, string? ChannelName, ConflictMode? ConflictMode, IReadOnlyList<RuleWarning> Conflicts, IReadOnlyList<RuleWarning> Warnings);

/// <summary>A channel as pickers and the calendar's timeline lanes need it.</summary>
public sealed record ChannelOption(Guid Id, string Name, string Color, ConflictMode ConflictMode);

/// <summary>
/// Planning before saving (the calendar's moves check through the channel planner directly): the schedule editor asks what a schedule would meet on its channel, so block-mode conflicts
/// show as errors that keep the form and warn-mode ones as warnings with "save anyway". The rules are the channel
/// planner's, the same the save applies (decision 0016); nothing is written.
/// </summary>
public sealed class ScheduleCheckService(IDbContextFactory<AppDbContext> contexts, WorkspaceContext current, ScheduleService schedules, ChannelPlanner planner)
{
    /// <summary>A picker lists at most this many channels (by name); a workspace has a handful.</summary>
    public const int MaxChannelOptions = 200;

    /// <summary>The workspace's channels by name, for the schedule editor's picker and the calendar's channel lanes.</summary>
    public async Task<IReadOnlyList<ChannelOption>> ChannelsAsync(CancellationToken ct = default)
    {
        current.RequireWorkspace();
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.Channels.AsNoTracking().OrderBy(c => c.Name).ThenBy(c => c.Id).Take(MaxChannelOptions)
            .Select(c => new ChannelOption(c.Id, c.Name, c.Color, c.ConflictMode)).ToListAsync(ct);
    }

    public async Task<ScheduleCheckView> CheckScheduleAsync(ScheduleCheckRequest request, CancellationToken ct = default)
    {
        current.RequireEditor();
        var input = request.Schedule ?? throw new RequestValidationException("schedule", "Required: the schedule as it would be saved (the same fields as creating one).");
        var timing = schedules.TimingOf(input);
        await using var db = await contexts.CreateDbContextAsync(ct);
        if (request.ScheduleId is { } id && !await db.Schedules.AnyAsync(s => s.Id == id, ct))
        {
            throw new NotFoundException("Schedule");
        }
        if (input.ChannelId is not { } channelId)
        {
            return new ScheduleCheckView(null, null, null, [], []);
        }
        var channel = await ChannelPlanner.ChannelForScheduleAsync(db, channelId, "channelId", ct);
        var check = await planner.PreviewScheduleAsync(db, channel, timing, request.ScheduleId, ct);
        return new ScheduleCheckView(channel.Id, channel.Name, channel.ConflictMode, check.Conflicts, check.Warnings);
    }
}

