using Microsoft.EntityFrameworkCore;
using NodaTime;
using Scheduling.Web.Api;
using Scheduling.Web.Data;
using Scheduling.Web.Features.Workspaces;

namespace Scheduling.Web.Features.Accounts;

public sealed record Profile(string Id, string Email, string? TimeZone, bool DarkMode, bool IsAdministrator);

/// <summary>The signed-in user's own preferences.</summary>
public sealed class ProfileService(IDbContextFactory<AppDbContext> contexts, WorkspaceContext current)
{
    public static IReadOnlyList<string> TimeZoneIds { get; } = DateTimeZoneProviders.Tzdb.Ids.Order(StringComparer.Ordinal).ToList();

    /// <summary>The time zone pickers' search: names containing the text, a space matching the underscore ("new york").</summary>
    public static Task<IEnumerable<string>> SearchTimeZones(string? text, CancellationToken _)
    {
        IEnumerable<string> zones = TimeZoneIds;
        if (!string.IsNullOrWhiteSpace(text))
        {
            var needle = text.Trim().Replace(' ', '_');
            zones = zones.Where(z => z.Contains(needle, StringComparison.OrdinalIgnoreCase));
        }
        return Task.FromResult(zones);
    }

    public static bool IsKnownTimeZone(string? id) => id is not null && DateTimeZoneProviders.Tzdb.GetZoneOrNull(id) is not null;

    public async Task<Profile> GetAsync(CancellationToken ct = default)
    {
        var userId = current.RequireUser();
        await using var db = await contexts.CreateDbContextAsync(ct);
        var user = await db.Users.FirstOrDefaultAsync(u => u.Id == userId, ct) ?? throw new NotFoundException("User");
        return new Profile(user.Id, user.Email ?? "", user.TimeZone, user.DarkMode, current.IsInstanceAdmin);
    }

    public async Task<Profile> UpdateAsync(string? timeZone, bool? darkMode, CancellationToken ct = default)
    {
        var userId = current.RequireUser();
        if (timeZone is not null && !IsKnownTimeZone(timeZone))
        {
            throw new RequestValidationException("timeZone", $"'{timeZone}' is not a known IANA time zone (for example Europe/Paris).");
        }
        await using var db = await contexts.CreateDbContextAsync(ct);
        var user = await db.Users.FirstOrDefaultAsync(u => u.Id == userId, ct) ?? throw new NotFoundException("User");
        user.TimeZone = timeZone ?? user.TimeZone;
        user.DarkMode = darkMode ?? user.DarkMode;
        await db.SaveChangesAsync(ct);
        return new Profile(user.Id, user.Email ?? "", user.TimeZone, user.DarkMode, current.IsInstanceAdmin);
    }

    /// <summary>Sets the zone reported by the browser, only when the user has none yet; true when it did.</summary>
    public async Task<bool> AdoptBrowserTimeZoneAsync(string? browserZone, CancellationToken ct = default)
    {
        var userId = current.RequireUser();
        if (!IsKnownTimeZone(browserZone))
        {
            return false;
        }
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.Users.Where(u => u.Id == userId && u.TimeZone == null)
            .ExecuteUpdateAsync(s => s.SetProperty(u => u.TimeZone, browserZone), ct) > 0;
    }
}
