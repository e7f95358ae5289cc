using Scheduling.Core.Scheduling;
using Scheduling.Web.Features.Executions;

namespace Scheduling.Web.Tests.Infrastructure;

/// <summary>Runs as the engine would have recorded them, for tests that start from a history.</summary>
public static class RecordedRuns
{
    /// <summary>
    /// A planned run of the occurrence <paramref name="scheduledFor"/>: a completed one ran once, on time; any other
    /// status never started (skipped, pending ...).
    /// </summary>
    public static Execution Planned(Guid workspaceId, Guid scheduleId, SchedulePriority priority, JobType jobType, DateTime scheduledFor,
        ExecutionStatus status, string? reason = null)
    {
        var ran = status == ExecutionStatus.Completed;
        return new Execution
        {
            Id = Guid.CreateVersion7(),
            WorkspaceId = workspaceId,
            ScheduleId = scheduleId,
            OccurrenceKey = Execution.PlannedKey(scheduledFor),
            ScheduledFor = scheduledFor,
            Status = status,
            Reason = reason,
            Priority = priority,
            JobType = jobType,
            Attempts = ran ? 1 : 0,
            CreatedAt = scheduledFor,
            StartedAt = ran ? scheduledFor : null,
            CompletedAt = status is ExecutionStatus.Pending or ExecutionStatus.Running ? null : scheduledFor.AddSeconds(1),
        };
    }
}
