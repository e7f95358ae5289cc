using System.Text.Json;
using Scheduling.Core.Scheduling;
using Scheduling.Web.Features.Schedules;

namespace Scheduling.Web.Features.Series;

// The API's shapes (seed 002): camelCase JSON, enums as snake_case strings, instants UTC, local times in the series' zone.

/// <summary>Create a series. The recurrence takes any form a schedule's does (preset, structured, RRULE, cron).</summary>
public sealed record SeriesInput
{
    public string? Name { get; init; }
    public string? Description { get; init; }
    public JobType? JobType { get; init; }
    public SeriesTemplateInput? Template { get; init; }
    public int? EpisodeCount { get; init; }
    public RecurrenceInput? Recurrence { get; init; }
    public string? Timezone { get; init; }

    /// <summary>Local wall time of the first possible release (the recurrence's start); default now.</summary>
    public string? Start { get; init; }
    public Guid? ChannelId { get; init; }
    public SeriesFailurePolicy? OnFailure { get; init; }

    /// <summary>Where episodes are delivered when not the workspace's endpoint for the job type.</summary>
    public string? WebhookUrl { get; init; }
    public RetryInput? Retry { get; init; }

    /// <summary>Produce now, publish later: each episode's publishing waits this long after its release time (an offset such as "+1d@18:00", as a schedule's).</summary>
    public string? PublishAt { get; init; }
}

/// <param name="TitleTemplate">"{title} #{episode}: {weekday}": {episode}, {title} (the series name) and the schedule title variables.</param>
public sealed record SeriesTemplateInput(JsonElement? JobConfig, string? TitleTemplate);

public sealed record SeriesTemplateView(JsonElement JobConfig, string TitleTemplate);

public sealed record EpisodeView(
    int Number,
    string Title,
    DateTime ScheduledFor,
    string ScheduledForLocal,
    EpisodeStatus Status,
    Guid? ExecutionId,
    DateTime? ReleasedAt,
    JsonElement? JobConfig);

public sealed record SeriesView(
    Guid Id,
    string Name,
    string? Description,
    JobType JobType,
    SeriesTemplateView Template,
    int EpisodeCount,
    int CurrentEpisode,
    int ReleasedCount,
    SeriesStatus Status,
    SeriesFailurePolicy OnFailure,
    string Timezone,
    string Recurrence,
    Guid? ChannelId,
    Guid ScheduleId,
    DateTime? NextReleaseAt,
    DateTime CreatedAt,
    IReadOnlyList<EpisodeView> Episodes)
{
    /// <summary>
    /// In a workspace that requires approval, a Creator's series waits: <c>draft</c> (submit its schedule for review) or
    /// <c>in_review</c>; null once approved (or when no approval is needed). Nothing is released meanwhile.
    /// </summary>
    public ScheduleStatus? Approval { get; init; }
}

/// <summary>A series in a list: its progress, without the episodes.</summary>
public sealed record SeriesSummary(
    Guid Id,
    string Name,
    JobType JobType,
    int EpisodeCount,
    int CurrentEpisode,
    int ReleasedCount,
    SeriesStatus Status,
    string Timezone,
    DateTime? NextReleaseAt,
    DateTime CreatedAt);

/// <summary>Change one episode: a new title, its own job config (null keeps it; an empty object is a config too), or skip it.</summary>
public sealed record EpisodeInput(string? Title, JsonElement? JobConfig, bool? Skip, bool? UseTemplateConfig);

public sealed record ExtendRequest(int? Count);

/// <summary>The first episodes as they would be planned: for the editor's live preview.</summary>
public sealed record EpisodePreview(int Number, string Title, DateTime ScheduledFor, string Local);
