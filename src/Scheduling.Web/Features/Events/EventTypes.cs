using System.Text.Json;
using System.Text.Json.Serialization;

namespace Scheduling.Web.Features.Events;

/// <summary>
/// The event types a subscription may name. The list is open: a feature adds its own (series.*, wave.*) to
/// <see cref="Known"/> with <see cref="Register"/> at start-up, and "*" subscriptions receive them without a change.
/// </summary>
public static class EventTypes
{
    public const string All = "*";

    public const string ScheduleCreated = "schedule.created";
    public const string ScheduleUpdated = "schedule.updated";
    public const string SchedulePaused = "schedule.paused";
    public const string ScheduleResumed = "schedule.resumed";
    public const string ScheduleCancelled = "schedule.cancelled";
    public const string ScheduleCompleted = "schedule.completed";
    public const string ScheduleDeleted = "schedule.deleted";
    public const string ScheduleSubmitted = "schedule.submitted";
    public const string ScheduleApproved = "schedule.approved";
    public const string ScheduleRejected = "schedule.rejected";
    public const string ExecutionStarted = "execution.started";
    public const string ExecutionCompleted = "execution.completed";
    public const string ExecutionFailed = "execution.failed";
    public const string ExecutionSkipped = "execution.skipped";
    public const string ExecutionRetrying = "execution.retrying";

    /// <summary>The integration reported progress (throttled: Events:ProgressThrottle per run, plus the first report and 100 %).</summary>
    public const string ExecutionProgress = "execution.progress";

    /// <summary>An episode of a series went out (its run completed); data: the series and the episode.</summary>
    public const string SeriesEpisodeReleased = "series.episode_released";

    /// <summary>Every episode of a series is out (released or skipped); data: the series.</summary>
    public const string SeriesCompleted = "series.completed";

    /// <summary>Every item of a wave has run (or was cancelled); data: the wave as <c>GET /api/v1/waves/{id}</c> returns it.</summary>
    public const string WaveCompleted = "wave.completed";

    /// <summary>Sent by <c>POST .../{id}/test</c> only; never stored.</summary>
    public const string Ping = "ping";

    private static readonly HashSet<string> _known =
    [
        ScheduleCreated, ScheduleUpdated, SchedulePaused, ScheduleResumed, ScheduleCancelled, ScheduleCompleted, ScheduleDeleted,
        ScheduleSubmitted, ScheduleApproved, ScheduleRejected,
        ExecutionStarted, ExecutionCompleted, ExecutionFailed, ExecutionSkipped, ExecutionRetrying, ExecutionProgress,
        SeriesEpisodeReleased, SeriesCompleted, WaveCompleted,
    ];

    public static IReadOnlyCollection<string> Known
    {
        get
        {
            lock (_known)
            {
                return [.. _known.Order(StringComparer.Ordinal)];
            }
        }
    }

    /// <summary>For features that bring their own events (series.episode_released ...).</summary>
    public static void Register(string type)
    {
        lock (_known)
        {
            _known.Add(type);
        }
    }

    public static bool IsKnown(string type)
    {
        lock (_known)
        {
            return _known.Contains(type);
        }
    }

    /// <summary>Does a subscription's stored list ("*" or names separated by commas) want <paramref name="type"/>?</summary>
    public static bool Matches(string subscribed, string type) =>
        subscribed == All || subscribed.Split(',').Contains(type, StringComparer.Ordinal);

    /// <summary>The API's own JSON (camelCase, enums as snake_case names): event data reads as the API returns it.</summary>
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower, allowIntegerValues: false) },
    };
}
