using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Scheduling.Core.Scheduling;
using Scheduling.Web.Data;

namespace Scheduling.Web.Features.Schedules;

/// <summary>
/// A planned piece of work: once at a local wall time, or on a recurrence rule, in an IANA zone.
/// Local wall times are stored as ISO text ("2026-03-01T09:00:00"): they are not instants and must not
/// be converted by any provider; instants (<see cref="NextRunAt"/> ...) are UTC.
/// </summary>
public sealed class Schedule : IWorkspaceOwned
{
    public Guid Id { get; set; }
    public Guid WorkspaceId { get; set; }
    public required string Name { get; set; }
    public string? Description { get; set; }
    public JobType JobType { get; set; }

    /// <summary>A JSON object, kept as written.</summary>
    public string JobConfig { get; set; } = "{}";
    public ScheduleType ScheduleType { get; set; }
    public required string TimeZone { get; set; }

    /// <summary>Once: the local wall time.</summary>
    public string? ScheduledAt { get; set; }

    /// <summary>Recurring: the rule as RFC 5545 RRULE text (the one model, whatever the input was).</summary>
    public string? RecurrenceRule { get; set; }

    /// <summary>Recurring: DTSTART, a local wall time (the lower bound of the rule).</summary>
    public string? RecurrenceStart { get; set; }

    /// <summary>Recurring, entered as cron: the expression as typed, to show it back.</summary>
    public string? CronExpression { get; set; }

    public ScheduleStatus Status { get; set; }
    public SchedulePriority Priority { get; set; } = SchedulePriority.Normal;
    public DateTime? NextRunAt { get; set; }
    public DateTime? LastRunAt { get; set; }
    public int RunCount { get; set; }
    public int? MaxRuns { get; set; }
    public MissedRunPolicy MissedPolicy { get; set; } = MissedRunPolicy.RunLatest;
    public OverlapPolicy OverlapPolicy { get; set; } = OverlapPolicy.Skip;
    public RetryStrategy RetryStrategy { get; set; } = RetryStrategy.None;
    public int RetryMaxAttempts { get; set; } = 1;
    public int RetryBaseDelaySeconds { get; set; } = 30;
    public int RetryMaxDelaySeconds { get; set; } = 3600;
    public int? TimeoutSeconds { get; set; }

    /// <summary>Runs start up to this many seconds after their occurrence (a fixed offset per occurrence); 0 = on time.</summary>
    public int JitterSeconds { get; set; }
    public string? WebhookUrl { get; set; }
    public string? TitleTemplate { get; set; }
    public string? PauseNote { get; set; }

    /// <summary>The schedule's own pipeline stages as JSON (Features/Pipelines); null: the workspace's for its job type.</summary>
    public string? PipelineJson { get; set; }

    /// <summary>
    /// When the publishing stages go, apart from production (<see cref="Core.Scheduling.PublishTime"/>: a local wall time
    /// or an offset after each occurrence such as "+2d@12:00"); null: they go right after production.
    /// </summary>
    public string? PublishAt { get; set; }

    /// <summary>The channel it posts to (same workspace), whose rules, pause and delivery apply.</summary>
    public Guid? ChannelId { get; set; }
    public required string CreatedByUserId { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }

    /// <summary>
    /// Counts the changes people make (edit, pause, resume, cancel): the API's ETag and the editor's
    /// guard against overwriting someone else's edit. Claimed by a compare-and-set in ScheduleService, so
    /// two saves of the same version cannot both succeed; not an EF concurrency token, so the engine's
    /// bookkeeping (next run, run count) neither changes it nor fails on it.
    /// </summary>
    public int Version { get; set; } = 1;

    /// <summary>"This and following": the schedule this one continues (it ended just before this one starts).</summary>
    public Guid? SplitFromId { get; set; }

    /// <summary>"This and following": the schedule that continues this one (this one ended just before it starts).</summary>
    public Guid? SplitIntoId { get; set; }
    public List<ScheduleException> Exceptions { get; set; } = [];
}

public enum ScheduleExceptionKind
{
    /// <summary>The occurrence at <see cref="ScheduleException.Original"/> does not run.</summary>
    Skip,

    /// <summary>The occurrence at <see cref="ScheduleException.Original"/> runs at <see cref="ScheduleException.Replacement"/>.</summary>
    Move,

    /// <summary>Nothing runs on the local date of <see cref="ScheduleException.Original"/>.</summary>
    Blackout,
}

/// <summary>A change to one occurrence (or one day) of a recurring schedule, in its local time.</summary>
public sealed class ScheduleException : IWorkspaceOwned
{
    public Guid Id { get; set; }
    public Guid WorkspaceId { get; set; }
    public Guid ScheduleId { get; set; }
    public ScheduleExceptionKind Kind { get; set; }
    public required string Original { get; set; }
    public string? Replacement { get; set; }
}

internal sealed class ScheduleConfiguration : IEntityTypeConfiguration<Schedule>
{
    public void Configure(EntityTypeBuilder<Schedule> builder)
    {
        builder.Property(s => s.Name).HasMaxLength(ScheduleLimits.MaxNameLength);
        builder.Property(s => s.Description).HasMaxLength(ScheduleLimits.MaxDescriptionLength);
        builder.Property(s => s.TimeZone).HasMaxLength(64);
        builder.Property(s => s.ScheduledAt).HasMaxLength(32);
        builder.Property(s => s.RecurrenceStart).HasMaxLength(32);
        builder.Property(s => s.RecurrenceRule).HasMaxLength(2000);
        builder.Property(s => s.CronExpression).HasMaxLength(200);
        builder.Property(s => s.WebhookUrl).HasMaxLength(2000);
        builder.Property(s => s.TitleTemplate).HasMaxLength(500);
        builder.Property(s => s.PublishAt).HasMaxLength(32);
        builder.Property(s => s.PauseNote).HasMaxLength(500);
        builder.Property(s => s.CreatedByUserId).HasMaxLength(450);
        foreach (var property in new[] { nameof(Schedule.JobType), nameof(Schedule.ScheduleType), nameof(Schedule.Status), nameof(Schedule.MissedPolicy), nameof(Schedule.OverlapPolicy), nameof(Schedule.RetryStrategy) })
        {
            builder.Property(property).HasConversion<string>().HasMaxLength(32);
        }
        // Priority is stored as its number so that "urgent first" is an ORDER BY.
        builder.Property(s => s.Priority).HasConversion<int>();

        // The indexes of seed 002: the workspace's grid, the dispatcher's due scan, and priority order.
        builder.HasIndex(s => new { s.WorkspaceId, s.Status });
        builder.HasIndex(s => new { s.NextRunAt, s.Status });
        builder.HasIndex(s => new { s.Status, s.Priority, s.NextRunAt });
        builder.HasOne<Workspaces.Workspace>().WithMany().HasForeignKey(s => s.WorkspaceId).OnDelete(DeleteBehavior.Cascade);
        // No database action: SQL Server refuses a second cascade path from the workspace; ChannelService
        // detaches the schedules before it deletes a channel. The index serves a channel's posts by time.
        builder.HasOne<Channels.Channel>().WithMany().HasForeignKey(s => s.ChannelId).OnDelete(DeleteBehavior.ClientSetNull);
        builder.HasIndex(s => new { s.ChannelId, s.NextRunAt });
        builder.HasMany(s => s.Exceptions).WithOne().HasForeignKey(e => e.ScheduleId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class ScheduleExceptionConfiguration : IEntityTypeConfiguration<ScheduleException>
{
    public void Configure(EntityTypeBuilder<ScheduleException> builder)
    {
        builder.Property(e => e.Kind).HasConversion<string>().HasMaxLength(16);
        builder.Property(e => e.Original).HasMaxLength(32);
        builder.Property(e => e.Replacement).HasMaxLength(32);
        builder.HasIndex(e => new { e.ScheduleId, e.Kind, e.Original }).IsUnique();
    }
}

public static class ScheduleLimits
{
    public const int MaxNameLength = 200;
    public const int MaxDescriptionLength = 2000;
    public const int MaxJobConfigLength = 64 * 1024;
    public const int MaxExceptions = 500;
    public const int MaxPreviewCount = 1000;
    public const int MaxPageSize = 200;
    public const int MaxRetryAttempts = 20;
    public const int MaxTimeoutSeconds = 24 * 3600;
}
