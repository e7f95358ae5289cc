using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Scheduling.Core.Scheduling;
using Scheduling.Web.Data;
using Scheduling.Web.Features.Schedules;

namespace Scheduling.Web.Features.Executions;

public enum ExecutionStatus
{
    Pending,
    Running,
    Completed,
    Failed,
    Skipped,
    Cancelled,
}

/// <summary>
/// One run of a schedule. A planned run is unique on (schedule, occurrence): whatever crashes or how
/// many nodes dispatch, an occurrence runs at most once. The execution id is the idempotency key sent
/// to integrations, the same on every attempt and after recovery.
/// </summary>
public sealed class Execution : IWorkspaceOwned
{
    public Guid Id { get; set; }
    public Guid WorkspaceId { get; set; }
    public Guid ScheduleId { get; set; }
    public Schedule? Schedule { get; set; }

    /// <summary>"planned:2030-01-03T14:00:00Z" or "manual:&lt;id&gt;": unique per schedule.</summary>
    public required string OccurrenceKey { get; set; }
    public DateTime ScheduledFor { get; set; }
    public bool IsManual { get; set; }
    public bool CountsTowardMaxRuns { get; set; } = true;
    public ExecutionStatus Status { get; set; }
    public SchedulePriority Priority { get; set; }
    public JobType JobType { get; set; }
    public string? Title { get; set; }
    public int Attempts { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime? EnqueuedAt { get; set; }
    /// <summary>When the first attempt started (lag and duration are measured from it).</summary>
    public DateTime? StartedAt { get; set; }

    /// <summary>When the current (or last) attempt started: a retry after a long backoff is not "running" all along.</summary>
    public DateTime? AttemptStartedAt { get; set; }
    public DateTime? CompletedAt { get; set; }
    public long? DurationMs { get; set; }

    /// <summary>Why a pending run waits (overlap, limits) or why it was skipped, as shown; the engine compares <see cref="WaitReason"/>.</summary>
    public string? Reason { get; set; }

    /// <summary>Why a pending run waits, typed: what the engine's queries compare (the text in <see cref="Reason"/> may be reworded).</summary>
    public WaitReason WaitReason { get; set; }
    public DateTime? NotBefore { get; set; }

    /// <summary>
    /// When this run's publishing stages go (UTC): set when production finished and the run was held for it, or when
    /// someone moved it (the calendar, <c>PUT /executions/{id}/publish-at</c>). Null: never held.
    /// </summary>
    public DateTime? PublishAt { get; set; }

    /// <summary>The integration answered 202: the run stays running until it calls back or times out.</summary>
    public bool AwaitingCallback { get; set; }
    public DateTime? CallbackDeadline { get; set; }
    public string? Error { get; set; }

    /// <summary>JSON: the response of the integration, or per action for pipelines.</summary>
    public string? Result { get; set; }
    public string? HangfireJobId { get; set; }

    /// <summary>
    /// The node whose dispatcher claimed the run (its Execution:NodeName). A run claimed ahead waits in that node's
    /// memory until its time, without a job; if the node dies, the others see it here and take it over at once.
    /// </summary>
    public string? ClaimedBy { get; set; }
    public List<ExecutionAttempt> AttemptLog { get; set; } = [];

    /// <summary>Progress the integration reported (POST .../progress): the latest percent of <see cref="ProgressStage"/>.</summary>
    public int? ProgressPercent { get; set; }
    public string? ProgressStage { get; set; }
    public string? ProgressMessage { get; set; }

    /// <summary>When the progress last moved (percent or stage changed): what the stall check measures from.</summary>
    public DateTime? ProgressAt { get; set; }

    /// <summary>When the last <c>execution.progress</c> event was written: the throttle (Events:ProgressThrottle), shared by every node.</summary>
    public DateTime? ProgressEventAt { get; set; }

    /// <summary>Set by the alert evaluation when the progress has not moved for longer than the run's timeout; cleared when it moves.</summary>
    public DateTime? StalledSince { get; set; }

    public bool IsFinished => HasEnded(Status);

    /// <summary>A run in this status is over: completed, failed, skipped or cancelled.</summary>
    public static bool HasEnded(ExecutionStatus status) => status is ExecutionStatus.Completed or ExecutionStatus.Failed or ExecutionStatus.Skipped or ExecutionStatus.Cancelled;

    /// <summary>A failed or cancelled run can be tried again; a skipped one never ran and can run after all.</summary>
    public static bool CanRunAgain(ExecutionStatus status) => status is ExecutionStatus.Failed or ExecutionStatus.Cancelled or ExecutionStatus.Skipped;

    /// <summary>
    /// A planned run of the occurrence <paramref name="scheduledFor"/> as the dispatcher claims it: pending (waiting behind the
    /// earlier ones when <paramref name="catchingUp"/>), started no earlier than <paramref name="notBefore"/> (jitter).
    /// </summary>
    public static Execution Planned(Schedule schedule, DateTime scheduledFor, int runNumber, bool catchingUp, DateTime? notBefore, DateTime now) =>
        New(schedule, PlannedKey(scheduledFor), scheduledFor, runNumber, now, catchingUp ? WaitReason.CatchingUp : WaitReason.None, notBefore);

    /// <summary>A planned occurrence recorded as skipped without running (missed while the app was down, ...).</summary>
    public static Execution Skipped(Schedule schedule, DateTime scheduledFor, int runNumber, string? reason, DateTime now)
    {
        var run = New(schedule, PlannedKey(scheduledFor), scheduledFor, runNumber, now, WaitReason.None, null);
        run.Status = ExecutionStatus.Skipped;
        run.Reason = reason;
        run.CompletedAt = now;
        return run;
    }

    /// <summary>A run started by hand now; the schedule's planned runs are unchanged.</summary>
    public static Execution Manual(Schedule schedule, bool countsTowardMaxRuns, DateTime now)
    {
        var run = New(schedule, "manual:" + Guid.NewGuid().ToString("N"), now, schedule.RunCount, now, WaitReason.None, null);
        run.IsManual = true;
        run.CountsTowardMaxRuns = countsTowardMaxRuns;
        run.EnqueuedAt = now;
        return run;
    }

    /// <summary>
    /// A planned run of a past occurrence created by a backfill: not counted toward max runs (its run number is the
    /// schedule's count so far, as for a manual run); every one after the first of the backfill catches up behind it.
    /// </summary>
    public static Execution Backfilled(Schedule schedule, DateTime scheduledFor, bool first, DateTime now)
    {
        var run = New(schedule, PlannedKey(scheduledFor), scheduledFor, schedule.RunCount, now, first ? WaitReason.None : WaitReason.CatchingUp, null);
        run.CountsTowardMaxRuns = false;
        run.EnqueuedAt = now;
        return run;
    }

    private static Execution New(Schedule schedule, string key, DateTime scheduledFor, int runNumber, DateTime now, WaitReason waitReason, DateTime? notBefore) => new()
    {
        Id = Guid.CreateVersion7(),
        WorkspaceId = schedule.WorkspaceId,
        ScheduleId = schedule.Id,
        OccurrenceKey = key,
        ScheduledFor = scheduledFor,
        Status = ExecutionStatus.Pending,
        WaitReason = waitReason,
        Reason = WaitReasons.Describe(waitReason),
        NotBefore = notBefore,
        Priority = schedule.Priority,
        JobType = schedule.JobType,
        Title = schedule.TitleTemplate is { } template
            ? Core.Templates.TitleTemplate.Render(template, NodaTime.Instant.FromDateTimeUtc(DateTime.SpecifyKind(scheduledFor, DateTimeKind.Utc)), schedule.TimeZone, runNumber)
            : null,
        CreatedAt = now,
    };

    public static string PlannedKey(DateTime scheduledForUtc) => "planned:" + scheduledForUtc.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>One attempt of an execution, with what was sent and what came back.</summary>
public sealed class ExecutionAttempt : IWorkspaceOwned
{
    public Guid Id { get; set; }
    public Guid WorkspaceId { get; set; }
    public Guid ExecutionId { get; set; }
    public int Number { get; set; }
    public DateTime StartedAt { get; set; }
    public DateTime? CompletedAt { get; set; }
    public ExecutionStatus Status { get; set; }
    public string? Action { get; set; }
    public string? Target { get; set; }
    public string? Request { get; set; }
    public int? ResponseStatus { get; set; }
    public string? Response { get; set; }
    public string? Error { get; set; }
    public long? DurationMs { get; set; }
}

internal sealed class ExecutionConfiguration : IEntityTypeConfiguration<Execution>
{
    public void Configure(EntityTypeBuilder<Execution> builder)
    {
        builder.Property(e => e.OccurrenceKey).HasMaxLength(64);
        builder.Property(e => e.Status).HasConversion<string>().HasMaxLength(16);
        builder.Property(e => e.JobType).HasConversion<string>().HasMaxLength(32);
        builder.Property(e => e.Priority).HasConversion<int>();
        builder.Property(e => e.Title).HasMaxLength(500);
        builder.Property(e => e.Reason).HasMaxLength(500);
        builder.Property(e => e.WaitReason).HasConversion<string>().HasMaxLength(32);
        builder.Property(e => e.Error).HasMaxLength(4000);
        builder.Property(e => e.HangfireJobId).HasMaxLength(100);
        builder.Property(e => e.ClaimedBy).HasMaxLength(200);
        builder.Property(e => e.ProgressStage).HasMaxLength(Progress.ProgressLimits.StageLength);
        builder.Property(e => e.ProgressMessage).HasMaxLength(Progress.ProgressLimits.MessageLength);
        // The guarantee: one row per occurrence of a schedule, whichever node claims it.
        builder.HasIndex(e => new { e.ScheduleId, e.OccurrenceKey }).IsUnique();
        builder.HasIndex(e => new { e.ScheduleId, e.CreatedAt });
        builder.HasIndex(e => new { e.Status, e.WorkspaceId });
        // The runs of given schedules in a status: the ledger's read of the batch's schedules' waiting runs under the
        // workspace locks, and the release of the run waiting behind one that finished. Without it SQLite (no statistics)
        // took the status index and read every pending run of every workspace, each batch.
        builder.HasIndex(e => new { e.ScheduleId, e.Status });
        builder.HasIndex(e => new { e.WorkspaceId, e.CreatedAt });
        // The workspace limits count recent starts before every run.
        builder.HasIndex(e => new { e.WorkspaceId, e.StartedAt });
        // The calendar's range read (runs of a workspace between two instants). It also holds what places a run, so a
        // month's per-day counts read the index alone (none of these columns changes after the insert; decision 0032).
        builder.HasIndex(e => new { e.WorkspaceId, e.ScheduledFor, e.ScheduleId, e.IsManual });
        // The calendar's read of runs waiting to publish in its range (publish later: almost every row has none).
        builder.HasIndex(e => new { e.WorkspaceId, e.PublishAt });
        builder.HasOne(e => e.Schedule).WithMany().HasForeignKey(e => e.ScheduleId).OnDelete(DeleteBehavior.Cascade);
        builder.HasMany(e => e.AttemptLog).WithOne().HasForeignKey(a => a.ExecutionId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class ExecutionAttemptConfiguration : IEntityTypeConfiguration<ExecutionAttempt>
{
    public void Configure(EntityTypeBuilder<ExecutionAttempt> builder)
    {
        builder.Property(a => a.Status).HasConversion<string>().HasMaxLength(16);
        builder.Property(a => a.Action).HasMaxLength(32);
        builder.Property(a => a.Target).HasMaxLength(2000);
        builder.Property(a => a.Error).HasMaxLength(4000);
        builder.HasIndex(a => new { a.ExecutionId, a.Number });
    }
}
