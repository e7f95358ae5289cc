using Scheduling.Web.Api;

namespace Scheduling.Web.Features.Workspaces;

/// <summary>Workspaces, members, invitations and the resolution of the caller's workspace.</summary>
public sealed class WorkspacesModule : IFeatureModule
{
    public void AddServices(IServiceCollection services, IConfiguration configuration, IHostEnvironment environment)
    {
        services.AddScoped<WorkspaceContext>();
        services.AddScoped<WorkspaceResolver>();
        services.AddScoped<WorkspaceService>();
    }

    public void MapEndpoints(ApiRoutes api) => api.Authenticated.MapWorkspaceEndpoints();
}
