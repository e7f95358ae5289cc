using System.Globalization;
using System.Security.Claims;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.RateLimiting;
using Scheduling.Web.Features.Schedules;
using Scheduling.Web.Features.Tokens;

namespace Scheduling.Web.Security;

/// <summary>A fixed window: at most <see cref="PermitLimit"/> requests per <see cref="WindowSeconds"/>.</summary>
public sealed class RateLimitRule
{
    public int PermitLimit { get; set; }
    public int WindowSeconds { get; set; } = 60;

    internal FixedWindowRateLimiterOptions ToOptions() => new()
    {
        PermitLimit = Math.Max(1, PermitLimit),
        Window = TimeSpan.FromSeconds(Math.Max(1, WindowSeconds)),
        QueueLimit = 0,
    };
}

/// <summary><c>RateLimits:*</c>: per-caller budgets of the endpoints a stranger can hammer.</summary>
public sealed class RateLimitOptions
{
    public const string Section = "RateLimits";

    /// <summary>Posts of each account form (sign-in, register, forgot password ...) per client address.</summary>
    public RateLimitRule AccountForms { get; set; } = new() { PermitLimit = 20, WindowSeconds = 60 };

    /// <summary>The anonymous recurrence preview, per client address.</summary>
    public RateLimitRule PreviewAnonymous { get; set; } = new() { PermitLimit = 120, WindowSeconds = 60 };

    /// <summary>The recurrence preview for a signed-in user or an API token, per user.</summary>
    public RateLimitRule PreviewAuthenticated { get; set; } = new() { PermitLimit = 600, WindowSeconds = 60 };
}

public static class RateLimits
{
    /// <summary>Forms whose posts try a password, create an account or send mail: limited per client address.</summary>
    private static readonly string[] AccountFormPaths =
    [
        "/Account/Login", "/Account/LoginWith2fa", "/Account/LoginWithRecoveryCode", "/Account/Register",
        "/Account/ForgotPassword", "/Account/ResetPassword", "/Account/ResendEmailConfirmation",
    ];

    public static IServiceCollection AddAppRateLimits(this IServiceCollection services, IConfiguration configuration)
    {
        var limits = configuration.GetSection(RateLimitOptions.Section).Get<RateLimitOptions>() ?? new RateLimitOptions();
        services.AddRateLimiter(limiter =>
        {
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.OnRejected = OnRejectedAsync;

            limiter.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context =>
                HttpMethods.IsPost(context.Request.Method) && AccountForm(context.Request.Path) is { } form
                    ? RateLimitPartition.GetFixedWindowLimiter($"{form}|{ClientAddress(context)}", _ => limits.AccountForms.ToOptions())
                    : RateLimitPartition.GetNoLimiter(""));

            // Signed-in callers and tokens get their own, larger budget; strangers share one per address.
            limiter.AddPolicy(ScheduleEndpoints.PreviewRateLimit, context =>
                context.User.FindFirstValue(ClaimTypes.NameIdentifier) is { } userId
                    ? RateLimitPartition.GetFixedWindowLimiter("user|" + userId, _ => limits.PreviewAuthenticated.ToOptions())
                    : RateLimitPartition.GetFixedWindowLimiter("address|" + ClientAddress(context), _ => limits.PreviewAnonymous.ToOptions()));
        });
        return services;
    }

    /// <summary>
    /// The cookie is the default scheme; a Bearer token is authenticated up front as well, so that rate limits
    /// (which run before endpoint authorization) can tell a token's caller from a stranger.
    /// </summary>
    public static IApplicationBuilder UseBearerIdentity(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        if (context.User.Identity?.IsAuthenticated != true
            && context.Request.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            var result = await context.AuthenticateAsync(ApiTokenAuthenticationHandler.SchemeName);
            if (result.Succeeded)
            {
                context.User = result.Principal;
            }
        }
        await next(context);
    });

    private static string? AccountForm(PathString path) =>
        AccountFormPaths.FirstOrDefault(form => path.Equals(form, StringComparison.OrdinalIgnoreCase));

    // Behind a reverse proxy this is the proxy's address unless forwarded headers are configured.
    private static string ClientAddress(HttpContext context) => context.Connection.RemoteIpAddress?.ToString() ?? "unknown";

    /// <summary>Every refusal says when to come back: Retry-After, and a problem-details body for the API.</summary>
    private static async ValueTask OnRejectedAsync(OnRejectedContext rejected, CancellationToken cancellationToken)
    {
        var http = rejected.HttpContext;
        var retryAfter = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromSeconds(60);
        var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
        http.Response.StatusCode = StatusCodes.Status429TooManyRequests;
        http.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        // The IETF RateLimit fields clients already read from other APIs: nothing left until the window resets.
        http.Response.Headers["RateLimit-Remaining"] = "0";
        http.Response.Headers["RateLimit-Reset"] = seconds.ToString(CultureInfo.InvariantCulture);
        var detail = $"Too many requests: try again in {seconds} seconds.";
        if (http.Request.Path.StartsWithSegments("/api"))
        {
            var problems = http.RequestServices.GetRequiredService<IProblemDetailsService>();
            await problems.TryWriteAsync(new() { HttpContext = http, ProblemDetails = { Status = 429, Title = "Too many requests", Detail = detail } });
        }
        else
        {
            http.Response.ContentType = "text/plain; charset=utf-8";
            await http.Response.WriteAsync(detail, cancellationToken);
        }
    }
}
