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
            .WithSummary("Workspaces the caller belongs to, with their role.");
        workspaces.MapPost("", async (WorkspaceNameRequest body, WorkspaceService service, CancellationToken ct) =>
        {
            var created = await service.CreateAsync(body.Name, ct);
            return TypedResults.Created($"/api/v1/workspaces/{created.Id}", created);
        }).WithIdempotency().WithSummary("Create a workspace; the caller becomes its Owner.");
        workspaces.MapGet("/{id:guid}", (Guid id, WorkspaceService service, CancellationToken ct) => service.GetAsync(id, ct));
        workspaces.MapPut("/{id:guid}", (Guid id, WorkspaceUpdateRequest body, WorkspaceService service, CancellationToken ct) => service.RenameAsync(id, body.Name, ct, body.RequireApproval))
            .WithSummary("Rename, and turn approval before scheduling on or off (requireApproval: Creators' schedules wait for an Owner or Admin). Owner or Admin.");
        workspaces.MapPost("/{id:guid}/switch", (Guid id, WorkspaceService service, CancellationToken ct) => service.SwitchAsync(id, ct))
            .WithSummary("Make this the current workspace of the caller's browser sessions.");

        // The current workspace (a cookie's current one, or the token's own).
        var workspace = api.MapGroup("/workspace").WithTags("Workspaces");
        workspace.MapGet("/members", (WorkspaceService service, CancellationToken ct) => service.ListMembersAsync(ct));
        workspace.MapPut("/members/{userId}", (string userId, ChangeRoleRequest body, WorkspaceService service, CancellationToken ct) =>
            service.ChangeRoleAsync(userId, body.Role ?? throw new RequestValidationException("role", "Role is required: owner, admin, creator or manager."), ct));
        workspace.MapDelete("/members/{userId}", async (string userId, WorkspaceService service, CancellationToken ct) =>
        {
            await service.RemoveMemberAsync(userId, ct);
            return TypedResults.NoContent();
        });
        workspace.MapGet("/invitations", (WorkspaceService service, CancellationToken ct) => service.ListInvitationsAsync(ct));
        workspace.MapPost("/invitations", async (InviteRequest body, WorkspaceService service, CancellationToken ct) =>
        {
            var created = await service.InviteAsync(body.Email, body.Role ?? WorkspaceRole.Creator, ct);
            return TypedResults.Created($"/api/v1/workspace/invitations/{created.Invitation.Id}", created);
        }).WithSummary("Invite by email; the response carries the accept link once.");
        workspace.MapDelete("/invitations/{id:guid}", async (Guid id, WorkspaceService service, CancellationToken ct) =>
        {
            await service.RevokeInvitationAsync(id, ct);
            return TypedResults.NoContent();
        });

        api.MapPost("/invitations/{secret}/accept", (string secret, WorkspaceService service, CancellationToken ct) => service.AcceptInvitationAsync(secret, ct))
            .WithTags("Workspaces").WithSummary("Join the workspace of an invitation addressed to the caller's email.");
    }
}
