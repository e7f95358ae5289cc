using Scheduling.Web.Api;

namespace Scheduling.Web.Features.Workspaces;

/// <summary>
/// The workspace and role the current request or Blazor circuit acts in. Scoped; filled by
/// <see cref="WorkspaceResolver"/> (API endpoint filter, or the main layout for a circuit) and read by
/// the query filters of <see cref="Data.AppDbContext"/>. Empty means "no workspace": filtered queries see nothing.
/// </summary>
public sealed class WorkspaceContext
{
    public string? UserId { get; private set; }
    public Guid? WorkspaceId { get; private set; }
    public string WorkspaceName { get; private set; } = "";
    public WorkspaceRole? Role { get; private set; }
    public bool IsInstanceAdmin { get; private set; }

    public bool IsResolved => WorkspaceId is not null;
    public bool CanEdit => Role is { } role && WorkspaceRules.CanEdit(role);
    public bool CanManageMembers => Role is { } role && WorkspaceRules.CanManageMembers(role);

    public event Action? Changed;

    public void Set(string userId, Guid workspaceId, string workspaceName, WorkspaceRole role, bool isInstanceAdmin)
    {
        UserId = userId;
        WorkspaceId = workspaceId;
        WorkspaceName = workspaceName;
        Role = role;
        IsInstanceAdmin = isInstanceAdmin;
        Changed?.Invoke();
    }

    public string RequireUser() => UserId ?? throw new ForbiddenException("Sign in first.");

    public Guid RequireWorkspace() => WorkspaceId ?? throw new ForbiddenException("No current workspace.");

    public void RequireEditor()
    {
        RequireWorkspace();
        if (!CanEdit)
        {
            throw new ForbiddenException("Your role in this workspace is read-only.");
        }
    }

    public void RequireMemberManager()
    {
        RequireWorkspace();
        if (!CanManageMembers)
        {
            throw new ForbiddenException("Only Owners and Admins manage members.");
        }
    }
}
