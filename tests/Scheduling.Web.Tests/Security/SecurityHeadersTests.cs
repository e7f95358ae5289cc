using System.Net;
using System.Text.RegularExpressions;
using Scheduling.Web.Data;
using Scheduling.Web.Tests.Infrastructure;

namespace Scheduling.Web.Tests.Security;

public class SecurityHeadersTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? string.Join(",", values)
        : response.Content.Headers.TryGetValues(name, out var contentValues) ? string.Join(",", contentValues)
        : "";

    [Fact]
    public async Task EveryResponse_CarriesCspNoFramingNoSniffAndReferrerPolicy()
    {
        await using var app = await AppFactory.StartAsync(DatabaseProvider.Sqlite);
        var client = app.CreateBrowserLikeClient();

        foreach (var path in new[] { "/Account/Login", "/api/v1/me", "/api/v1/schedules/not-a-route", "/app.css", "/healthz", "/api/docs" })
        {
            var response = await client.GetAsync(path, Ct);
            var csp = Header(response, "Content-Security-Policy");
            Assert.Contains("frame-ancestors 'none'", csp, StringComparison.Ordinal);
            Assert.Contains("default-src 'self'", csp, StringComparison.Ordinal);
            Assert.DoesNotContain("unsafe-eval", csp, StringComparison.Ordinal);
            Assert.Equal("DENY", Header(response, "X-Frame-Options"));
            Assert.Equal("nosniff", Header(response, "X-Content-Type-Options"));
            Assert.Equal("strict-origin-when-cross-origin", Header(response, "Referrer-Policy"));
        }
    }

    [Fact]
    public async Task AppPages_AllowScriptsOnlyFromTheAppAndTheirNonce_TheImportMapCarriesIt()
    {
        await using var app = await AppFactory.StartAsync(DatabaseProvider.Sqlite);
        var response = await app.CreateBrowserLikeClient().GetAsync("/Account/Login", Ct);
        var csp = Header(response, "Content-Security-Policy");
        var html = await response.Content.ReadAsStringAsync(Ct);

        var nonce = Regex.Match(csp, "script-src 'self' 'nonce-([^']+)'").Groups[1].Value;
        Assert.NotEmpty(nonce);
        Assert.DoesNotContain("'unsafe-inline'; img-src", csp.Split("script-src")[1].Split(';')[0], StringComparison.Ordinal);
        Assert.Contains($"<script type=\"importmap\" nonce=\"{nonce}\"", html, StringComparison.Ordinal);
        // Every inline script of the page carries the nonce (the others load from the app).
        foreach (Match script in Regex.Matches(html, "<script(?![^>]*\\bsrc=)[^>]*>"))
        {
            Assert.Contains($"nonce=\"{nonce}\"", script.Value, StringComparison.Ordinal);
        }
        var second = Header(await app.CreateBrowserLikeClient().GetAsync("/Account/Login", Ct), "Content-Security-Policy");
        Assert.DoesNotContain(nonce, second, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Https_OutsideDevelopment_SendsHsts()
    {
        await using var app = await AppFactory.StartAsync(DatabaseProvider.Sqlite, new Dictionary<string, string?>
        {
            ["App:PublicBaseUrl"] = "https://scheduling.example.test",
        });
        var client = app.CreateClient(new() { BaseAddress = new Uri("https://scheduling.example.test"), AllowAutoRedirect = false });

        var response = await client.GetAsync("/Account/Login", Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("max-age=", Header(response, "Strict-Transport-Security"), StringComparison.Ordinal);
    }
}
