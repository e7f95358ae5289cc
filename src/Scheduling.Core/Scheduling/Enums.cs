namespace Scheduling.Core.Scheduling;

// Member names are the wire contract: WireNames turns them into lowercase snake_case (VideoGeneration → video_generation).

/// <summary>Lifecycle of a schedule; see <see cref="ScheduleStatusMachine"/> for the allowed moves.</summary>
public enum ScheduleStatus
{
    Active,
    Paused,
    Completed,
    Cancelled,

    /// <summary>Approval required (workspace setting): written or changed by a Creator, not yet submitted; never runs.</summary>
    Draft,

    /// <summary>Submitted for approval; never runs until an Owner or Admin approves it (→ active) or rejects it (→ draft).</summary>
    InReview,
}

/// <summary>Queue priority, served urgent → high → normal → low.</summary>
public enum SchedulePriority
{
    Low,
    Normal,
    High,
    Urgent,
}

public enum ScheduleType
{
    Once,
    Recurring,
}

/// <summary>What to do with runs that were due while the system was down or the schedule paused.</summary>
public enum MissedRunPolicy
{
    RunAll,
    RunLatest,
    Skip,
}

/// <summary>What to do when a run is due while the previous one is still going.</summary>
public enum OverlapPolicy
{
    Skip,
    QueueOne,
    QueueAll,
    Allow,
}

public enum RetryStrategy
{
    None,
    Fixed,
    Linear,
    Exponential,
}

public enum JobType
{
    VideoGeneration,
    BatchGeneration,
    ScriptGeneration,
    CaptionGeneration,
    ThumbnailGeneration,
    Export,
    Publish,
    Newsletter,
}
