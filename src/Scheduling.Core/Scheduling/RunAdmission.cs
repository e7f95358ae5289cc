using NodaTime;

namespace Scheduling.Core.Scheduling;

/// <summary>
/// Why a pending run waits. The engine compares it in queries (which waiting runs a finished run releases, which
/// runs queue behind others), so it is typed: the sentence shown to users is derived from it and may be reworded
/// freely. Member names are the wire contract (snake_case).
/// </summary>
public enum WaitReason
{
    /// <summary>Not waiting (or waiting for nothing the engine compares: a retry requested by hand, a recovery).</summary>
    None,

    /// <summary>Claimed ahead of its time: it starts at its occurrence (plus the schedule's jitter).</summary>
    NotYetDue,

    /// <summary>The workspace runs as many jobs at once as it may.</summary>
    ConcurrencyLimit,

    /// <summary>The workspace started as many jobs in the last minute as it may.</summary>
    RateLimit,

    /// <summary>The workspace used its runs of the day (UTC).</summary>
    DailyQuota,

    /// <summary>The previous run of the schedule is still going (overlap policy queue_one / queue_all).</summary>
    PreviousRun,

    /// <summary>A missed run caught up (run_all, a backfill): runs after the earlier ones, in order.</summary>
    CatchingUp,

    /// <summary>An attempt failed; the schedule's retry policy tries again later.</summary>
    RetryBackoff,

    /// <summary>The workspace is paused (its kill switch): held until it resumes.</summary>
    WorkspacePaused,

    /// <summary>The schedule's channel is paused: held until it resumes.</summary>
    ChannelPaused,
    /// <summary>An episode of a series: an earlier episode is not out yet (or failed, under the series' block policy).</summary>
    PreviousEpisode,

    /// <summary>Produced: its publishing stages wait for the run's publish time (issue 14, decision 0031).</summary>
    PublishAt,
}

/// <summary>The workspace limits a run start respects (Execution:WorkspaceConcurrencyLimit, ...RatePerMinute, ...DailyQuota).</summary>
public sealed record WorkspaceLimits(int Concurrency, int RatePerMinute, int DailyQuota);

/// <summary>What a workspace runs now and started lately, counting the runs already decided in the same batch.</summary>
public readonly record struct WorkspaceLoad(int Running, int StartedLastMinute, int StartedToday);

/// <summary>Another pending run of the same schedule, and why it waits.</summary>
public readonly record struct PendingRun(Instant ScheduledFor, WaitReason Reason);

/// <summary>Everything the start decision of one run looks at, read under the engine lock.</summary>
/// <param name="Planned">A planned run that never started (not manual, no attempt yet).</param>
/// <param name="Due">Its time: the occurrence, or later by the schedule's jitter.</param>
/// <param name="StartedBefore">An earlier attempt started (a retry): it does not count against the daily quota again.</param>
/// <param name="Reason">Why it waited until now.</param>
/// <param name="ScheduleRunning">Runs of its schedule running now (not those awaiting a callback).</param>
/// <param name="SchedulePending">The other pending runs of its schedule.</param>
/// <param name="EarlierEpisodeOpen">It releases an episode of a series and an earlier episode must go (or be skipped) first.</param>
/// <param name="PublishAt">A produced run held for publishing (<see cref="WaitReason.PublishAt"/>): when it publishes.</param>
public sealed record RunStartFacts(
    bool Planned,
    bool ScheduleCancelled,
    Instant ScheduledFor,
    Instant Due,
    bool StartedBefore,
    WaitReason Reason,
    OverlapPolicy Policy,
    WorkspaceLoad Workspace,
    int ScheduleRunning,
    IReadOnlyCollection<PendingRun> SchedulePending,
    bool WorkspacePaused = false,
    bool ChannelPaused = false,
    bool EarlierEpisodeOpen = false,
    Instant? PublishAt = null);

/// <summary>What becomes of a run handed to the engine.</summary>
public abstract record RunAdmission
{
    private RunAdmission()
    {
    }

    public sealed record Start : RunAdmission;

    /// <summary>Claimed ahead and handed over early: it waits for <paramref name="Due"/>.</summary>
    public sealed record NotYetDue(Instant Due) : RunAdmission;

    /// <summary>Waits with its reason shown; the engine looks at it again after <paramref name="Recheck"/>.</summary>
    public sealed record Wait(WaitReason Reason, Duration Recheck) : RunAdmission;

    /// <summary>Recorded as skipped: the previous run of its schedule is still going (overlap policy).</summary>
    public sealed record Skip : RunAdmission;

    /// <summary>Its schedule was cancelled before it started.</summary>
    public sealed record Cancel : RunAdmission;
}

/// <summary>
/// Whether a run may start now (design.md §5): the schedule's state, its time, the workspace limits (excess work waits,
/// it is never dropped), then the overlap policy. Pure: the engine reads the facts under its lock and writes the outcome.
/// </summary>
public static class RunAdmissionRules
{
    /// <summary>A run claimed ahead of its time that reaches a worker earlier than this waits for its time.</summary>
    public static readonly Duration EarlyTolerance = Duration.FromMilliseconds(5);

    public static readonly Duration ConcurrencyRecheck = Duration.FromSeconds(1);
    public static readonly Duration RateRecheck = Duration.FromSeconds(5);
    public static readonly Duration OverlapRecheck = Duration.FromSeconds(5);

    /// <summary>A held run looks again this often; a resume hands its held runs over at once.</summary>
    public static readonly Duration PauseRecheck = Duration.FromMinutes(1);
    /// <summary>An episode held behind an earlier one is released at once when that one ends; this recheck is the safety net.</summary>
    public static readonly Duration EpisodeRecheck = Duration.FromMinutes(1);

    public static RunAdmission Decide(RunStartFacts run, WorkspaceLimits limits, Instant now)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(limits);
        if (run.Planned && run.ScheduleCancelled)
        {
            return new RunAdmission.Cancel();
        }
        // A produced run reached by a job from before its publish time moved later: it waits for the time it has now.
        if (run.Reason == WaitReason.PublishAt && run.PublishAt is { } publishAt && publishAt > now + EarlyTolerance)
        {
            return new RunAdmission.NotYetDue(publishAt);
        }
        // Not NotBefore: a run released from a wait (overlap, limits) must start at once, whatever its recheck time.
        if (run.Planned && run.Due > now + EarlyTolerance)
        {
            return new RunAdmission.NotYetDue(run.Due);
        }

        // A pause holds every start (the kill switch too); what becomes of the held runs is decided on resume.
        if (run.WorkspacePaused)
        {
            return new RunAdmission.Wait(WaitReason.WorkspacePaused, PauseRecheck);
        }
        if (run.ChannelPaused)
        {
            return new RunAdmission.Wait(WaitReason.ChannelPaused, PauseRecheck);
        }
        // Episodes go strictly in order, whatever retries, catch-up or nodes do: before the limits, so a held episode takes no slot.
        if (run.EarlierEpisodeOpen)
        {
            return new RunAdmission.Wait(WaitReason.PreviousEpisode, EpisodeRecheck);
        }

        // Limits first: excess work waits with its reason shown, it is never dropped.
        if (run.Workspace.Running >= limits.Concurrency)
        {
            return new RunAdmission.Wait(WaitReason.ConcurrencyLimit, ConcurrencyRecheck);
        }
        if (run.Workspace.StartedLastMinute >= limits.RatePerMinute)
        {
            return new RunAdmission.Wait(WaitReason.RateLimit, RateRecheck);
        }
        if (!run.StartedBefore && run.Workspace.StartedToday >= limits.DailyQuota)
        {
            var tomorrow = now.InUtc().Date.PlusDays(1).AtMidnight().InUtc().ToInstant();
            return new RunAdmission.Wait(WaitReason.DailyQuota, tomorrow - now);
        }

        // A produced run going on to publish continues a run that already passed the overlap policy when it started:
        // the next occurrence's production running now must not skip or queue it.
        if (run.Reason == WaitReason.PublishAt)
        {
            return new RunAdmission.Start();
        }

        // Missed runs caught up go one after the other, in order, whatever the overlap policy.
        var catchingUp = run.Reason == WaitReason.CatchingUp;
        var policy = catchingUp ? OverlapPolicy.QueueAll : run.Policy;
        // queue_all keeps occurrence order: the runs waiting ahead are those of earlier occurrences. queue_one keeps one
        // run waiting, whichever got there first: a run decided out of order (a late or recovered job) is not a second.
        var waitingAhead = run.SchedulePending.Count(p => (policy == OverlapPolicy.QueueOne || p.ScheduledFor < run.ScheduledFor)
            && (catchingUp || p.Reason is WaitReason.PreviousRun or WaitReason.CatchingUp));
        return OverlapRules.Decide(policy, run.ScheduleRunning, waitingAhead) switch
        {
            OverlapDecision.Skip => new RunAdmission.Skip(),
            OverlapDecision.Wait => new RunAdmission.Wait(catchingUp ? WaitReason.CatchingUp : WaitReason.PreviousRun, OverlapRecheck),
            _ => new RunAdmission.Start(),
        };
    }

    /// <summary>Whether a run waiting for this reason goes as soon as a run of its schedule finishes.</summary>
    public static bool WaitsForItsSchedule(WaitReason reason) => reason is WaitReason.PreviousRun or WaitReason.CatchingUp;
}
