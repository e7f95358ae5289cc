using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Scheduling.Core.Common;
using Scheduling.Core.Scheduling;
using Scheduling.Web.Api;
using Scheduling.Web.Data;
using Scheduling.Web.Engine;
using Scheduling.Web.Features.Workspaces;

namespace Scheduling.Web.Features.Executions;

public sealed record WebhookEndpointView(JobType JobType, string Url);

public sealed record WebhookSettingsView(bool HasSecret, DateTime? SecretCreatedAt, IReadOnlyList<WebhookEndpointView> Endpoints);

/// <summary>What a test delivery got back: the HTTP status (null when none came), how long it took, the start of the body, or the error.</summary>
public sealed record WebhookTestResult(string Url, bool Succeeded, int? Status, long DurationMs, string? Body, string? Error);

/// <summary>The current workspace's webhook secret (generated on first need, rotatable, shown once) and endpoints.</summary>
public sealed class WebhookSettingsService(IDbContextFactory<AppDbContext> contexts, WorkspaceContext current, IDataProtectionProvider protection, TimeProvider clock,
    WebhookTargetPolicy targets, WebhookDelivery delivery)
{
    /// <summary>How long a test delivery may take.</summary>
    public static readonly TimeSpan TestTimeout = TimeSpan.FromSeconds(10);

    /// <summary>How much of the receiver's answer a test shows.</summary>
    public const int TestBodyShown = 1000;

    private readonly IDataProtector _protector = protection.CreateProtector("Scheduling.Web.WebhookSecret.v1");

    public async Task<WebhookSettingsView> GetAsync(CancellationToken ct = default)
    {
        current.RequireWorkspace();
        await using var db = await contexts.CreateDbContextAsync(ct);
        var secret = await db.WebhookSecrets.FirstOrDefaultAsync(ct);
        var endpoints = await db.WebhookEndpoints.Select(e => new WebhookEndpointView(e.JobType, e.Url)).ToListAsync(ct);
        return new WebhookSettingsView(secret is not null, secret?.CreatedAt, [.. endpoints.OrderBy(e => e.JobType)]);
    }

    /// <summary>A new secret replaces the old one at once; the value is returned only here.</summary>
    public async Task<string> RotateSecretAsync(CancellationToken ct = default)
    {
        current.RequireMemberManager();
        await using var db = await contexts.CreateDbContextAsync(ct);
        var value = "whsec_" + Secrets.NewUrlSafe();
        var secret = await db.WebhookSecrets.FirstOrDefaultAsync(ct);
        if (secret is null)
        {
            db.WebhookSecrets.Add(new WebhookSecret { Id = Guid.CreateVersion7(), WorkspaceId = current.RequireWorkspace(), ProtectedValue = _protector.Protect(value), CreatedAt = clock.GetUtcNow().UtcDateTime });
        }
        else
        {
            secret.ProtectedValue = _protector.Protect(value);
            secret.CreatedAt = clock.GetUtcNow().UtcDateTime;
        }
        await db.SaveChangesAsync(ct);
        return value;
    }

    public async Task<WebhookSettingsView> SetEndpointAsync(JobType jobType, string? url, CancellationToken ct = default)
    {
        current.RequireMemberManager();
        await using var db = await contexts.CreateDbContextAsync(ct);
        var existing = await db.WebhookEndpoints.FirstOrDefaultAsync(e => e.JobType == jobType, ct);
        if (string.IsNullOrWhiteSpace(url))
        {
            if (existing is not null)
            {
                db.WebhookEndpoints.Remove(existing);
            }
        }
        else
        {
            var trimmed = url.Trim();
            await targets.EnsureDeliverableAsync(ParseUrl(trimmed), "url", ct);
            if (existing is null)
            {
                db.WebhookEndpoints.Add(new WebhookEndpoint { Id = Guid.CreateVersion7(), WorkspaceId = current.RequireWorkspace(), JobType = jobType, Url = trimmed });
            }
            else
            {
                existing.Url = trimmed;
            }
        }
        await db.SaveChangesAsync(ct);
        return await GetAsync(ct);
    }

    /// <summary>
    /// Sends a signed <c>ping</c> (<c>X-Scheduling-Event: ping</c>, same signature and headers as a run's delivery) to
    /// <paramref name="url"/>, or to the saved endpoint of <paramref name="jobType"/> when none is given, and reports the answer.
    /// </summary>
    public async Task<WebhookTestResult> SendTestAsync(JobType jobType, string? url, CancellationToken ct = default)
    {
        current.RequireMemberManager();
        var workspaceId = current.RequireWorkspace();
        await using var db = await contexts.CreateDbContextAsync(ct);
        var target = string.IsNullOrWhiteSpace(url)
            ? await db.WebhookEndpoints.Where(e => e.JobType == jobType).Select(e => e.Url).FirstOrDefaultAsync(ct)
            : url.Trim();
        if (target is null)
        {
            throw new RequestValidationException("url", $"No endpoint is saved for {jobType.ToWire()}: give a URL to test.");
        }
        var uri = ParseUrl(target);
        await targets.EnsureDeliverableAsync(uri, "url", ct);
        var now = clock.GetUtcNow().UtcDateTime;
        var secret = await SecretForAsync(db, _protector, workspaceId, now, ct);
        var id = Guid.CreateVersion7();
        var body = System.Text.Json.JsonSerializer.Serialize(new
        {
            type = WebhookDelivery.PingEvent,
            id,
            workspaceId,
            jobType = jobType.ToWire(),
            sentAt = now,
            message = "A test from Settings > Webhooks: answer 2xx. No run is behind it.",
        }, System.Text.Json.JsonSerializerOptions.Web);
        var response = await delivery.PostAsync(uri, body, $"ping:{id}", secret, TestTimeout, ct, WebhookDelivery.PingEvent);
        var shown = response.Body is { Length: > TestBodyShown } text ? text[..TestBodyShown] + "…" : response.Body;
        return new WebhookTestResult(uri.ToString(), response.IsSuccess, response.Status, (long)response.Duration.TotalMilliseconds, shown, response.Error);
    }

    private static Uri ParseUrl(string url) =>
        url.Length <= 2000 && Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
            ? uri
            : throw new RequestValidationException("url", "The endpoint must be an absolute http(s) URL.");

    /// <summary>For the engine: the workspace's secret, created when it has none yet (works without a user).</summary>
    internal static async Task<string> SecretForAsync(AppDbContext db, IDataProtector protector, Guid workspaceId, DateTime now, CancellationToken ct)
    {
        var secret = await db.WebhookSecrets.IgnoreQueryFilters().FirstOrDefaultAsync(s => s.WorkspaceId == workspaceId, ct);
        if (secret is not null)
        {
            return protector.Unprotect(secret.ProtectedValue);
        }
        var value = "whsec_" + Secrets.NewUrlSafe();
        db.WebhookSecrets.Add(new WebhookSecret { Id = Guid.CreateVersion7(), WorkspaceId = workspaceId, ProtectedValue = protector.Protect(value), CreatedAt = now });
        try
        {
            await db.SaveChangesAsync(ct);
            return value;
        }
        catch (DbUpdateException)
        {
            // Another node created it first: use theirs.
            db.ChangeTracker.Clear();
            var theirs = await db.WebhookSecrets.IgnoreQueryFilters().FirstAsync(s => s.WorkspaceId == workspaceId, ct);
            return protector.Unprotect(theirs.ProtectedValue);
        }
    }

    internal IDataProtector Protector => _protector;

    internal static IDataProtector CreateProtector(IDataProtectionProvider protection) => protection.CreateProtector("Scheduling.Web.WebhookSecret.v1");

    public static IReadOnlyList<string> JobTypeNames => WireNames.All<JobType>();
}
