using Scheduling.Web.Api;
using Scheduling.Web.Features.Schedules.Bulk;

namespace Scheduling.Web.Features.Schedules;

/// <summary>Schedules and the anonymous recurrence preview.</summary>
public sealed class SchedulesModule : IFeatureModule
{
    public void AddServices(IServiceCollection services, IConfiguration configuration, IHostEnvironment environment) =>
        services.AddScheduleFeature().AddBulkScheduleFeature();

    public void MapEndpoints(ApiRoutes api)
    {
        api.Authenticated.MapScheduleEndpoints();
        api.Authenticated.MapBulkScheduleEndpoints();
        api.Anonymous.MapRecurrenceEndpoints();
    }
}
