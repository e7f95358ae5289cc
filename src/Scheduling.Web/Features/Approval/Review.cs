using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Scheduling.Web.Data;

namespace Scheduling.Web.Features.Approval;

public enum ReviewDecision
{
    /// <summary>A Creator asked for approval.</summary>
    Submitted,
    Approved,
    Rejected,

    /// <summary>A Creator changed an approved item: it went back to review (its runs held).</summary>
    Returned,
}

/// <summary>
/// One step of an item's review history: who, when, what, and why. <see cref="SubjectKind"/> names the kind of item
/// ("schedule"; series and waves use their own kind), so every approvable feature shares this table and the queue.
/// An approval keeps the definition it approved (<see cref="Snapshot"/>): the next review shows what changed since.
/// </summary>
public sealed class Review : IWorkspaceOwned
{
    public Guid Id { get; set; }
    public Guid WorkspaceId { get; set; }
    public required string SubjectKind { get; set; }
    public Guid SubjectId { get; set; }
    public ReviewDecision Decision { get; set; }
    public string? Comment { get; set; }
    public required string UserId { get; set; }
    public DateTime At { get; set; }

    /// <summary>Approved: the definition approved (JSON: field → value).</summary>
    public string? Snapshot { get; set; }
}

internal sealed class ReviewConfiguration : IEntityTypeConfiguration<Review>
{
    public void Configure(EntityTypeBuilder<Review> builder)
    {
        builder.Property(r => r.SubjectKind).HasMaxLength(32);
        builder.Property(r => r.Decision).HasConversion<string>().HasMaxLength(16);
        builder.Property(r => r.Comment).HasMaxLength(ReviewRules.MaxCommentLength);
        builder.Property(r => r.UserId).HasMaxLength(450);
        builder.HasIndex(r => new { r.SubjectKind, r.SubjectId, r.At });
        builder.HasOne<Workspaces.Workspace>().WithMany().HasForeignKey(r => r.WorkspaceId).OnDelete(DeleteBehavior.Cascade);
    }
}

public static class ReviewRules
{
    public const int MaxCommentLength = 2000;
}
