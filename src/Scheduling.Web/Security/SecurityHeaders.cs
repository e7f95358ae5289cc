using System.Security.Cryptography;

namespace Scheduling.Web.Security;

/// <summary>
/// Headers on every response: a Content-Security-Policy that fits Blazor Server and MudBlazor (scripts only from the
/// app and the page's nonce, which the import map carries; inline styles allowed because MudBlazor sets them), no
/// framing, no MIME sniffing, no full referrer to other sites. HSTS is UseHsts' job (outside Development).
/// </summary>
public static class SecurityHeaders
{
    private const string NonceKey = "csp-nonce";

    // Shared by every policy: nothing frames the app, no plugins, no <base> elsewhere, forms post home.
    private const string Common = "default-src 'self'; base-uri 'self'; object-src 'none'; frame-ancestors 'none'; form-action 'self'; connect-src 'self'";

    /// <summary>The app's pages: no inline script but the nonced import map, no eval.</summary>
    internal static string AppPolicy(string nonce) =>
        $"{Common}; script-src 'self' 'nonce-{nonce}'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:";

    /// <summary>
    /// The API reference (Scalar, /api/docs) and the Hangfire dashboard ship inline scripts they configure themselves
    /// with: they get inline scripts, still no eval, no framing and no foreign scripts.
    /// </summary>
    internal const string ToolPolicy = Common + "; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:";

    /// <summary>The nonce of this response's Content-Security-Policy, for the few inline scripts the app renders.</summary>
    public static string Nonce(HttpContext context) => context.Items[NonceKey] as string ?? "";

    public static IApplicationBuilder UseSecurityHeaders(this IApplicationBuilder app) => app.Use((context, next) =>
    {
        // Hex: valid CSP nonce syntax that no HTML encoder rewrites (base64's + and = are).
        var nonce = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        context.Items[NonceKey] = nonce;
        // At the last moment, so error pages get them too and nothing set earlier (antiforgery's SAMEORIGIN) wins.
        context.Response.OnStarting(() =>
        {
            var headers = context.Response.Headers;
            var path = context.Request.Path;
            headers.ContentSecurityPolicy = path.StartsWithSegments("/api/docs") || path.StartsWithSegments("/hangfire")
                ? ToolPolicy
                : AppPolicy(nonce);
            headers.XContentTypeOptions = "nosniff";
            headers.XFrameOptions = "DENY";
            headers["Referrer-Policy"] = "strict-origin-when-cross-origin";
            return Task.CompletedTask;
        });
        return next(context);
    });
}
