using Microsoft.AspNetCore.HostFiltering;
using Microsoft.Extensions.Options;

namespace Scheduling.Web.Security;

/// <summary><c>App:*</c>: how the app is reached from outside.</summary>
public sealed class AppOptions
{
    public const string Section = "App";

    /// <summary>
    /// The address users open (scheme, host, port, path base), e.g. https://scheduling.example.com. Links in emails
    /// are built from it, never from the request's Host header, which a caller chooses.
    /// </summary>
    public string? PublicBaseUrl { get; set; }
}

internal sealed class AppOptionsValidator(IHostEnvironment environment) : IValidateOptions<AppOptions>
{
    public ValidateOptionsResult Validate(string? name, AppOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.PublicBaseUrl))
        {
            return environment.IsDevelopment()
                ? ValidateOptionsResult.Success
                : ValidateOptionsResult.Fail(
                    "Setting 'App:PublicBaseUrl' is required outside Development: the address users open (e.g. https://scheduling.example.com), used for links in emails.");
        }
        return PublicUrls.TryParseBase(options.PublicBaseUrl, out _)
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail($"Setting 'App:PublicBaseUrl' ('{options.PublicBaseUrl}') must be an absolute http(s) URL with no query or fragment.");
    }
}

/// <summary>Absolute links to the app for emails: from <c>App:PublicBaseUrl</c>.</summary>
public sealed class PublicUrls(IOptions<AppOptions> options)
{
    /// <summary>Where `dotnet run` listens in Development when no public address is configured.</summary>
    public const string DevelopmentDefault = "http://localhost:5000/";

    public Uri BaseUri { get; } = TryParseBase(options.Value.PublicBaseUrl, out var parsed) ? parsed : new Uri(DevelopmentDefault);

    /// <summary>The absolute URL of an app-relative path such as "Account/ConfirmEmail".</summary>
    public string Absolute(string relativePath) => new Uri(BaseUri, relativePath.TrimStart('/')).AbsoluteUri;

    /// <summary>scheme://host[:port] of the public address, as browsers send it in <c>Origin</c>.</summary>
    public string Origin => BaseUri.GetLeftPart(UriPartial.Authority);

    internal static bool TryParseBase(string? value, out Uri uri)
    {
        uri = null!;
        if (!Uri.TryCreate(value?.Trim(), UriKind.Absolute, out var parsed)
            || parsed.Scheme is not ("http" or "https") || parsed.Query.Length > 0 || parsed.Fragment.Length > 0)
        {
            return false;
        }
        // A trailing slash makes relative links land under the path base.
        uri = parsed.AbsolutePath.EndsWith('/') ? parsed : new Uri(parsed.AbsoluteUri + "/");
        return true;
    }
}

/// <summary>
/// <c>AllowedHosts</c> unset defaults to the host of App:PublicBaseUrl and the loopback names (local probes), so a
/// forged Host is refused (400). An explicit list wins; "*" answers any Host.
/// </summary>
internal sealed class DefaultAllowedHosts(IConfiguration configuration, IOptions<AppOptions> app) : IPostConfigureOptions<HostFilteringOptions>
{
    public void PostConfigure(string? name, HostFilteringOptions options)
    {
        var configured = configuration["AllowedHosts"];
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return;
        }
        if (!PublicUrls.TryParseBase(app.Value.PublicBaseUrl, out var publicBase))
        {
            return;
        }
        options.AllowedHosts = [publicBase.IdnHost, "localhost", "127.0.0.1", "[::1]"];
    }
}
