using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.HostFiltering;
using Microsoft.Extensions.Options;

namespace Scheduling.Web.Security;

public static class SecurityServiceCollectionExtensions
{
    /// <summary>App:PublicBaseUrl (validated at start) and the links built from it.</summary>
    public static IServiceCollection AddPublicUrls(this IServiceCollection services)
    {
        services.AddOptions<AppOptions>().BindConfiguration(AppOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<AppOptions>, AppOptionsValidator>();
        services.AddSingleton<PublicUrls>();
        return services;
    }

    /// <summary>Host filtering defaults, rate limits and the antiforgery settings the security headers rely on.</summary>
    public static IServiceCollection AddAppSecurity(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton<IPostConfigureOptions<HostFilteringOptions>, DefaultAllowedHosts>();
        services.AddAppRateLimits(configuration);
        // SecurityHeaders sends X-Frame-Options: DENY (antiforgery would send SAMEORIGIN).
        services.Configure<AntiforgeryOptions>(options => options.SuppressXFrameOptionsHeader = true);
        return services;
    }
}
