using Scheduling.Web.Api;

namespace Scheduling.Web.Features.Workspaces;

/// <summary>Who may do what in a workspace, in one place.</summary>
public static class WorkspaceRules
{
    public const int MaxNameLength = 100;

    /// <summary>Managers read; everyone else may change the workspace's content.</summary>
    public static bool CanEdit(WorkspaceRole role) => role != WorkspaceRole.Manager;

    public static bool CanManageMembers(WorkspaceRole role) => role is WorkspaceRole.Owner or WorkspaceRole.Admin;

    /// <summary>Only an Owner may make, change or remove an Owner.</summary>
    public static bool CanAssign(WorkspaceRole actor, WorkspaceRole target) =>
        CanManageMembers(actor) && (target != WorkspaceRole.Owner || actor == WorkspaceRole.Owner);

    public static string ValidateName(string? name)
    {
        var trimmed = name?.Trim() ?? "";
        if (trimmed.Length == 0)
        {
            throw new RequestValidationException("name", "Name is required.");
        }
        if (trimmed.Length > MaxNameLength)
        {
            throw new RequestValidationException("name", $"Name must be at most {MaxNameLength} characters.");
        }
        return trimmed;
    }
}
