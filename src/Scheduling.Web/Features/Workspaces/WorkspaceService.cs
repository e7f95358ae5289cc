using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Scheduling.Web.Api;
using Scheduling.Web.Data;
using Scheduling.Web.Features.Accounts;

namespace Scheduling.Web.Features.Workspaces;

public sealed record WorkspaceSummary(Guid Id, string Name, WorkspaceRole Role, bool IsCurrent)
{
    /// <summary>Creators' schedules wait for an Owner's or Admin's approval before they run.</summary>
    public bool RequireApproval { get; init; }
}

public sealed record MemberView(string UserId, string Email, WorkspaceRole Role, DateTime JoinedAt);

public sealed record InvitationView(Guid Id, string Email, WorkspaceRole Role, DateTime CreatedAt, DateTime ExpiresAt);

/// <summary>What the acceptance page shows before the invitee accepts.</summary>
public sealed record InvitationPreview(string WorkspaceName, WorkspaceRole Role, string Email, DateTime ExpiresAt, bool IsUsable);

/// <summary>An invitation just created: the link is shown (and mailed) once.</summary>
public sealed record CreatedInvitation(InvitationView Invitation, string AcceptUrl);

/// <summary>Workspaces, members and invitations; used by the settings pages and the API alike.</summary>
public sealed class WorkspaceService(
    IDbContextFactory<AppDbContext> contexts,
    WorkspaceContext current,
    MailPickup mail,
    Security.PublicUrls urls,
    TimeProvider clock)
{
    public static readonly TimeSpan InvitationLifetime = TimeSpan.FromDays(7);

    private DateTime Now => clock.GetUtcNow().UtcDateTime;

    public async Task<IReadOnlyList<WorkspaceSummary>> ListMineAsync(CancellationToken ct = default)
    {
        var userId = current.RequireUser();
        await using var db = await contexts.CreateDbContextAsync(ct);
        var rows = await db.WorkspaceMembers.IgnoreQueryFilters()
            .Where(m => m.UserId == userId)
            .Select(m => new { m.WorkspaceId, m.Workspace!.Name, m.Role, m.Workspace.RequireApproval })
            .ToListAsync(ct);
        return rows
            .OrderBy(r => r.Name, StringComparer.CurrentCultureIgnoreCase)
            .Select(r => new WorkspaceSummary(r.WorkspaceId, r.Name, r.Role, r.WorkspaceId == current.WorkspaceId) { RequireApproval = r.RequireApproval })
            .ToList();
    }

    public async Task<WorkspaceSummary> GetAsync(Guid id, CancellationToken ct = default)
    {
        var mine = await ListMineAsync(ct);
        return mine.FirstOrDefault(w => w.Id == id) ?? throw new NotFoundException("Workspace");
    }

    public async Task<WorkspaceSummary> CreateAsync(string? name, CancellationToken ct = default)
    {
        var userId = current.RequireUser();
        var validName = WorkspaceRules.ValidateName(name);
        await using var db = await contexts.CreateDbContextAsync(ct);
        var workspace = new Workspace { Id = Guid.CreateVersion7(), Name = validName, CreatedAt = Now };
        db.Workspaces.Add(workspace);
        db.WorkspaceMembers.Add(new WorkspaceMember { Id = Guid.CreateVersion7(), WorkspaceId = workspace.Id, UserId = userId, Role = WorkspaceRole.Owner, JoinedAt = Now });
        await db.SaveChangesAsync(ct);
        return new WorkspaceSummary(workspace.Id, workspace.Name, WorkspaceRole.Owner, IsCurrent: false);
    }

    public async Task<WorkspaceSummary> RenameAsync(Guid id, string? name, CancellationToken ct = default, bool? requireApproval = null)
    {
        var userId = current.RequireUser();
        var validName = WorkspaceRules.ValidateName(name);
        await using var db = await contexts.CreateDbContextAsync(ct);
        var member = await db.WorkspaceMembers.IgnoreQueryFilters().Include(m => m.Workspace)
            .FirstOrDefaultAsync(m => m.WorkspaceId == id && m.UserId == userId, ct) ?? throw new NotFoundException("Workspace");
        if (!WorkspaceRules.CanManageMembers(member.Role))
        {
            throw new ForbiddenException("Only Owners and Admins change a workspace's settings.");
        }
        member.Workspace!.Name = validName;
        // Turning approval off leaves drafts and schedules in review as they are: an approver still decides each.
        member.Workspace.RequireApproval = requireApproval ?? member.Workspace.RequireApproval;
        await db.SaveChangesAsync(ct);
        return new WorkspaceSummary(id, validName, member.Role, id == current.WorkspaceId) { RequireApproval = member.Workspace.RequireApproval };
    }

    /// <summary>Makes <paramref name="id"/> the user's current workspace (for cookie sessions).</summary>
    public async Task<WorkspaceSummary> SwitchAsync(Guid id, CancellationToken ct = default)
    {
        var userId = current.RequireUser();
        await using var db = await contexts.CreateDbContextAsync(ct);
        var member = await db.WorkspaceMembers.IgnoreQueryFilters().Include(m => m.Workspace)
            .FirstOrDefaultAsync(m => m.WorkspaceId == id && m.UserId == userId, ct) ?? throw new NotFoundException("Workspace");
        var user = await db.Users.FirstAsync(u => u.Id == userId, ct);
        user.CurrentWorkspaceId = id;
        await db.SaveChangesAsync(ct);
        current.Set(userId, id, member.Workspace!.Name, member.Role, current.IsInstanceAdmin);
        return new WorkspaceSummary(id, member.Workspace.Name, member.Role, IsCurrent: true);
    }

    public async Task<IReadOnlyList<MemberView>> ListMembersAsync(CancellationToken ct = default)
    {
        current.RequireWorkspace();
        await using var db = await contexts.CreateDbContextAsync(ct);
        var rows = await db.WorkspaceMembers
            .Select(m => new MemberView(m.UserId, m.User!.Email ?? m.User.UserName ?? m.UserId, m.Role, m.JoinedAt))
            .ToListAsync(ct);
        return rows.OrderBy(m => m.Role).ThenBy(m => m.Email, StringComparer.OrdinalIgnoreCase).ToList();
    }

    public async Task<MemberView> ChangeRoleAsync(string userId, WorkspaceRole role, CancellationToken ct = default)
    {
        current.RequireMemberManager();
        await using var db = await contexts.CreateDbContextAsync(ct);
        var member = await db.WorkspaceMembers.Include(m => m.User).FirstOrDefaultAsync(m => m.UserId == userId, ct)
            ?? throw new NotFoundException("Member");
        if (!WorkspaceRules.CanAssign(current.Role!.Value, member.Role) || !WorkspaceRules.CanAssign(current.Role.Value, role))
        {
            throw new ForbiddenException("Only an Owner can make, change or remove an Owner.");
        }
        if (member.Role == WorkspaceRole.Owner && role != WorkspaceRole.Owner)
        {
            await EnsureAnotherOwnerAsync(db, member, ct);
        }
        member.Role = role;
        await db.SaveChangesAsync(ct);
        return new MemberView(member.UserId, member.User!.Email ?? "", member.Role, member.JoinedAt);
    }

    /// <summary>Removes a member; any member may remove themselves (leave), except the last Owner.</summary>
    public async Task RemoveMemberAsync(string userId, CancellationToken ct = default)
    {
        var me = current.RequireUser();
        current.RequireWorkspace();
        await using var db = await contexts.CreateDbContextAsync(ct);
        var member = await db.WorkspaceMembers.FirstOrDefaultAsync(m => m.UserId == userId, ct)
            ?? throw new NotFoundException("Member");
        if (userId != me && !WorkspaceRules.CanAssign(current.Role!.Value, member.Role))
        {
            throw new ForbiddenException(current.CanManageMembers
                ? "Only an Owner can remove an Owner."
                : "Only Owners and Admins remove members.");
        }
        if (member.Role == WorkspaceRole.Owner)
        {
            await EnsureAnotherOwnerAsync(db, member, ct);
        }
        db.WorkspaceMembers.Remove(member);
        await db.SaveChangesAsync(ct);
    }

    private static async Task EnsureAnotherOwnerAsync(AppDbContext db, WorkspaceMember owner, CancellationToken ct)
    {
        var owners = await db.WorkspaceMembers.CountAsync(m => m.Role == WorkspaceRole.Owner && m.Id != owner.Id, ct);
        if (owners == 0)
        {
            throw new ConflictException("A workspace needs at least one Owner: make someone else Owner first.");
        }
    }

    public async Task<IReadOnlyList<InvitationView>> ListInvitationsAsync(CancellationToken ct = default)
    {
        current.RequireMemberManager();
        await using var db = await contexts.CreateDbContextAsync(ct);
        var now = Now;
        var rows = await db.WorkspaceInvitations
            .Where(i => i.AcceptedAt == null && i.ExpiresAt > now)
            .Select(i => new InvitationView(i.Id, i.Email, i.Role, i.CreatedAt, i.ExpiresAt))
            .ToListAsync(ct);
        return rows.OrderByDescending(i => i.CreatedAt).ToList();
    }

    /// <summary>Invites by email; the link in the mail is built from App:PublicBaseUrl, never from the request.</summary>
    public async Task<CreatedInvitation> InviteAsync(string? email, WorkspaceRole role, CancellationToken ct = default)
    {
        var me = current.RequireUser();
        current.RequireMemberManager();
        var address = email?.Trim() ?? "";
        if (!EmailAddresses.IsValid(address))
        {
            throw new RequestValidationException("email", EmailAddresses.Invalid);
        }
        if (!WorkspaceRules.CanAssign(current.Role!.Value, role))
        {
            throw new ForbiddenException("Only an Owner can invite an Owner.");
        }

        await using var db = await contexts.CreateDbContextAsync(ct);
        var normalized = address.ToUpperInvariant();
        if (await db.WorkspaceMembers.AnyAsync(m => m.User!.NormalizedEmail == normalized, ct))
        {
            throw new ConflictException($"{address} is already a member of this workspace.");
        }

        var secret = Secrets.NewUrlSafe();
        var invitation = new WorkspaceInvitation
        {
            Id = Guid.CreateVersion7(),
            WorkspaceId = current.RequireWorkspace(),
            Email = address,
            Role = role,
            TokenHash = Secrets.Hash(secret),
            InvitedByUserId = me,
            CreatedAt = Now,
            ExpiresAt = Now + InvitationLifetime,
        };
        db.WorkspaceInvitations.Add(invitation);
        await db.SaveChangesAsync(ct);

        var url = urls.Absolute($"invitations/{secret}");
        await mail.SendAsync(address, $"You are invited to {current.WorkspaceName}",
            $"You were invited to join the workspace <b>{WebUtility.HtmlEncode(current.WorkspaceName)}</b> as {role}. " +
            $"<a href='{url}'>Accept the invitation</a> (valid for {InvitationLifetime.TotalDays:0} days).", ct);
        return new CreatedInvitation(new InvitationView(invitation.Id, invitation.Email, invitation.Role, invitation.CreatedAt, invitation.ExpiresAt), url);
    }

    public async Task RevokeInvitationAsync(Guid id, CancellationToken ct = default)
    {
        current.RequireMemberManager();
        await using var db = await contexts.CreateDbContextAsync(ct);
        var invitation = await db.WorkspaceInvitations.FirstOrDefaultAsync(i => i.Id == id && i.AcceptedAt == null, ct)
            ?? throw new NotFoundException("Invitation");
        db.WorkspaceInvitations.Remove(invitation);
        await db.SaveChangesAsync(ct);
    }

    /// <summary>The workspace and role an invitation offers, for its acceptance page (the secret is the credential).</summary>
    public async Task<InvitationPreview> PreviewInvitationAsync(string secret, CancellationToken ct = default)
    {
        current.RequireUser();
        await using var db = await contexts.CreateDbContextAsync(ct);
        var hash = Secrets.Hash(secret ?? "");
        var invitation = await db.WorkspaceInvitations.IgnoreQueryFilters()
            .Where(i => i.TokenHash == hash)
            .Select(i => new { WorkspaceName = i.Workspace!.Name, i.Role, i.Email, i.ExpiresAt, i.AcceptedAt })
            .FirstOrDefaultAsync(ct) ?? throw new NotFoundException("Invitation");
        return new InvitationPreview(invitation.WorkspaceName, invitation.Role, invitation.Email, invitation.ExpiresAt,
            invitation.AcceptedAt is null && invitation.ExpiresAt > Now);
    }

    /// <summary>The signed-in user joins the invitation's workspace, which becomes current.</summary>
    public async Task<WorkspaceSummary> AcceptInvitationAsync(string secret, CancellationToken ct = default)
    {
        var userId = current.RequireUser();
        await using var db = await contexts.CreateDbContextAsync(ct);
        var hash = Secrets.Hash(secret ?? "");
        var invitation = await db.WorkspaceInvitations.IgnoreQueryFilters().Include(i => i.Workspace)
            .FirstOrDefaultAsync(i => i.TokenHash == hash, ct) ?? throw new NotFoundException("Invitation");
        var user = await db.Users.FirstAsync(u => u.Id == userId, ct);
        if (!string.Equals(user.Email, invitation.Email, StringComparison.OrdinalIgnoreCase))
        {
            throw new ForbiddenException($"This invitation is for {invitation.Email}: sign in with that address to accept it.");
        }
        if (invitation.AcceptedAt is not null)
        {
            throw new ConflictException("This invitation was already used.");
        }
        if (invitation.ExpiresAt <= Now)
        {
            throw new ConflictException("This invitation has expired: ask for a new one.");
        }

        var existing = await db.WorkspaceMembers.IgnoreQueryFilters()
            .FirstOrDefaultAsync(m => m.WorkspaceId == invitation.WorkspaceId && m.UserId == userId, ct);
        if (existing is null)
        {
            db.WorkspaceMembers.Add(new WorkspaceMember
            {
                Id = Guid.CreateVersion7(),
                WorkspaceId = invitation.WorkspaceId,
                UserId = userId,
                Role = invitation.Role,
                JoinedAt = Now,
            });
        }
        invitation.AcceptedAt = Now;
        user.CurrentWorkspaceId = invitation.WorkspaceId;
        await db.SaveChangesAsync(ct);
        var role = existing?.Role ?? invitation.Role;
        current.Set(userId, invitation.WorkspaceId, invitation.Workspace!.Name, role, current.IsInstanceAdmin);
        return new WorkspaceSummary(invitation.WorkspaceId, invitation.Workspace.Name, role, IsCurrent: true);
    }
}

/// <summary>Random secrets for links and tokens, and the hash that is stored in their place.</summary>
public static class Secrets
{
    public static string NewUrlSafe(int bytes = 32) =>
        Convert.ToBase64String(RandomNumberGenerator.GetBytes(bytes)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static string Hash(string secret) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));
}
