using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Scheduling.Web.Data;

namespace Scheduling.Web.Features.Channels;

/// <summary>
/// How a schedule came onto a channel when the planning side put it there (add to queue, a wave, an evergreen repost):
/// its content item, wave and repeat number. <see cref="SlotAt"/> is the posting slot it claimed (queue and evergreen
/// only): unique per channel, so two simultaneous adds cannot both take the same slot (the loser retries, decision 0023).
/// </summary>
public sealed class ChannelPost : IWorkspaceOwned
{
    public Guid Id { get; set; }
    public Guid WorkspaceId { get; set; }
    public Guid ScheduleId { get; set; }
    public Guid ChannelId { get; set; }
    public Guid? ContentId { get; set; }
    public Guid? WaveId { get; set; }

    /// <summary>The claimed slot (UTC); null for posts at a chosen time (simultaneous and staggered waves).</summary>
    public DateTime? SlotAt { get; set; }

    /// <summary>0 for the first post of the content on the channel, n for its n-th evergreen repost.</summary>
    public int Repeat { get; set; }
}

internal sealed class ChannelPostConfiguration : IEntityTypeConfiguration<ChannelPost>
{
    public void Configure(EntityTypeBuilder<ChannelPost> builder)
    {
        builder.HasIndex(p => p.ScheduleId).IsUnique();
        // NULLs never collide (SQL Server's unique index on a nullable column is filtered IS NOT NULL by EF).
        builder.HasIndex(p => new { p.ChannelId, p.SlotAt }).IsUnique();
        builder.HasIndex(p => new { p.ContentId, p.ChannelId });
        // One n-th evergreen repost of an item per channel: two recycling passes at once (two nodes, or a manual and a
        // recurring pass) both find it missing and would each place one; the second insert fails here instead. The
        // filter's double quotes are standard SQL, accepted by all three providers (SQL Server with QUOTED_IDENTIFIER ON,
        // as its filtered indexes require anyway).
        builder.HasIndex(p => new { p.ContentId, p.ChannelId, p.Repeat }, "IX_ChannelPosts_OneRepostPerRepeat").IsUnique()
            .HasFilter("\"ContentId\" IS NOT NULL AND \"Repeat\" > 0");
        builder.HasIndex(p => p.WaveId);
        // The schedule owns it (deleted with it); no other cascade: SQL Server refuses a second path from the workspace.
        builder.HasOne<Schedules.Schedule>().WithMany().HasForeignKey(p => p.ScheduleId).OnDelete(DeleteBehavior.Cascade);
    }
}
