namespace Scheduling.Web.Api;

/// <summary>
/// One feature's entry into the host: the services it registers and the <c>/api/v1</c> endpoints it maps.
/// <c>Program.Features</c> lists every feature, so adding one is a new folder with its module and one line there.
/// Folders that only hold pages (the router finds them) need no module.
/// </summary>
public interface IFeatureModule
{
    void AddServices(IServiceCollection services, IConfiguration configuration, IHostEnvironment environment)
    {
    }

    void MapEndpoints(ApiRoutes api)
    {
    }
}

/// <summary>The groups of <c>/api/v1</c> a feature maps onto.</summary>
/// <param name="Authenticated">Cookie or Bearer callers whose workspace has been resolved.</param>
/// <param name="Anonymous">Callers without a credential (each endpoint says why it may be anonymous).</param>
public sealed record ApiRoutes(RouteGroupBuilder Authenticated, RouteGroupBuilder Anonymous);

public static class FeatureModules
{
    public static IServiceCollection AddFeatures(this IServiceCollection services, IConfiguration configuration,
        IHostEnvironment environment, IEnumerable<IFeatureModule> features)
    {
        foreach (var feature in features)
        {
            feature.AddServices(services, configuration, environment);
        }
        return services;
    }
}
