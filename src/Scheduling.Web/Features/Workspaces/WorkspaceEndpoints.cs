using Scheduling.Web.Api;

namespace Scheduling.Web.Features.Workspaces;

public sealed record WorkspaceNameRequest(string? Name);

/// <summary>The workspace's settings; <c>requireApproval</c> left out keeps the current value.</summary>
public sealed record WorkspaceUpdateRequest(string? Name, bool? RequireApproval);

/// <summary>Nullable so that a missing role is a 400, not the enum's first value (Owner).</summary>
public sealed record ChangeRoleRequest(WorkspaceRole? Role);

public sealed record InviteRequest(string? Email, WorkspaceRole? Role);

public static class WorkspaceEndpoints
{
    public static void MapWorkspaceEndpoints(this IEndpointRouteBuilder api)
    {
        var workspaces = api.MapGroup("/workspaces").WithTags("Workspaces");
        workspaces.MapGet("", (WorkspaceService service, CancellationToken ct) => service.ListMineAsync(ct))
            .Describe("Workspaces_List", "List the caller's workspaces", "Workspaces the caller belongs to, with their role.");
        workspaces.MapPost("", async (WorkspaceNameRequest body, WorkspaceService service, CancellationToken ct) =>
        {
            var created = await service.CreateAsync(body.Name, ct);
            return TypedResults.Created($"/api/v1/workspaces/{created.Id}", created);
        }).WithIdempotency().Describe("Workspaces_Create", "Create a workspace", "Create a workspace; the caller becomes its Owner.");
        workspaces.MapGet("/{id:guid}", (Guid id, WorkspaceService service, CancellationToken ct) => service.GetAsync(id, ct))
            .Describe("Workspaces_Get", "Get a workspace", "One of the caller's workspaces with the caller's role.");
        workspaces.MapPut("/{id:guid}", (Guid id, WorkspaceUpdateRequest body, WorkspaceService service, CancellationToken ct) => service.RenameAsync(id, body.Name, ct, body.RequireApproval))
            .Describe("Workspaces_Update", "Rename a workspace or set approval", "Rename, and turn approval before scheduling on or off (requireApproval: Creators' schedules wait for an Owner or Admin). Owner or Admin.");
        workspaces.MapPost("/{id:guid}/switch", (Guid id, WorkspaceService service, CancellationToken ct) => service.SwitchAsync(id, ct))
            .Describe("Workspaces_Switch", "Switch the current workspace", "Make this the current workspace of the caller's browser sessions (a token keeps its own workspace).");

        // The current workspace (a cookie's current one, or the token's own).
        var workspace = api.MapGroup("/workspace").WithTags("Workspaces");
        workspace.MapGet("/members", (WorkspaceService service, CancellationToken ct) => service.ListMembersAsync(ct))
            .Describe("Members_List", "List members", "Members of the current workspace with their roles.");
        workspace.MapPut("/members/{userId}", (string userId, ChangeRoleRequest body, WorkspaceService service, CancellationToken ct) =>
            service.ChangeRoleAsync(userId, body.Role ?? throw new RequestValidationException("role", "Role is required: owner, admin, creator or manager."), ct))
            .Describe("Members_ChangeRole", "Change a member's role", "Owner or Admin; the last Owner cannot be demoted (409).", 409);
        workspace.MapDelete("/members/{userId}", async (string userId, WorkspaceService service, CancellationToken ct) =>
        {
            await service.RemoveMemberAsync(userId, ct);
            return TypedResults.NoContent();
        }).Describe("Members_Remove", "Remove a member", "Owner or Admin; anyone may leave. The last Owner cannot leave (409).", 409);
        workspace.MapGet("/invitations", (WorkspaceService service, CancellationToken ct) => service.ListInvitationsAsync(ct))
            .Describe("Invitations_List", "List pending invitations", "Pending invitations of the current workspace.");
        workspace.MapPost("/invitations", async (InviteRequest body, WorkspaceService service, CancellationToken ct) =>
        {
            var created = await service.InviteAsync(body.Email, body.Role ?? WorkspaceRole.Creator, ct);
            return TypedResults.Created($"/api/v1/workspace/invitations/{created.Invitation.Id}", created);
        }).Describe("Invitations_Create", "Invite someone", "Invite by email with a role (default creator); the response carries the accept link once. Already a member: 409.", 409);
        workspace.MapDelete("/invitations/{id:guid}", async (Guid id, WorkspaceService service, CancellationToken ct) =>
        {
            await service.RevokeInvitationAsync(id, ct);
            return TypedResults.NoContent();
        }).Describe("Invitations_Revoke", "Revoke an invitation", "Revoke a pending invitation: its link no longer works.");

        api.MapPost("/invitations/{secret}/accept", (string secret, WorkspaceService service, CancellationToken ct) => service.AcceptInvitationAsync(secret, ct))
            .WithTags("Workspaces").Describe("Invitations_Accept", "Accept an invitation", "Join the workspace of an invitation addressed to the caller's email (403 otherwise); used or expired: 409.", 409);
    }
}
