using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Scheduling.Web.Data;
using Scheduling.Web.Features.Workspaces;

namespace Scheduling.Web.Features.Accounts;

/// <summary>
/// What every new account gets: a personal workspace it owns, and, for the first account of an
/// instance, the Administrator role.
/// </summary>
public sealed class NewUserSetup(
    UserManager<ApplicationUser> users,
    RoleManager<IdentityRole> roles,
    IDbContextFactory<AppDbContext> contexts,
    TimeProvider clock,
    ILogger<NewUserSetup> logger)
{
    public async Task SetUpAsync(ApplicationUser user, CancellationToken ct = default)
    {
        if (await users.Users.CountAsync(ct) == 1)
        {
            await MakeAdministratorAsync(user);
            logger.LogInformation("{Email} is the first user of this instance and becomes Administrator.", user.Email);
        }

        await using var db = await contexts.CreateDbContextAsync(ct);
        if (!await db.WorkspaceMembers.IgnoreQueryFilters().AnyAsync(m => m.UserId == user.Id, ct))
        {
            var member = PersonalWorkspace.Create(user, clock.GetUtcNow().UtcDateTime);
            db.WorkspaceMembers.Add(member);
            var stored = await db.Users.FirstAsync(u => u.Id == user.Id, ct);
            stored.CurrentWorkspaceId = member.WorkspaceId;
            await db.SaveChangesAsync(ct);
        }
    }

    public async Task MakeAdministratorAsync(ApplicationUser user)
    {
        if (!await roles.RoleExistsAsync(AccountRoles.Administrator))
        {
            ThrowOnFailure(await roles.CreateAsync(new IdentityRole(AccountRoles.Administrator)));
        }
        if (!await users.IsInRoleAsync(user, AccountRoles.Administrator))
        {
            ThrowOnFailure(await users.AddToRoleAsync(user, AccountRoles.Administrator));
        }
    }

    internal static void ThrowOnFailure(IdentityResult result)
    {
        if (!result.Succeeded)
        {
            throw new InvalidOperationException(string.Join(" ", result.Errors.Select(e => e.Description)));
        }
    }
}
