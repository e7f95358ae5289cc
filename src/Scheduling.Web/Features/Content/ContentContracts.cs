using System.Text.Json;
using Scheduling.Core.Scheduling;

namespace Scheduling.Web.Features.Content;

// The API's shapes (camelCase JSON; enums as lowercase snake_case; dates "2027-06-30").

/// <summary>Create or replace a content item. Absent optional fields take their defaults.</summary>
public sealed record ContentInput
{
    public string? Title { get; init; }
    public string? Description { get; init; }
    public JobType? JobType { get; init; }
    public JsonElement? JobConfig { get; init; }

    /// <summary>Links (absolute http(s) URLs).</summary>
    public IReadOnlyList<string>? Assets { get; init; }
    public IReadOnlyList<string>? Tags { get; init; }
    public ContentStatus? Status { get; init; }
    public string? OwnerUserId { get; init; }

    /// <summary>Null: not evergreen.</summary>
    public EvergreenInput? Evergreen { get; init; }
}

/// <summary>Recycling: back to the end of each channel's queue after a publication, at least intervalDays later, up to maxRepeats times or until a date.</summary>
public sealed record EvergreenInput(int? IntervalDays, int? MaxRepeats, string? Until);

public sealed record EvergreenView(int IntervalDays, int? MaxRepeats, string? Until);

/// <summary>Where the item is planned: one schedule on one channel (by queue, wave or evergreen repost).</summary>
public sealed record ContentPostView(Guid ScheduleId, Guid ChannelId, Guid? WaveId, int Repeat, DateTime? ScheduledFor, ScheduleStatus Status);

public sealed record ContentView(
    Guid Id,
    string Title,
    string? Description,
    JobType JobType,
    JsonElement JobConfig,
    IReadOnlyList<string> Assets,
    IReadOnlyList<string> Tags,
    ContentStatus Status,
    string? OwnerUserId,
    EvergreenView? Evergreen,
    DateTime CreatedAt,
    DateTime UpdatedAt)
{
    /// <summary>On a single item: its posts on channels, soonest first.</summary>
    public IReadOnlyList<ContentPostView> Posts { get; init; } = [];
}

public sealed record ContentQuery(string? Search = null, ContentStatus? Status = null, string? Tag = null, Guid? ChannelId = null, int Page = 1, int PageSize = 20);
