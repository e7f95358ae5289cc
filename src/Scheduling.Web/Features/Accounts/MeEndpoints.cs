using Scheduling.Web.Api;
using Scheduling.Web.Features.Workspaces;

namespace Scheduling.Web.Features.Accounts;

public sealed record MeResponse(string Id, string Email, string? TimeZone, bool IsAdministrator, Guid CurrentWorkspaceId, IReadOnlyList<WorkspaceSummary> Workspaces);

public sealed record UpdateMeRequest(string? TimeZone, bool? DarkMode);

public static class MeEndpoints
{
    public static void MapMeEndpoints(this IEndpointRouteBuilder api)
    {
        var me = api.MapGroup("/me").WithTags("Me");
        me.MapGet("", GetAsync).Describe("Me_Get", "Get the caller", "The signed-in user (or the token's owner), their time zone and their workspaces with roles.");
        me.MapPut("", async (UpdateMeRequest body, ProfileService profiles, WorkspaceService workspaces, WorkspaceContext current, CancellationToken ct) =>
        {
            await profiles.UpdateAsync(body.TimeZone, body.DarkMode, ct);
            return await GetAsync(profiles, workspaces, current, ct);
        }).Describe("Me_Update", "Update the caller's preferences", "Update the preferred time zone (IANA name) or dark mode; omitted fields stay as they are.");
    }

    private static async Task<MeResponse> GetAsync(ProfileService profiles, WorkspaceService workspaces, WorkspaceContext current, CancellationToken ct)
    {
        var profile = await profiles.GetAsync(ct);
        var mine = await workspaces.ListMineAsync(ct);
        return new MeResponse(profile.Id, profile.Email, profile.TimeZone, profile.IsAdministrator, current.RequireWorkspace(), mine);
    }
}
