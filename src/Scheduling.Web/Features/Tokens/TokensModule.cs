using Scheduling.Web.Api;

namespace Scheduling.Web.Features.Tokens;

/// <summary>Personal API tokens (the Bearer scheme itself is registered with the other sign-in schemes in Accounts).</summary>
public sealed class TokensModule : IFeatureModule
{
    public void AddServices(IServiceCollection services, IConfiguration configuration, IHostEnvironment environment) =>
        services.AddScoped<ApiTokenService>();

    public void MapEndpoints(ApiRoutes api) => api.Authenticated.MapTokenEndpoints();
}
