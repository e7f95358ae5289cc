using Scheduling.Web.Api;

namespace Scheduling.Web.Features.Calendar;

/// <summary>The content calendar's server half: the calendar projection API, one-occurrence edits and ICS feeds; the page is CalendarPage.</summary>
public sealed class CalendarModule : IFeatureModule
{
    public void AddServices(IServiceCollection services, IConfiguration configuration, IHostEnvironment environment) =>
        services.AddCalendarFeature();

    public void MapEndpoints(ApiRoutes api)
    {
        api.Authenticated.MapCalendarEndpoints();
        api.Anonymous.MapCalendarFeed();
    }
}
