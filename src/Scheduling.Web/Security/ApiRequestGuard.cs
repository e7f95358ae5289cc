using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace Scheduling.Web.Security;

/// <summary>
/// Cross-site request forgery on the API: a browser attaches the session cookie to a form or text/plain post from
/// any site (only SameSite=Lax stands in the way). /api writes made with the cookie must therefore come from the
/// app's own origin (Origin, else Referer, or a valid antiforgery token) and carry JSON when they carry a body.
/// Bearer calls carry no ambient credential and pass untouched.
/// </summary>
public sealed class ApiRequestGuard(
    RequestDelegate next,
    IOptionsMonitor<CookieAuthenticationOptions> cookies,
    PublicUrls urls,
    IProblemDetailsService problems)
{
    public async Task InvokeAsync(HttpContext context, IAntiforgery antiforgery)
    {
        var request = context.Request;
        if (!request.Path.StartsWithSegments("/api") || !IsWrite(request.Method)
            || request.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
            || !request.Cookies.ContainsKey(CookieName))
        {
            await next(context);
            return;
        }

        if (!IsSameOrigin(request) && !await antiforgery.IsRequestValidAsync(context))
        {
            await RefuseAsync(context, StatusCodes.Status403Forbidden, "Cross-site request refused",
                "A write with the session cookie must come from this app's own pages (same-origin Origin or Referer header), or use an API token.");
            return;
        }
        if (HasBody(request) && !IsJson(request.ContentType))
        {
            await RefuseAsync(context, StatusCodes.Status415UnsupportedMediaType, "Unsupported media type",
                "The API reads JSON: send the body as application/json.");
            return;
        }
        await next(context);
    }

    private string CookieName => cookies.Get(IdentityConstants.ApplicationScheme).Cookie.Name ?? ".AspNetCore.Identity.Application";

    private static bool IsWrite(string method) =>
        HttpMethods.IsPost(method) || HttpMethods.IsPut(method) || HttpMethods.IsPatch(method) || HttpMethods.IsDelete(method);

    private static bool HasBody(HttpRequest request) =>
        request.ContentLength > 0 || (request.ContentLength is null && request.Headers.TransferEncoding.Count > 0);

    private static bool IsJson(string? contentType) =>
        Microsoft.Net.Http.Headers.MediaTypeHeaderValue.TryParse(contentType, out var media)
        && (media.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)
            || media.MediaType.EndsWith("+json", StringComparison.OrdinalIgnoreCase));

    private bool IsSameOrigin(HttpRequest request)
    {
        string? origin = request.Headers.Origin;
        if (string.IsNullOrEmpty(origin))
        {
            // Browsers may leave Origin off same-origin requests; Referer then names the page.
            origin = Uri.TryCreate(request.Headers.Referer.ToString(), UriKind.Absolute, out var referer)
                ? referer.GetLeftPart(UriPartial.Authority)
                : null;
        }
        if (origin is null)
        {
            return false;
        }
        var own = $"{request.Scheme}://{request.Host.Value}";
        return string.Equals(origin, own, StringComparison.OrdinalIgnoreCase)
            || string.Equals(origin, urls.Origin, StringComparison.OrdinalIgnoreCase);
    }

    private async Task RefuseAsync(HttpContext context, int status, string title, string detail)
    {
        context.Response.StatusCode = status;
        await problems.TryWriteAsync(new() { HttpContext = context, ProblemDetails = { Status = status, Title = title, Detail = detail } });
    }
}
