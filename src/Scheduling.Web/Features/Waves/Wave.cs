using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Scheduling.Web.Data;

namespace Scheduling.Web.Features.Waves;

/// <summary>How a wave places its channels. Wire names: simultaneous, staggered, independent.</summary>
public enum WaveMode
{
    /// <summary>The same instant on every channel.</summary>
    Simultaneous,

    /// <summary>The first channel at the time, the others after their offsets (or staggerMinutes apart, in order).</summary>
    Staggered,

    /// <summary>Each channel's next free posting slot from now (or from the time).</summary>
    Independent,
}

/// <summary>
/// One release of a content item across several channels: a coordination id over ordinary one-time schedules, one per
/// channel (ChannelPost.WaveId), which the engine runs as it runs every schedule. Created, moved, paused and cancelled as a unit.
/// </summary>
public sealed class Wave : IWorkspaceOwned
{
    public Guid Id { get; set; }
    public Guid WorkspaceId { get; set; }
    public Guid ContentId { get; set; }
    public required string Name { get; set; }
    public WaveMode Mode { get; set; }

    /// <summary>The local wall time asked for ("2030-03-04T09:00:00"), in <see cref="TimeZone"/>; null for independent from now.</summary>
    public string? At { get; set; }
    public required string TimeZone { get; set; }
    public required string CreatedByUserId { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
}

internal sealed class WaveConfiguration : IEntityTypeConfiguration<Wave>
{
    public void Configure(EntityTypeBuilder<Wave> builder)
    {
        builder.Property(w => w.Name).HasMaxLength(200);
        builder.Property(w => w.Mode).HasConversion<string>().HasMaxLength(16);
        builder.Property(w => w.At).HasMaxLength(32);
        builder.Property(w => w.TimeZone).HasMaxLength(64);
        builder.Property(w => w.CreatedByUserId).HasMaxLength(450);
        builder.HasIndex(w => new { w.WorkspaceId, w.CreatedAt });
        builder.HasOne<Workspaces.Workspace>().WithMany().HasForeignKey(w => w.WorkspaceId).OnDelete(DeleteBehavior.Cascade);
    }
}
