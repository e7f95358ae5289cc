using Scheduling.Web.Api;
using Scheduling.Web.Features.Executions.Progress;

namespace Scheduling.Web.Features.Executions;

/// <summary>Run history, run now, callbacks, backfill and the webhook settings (the engine itself is Engine/).</summary>
public sealed class ExecutionsModule : IFeatureModule
{
    public void AddServices(IServiceCollection services, IConfiguration configuration, IHostEnvironment environment) =>
        services.AddExecutionFeature().AddProgressFeature();

    public void MapEndpoints(ApiRoutes api)
    {
        api.Authenticated.MapExecutionEndpoints();
        api.Authenticated.MapBackfillEndpoints();
        api.Authenticated.MapProgressEndpoints();
    }
}
