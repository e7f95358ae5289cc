using System.Text.Json;
using Scheduling.Core.Channels;
using Scheduling.Core.Scheduling;

namespace Scheduling.Web.Features.Channels;

// The API's shapes (camelCase JSON; enums as lowercase snake_case; weekdays "monday"; times "09:00"; dates "2026-12-25").

/// <summary>Create or replace a channel. Absent optional fields take their defaults.</summary>
public sealed record ChannelInput
{
    public string? Name { get; init; }
    public ChannelPlatform? Platform { get; init; }

    /// <summary>"#RRGGBB"; defaults to the platform's colour.</summary>
    public string? Color { get; init; }
    public string? Timezone { get; init; }
    public string? WebhookUrl { get; init; }
    public IReadOnlyList<PostingTimeInput>? PostingTimes { get; init; }
    public int? MinGapMinutes { get; init; }
    public int? MaxPerDay { get; init; }

    /// <summary>Typed blackout dates (the imported ones are kept apart and replaced only by an import).</summary>
    public IReadOnlyList<string>? BlackoutDates { get; init; }
    public ConflictMode? ConflictMode { get; init; }
}

public sealed record PostingTimeInput(string? Weekday, string? Time);

public sealed record PostingTimeView(string Weekday, string Time);

public sealed record ChannelView(
    Guid Id,
    string Name,
    ChannelPlatform Platform,
    string Color,
    string Timezone,
    string? WebhookUrl,
    IReadOnlyList<PostingTimeView> PostingTimes,
    int MinGapMinutes,
    int? MaxPerDay,
    IReadOnlyList<string> BlackoutDates,
    IReadOnlyList<string> ImportedBlackoutDates,
    ConflictMode ConflictMode,
    bool Paused,
    DateTime? PausedAt,
    string? PauseNote,
    DateTime CreatedAt,
    DateTime UpdatedAt)
{
    /// <summary>In lists: the next planned posts (up to three), soonest first.</summary>
    public IReadOnlyList<QueueEntry> NextPosts { get; init; } = [];
}

public sealed record ChannelQuery(string? Search = null, int Page = 1, int PageSize = 24);

/// <summary>
/// Add to the channel's queue: a one-time schedule in its next free posting slot, of a content item (<see cref="ContentId"/>:
/// its title, job type and config, unless given here) or of the fields given.
/// </summary>
public sealed record QueueInput
{
    public Guid? ContentId { get; init; }
    public string? Name { get; init; }
    public JobType? JobType { get; init; }
    public JsonElement? JobConfig { get; init; }
    public string? TitleTemplate { get; init; }
}

/// <summary>One line of a channel's queue: a planned post, or an empty posting slot (<see cref="ScheduleId"/> null).</summary>
public sealed record QueueEntry(string Local, DateTime Utc, bool IsSlot, Guid? ScheduleId, string? Name);

public sealed record ChannelQueueView(Guid ChannelId, string Timezone, int Days, IReadOnlyList<QueueEntry> Entries);

public sealed record ImportResult(int Imported, IReadOnlyList<string> ImportedBlackoutDates);

public sealed record WorkspacePauseView(bool Paused, DateTime? PausedAt, string? Note);
