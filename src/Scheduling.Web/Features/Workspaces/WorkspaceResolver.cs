using System.Security.Claims;
using Microsoft.EntityFrameworkCore;
using Scheduling.Web.Data;
using Scheduling.Web.Features.Accounts;

namespace Scheduling.Web.Features.Workspaces;

/// <summary>
/// Decides which workspace a signed-in principal acts in: an API token's own workspace, otherwise the
/// user's current one (falling back to the first membership, or a new personal workspace, so that every
/// user always has one).
/// </summary>
public sealed class WorkspaceResolver(IDbContextFactory<AppDbContext> contexts, WorkspaceContext workspace, TimeProvider clock)
{
    public const string WorkspaceClaim = "scheduling:workspace";

    public async Task<bool> ResolveAsync(ClaimsPrincipal principal, CancellationToken cancellationToken = default)
    {
        var userId = principal.FindFirstValue(ClaimTypes.NameIdentifier);
        if (userId is null)
        {
            return false;
        }

        var isAdmin = principal.IsInRole(AccountRoles.Administrator);
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var memberships = db.WorkspaceMembers.IgnoreQueryFilters().Where(m => m.UserId == userId);

        if (principal.FindFirstValue(WorkspaceClaim) is { } tokenWorkspace && Guid.TryParse(tokenWorkspace, out var tokenWorkspaceId))
        {
            var tokenMember = await memberships.Include(m => m.Workspace).FirstOrDefaultAsync(m => m.WorkspaceId == tokenWorkspaceId, cancellationToken);
            if (tokenMember is null)
            {
                return false;
            }
            workspace.Set(userId, tokenMember.WorkspaceId, tokenMember.Workspace!.Name, tokenMember.Role, isAdmin);
            return true;
        }

        var user = await db.Users.FirstOrDefaultAsync(u => u.Id == userId, cancellationToken);
        if (user is null)
        {
            return false;
        }

        var member = user.CurrentWorkspaceId is { } current
            ? await memberships.Include(m => m.Workspace).FirstOrDefaultAsync(m => m.WorkspaceId == current, cancellationToken)
            : null;
        member ??= await memberships.Include(m => m.Workspace).OrderBy(m => m.JoinedAt).FirstOrDefaultAsync(cancellationToken);
        if (member is null)
        {
            member = PersonalWorkspace.Create(user, clock.GetUtcNow().UtcDateTime);
            db.WorkspaceMembers.Add(member);
        }

        if (user.CurrentWorkspaceId != member.WorkspaceId)
        {
            user.CurrentWorkspaceId = member.WorkspaceId;
        }
        await db.SaveChangesAsync(cancellationToken);
        workspace.Set(userId, member.WorkspaceId, member.Workspace!.Name, member.Role, isAdmin);
        return true;
    }
}

internal static class PersonalWorkspace
{
    /// <summary>A new user's own workspace, with them as Owner.</summary>
    public static WorkspaceMember Create(ApplicationUser user, DateTime now)
    {
        var owner = user.Email ?? user.UserName ?? "My";
        var at = owner.IndexOf('@', StringComparison.Ordinal);
        var name = $"{(at > 0 ? owner[..at] : owner)}'s workspace";
        var workspace = new Workspace { Id = Guid.CreateVersion7(), Name = name.Length > WorkspaceRules.MaxNameLength ? name[..WorkspaceRules.MaxNameLength] : name, CreatedAt = now };
        return new WorkspaceMember
        {
            Id = Guid.CreateVersion7(),
            Workspace = workspace,
            WorkspaceId = workspace.Id,
            UserId = user.Id,
            Role = WorkspaceRole.Owner,
            JoinedAt = now,
        };
    }
}
