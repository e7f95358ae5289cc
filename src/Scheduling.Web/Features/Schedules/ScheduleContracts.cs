using System.Text.Json;
using Scheduling.Core.Recurrence;
using Scheduling.Core.Scheduling;

namespace Scheduling.Web.Features.Schedules;

// The API's shapes (camelCase JSON; enums as lowercase snake_case strings; local wall times as
// "2026-03-01T09:00:00" in the schedule's zone; instants as UTC "...Z").

/// <summary>Create or replace a schedule. Absent optional fields take their defaults.</summary>
public sealed record ScheduleInput
{
    public string? Name { get; init; }
    public string? Description { get; init; }
    public JobType? JobType { get; init; }
    public JsonElement? JobConfig { get; init; }
    public ScheduleType? ScheduleType { get; init; }

    /// <summary>Once: local wall time in <see cref="Timezone"/>.</summary>
    public string? ScheduledAt { get; init; }
    public string? Timezone { get; init; }
    public RecurrenceInput? Recurrence { get; init; }
    public SchedulePriority? Priority { get; init; }
    public int? MaxRuns { get; init; }
    public MissedRunPolicy? MissedPolicy { get; init; }
    public OverlapPolicy? OverlapPolicy { get; init; }
    public RetryInput? Retry { get; init; }
    public int? TimeoutSeconds { get; init; }

    /// <summary>Spread: each run starts up to this many seconds after its occurrence (0 or empty: on time).</summary>
    public int? JitterSeconds { get; init; }
    public string? WebhookUrl { get; init; }
    public string? TitleTemplate { get; init; }

    /// <summary>Optional: the channel it posts to (same workspace); its rules are checked (warnings or a 409).</summary>
    public Guid? ChannelId { get; init; }

    /// <summary>Optional: the schedule's own pipeline (stages); null or absent: the workspace's pipeline for the job type.</summary>
    public Pipelines.PipelineInput? Pipeline { get; init; }

    /// <summary>
    /// Optional: produce now, publish later. The publishing stages of each run wait until this time: a local wall time in
    /// <see cref="Timezone"/> for a one-time schedule ("2026-12-24T12:00"), or an offset after each occurrence
    /// ("+2d@12:00": two days later at 12:00 local; "+1d": a day later, same time; "+3h", "+90m"). Needs a pipeline
    /// with a publishing stage. Null or absent: publishing follows production at once.
    /// </summary>
    public string? PublishAt { get; init; }

    /// <summary>
    /// Optional: the <see cref="ScheduleView.Version"/> this edit was made from. A schedule changed since
    /// is a 409 instead of an overwrite; absent, the last write wins.
    /// </summary>
    public int? Version { get; init; }
}

/// <summary>
/// A recurrence, given one of three ways: <see cref="Rrule"/> text, <see cref="Cron"/>, a
/// <see cref="Preset"/> key, or the structured fields (<see cref="Frequency"/> and the rest).
/// </summary>
public sealed record RecurrenceInput
{
    public string? Rrule { get; init; }
    public string? Cron { get; init; }
    public string? Preset { get; init; }
    public Frequency? Frequency { get; init; }
    public int? Interval { get; init; }

    /// <summary>RFC 5545 day codes with optional ordinals: "MO", "2TU", "-1FR".</summary>
    public IReadOnlyList<string>? ByDay { get; init; }
    public IReadOnlyList<int>? ByMonthDay { get; init; }
    public IReadOnlyList<int>? ByMonth { get; init; }
    public IReadOnlyList<int>? BySetPos { get; init; }

    /// <summary>"09:00", "18:30".</summary>
    public IReadOnlyList<string>? TimesOfDay { get; init; }
    public int? Count { get; init; }

    /// <summary>Local date ("2026-12-31": through the end of that day) or local date-time.</summary>
    public string? Until { get; init; }
    public MonthDaySkip? Skip { get; init; }

    /// <summary>DTSTART: local wall time, the lower bound of the rule. Defaults to now in the zone.</summary>
    public string? Start { get; init; }
    public IReadOnlyList<string>? Exdates { get; init; }
    public IReadOnlyList<OccurrenceMove>? Moves { get; init; }
    public IReadOnlyList<string>? BlackoutDates { get; init; }
}

/// <summary>Moves the occurrence at local <see cref="From"/> to local <see cref="To"/>.</summary>
public sealed record OccurrenceMove(string? From, string? To);

public sealed record RetryInput(int? MaxAttempts, RetryStrategy? Strategy, int? BaseDelaySeconds, int? MaxDelaySeconds);

public sealed record ScheduleView(
    Guid Id,
    string Name,
    string? Description,
    JobType JobType,
    JsonElement JobConfig,
    ScheduleType ScheduleType,
    string? ScheduledAt,
    string Timezone,
    RecurrenceView? Recurrence,
    string Summary,
    ScheduleStatus Status,
    SchedulePriority Priority,
    DateTime? NextRunAt,
    string? NextRunLocal,
    DateTime? LastRunAt,
    int RunCount,
    int? MaxRuns,
    MissedRunPolicy MissedPolicy,
    OverlapPolicy OverlapPolicy,
    RetryView Retry,
    int? TimeoutSeconds,
    int JitterSeconds,
    string? WebhookUrl,
    string? TitleTemplate,
    string? PauseNote,
    DateTime CreatedAt,
    DateTime UpdatedAt,
    int Version,
    Guid? SplitFromId = null,
    Guid? SplitIntoId = null)
{
    public Guid? ChannelId { get; init; }

    /// <summary>The schedule's own pipeline; null: it runs the workspace's pipeline of its job type.</summary>
    public Pipelines.PipelineInput? Pipeline { get; init; }

    /// <summary>When publishing goes apart from production (as written, see <see cref="ScheduleInput.PublishAt"/>); null: right after production.</summary>
    public string? PublishAt { get; init; }

    /// <summary><see cref="PublishAt"/> in words ("publishes 2 days later at 12:00").</summary>
    public string? PublishAtDescription { get; init; }

    /// <summary>Channel rules this write broke in conflict mode warn (code, message, the other schedule); empty otherwise.</summary>
    public IReadOnlyList<Channels.RuleWarning> Warnings { get; init; } = [];

    /// <summary>The review history (who, when, decision, comment), oldest first: on a single schedule's GET, else null.</summary>
    public IReadOnlyList<Approval.ReviewView>? Reviews { get; init; }

    /// <summary>The series whose episodes this schedule releases (on a single schedule's GET, else null): change it there (decision 0025).</summary>
    public Series.SeriesRef? PartOfSeries { get; init; }
}

public sealed record RecurrenceView(
    string Rrule,
    string Start,
    string? Cron,
    IReadOnlyList<string> Exdates,
    IReadOnlyList<OccurrenceMove> Moves,
    IReadOnlyList<string> BlackoutDates,
    string Description);

public sealed record RetryView(int MaxAttempts, RetryStrategy Strategy, int BaseDelaySeconds, int MaxDelaySeconds);

public sealed record OccurrenceView(string Local, DateTime Utc, string Offset, bool Moved);

public sealed record OccurrencesResponse(IReadOnlyList<OccurrenceView> Occurrences, string? Description = null);

public sealed record ScheduleQuery(
    ScheduleStatus? Status = null,
    JobType? JobType = null,
    SchedulePriority? Priority = null,
    string? Search = null,
    string? Sort = null,
    int Page = 1,
    int PageSize = 25,
    Guid? ChannelId = null,
    Guid? SeriesId = null);

public sealed record PauseRequest(string? Note);

public sealed record ResumeRequest(bool RunMissed = false);

public sealed record CloneRequest(string? Name);

public sealed record PreviewRequest(string? Rrule, string? Cron, string? Dtstart, string? Timezone, IReadOnlyList<string>? Exdates, int? Count);

public sealed record PatternView(string Key, string Name, string Rrule, string Description);
