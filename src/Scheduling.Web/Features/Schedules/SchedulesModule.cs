using Scheduling.Web.Api;

namespace Scheduling.Web.Features.Schedules;

/// <summary>Schedules and the anonymous recurrence preview.</summary>
public sealed class SchedulesModule : IFeatureModule
{
    public void AddServices(IServiceCollection services, IConfiguration configuration, IHostEnvironment environment) =>
        services.AddScheduleFeature();

    public void MapEndpoints(ApiRoutes api)
    {
        api.Authenticated.MapScheduleEndpoints();
        api.Anonymous.MapRecurrenceEndpoints();
    }
}
