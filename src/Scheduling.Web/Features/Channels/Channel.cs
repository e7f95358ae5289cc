using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Scheduling.Core.Channels;
using Scheduling.Web.Data;

namespace Scheduling.Web.Features.Channels;

/// <summary>
/// Where content is published (a YouTube channel, a newsletter ...): its posting grid and rules in its own zone,
/// and where its runs are delivered. Schedules join a channel by <see cref="Schedules.Schedule.ChannelId"/>.
/// The grid and the dates are small lists kept as text (ChannelText), not rows: they are read and written whole.
/// </summary>
public sealed class Channel : IWorkspaceOwned
{
    public Guid Id { get; set; }
    public Guid WorkspaceId { get; set; }
    public required string Name { get; set; }
    public ChannelPlatform Platform { get; set; }

    /// <summary>"#RRGGBB".</summary>
    public required string Color { get; set; }
    public required string TimeZone { get; set; }

    /// <summary>Its own webhook URL; else the workspace endpoint for the job type (a schedule's own URL wins over both).</summary>
    public string? WebhookUrl { get; set; }

    /// <summary>The weekly grid: "monday 09:00,saturday 11:00" (ChannelText).</summary>
    public string PostingTimes { get; set; } = "";
    public int MinGapMinutes { get; set; }
    public int? MaxPerDay { get; set; }

    /// <summary>Typed blackout dates: "2026-12-25,2026-12-26".</summary>
    public string BlackoutDates { get; set; } = "";

    /// <summary>Blackout dates of the last .ics import (a re-import replaces them, the typed ones stay).</summary>
    public string ImportedBlackoutDates { get; set; } = "";
    public ConflictMode ConflictMode { get; set; } = ConflictMode.Warn;

    /// <summary>Set while paused: the dispatcher claims none of its schedules' runs, and runs already claimed wait.</summary>
    public DateTime? PausedAt { get; set; }
    public string? PauseNote { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
}

internal sealed class ChannelConfiguration : IEntityTypeConfiguration<Channel>
{
    public void Configure(EntityTypeBuilder<Channel> builder)
    {
        builder.Property(c => c.Name).HasMaxLength(ChannelLimits.MaxNameLength);
        builder.Property(c => c.Platform).HasConversion<string>().HasMaxLength(16);
        builder.Property(c => c.Color).HasMaxLength(7);
        builder.Property(c => c.TimeZone).HasMaxLength(64);
        builder.Property(c => c.WebhookUrl).HasMaxLength(2000);
        builder.Property(c => c.PostingTimes).HasMaxLength(4000);
        builder.Property(c => c.ConflictMode).HasConversion<string>().HasMaxLength(8);
        builder.Property(c => c.PauseNote).HasMaxLength(500);
        builder.HasIndex(c => new { c.WorkspaceId, c.Name });
        builder.HasOne<Workspaces.Workspace>().WithMany().HasForeignKey(c => c.WorkspaceId).OnDelete(DeleteBehavior.Cascade);
    }
}

public static class ChannelLimits
{
    public const int MaxNameLength = 100;
    public const int MaxPostingTimes = 7 * 24;
    public const int MaxBlackoutDates = 2000;
    public const int MaxPageSize = 100;
    public const int MaxMinGapMinutes = 7 * 24 * 60;
    public const int MaxPerDay = 100;
    public const int MaxQueueDays = 92;

    /// <summary>How far ahead add-to-queue looks for a free slot.</summary>
    public const int QueueSearchDays = 366;
}
