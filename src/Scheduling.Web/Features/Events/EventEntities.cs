using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Scheduling.Web.Data;

namespace Scheduling.Web.Features.Events;

/// <summary>A workspace's receiver of lifecycle events: a URL, the event types it wants ("*" = all), its signing secret.</summary>
public sealed class EventSubscription : IWorkspaceOwned
{
    public Guid Id { get; set; }
    public Guid WorkspaceId { get; set; }
    public required string Url { get; set; }

    /// <summary>Event type names separated by commas, or "*" for every type (new types included).</summary>
    public required string Events { get; set; }
    public string? Description { get; set; }

    /// <summary>The HMAC secret, protected by ASP.NET Data Protection (keys in the database); shown once.</summary>
    public required string ProtectedSecret { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime SecretCreatedAt { get; set; }

    /// <summary>
    /// The node that sends this subscription's deliveries until <see cref="LeaseUntil"/>: taken by a compare-and-set, so two
    /// nodes never send the same subscription's events, and its events go out one after the other, in order.
    /// </summary>
    public string? LeaseOwner { get; set; }
    public DateTime? LeaseUntil { get; set; }
}

/// <summary>
/// The outbox: one row per change of a schedule or a run, written in the change's own transaction (a change that rolls
/// back leaves no event). The delivery loop fans each out to the matching subscriptions (<see cref="FannedOut"/>).
/// </summary>
public sealed class LifecycleEvent : IWorkspaceOwned
{
    /// <summary>Increasing: the order of events (per subscription, deliveries follow it).</summary>
    public long Id { get; set; }

    /// <summary>The envelope's id and the receiver's <c>Idempotency-Key</c>: kept by every redelivery.</summary>
    public Guid EventId { get; set; }
    public Guid WorkspaceId { get; set; }
    public required string Type { get; set; }

    /// <summary>The schedule's or execution's id.</summary>
    public Guid SubjectId { get; set; }
    public DateTime OccurredAt { get; set; }

    /// <summary>
    /// The schedule or execution as the API returns it (JSON). Schedule events carry it from the change; run events are
    /// written by one INSERT without it (the engine's hot path), and the fan-out fills it in moments later.
    /// </summary>
    public string? Data { get; set; }
    public bool FannedOut { get; set; }
}

public enum EventDeliveryStatus
{
    Pending,
    Delivered,
    Failed,
}

/// <summary>One event for one subscription: attempts, the last answer, and when to try again.</summary>
public sealed class EventDelivery : IWorkspaceOwned
{
    public Guid Id { get; set; }
    public Guid WorkspaceId { get; set; }
    public Guid SubscriptionId { get; set; }
    public long EventId { get; set; }
    public LifecycleEvent? Event { get; set; }
    public EventDeliveryStatus Status { get; set; }
    public int Attempts { get; set; }
    public DateTime CreatedAt { get; set; }

    /// <summary>Retries stop this long after the first attempt (or the redelivery): the delivery is then failed.</summary>
    public DateTime FirstAttemptAt { get; set; }
    public DateTime NextAttemptAt { get; set; }
    public DateTime? LastAttemptAt { get; set; }
    public DateTime? DeliveredAt { get; set; }
    public int? ResponseStatus { get; set; }
    public string? Response { get; set; }
    public string? Error { get; set; }
}

internal sealed class EventSubscriptionConfiguration : IEntityTypeConfiguration<EventSubscription>
{
    public void Configure(EntityTypeBuilder<EventSubscription> builder)
    {
        builder.Property(s => s.Url).HasMaxLength(2000);
        builder.Property(s => s.Events).HasMaxLength(2000);
        builder.Property(s => s.Description).HasMaxLength(500);
        builder.Property(s => s.ProtectedSecret).HasMaxLength(2000);
        builder.Property(s => s.LeaseOwner).HasMaxLength(200);
        builder.HasIndex(s => s.WorkspaceId);
        builder.HasOne<Workspaces.Workspace>().WithMany().HasForeignKey(s => s.WorkspaceId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class LifecycleEventConfiguration : IEntityTypeConfiguration<LifecycleEvent>
{
    public void Configure(EntityTypeBuilder<LifecycleEvent> builder)
    {
        builder.ToTable("LifecycleEvents");
        builder.Property(e => e.Type).HasMaxLength(64);
        // The fan-out's scan: the few rows not yet fanned out, in order.
        builder.HasIndex(e => new { e.FannedOut, e.Id });
        builder.HasIndex(e => new { e.WorkspaceId, e.Id });
        builder.HasOne<Workspaces.Workspace>().WithMany().HasForeignKey(e => e.WorkspaceId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class EventDeliveryConfiguration : IEntityTypeConfiguration<EventDelivery>
{
    public void Configure(EntityTypeBuilder<EventDelivery> builder)
    {
        builder.Property(d => d.Status).HasConversion<string>().HasMaxLength(16);
        builder.Property(d => d.Response).HasMaxLength(4096);
        builder.Property(d => d.Error).HasMaxLength(1000);
        // One delivery per event and subscription, whichever node fans out.
        builder.HasIndex(d => new { d.EventId, d.SubscriptionId }).IsUnique();
        // A subscription's queue, in event order; and the workspace's delivery log.
        builder.HasIndex(d => new { d.SubscriptionId, d.Status, d.EventId });
        builder.HasIndex(d => new { d.WorkspaceId, d.EventId });
        builder.HasOne(d => d.Event).WithMany().HasForeignKey(d => d.EventId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<EventSubscription>().WithMany().HasForeignKey(d => d.SubscriptionId).OnDelete(DeleteBehavior.Cascade);
    }
}
