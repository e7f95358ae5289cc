using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Scheduling.Core.Scheduling;
using Scheduling.Web.Data;

namespace Scheduling.Web.Features.Content;

/// <summary>Where a piece of content is in its life. Wire names: idea, draft, ready, published, archived.</summary>
public enum ContentStatus
{
    Idea,
    Draft,
    Ready,
    Published,
    Archived,
}

/// <summary>
/// A piece of content (a video, an issue of a newsletter, a post) planned onto channels: by add to queue, by a wave, and
/// again as an evergreen repost. What runs is a schedule per channel (ChannelPost links them); the item holds what the
/// job delivers (job type and config) and what people plan with (notes, links, tags, owner, status).
/// </summary>
public sealed class ContentItem : IWorkspaceOwned
{
    public Guid Id { get; set; }
    public Guid WorkspaceId { get; set; }
    public required string Title { get; set; }

    /// <summary>Body or notes.</summary>
    public string? Description { get; set; }
    public JobType JobType { get; set; } = JobType.Publish;

    /// <summary>A JSON object, kept as written; each schedule made from the item starts from it.</summary>
    public string JobConfig { get; set; } = "{}";

    /// <summary>Links to the assets, one per line.</summary>
    public string Assets { get; set; } = "";

    /// <summary>Tags, comma separated, lower case.</summary>
    public string Tags { get; set; } = "";
    public ContentStatus Status { get; set; } = ContentStatus.Draft;

    /// <summary>The member responsible (a user id of the workspace), if any.</summary>
    public string? OwnerUserId { get; set; }

    /// <summary>Evergreen: after each publication on a channel the item goes back to the end of that channel's queue.</summary>
    public bool Evergreen { get; set; }

    /// <summary>At least this many days between two publications on one channel.</summary>
    public int EvergreenIntervalDays { get; set; } = 30;

    /// <summary>At most this many reposts per channel (null: no limit but the date).</summary>
    public int? EvergreenMaxRepeats { get; set; }

    /// <summary>No repost after this date (UTC midnight of the date; null: no limit but the count).</summary>
    public DateTime? EvergreenUntil { get; set; }
    public required string CreatedByUserId { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
}

internal sealed class ContentItemConfiguration : IEntityTypeConfiguration<ContentItem>
{
    public void Configure(EntityTypeBuilder<ContentItem> builder)
    {
        builder.Property(c => c.Title).HasMaxLength(ContentLimits.MaxTitleLength);
        builder.Property(c => c.Description).HasMaxLength(ContentLimits.MaxDescriptionLength);
        builder.Property(c => c.JobType).HasConversion<string>().HasMaxLength(32);
        builder.Property(c => c.Assets).HasMaxLength(ContentLimits.MaxAssets * (ContentLimits.MaxAssetLength + 1));
        builder.Property(c => c.Tags).HasMaxLength(ContentLimits.MaxTags * (ContentLimits.MaxTagLength + 1));
        builder.Property(c => c.Status).HasConversion<string>().HasMaxLength(16);
        builder.Property(c => c.OwnerUserId).HasMaxLength(450);
        builder.Property(c => c.CreatedByUserId).HasMaxLength(450);
        builder.HasIndex(c => new { c.WorkspaceId, c.Status, c.UpdatedAt });
        builder.HasOne<Workspaces.Workspace>().WithMany().HasForeignKey(c => c.WorkspaceId).OnDelete(DeleteBehavior.Cascade);
    }
}

public static class ContentLimits
{
    public const int MaxTitleLength = 200;
    public const int MaxDescriptionLength = 4000;
    public const int MaxAssets = 20;
    public const int MaxAssetLength = 2000;
    public const int MaxTags = 20;
    public const int MaxTagLength = 40;
    public const int MaxPageSize = 100;
    public const int MaxEvergreenIntervalDays = 3650;
    public const int MaxEvergreenRepeats = 1000;
}
