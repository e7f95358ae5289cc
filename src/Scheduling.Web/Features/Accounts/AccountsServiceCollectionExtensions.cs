using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using Scheduling.Web.Components.Account;
using Scheduling.Web.Data;
using Scheduling.Web.Features.Tokens;
using Scheduling.Web.Features.Workspaces;
using Scheduling.Web.Security;

namespace Scheduling.Web.Features.Accounts;

public sealed class AccountOptions
{
    public const string Section = "Accounts";

    /// <summary>Require a confirmed email before sign-in. Off by default: the embedded default has no mail server.</summary>
    public bool RequireConfirmedEmail { get; set; }
}

public static class AccountsServiceCollectionExtensions
{
    /// <summary>Authorization policy of <c>/api/v1</c>: the Identity cookie or a Bearer API token.</summary>
    public const string ApiPolicy = "Api";

    public static IServiceCollection AddAccounts(this IServiceCollection services, IConfiguration configuration, IHostEnvironment environment)
    {
        var accountOptions = configuration.GetSection(AccountOptions.Section).Get<AccountOptions>() ?? new AccountOptions();

        services.AddCascadingAuthenticationState();
        services.AddScoped<IdentityRedirectManager>();
        services.AddScoped<AuthenticationStateProvider, IdentityRevalidatingAuthenticationStateProvider>();

        services.AddAuthentication(options =>
            {
                options.DefaultScheme = IdentityConstants.ApplicationScheme;
                options.DefaultSignInScheme = IdentityConstants.ExternalScheme;
            })
            .AddScheme<AuthenticationSchemeOptions, ApiTokenAuthenticationHandler>(ApiTokenAuthenticationHandler.SchemeName, null)
            .AddIdentityCookies();

        services.ConfigureApplicationCookie(cookie =>
        {
            cookie.LoginPath = "/Account/Login";
            cookie.AccessDeniedPath = "/Account/AccessDenied";
            // The API answers 401/403; only pages redirect to the sign-in form.
            cookie.Events.OnRedirectToLogin = context => ApiAware(context, StatusCodes.Status401Unauthorized);
            cookie.Events.OnRedirectToAccessDenied = context => ApiAware(context, StatusCodes.Status403Forbidden);
        });

        services.AddIdentityCore<ApplicationUser>(options =>
            {
                options.SignIn.RequireConfirmedAccount = accountOptions.RequireConfirmedEmail;
                options.User.RequireUniqueEmail = true;
                options.Lockout.AllowedForNewUsers = true;
                options.Lockout.MaxFailedAccessAttempts = 5;
                options.Lockout.DefaultLockoutTimeSpan = TimeSpan.FromMinutes(15);
                ConfigureStores(options.Stores);
            })
            .AddRoles<IdentityRole>()
            .AddEntityFrameworkStores<AppDbContext>()
            .AddSignInManager()
            .AddDefaultTokenProviders();

        services.AddAuthorizationBuilder()
            .AddPolicy(ApiPolicy, policy => policy
                .AddAuthenticationSchemes(IdentityConstants.ApplicationScheme, ApiTokenAuthenticationHandler.SchemeName)
                .RequireAuthenticatedUser())
            .AddPolicy(AccountRoles.Administrator, policy => policy.RequireRole(AccountRoles.Administrator));

        // Several app nodes share cookies and antiforgery tokens through keys kept in the database (encrypted with a certificate when configured).
        services.AddProtectedKeyRing(configuration, environment);

        services.AddPublicUrls();
        services.AddOptions<ApiTokenOptions>().BindConfiguration(ApiTokenOptions.Section);
        services.AddOptions<MailOptions>().BindConfiguration(MailOptions.Section);
        services.AddSingleton(sp => new MailOptionsResolved(
            Path.GetFullPath(Path.Combine(environment.ContentRootPath, sp.GetRequiredService<IOptions<MailOptions>>().Value.PickupDirectory))));
        services.AddSingleton<MailPickup>();
        services.AddSingleton<IEmailSender<ApplicationUser>, PickupIdentityEmailSender>();

        services.AddOptions<SeedOptions>().BindConfiguration(SeedOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<SeedOptions>, SeedOptionsValidator>();

        services.AddScoped<ProfileService>();
        services.AddScoped<NewUserSetup>();
        services.AddScoped<AccountSeeder>();
        return services;
    }

    /// <summary>Store options shape the database model: shared with design time (migrations).</summary>
    public static void ConfigureStores(StoreOptions stores) => stores.SchemaVersion = IdentitySchemaVersions.Version3;

    private static Task ApiAware(Microsoft.AspNetCore.Authentication.RedirectContext<Microsoft.AspNetCore.Authentication.Cookies.CookieAuthenticationOptions> context, int status)
    {
        // Machines (the API, a Prometheus scraper) get the status; people get the sign-in page.
        if (context.Request.Path.StartsWithSegments("/api") || context.Request.Path.StartsWithSegments("/metrics"))
        {
            context.Response.StatusCode = status;
            return Task.CompletedTask;
        }
        context.Response.Redirect(context.RedirectUri);
        return Task.CompletedTask;
    }
}
