using Scheduling.Core.Scheduling;
using Scheduling.Core.Channels;
using Scheduling.Web.Features.Channels;

namespace Scheduling.Web.Features.Waves;

/// <summary>
/// One content item to several channels. <see cref="At"/> is a local wall time ("2030-03-04T09:00") in <see cref="Timezone"/>
/// (required for simultaneous and staggered; for independent the search starts there instead of now).
/// Staggered: <see cref="Offsets"/> (minutes after the first channel, per channel id) or <see cref="StaggerMinutes"/> apart in the order given.
/// </summary>
public sealed record WaveInput
{
    public Guid? ContentId { get; init; }
    public IReadOnlyList<Guid>? ChannelIds { get; init; }
    public WaveMode? Mode { get; init; }
    public string? At { get; init; }
    public string? Timezone { get; init; }
    public int? StaggerMinutes { get; init; }
    public IReadOnlyDictionary<Guid, int>? Offsets { get; init; }

    /// <summary>Produce now, publish later: each channel's post publishes this long after its time (an offset such as "+1d@18:00", as a schedule's publishAt).</summary>
    public string? PublishAt { get; init; }
}

/// <summary>Move every post of the wave by the same amount (minutes, either way).</summary>
public sealed record WaveMoveInput(int? ByMinutes);

/// <summary>The last run of an item, if it ran.</summary>
public sealed record WaveItemRun(Guid ExecutionId, string Status);

public sealed record WaveItemView(Guid ChannelId, string ChannelName, Guid ScheduleId, DateTime? ScheduledFor, string? Local, ScheduleStatus Status)
{
    public WaveItemRun? Execution { get; init; }

    /// <summary>The channel's colour (its lane on the calendar's timeline).</summary>
    public string? Color { get; init; }
}

/// <summary>One channel's post as creating the wave would place it: its time in UTC and in the channel's own zone, and what it would meet there.</summary>
public sealed record WavePreviewItem(Guid ChannelId, string ChannelName, string Color, string Timezone, ConflictMode ConflictMode, DateTime? ScheduledFor, string? Local,
    IReadOnlyList<RuleWarning> Conflicts, IReadOnlyList<RuleWarning> Warnings);

/// <summary>The wave before saving: <see cref="Blocked"/> when a conflict would refuse it (409 on create).</summary>
public sealed record WavePreview(IReadOnlyList<WavePreviewItem> Items)
{
    public bool Blocked => Items.Any(i => i.Conflicts.Count > 0);
}

public sealed record WaveView(Guid Id, string Name, Guid ContentId, WaveMode Mode, string? At, string Timezone, DateTime CreatedAt, IReadOnlyList<WaveItemView> Items)
{
    /// <summary>On create and move: the channels' rules the write went through with (conflict mode warn).</summary>
    public IReadOnlyList<RuleWarning> Warnings { get; init; } = [];
}

public static class WaveLimits
{
    public const int MaxChannels = 20;
    public const int MaxOffsetMinutes = 7 * 24 * 60;
    public const int MaxMoveMinutes = 366 * 24 * 60;
    public const int MaxPageSize = 100;
}
