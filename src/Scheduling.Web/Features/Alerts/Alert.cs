using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Scheduling.Web.Data;
using Scheduling.Web.Features.Schedules;

namespace Scheduling.Web.Features.Alerts;

public enum AlertKind
{
    ConsecutiveFailures,
    Overdue,
    ApproachingMaxRuns,
    RunningTooLong,

    /// <summary>A running run's reported progress has not moved for longer than its timeout.</summary>
    Stalled,
}

/// <summary>Something about a schedule that needs a person; shown until dismissed. One per condition occurrence (Key).</summary>
public sealed class Alert : IWorkspaceOwned
{
    public Guid Id { get; set; }
    public Guid WorkspaceId { get; set; }
    public Guid ScheduleId { get; set; }
    public Schedule? Schedule { get; set; }
    public AlertKind Kind { get; set; }

    /// <summary>What makes this occurrence of the condition unique (e.g. the last failed run): raised once.</summary>
    public required string Key { get; set; }
    public required string Message { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime? DismissedAt { get; set; }
}

internal sealed class AlertConfiguration : IEntityTypeConfiguration<Alert>
{
    public void Configure(EntityTypeBuilder<Alert> builder)
    {
        builder.Property(a => a.Kind).HasConversion<string>().HasMaxLength(32);
        builder.Property(a => a.Key).HasMaxLength(128);
        builder.Property(a => a.Message).HasMaxLength(500);
        builder.HasIndex(a => new { a.ScheduleId, a.Key }).IsUnique();
        builder.HasIndex(a => new { a.WorkspaceId, a.DismissedAt });
        builder.HasOne(a => a.Schedule).WithMany().HasForeignKey(a => a.ScheduleId).OnDelete(DeleteBehavior.Cascade);
    }
}
