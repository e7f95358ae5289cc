using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Scheduling.Web.Data;
using Scheduling.Web.Features.Tokens;

namespace Scheduling.Web.Features.Accounts;

/// <summary>
/// Applies <see cref="SeedOptions"/> at start-up: the user exists, is Administrator and Owner of a
/// workspace, and holds a token with exactly the configured value. Safe to run on every start.
/// </summary>
public sealed class AccountSeeder(
    IOptions<SeedOptions> options,
    UserManager<ApplicationUser> users,
    NewUserSetup setup,
    IDbContextFactory<AppDbContext> contexts,
    TimeProvider clock,
    ILogger<AccountSeeder> logger)
{
    public async Task SeedAsync(CancellationToken ct = default)
    {
        var seed = options.Value;
        if (string.IsNullOrEmpty(seed.AdminEmail))
        {
            return;
        }

        var user = await users.FindByEmailAsync(seed.AdminEmail);
        if (user is null)
        {
            if (string.IsNullOrEmpty(seed.AdminPassword))
            {
                throw new InvalidOperationException($"Setting 'Seed:AdminPassword' is required to create the seed user {seed.AdminEmail}.");
            }
            user = new ApplicationUser { UserName = seed.AdminEmail, Email = seed.AdminEmail, EmailConfirmed = true, CreatedAt = clock.GetUtcNow().UtcDateTime };
            var created = await users.CreateAsync(user, seed.AdminPassword);
            if (!created.Succeeded)
            {
                throw new InvalidOperationException("Setting 'Seed:AdminPassword' was refused: " + string.Join(" ", created.Errors.Select(e => e.Description)));
            }
            logger.LogInformation("Seeded user {Email}.", seed.AdminEmail);
        }

        await setup.SetUpAsync(user, ct);
        await setup.MakeAdministratorAsync(user);

        await using var db = await contexts.CreateDbContextAsync(ct);
        var owned = await db.WorkspaceMembers.IgnoreQueryFilters()
            .Where(m => m.UserId == user.Id && m.Role == Workspaces.WorkspaceRole.Owner)
            .OrderBy(m => m.JoinedAt).FirstOrDefaultAsync(ct);
        if (owned is null)
        {
            var stored = await db.Users.FirstAsync(u => u.Id == user.Id, ct);
            owned = Workspaces.PersonalWorkspace.Create(stored, clock.GetUtcNow().UtcDateTime);
            db.WorkspaceMembers.Add(owned);
        }

        if (!string.IsNullOrEmpty(seed.ApiToken))
        {
            await ApiTokenService.EnsureTokenAsync(db, user.Id, owned.WorkspaceId, seed.ApiToken, clock.GetUtcNow().UtcDateTime, ct);
        }
        await db.SaveChangesAsync(ct);
    }
}
