using Scheduling.Web.Api;

namespace Scheduling.Web.Features.Accounts;

/// <summary>Identity, sign-in schemes, mail, seeding and the caller's own profile (<c>/me</c>).</summary>
public sealed class AccountsModule : IFeatureModule
{
    public void AddServices(IServiceCollection services, IConfiguration configuration, IHostEnvironment environment) =>
        services.AddAccounts(configuration, environment);

    public void MapEndpoints(ApiRoutes api) => api.Authenticated.MapMeEndpoints();
}
