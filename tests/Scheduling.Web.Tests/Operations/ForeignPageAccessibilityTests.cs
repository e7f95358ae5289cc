using System.Net;
using System.Text.RegularExpressions;
using Scheduling.Web.Components.Shared;
using Scheduling.Web.Data;
using Scheduling.Web.Tests.Infrastructure;

namespace Scheduling.Web.Tests.Operations;

/// <summary>Pages the app serves but does not write (Hangfire's dashboard, Scalar's reference) get a language.</summary>
public class ForeignPageAccessibilityTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task HangfireDashboardAndApiReference_HtmlHasLang_DashboardLinksContrastFixes()
    {
        await using var app = await AppFactory.StartAsync(DatabaseProvider.Sqlite);
        var admin = await Session.RegisterAsync(app, "first@example.com");

        foreach (var path in new[] { "/hangfire", "/hangfire/recurring", "/api/docs/" })
        {
            using var response = await admin.GetAsync(path, Ct);
            var html = await response.Content.ReadAsStringAsync(Ct);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path} answered {(int)response.StatusCode}");
            var tag = Regex.Match(html, "<html[^>]*>", RegexOptions.IgnoreCase);
            Assert.True(tag.Success, $"{path} has no <html> tag");
            Assert.Equal(" lang=\"en\"", Regex.Match(tag.Value, " lang=\"[^\"]*\"").Value);
            Assert.Single(Regex.Matches(tag.Value, " lang="));
        }

        // The dashboard links our contrast fixes after its own stylesheets; the reference does not need them.
        Assert.Contains("<link rel=\"stylesheet\" href=\"/hangfire-a11y.css\" /></head>", await admin.GetStringAsync("/hangfire", Ct), StringComparison.Ordinal);
        using var css = await admin.GetAsync("/hangfire-a11y.css", Ct);
        Assert.Equal(HttpStatusCode.OK, css.StatusCode);
    }

    [Theory]
    [InlineData("<!DOCTYPE html>\n<html>\n<head></head></html>", "<!DOCTYPE html>\n<html lang=\"en\">\n<head></head></html>")]
    [InlineData("<html class=\"x\"><body></body></html>", "<html lang=\"en\" class=\"x\"><body></body></html>")]
    [InlineData("<html lang=\"iv\"><body></body></html>", "<html lang=\"en\"><body></body></html>")]
    [InlineData("<html lang=\"\"><body></body></html>", "<html lang=\"en\"><body></body></html>")]
    [InlineData("<html lang=\"fr\"><body></body></html>", "<html lang=\"fr\"><body></body></html>")]
    [InlineData("<htmlx><body></body></htmlx>", "<htmlx><body></body></htmlx>")]
    [InlineData("no markup", "no markup")]
    public void Patch_HtmlTagWithoutARealLanguage_GetsEnglish(string html, string expected) =>
        Assert.Equal(expected, ForeignPageAccessibility.Patch(html));

    [Fact]
    public void Patch_WithStylesheet_LinksItLastInTheHead() =>
        Assert.Equal("<html lang=\"en\"><head><style>a{}</style><link rel=\"stylesheet\" href=\"/x.css\" /></head></html>",
            ForeignPageAccessibility.Patch("<html><head><style>a{}</style></head></html>", new ForeignPageFixes("/x.css")));

    [Fact]
    public void Patch_HangfireDashboard_NamesTheNavbarToggle() =>
        Assert.Contains("class=\"navbar-toggle\" aria-label=\"Toggle navigation\"",
            ForeignPageAccessibility.Patch("<html><body><button type=\"button\" class=\"navbar-toggle\" data-toggle=\"collapse\"></button></body></html>", ForeignPageFixes.HangfireDashboard),
            StringComparison.Ordinal);
}
