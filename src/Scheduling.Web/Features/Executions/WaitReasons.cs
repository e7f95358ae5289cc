using Scheduling.Core.Scheduling;

namespace Scheduling.Web.Features.Executions;

/// <summary>The sentence shown for a <see cref="WaitReason"/>: display only, never compared (the engine compares the enum).</summary>
public static class WaitReasons
{
    /// <summary>A produced run held until <paramref name="publishAt"/> (UTC): set by the hold and by a move alike.</summary>
    public static string ReadyToPublish(DateTime publishAt) => $"Produced: ready, publishes at {publishAt:yyyy-MM-dd HH:mm} UTC.";

    /// <summary>The text of a wait; null for none. The limit reasons name the limit when <paramref name="limits"/> is given.</summary>
    public static string? Describe(WaitReason reason, WorkspaceLimits? limits = null) => reason switch
    {
        WaitReason.None => null,
        WaitReason.NotYetDue => "Waiting for its time.",
        WaitReason.ConcurrencyLimit => $"Waiting: the workspace runs {limits?.Concurrency.ToString() ?? "its"} jobs at once (Execution:WorkspaceConcurrencyLimit).",
        WaitReason.RateLimit => $"Waiting: the workspace starts at most {limits?.RatePerMinute.ToString() ?? "its"} jobs a minute (Execution:WorkspaceRatePerMinute).",
        WaitReason.DailyQuota => $"Waiting for tomorrow (UTC): the workspace's daily quota of {limits?.DailyQuota.ToString() ?? "its"} runs is used (Execution:WorkspaceDailyQuota).",
        WaitReason.PreviousRun => "Waiting for the previous run of this schedule to finish.",
        WaitReason.CatchingUp => "Catching up missed runs in order: waits for the earlier one.",
        WaitReason.RetryBackoff => "Waiting to try again (retry policy).",
        WaitReason.WorkspacePaused => "Held: the workspace is paused.",
        WaitReason.ChannelPaused => "Held: the channel is paused.",
        WaitReason.PreviousEpisode => "Waiting for the earlier episode of its series to be released or skipped.",
        WaitReason.PublishAt => "Produced: ready, waiting for its publish time.",
        _ => reason.ToString(),
    };
}
