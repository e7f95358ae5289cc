using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Identity;
using Scheduling.Web.Data;

namespace Scheduling.Web.Components.Account;

internal sealed class IdentityRedirectManager(NavigationManager navigationManager)
{
    public const string StatusCookieName = "Identity.StatusMessage";

    private static readonly CookieBuilder StatusCookieBuilder = new()
    {
        SameSite = SameSiteMode.Strict,
        HttpOnly = true,
        IsEssential = true,
        MaxAge = TimeSpan.FromSeconds(5),
    };

    public void RedirectTo(string? uri)
    {
        navigationManager.NavigateTo(LocalOrHome(uri));
    }

    /// <summary>
    /// Prevents open redirects: a URL of this app (relative, or absolute under its base) stays; anything else
    /// (another host, "//host", "/\host", a scheme) becomes the home page. ToBaseRelativePath would throw on it (a 500).
    /// </summary>
    internal string LocalOrHome(string? uri)
    {
        uri ??= "";
        if (Uri.TryCreate(uri, UriKind.Absolute, out var absolute) && absolute.Scheme is "http" or "https")
        {
            return absolute.AbsoluteUri.StartsWith(navigationManager.BaseUri, StringComparison.OrdinalIgnoreCase)
                ? navigationManager.ToBaseRelativePath(absolute.AbsoluteUri)
                : "";
        }
        return IsLocalPath(uri) ? uri : "";
    }

    /// <summary>Url.IsLocalUrl's rule, also for base-relative paths ("Account/Manage").</summary>
    internal static bool IsLocalPath(string uri)
    {
        if (uri.Length == 0)
        {
            return true;
        }
        // Browsers read "\" as "/" ("/\host" is "//host"); control characters hide either.
        if (uri.Any(char.IsControl) || uri.Contains('\\', StringComparison.Ordinal) || uri.StartsWith("//", StringComparison.Ordinal))
        {
            return false;
        }
        // A scheme ("https:", "javascript:") comes before the first '/', '?' or '#'.
        var colon = uri.IndexOf(':', StringComparison.Ordinal);
        var delimiter = uri.IndexOfAny(['/', '?', '#']);
        if (colon >= 0 && (delimiter < 0 || colon < delimiter))
        {
            return false;
        }
        return Uri.IsWellFormedUriString(uri, UriKind.Relative);
    }

    public void RedirectTo(string uri, Dictionary<string, object?> queryParameters)
    {
        var uriWithoutQuery = navigationManager.ToAbsoluteUri(uri).GetLeftPart(UriPartial.Path);
        var newUri = navigationManager.GetUriWithQueryParameters(uriWithoutQuery, queryParameters);
        RedirectTo(newUri);
    }

    public void RedirectToWithStatus(string uri, string message, HttpContext context)
    {
        context.Response.Cookies.Append(StatusCookieName, message, StatusCookieBuilder.Build(context));
        RedirectTo(uri);
    }

    private string CurrentPath => navigationManager.ToAbsoluteUri(navigationManager.Uri).GetLeftPart(UriPartial.Path);

    public void RedirectToCurrentPage() => RedirectTo(CurrentPath);

    public void RedirectToCurrentPageWithStatus(string message, HttpContext context)
        => RedirectToWithStatus(CurrentPath, message, context);

    public void RedirectToInvalidUser(UserManager<ApplicationUser> userManager, HttpContext context)
        => RedirectToWithStatus("Account/InvalidUser", $"Error: Unable to load user with ID '{userManager.GetUserId(context.User)}'.", context);
}
