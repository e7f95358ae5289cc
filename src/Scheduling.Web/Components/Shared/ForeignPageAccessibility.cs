using System.Text;
using System.Text.RegularExpressions;

namespace Scheduling.Web.Components.Shared;

/// <summary>What to change in a foreign page's HTML: a stylesheet of ours linked after theirs, literal replacements.</summary>
public sealed record ForeignPageFixes(string? Stylesheet = null, IReadOnlyDictionary<string, string>? Replacements = null)
{
    /// <summary>
    /// Hangfire's dashboard (Bootstrap 3): contrast fixes in hangfire-a11y.css, and a name for the navbar's
    /// icon-only toggle button shown on phones (axe button-name).
    /// </summary>
    public static readonly ForeignPageFixes HangfireDashboard = new("/hangfire-a11y.css", new Dictionary<string, string>
    {
        ["<button type=\"button\" class=\"navbar-toggle\""] = "<button type=\"button\" class=\"navbar-toggle\" aria-label=\"Toggle navigation\"",
    });

    /// <summary>Scalar's reference: its colours are set through its own custom CSS option (<see cref="ApiReferenceTheme"/>).</summary>
    public static readonly ForeignPageFixes ApiReference = new();
}

/// <summary>
/// Accessibility fixes for HTML pages the app serves but does not write: the Hangfire dashboard and the Scalar API
/// reference. The &lt;html&gt; element gets a valid language (Scalar writes none; Hangfire writes its UI culture's
/// two-letter name, "iv" under the invariant culture of a server without a locale): a page without one is read
/// with the wrong voice by screen readers (WCAG 3.1.1, axe html-has-lang / html-lang-valid). Then the page's
/// <see cref="ForeignPageFixes"/> apply. Only HTML answers under the path prefix are buffered; everything else
/// streams through untouched.
/// </summary>
public sealed partial class ForeignPageAccessibility(PathString prefix, ForeignPageFixes fixes)
{
    private const string Lang = "en";

    public async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        if (!context.Request.Path.StartsWithSegments(prefix))
        {
            await next(context);
            return;
        }

        var original = context.Response.Body;
        await using var buffer = new MemoryStream();
        context.Response.Body = buffer;
        try
        {
            await next(context);
        }
        finally
        {
            context.Response.Body = original;
        }

        buffer.Position = 0;
        var isHtml = context.Response.ContentType?.StartsWith("text/html", StringComparison.OrdinalIgnoreCase) == true
            && !context.Response.Headers.ContentEncoding.Any(e => !string.IsNullOrEmpty(e));
        if (!isHtml)
        {
            await buffer.CopyToAsync(original, context.RequestAborted);
            return;
        }

        var html = Encoding.UTF8.GetString(buffer.ToArray());
        var stylesheet = fixes.Stylesheet is null ? null : context.Request.PathBase + fixes.Stylesheet;
        var bytes = Encoding.UTF8.GetBytes(Patch(html, fixes with { Stylesheet = stylesheet }));
        context.Response.ContentLength = bytes.Length;
        await original.WriteAsync(bytes, context.RequestAborted);
    }

    /// <summary>
    /// The document with lang="en" on its &lt;html&gt; tag unless that tag has a real language already, the
    /// replacements made and the stylesheet linked at the end of its head.
    /// </summary>
    public static string Patch(string html, ForeignPageFixes? fixes = null)
    {
        var tag = HtmlTag().Match(html);
        if (tag.Success)
        {
            var lang = LangAttribute().Match(tag.Value);
            var patched = !lang.Success
                ? tag.Value.Insert(5, $" lang=\"{Lang}\"")
                : string.IsNullOrWhiteSpace(lang.Groups[1].Value) || lang.Groups[1].Value == "iv"
                    ? tag.Value.Replace(lang.Value, $" lang=\"{Lang}\"", StringComparison.Ordinal)
                    : tag.Value;
            html = string.Concat(html.AsSpan(0, tag.Index), patched, html.AsSpan(tag.Index + tag.Length));
        }
        foreach (var (find, replace) in fixes?.Replacements ?? new Dictionary<string, string>())
        {
            html = html.Replace(find, replace, StringComparison.Ordinal);
        }
        var headEnd = html.IndexOf("</head>", StringComparison.OrdinalIgnoreCase);
        if (fixes?.Stylesheet is { } stylesheet && headEnd >= 0)
        {
            html = html.Insert(headEnd, $"<link rel=\"stylesheet\" href=\"{stylesheet}\" />");
        }
        return html;
    }

    [GeneratedRegex(@"<html(?=[\s>])[^>]*>", RegexOptions.IgnoreCase)]
    private static partial Regex HtmlTag();

    [GeneratedRegex("""\slang\s*=\s*["']?([^"'\s>]*)["']?""", RegexOptions.IgnoreCase)]
    private static partial Regex LangAttribute();
}

public static class ForeignPageAccessibilityExtensions
{
    /// <summary>Makes the HTML pages under <paramref name="prefix"/> accessible (see <see cref="ForeignPageAccessibility"/>).</summary>
    public static IApplicationBuilder UseForeignPageAccessibility(this IApplicationBuilder app, string prefix, ForeignPageFixes fixes)
    {
        var middleware = new ForeignPageAccessibility(new PathString(prefix), fixes);
        return app.Use(next => context => middleware.InvokeAsync(context, next));
    }
}

/// <summary>
/// Colours of the Scalar API reference (/api/docs) that reach WCAG AA on its light background: its default grey
/// secondary text (3.2:1), the orange of PUT (2.9:1) and the green of JSON literals (3.6:1) are darkened.
/// </summary>
public static class ApiReferenceTheme
{
    public const string Css = """
        .light-mode {
          --scalar-color-3: #666666 !important;
          --scalar-color-orange: #a83c00 !important;
          --scalar-color-green: #00704a !important;
        }
        """;
}
