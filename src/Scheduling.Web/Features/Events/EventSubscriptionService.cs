using System.Text.Json;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Scheduling.Web.Api;
using Scheduling.Web.Data;
using Scheduling.Web.Engine;
using Scheduling.Web.Features.Workspaces;

namespace Scheduling.Web.Features.Events;

public sealed record EventSubscriptionInput(string? Url, IReadOnlyList<string>? Events, string? Description);

public sealed record EventSubscriptionView(Guid Id, string Url, IReadOnlyList<string> Events, string? Description, DateTime CreatedAt, DateTime SecretCreatedAt);

/// <summary>A subscription just created, or its secret just rotated: the secret is shown this once.</summary>
public sealed record EventSubscriptionWithSecret(EventSubscriptionView Subscription, string Secret);

public sealed record EventDeliveryView(
    Guid Id, Guid SubscriptionId, Guid EventId, string Type, DateTime OccurredAt, EventDeliveryStatus Status, int Attempts,
    DateTime? LastAttemptAt, DateTime NextAttemptAt, DateTime? DeliveredAt, int? ResponseStatus, string? Response, string? Error);

public sealed record EventTestResult(string Url, bool Succeeded, int? Status, long DurationMs, string? Body, string? Error);

/// <summary>
/// The current workspace's event subscriptions and their delivery log. Everyone in the workspace reads (Managers too);
/// Owners and Admins change them, as they do the job webhooks.
/// </summary>
public sealed class EventSubscriptionService(
    IDbContextFactory<AppDbContext> contexts, WorkspaceContext current, IDataProtectionProvider protection, TimeProvider clock,
    WebhookTargetPolicy targets, WebhookDelivery delivery, SubscriptionDirectory directory)
{
    public const int MaxSubscriptions = 20;
    public const int MaxPageSize = 200;
    private readonly IDataProtector _protector = CreateProtector(protection);

    internal static IDataProtector CreateProtector(IDataProtectionProvider protection) => protection.CreateProtector("Scheduling.Web.EventSubscriptionSecret.v1");

    private DateTime Now => clock.GetUtcNow().UtcDateTime;

    public async Task<IReadOnlyList<EventSubscriptionView>> ListAsync(CancellationToken ct = default)
    {
        current.RequireWorkspace();
        await using var db = await contexts.CreateDbContextAsync(ct);
        var rows = await db.EventSubscriptions.AsNoTracking().OrderBy(s => s.CreatedAt).ToListAsync(ct);
        return [.. rows.Select(ToView)];
    }

    public async Task<EventSubscriptionWithSecret> CreateAsync(EventSubscriptionInput input, CancellationToken ct = default)
    {
        current.RequireMemberManager();
        var workspaceId = current.RequireWorkspace();
        var (url, events, description) = await ValidateAsync(input, ct);
        await using var db = await contexts.CreateDbContextAsync(ct);
        if (await db.EventSubscriptions.CountAsync(ct) >= MaxSubscriptions)
        {
            throw new ConflictException($"A workspace has at most {MaxSubscriptions} event subscriptions.");
        }
        var secret = NewSecret();
        var now = Now;
        var subscription = new EventSubscription
        {
            Id = Guid.CreateVersion7(), WorkspaceId = workspaceId, Url = url, Events = events, Description = description,
            ProtectedSecret = _protector.Protect(secret), CreatedAt = now, SecretCreatedAt = now,
        };
        db.EventSubscriptions.Add(subscription);
        await db.SaveChangesAsync(ct);
        directory.Invalidate();
        return new EventSubscriptionWithSecret(ToView(subscription), secret);
    }

    public async Task<EventSubscriptionView> UpdateAsync(Guid id, EventSubscriptionInput input, CancellationToken ct = default)
    {
        current.RequireMemberManager();
        await using var db = await contexts.CreateDbContextAsync(ct);
        var subscription = await FindAsync(db, id, ct);
        var (url, events, description) = await ValidateAsync(input, ct);
        subscription.Url = url;
        subscription.Events = events;
        subscription.Description = description;
        await db.SaveChangesAsync(ct);
        return ToView(subscription);
    }

    public async Task DeleteAsync(Guid id, CancellationToken ct = default)
    {
        current.RequireMemberManager();
        await using var db = await contexts.CreateDbContextAsync(ct);
        db.EventSubscriptions.Remove(await FindAsync(db, id, ct));
        await db.SaveChangesAsync(ct);
        directory.Invalidate();
    }

    /// <summary>A new secret replaces the old one at once; the value is returned only here.</summary>
    public async Task<EventSubscriptionWithSecret> RotateSecretAsync(Guid id, CancellationToken ct = default)
    {
        current.RequireMemberManager();
        await using var db = await contexts.CreateDbContextAsync(ct);
        var subscription = await FindAsync(db, id, ct);
        var secret = NewSecret();
        subscription.ProtectedSecret = _protector.Protect(secret);
        subscription.SecretCreatedAt = Now;
        await db.SaveChangesAsync(ct);
        return new EventSubscriptionWithSecret(ToView(subscription), secret);
    }

    /// <summary>A signed <c>ping</c> event (not stored, not retried), sent now; reports the answer.</summary>
    public async Task<EventTestResult> SendTestAsync(Guid id, CancellationToken ct = default)
    {
        current.RequireMemberManager();
        await using var db = await contexts.CreateDbContextAsync(ct);
        var subscription = await FindAsync(db, id, ct);
        var url = new Uri(subscription.Url);
        await targets.EnsureDeliverableAsync(url, "url", ct);
        var ping = new LifecycleEvent
        {
            EventId = Guid.CreateVersion7(), WorkspaceId = subscription.WorkspaceId, Type = EventTypes.Ping, OccurredAt = Now,
            Data = JsonSerializer.Serialize(new { subscriptionId = subscription.Id, message = "A test from Settings > Events: answer 2xx. No change is behind it." }, EventTypes.Json),
        };
        var response = await delivery.PostAsync(url, EventDeliverer.Serialize(ping), ping.EventId.ToString(), _protector.Unprotect(subscription.ProtectedSecret),
            TimeSpan.FromSeconds(10), ct, EventTypes.Ping);
        var shown = response.Body is { Length: > 1000 } text ? text[..1000] + "…" : response.Body;
        return new EventTestResult(url.ToString(), response.IsSuccess, response.Status, (long)response.Duration.TotalMilliseconds, shown, response.Error);
    }

    /// <summary>The delivery log, newest first, a page at a time; optionally one subscription's or one status's.</summary>
    public async Task<PagedResult<EventDeliveryView>> ListDeliveriesAsync(Guid? subscriptionId, EventDeliveryStatus? status, int page, int pageSize, CancellationToken ct = default)
    {
        current.RequireWorkspace();
        if (page < 1)
        {
            throw new RequestValidationException("page", "Page starts at 1.");
        }
        if (pageSize is < 1 or > MaxPageSize)
        {
            throw new RequestValidationException("pageSize", $"Page size is between 1 and {MaxPageSize}.");
        }
        await using var db = await contexts.CreateDbContextAsync(ct);
        var rows = db.EventDeliveries.AsNoTracking();
        if (subscriptionId is { } sid)
        {
            rows = rows.Where(d => d.SubscriptionId == sid);
        }
        if (status is { } s)
        {
            rows = rows.Where(d => d.Status == s);
        }
        var total = await rows.CountAsync(ct);
        var items = await rows.OrderByDescending(d => d.EventId).ThenBy(d => d.SubscriptionId).Skip((page - 1) * pageSize).Take(pageSize)
            .Select(d => new EventDeliveryView(d.Id, d.SubscriptionId, d.Event!.EventId, d.Event.Type, d.Event.OccurredAt, d.Status, d.Attempts,
                d.LastAttemptAt, d.NextAttemptAt, d.DeliveredAt, d.ResponseStatus, d.Response, d.Error))
            .ToListAsync(ct);
        return new PagedResult<EventDeliveryView>(items, total, page, pageSize);
    }

    /// <summary>Sends a delivery again (failed, or delivered and wanted again): same event, same id, a new retry window.</summary>
    public async Task<EventDeliveryView> RedeliverAsync(Guid deliveryId, CancellationToken ct = default)
    {
        current.RequireMemberManager();
        await using var db = await contexts.CreateDbContextAsync(ct);
        var d = await db.EventDeliveries.Include(x => x.Event).FirstOrDefaultAsync(x => x.Id == deliveryId, ct) ?? throw new NotFoundException("Delivery");
        if (d.Status == EventDeliveryStatus.Pending)
        {
            throw new ConflictException("This delivery is still being tried: it cannot be redelivered until it is delivered or failed.");
        }
        var now = Now;
        d.Status = EventDeliveryStatus.Pending;
        d.FirstAttemptAt = now;
        d.NextAttemptAt = now;
        d.DeliveredAt = null;
        await db.SaveChangesAsync(ct);
        return new EventDeliveryView(d.Id, d.SubscriptionId, d.Event!.EventId, d.Event.Type, d.Event.OccurredAt, d.Status, d.Attempts,
            d.LastAttemptAt, d.NextAttemptAt, d.DeliveredAt, d.ResponseStatus, d.Response, d.Error);
    }

    private async Task<(string Url, string Events, string? Description)> ValidateAsync(EventSubscriptionInput input, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        var url = input.Url?.Trim();
        Uri? uri = null;
        if (string.IsNullOrEmpty(url) || url.Length > 2000 || !Uri.TryCreate(url, UriKind.Absolute, out uri) || uri.Scheme is not ("http" or "https"))
        {
            errors["url"] = ["The URL must be an absolute http(s) URL (at most 2000 characters)."];
        }
        var events = input.Events?.Select(e => e?.Trim() ?? "").ToList() ?? [];
        if (events.Count == 0)
        {
            errors["events"] = ["Name at least one event type, or [\"*\"] for all."];
        }
        else if (events.Contains(EventTypes.All) && events.Count > 1)
        {
            errors["events"] = ["\"*\" already means every event: give it alone."];
        }
        else if (events.FirstOrDefault(e => e != EventTypes.All && !EventTypes.IsKnown(e)) is { } unknown)
        {
            errors["events"] = [$"'{unknown}' is not an event type: use {string.Join(", ", EventTypes.Known)} or \"*\"."];
        }
        var description = string.IsNullOrWhiteSpace(input.Description) ? null : input.Description.Trim();
        if (description is { Length: > 500 })
        {
            errors["description"] = ["The description is at most 500 characters."];
        }
        if (errors.Count > 0)
        {
            throw new RequestValidationException(errors);
        }
        await targets.EnsureDeliverableAsync(uri!, "url", ct);
        return (url!, string.Join(',', events.Distinct(StringComparer.Ordinal)), description);
    }

    private static async Task<EventSubscription> FindAsync(AppDbContext db, Guid id, CancellationToken ct) =>
        await db.EventSubscriptions.FirstOrDefaultAsync(s => s.Id == id, ct) ?? throw new NotFoundException("Event subscription");

    private static string NewSecret() => "whsec_" + Secrets.NewUrlSafe();

    private static EventSubscriptionView ToView(EventSubscription s) =>
        new(s.Id, s.Url, s.Events.Split(','), s.Description, s.CreatedAt, s.SecretCreatedAt);
}
