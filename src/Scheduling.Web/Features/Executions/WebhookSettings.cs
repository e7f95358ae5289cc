using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Scheduling.Core.Scheduling;
using Scheduling.Web.Data;

namespace Scheduling.Web.Features.Executions;

/// <summary>
/// A workspace's signing secret for webhooks (HMAC-SHA256). Stored protected by ASP.NET Data
/// Protection (keys in the database, shared by nodes); shown once when generated or rotated.
/// </summary>
public sealed class WebhookSecret : IWorkspaceOwned
{
    public Guid Id { get; set; }
    public Guid WorkspaceId { get; set; }
    public required string ProtectedValue { get; set; }
    public DateTime CreatedAt { get; set; }
}

/// <summary>Where the workspace's work of one job type is delivered when a schedule names no URL.</summary>
public sealed class WebhookEndpoint : IWorkspaceOwned
{
    public Guid Id { get; set; }
    public Guid WorkspaceId { get; set; }
    public JobType JobType { get; set; }
    public required string Url { get; set; }
}

internal sealed class WebhookSecretConfiguration : IEntityTypeConfiguration<WebhookSecret>
{
    public void Configure(EntityTypeBuilder<WebhookSecret> builder)
    {
        builder.Property(s => s.ProtectedValue).HasMaxLength(2000);
        builder.HasIndex(s => s.WorkspaceId).IsUnique();
        builder.HasOne<Workspaces.Workspace>().WithMany().HasForeignKey(s => s.WorkspaceId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class WebhookEndpointConfiguration : IEntityTypeConfiguration<WebhookEndpoint>
{
    public void Configure(EntityTypeBuilder<WebhookEndpoint> builder)
    {
        builder.Property(e => e.JobType).HasConversion<string>().HasMaxLength(32);
        builder.Property(e => e.Url).HasMaxLength(2000);
        builder.HasIndex(e => new { e.WorkspaceId, e.JobType }).IsUnique();
        builder.HasOne<Workspaces.Workspace>().WithMany().HasForeignKey(e => e.WorkspaceId).OnDelete(DeleteBehavior.Cascade);
    }
}
