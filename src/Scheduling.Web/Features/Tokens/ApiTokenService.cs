using Microsoft.EntityFrameworkCore;
using Scheduling.Web.Api;
using Scheduling.Web.Data;
using Scheduling.Web.Features.Workspaces;

namespace Scheduling.Web.Features.Tokens;

public sealed record ApiTokenView(Guid Id, string Name, string Prefix, DateTime CreatedAt, DateTime? ExpiresAt, DateTime? LastUsedAt, DateTime? RevokedAt)
{
    public bool IsActive(DateTime now) => RevokedAt is null && (ExpiresAt is null || ExpiresAt > now);
}

/// <summary>A token just created: <see cref="Value"/> is shown once.</summary>
public sealed record CreatedApiToken(ApiTokenView Token, string Value);

/// <summary>Who a presented token stands for.</summary>
public sealed record TokenIdentity(string UserId, Guid WorkspaceId);

/// <summary><c>Tokens:*</c>.</summary>
public sealed class ApiTokenOptions
{
    public const string Section = "Tokens";

    /// <summary>Lifetime of a token created without an expiry; a token that never expires is an explicit choice.</summary>
    public int DefaultLifetimeDays { get; set; } = 90;
}

public sealed class ApiTokenService(
    IDbContextFactory<AppDbContext> contexts,
    WorkspaceContext current,
    TimeProvider clock,
    Microsoft.Extensions.Options.IOptions<ApiTokenOptions> options)
{
    public const int MaxNameLength = 100;
    public const int MaxLifetimeDays = 3650;
    public const int MinSeedTokenLength = 16;
    private const string ValuePrefix = "sch_";
    private static readonly TimeSpan LastUsedResolution = TimeSpan.FromMinutes(1);

    private DateTime Now => clock.GetUtcNow().UtcDateTime;

    public int DefaultLifetimeDays => Math.Clamp(options.Value.DefaultLifetimeDays, 1, MaxLifetimeDays);

    /// <summary>The current user's tokens in the current workspace, newest first.</summary>
    public async Task<IReadOnlyList<ApiTokenView>> ListMineAsync(CancellationToken ct = default)
    {
        var userId = current.RequireUser();
        await using var db = await contexts.CreateDbContextAsync(ct);
        var rows = await db.ApiTokens.Where(t => t.UserId == userId).Select(t => ToView(t)).ToListAsync(ct);
        return rows.OrderByDescending(t => t.CreatedAt).ToList();
    }

    /// <param name="expiresInDays">Lifetime; empty means the default (<see cref="DefaultLifetimeDays"/>).</param>
    /// <param name="neverExpires">The explicit choice of a token without expiry.</param>
    public async Task<CreatedApiToken> CreateAsync(string? name, int? expiresInDays, bool neverExpires = false, CancellationToken ct = default)
    {
        var userId = current.RequireUser();
        var workspaceId = current.RequireWorkspace();
        var validName = name?.Trim() ?? "";
        if (validName.Length is 0 or > MaxNameLength)
        {
            throw new RequestValidationException("name", $"Name is required (at most {MaxNameLength} characters).");
        }
        if (expiresInDays is < 1 or > MaxLifetimeDays)
        {
            throw new RequestValidationException("expiresInDays", $"Expiry must be between 1 and {MaxLifetimeDays} days (empty: {DefaultLifetimeDays} days).");
        }
        if (neverExpires && expiresInDays is not null)
        {
            throw new RequestValidationException("neverExpires", "Choose either an expiry in days or a token that never expires.");
        }
        DateTime? expiresAt = neverExpires ? null : Now.AddDays(expiresInDays ?? DefaultLifetimeDays);

        var value = ValuePrefix + Secrets.NewUrlSafe();
        var token = NewToken(userId, workspaceId, validName, value, expiresAt);
        await using var db = await contexts.CreateDbContextAsync(ct);
        db.ApiTokens.Add(token);
        await db.SaveChangesAsync(ct);
        return new CreatedApiToken(ToView(token), value);
    }

    public async Task RevokeAsync(Guid id, CancellationToken ct = default)
    {
        var userId = current.RequireUser();
        await using var db = await contexts.CreateDbContextAsync(ct);
        var token = await db.ApiTokens.FirstOrDefaultAsync(t => t.Id == id && t.UserId == userId, ct)
            ?? throw new NotFoundException("Token");
        token.RevokedAt ??= Now;
        await db.SaveChangesAsync(ct);
    }

    /// <summary>Checks a presented value; null when unknown, revoked or expired.</summary>
    public async Task<TokenIdentity?> AuthenticateAsync(string value, CancellationToken ct = default)
    {
        var hash = Secrets.Hash(value);
        await using var db = await contexts.CreateDbContextAsync(ct);
        var token = await db.ApiTokens.IgnoreQueryFilters().FirstOrDefaultAsync(t => t.Hash == hash, ct);
        var now = Now;
        if (token is null || token.RevokedAt is not null || token.ExpiresAt <= now)
        {
            return null;
        }
        if (token.LastUsedAt is null || now - token.LastUsedAt > LastUsedResolution)
        {
            token.LastUsedAt = now;
            await db.SaveChangesAsync(ct);
        }
        return new TokenIdentity(token.UserId, token.WorkspaceId);
    }

    /// <summary>Makes sure <paramref name="value"/> is a live token of the user in the workspace (Seed:ApiToken).</summary>
    internal static async Task EnsureTokenAsync(AppDbContext db, string userId, Guid workspaceId, string value, DateTime now, CancellationToken ct)
    {
        var hash = Secrets.Hash(value);
        var token = await db.ApiTokens.IgnoreQueryFilters().FirstOrDefaultAsync(t => t.Hash == hash, ct);
        if (token is null)
        {
            db.ApiTokens.Add(NewToken(userId, workspaceId, "Seeded token", value, expiresAt: null, now));
        }
        else
        {
            token.UserId = userId;
            token.WorkspaceId = workspaceId;
            token.RevokedAt = null;
            token.ExpiresAt = null;
        }
    }

    private ApiToken NewToken(string userId, Guid workspaceId, string name, string value, DateTime? expiresAt) =>
        NewToken(userId, workspaceId, name, value, expiresAt, Now);

    private static ApiToken NewToken(string userId, Guid workspaceId, string name, string value, DateTime? expiresAt, DateTime now) => new()
    {
        Id = Guid.CreateVersion7(),
        WorkspaceId = workspaceId,
        UserId = userId,
        Name = name,
        Prefix = value[..Math.Min(value.Length, ValuePrefix.Length + 4)],
        Hash = Secrets.Hash(value),
        CreatedAt = now,
        ExpiresAt = expiresAt,
    };

    private static ApiTokenView ToView(ApiToken t) => new(t.Id, t.Name, t.Prefix, t.CreatedAt, t.ExpiresAt, t.LastUsedAt, t.RevokedAt);
}
