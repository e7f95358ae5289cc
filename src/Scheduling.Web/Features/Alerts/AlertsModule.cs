using Scheduling.Web.Api;

namespace Scheduling.Web.Features.Alerts;

/// <summary>Alerts raised by the evaluator and shown on the dashboard and schedule pages.</summary>
public sealed class AlertsModule : IFeatureModule
{
    public void AddServices(IServiceCollection services, IConfiguration configuration, IHostEnvironment environment) =>
        services.AddAlertFeature();

    public void MapEndpoints(ApiRoutes api) => api.Authenticated.MapAlertEndpoints();
}
