using System.Net;
using Scheduling.Web.Data;
using Scheduling.Web.Tests.Infrastructure;

namespace Scheduling.Web.Tests.Security;

/// <summary>Requests found by fuzzing that answered 500: each is now the caller's error or a safe answer.</summary>
public class EdgeErrorTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("/Account/PasskeyCreationOptions")]
    [InlineData("/Account/PasskeyRequestOptions")]
    public async Task PasskeyOptions_WithoutAntiforgeryToken_Is400(string path)
    {
        await using var app = await AppFactory.StartAsync(DatabaseProvider.Sqlite);
        var browser = await Session.RegisterAsync(app, "passkey@example.com");

        var response = await browser.PostAsync(path, null, Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.DoesNotContain(app.Logs.Lines, l => l.Contains("AntiforgeryValidationException", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("https://evil.example/")]
    [InlineData("//evil.example/")]
    [InlineData("/\\evil.example/")]
    [InlineData("\\\\evil.example")]
    [InlineData("javascript:alert(1)")]
    public async Task SignIn_WithForeignReturnUrl_RedirectsHome(string returnUrl)
    {
        await using var app = await AppFactory.StartAsync(DatabaseProvider.Sqlite);
        (await Session.RegisterAsync(app, "returner@example.com")).Dispose();
        var client = app.CreateBrowserLikeClient();

        var response = await Session.PostFormAsync(client, "/Account/Login?ReturnUrl=" + Uri.EscapeDataString(returnUrl), "login", new()
        {
            ["Input.Email"] = "returner@example.com",
            ["Input.Password"] = Session.Password,
        });

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var location = new Uri(new Uri("http://localhost/"), response.Headers.Location!);
        Assert.Equal("http://localhost/", location.AbsoluteUri);
    }

    [Theory]
    [InlineData("//evil.example/", "/")]
    [InlineData("/\\evil.example", "/")]
    [InlineData("https://evil.example/", "/")]
    [InlineData("settings/profile", "/settings/profile")]
    public async Task SignOut_WithReturnUrl_StaysOnThisSite(string returnUrl, string expected)
    {
        await using var app = await AppFactory.StartAsync(DatabaseProvider.Sqlite);
        var browser = await Session.RegisterAsync(app, "leaver@example.com");
        var page = await browser.GetStringAsync("/Account/Manage", Ct);
        var token = System.Text.RegularExpressions.Regex.Match(page, "name=\"__RequestVerificationToken\" value=\"([^\"]+)\"").Groups[1].Value;

        var response = await browser.PostAsync("/Account/Logout", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = WebUtility.HtmlDecode(token),
            ["returnUrl"] = returnUrl,
        }), Ct);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("http://localhost" + expected, new Uri(new Uri("http://localhost/"), response.Headers.Location!).AbsoluteUri);
    }

    [Fact]
    public async Task SignIn_WithLocalReturnUrl_GoesThere()
    {
        await using var app = await AppFactory.StartAsync(DatabaseProvider.Sqlite);
        (await Session.RegisterAsync(app, "local@example.com")).Dispose();

        var response = await Session.PostFormAsync(app.CreateBrowserLikeClient(), "/Account/Login?ReturnUrl=" + Uri.EscapeDataString("/settings/tokens?x=1"), "login", new()
        {
            ["Input.Email"] = "local@example.com",
            ["Input.Password"] = Session.Password,
        });

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("http://localhost/settings/tokens?x=1", new Uri(new Uri("http://localhost/"), response.Headers.Location!).AbsoluteUri);
    }

    [Fact]
    public async Task HangfireStats_AsAdministrator_IsNotAServerError()
    {
        await using var app = await AppFactory.StartAsync(DatabaseProvider.Sqlite);
        var admin = await Session.RegisterAsync(app, "root@example.com");

        var get = await admin.GetAsync("/hangfire/stats", Ct);
        var post = await admin.PostAsync("/hangfire/stats", new FormUrlEncodedContent(new Dictionary<string, string> { ["metrics[]"] = "enqueued:count" }), Ct);

        Assert.Equal(HttpStatusCode.MethodNotAllowed, get.StatusCode);
        Assert.Equal("POST", get.Content.Headers.Allow.Single());
        Assert.True((int)post.StatusCode < 500, $"POST {(int)post.StatusCode}: {await post.Content.ReadAsStringAsync(Ct)}");
        var bodiless = await admin.PostAsync("/hangfire/stats", null, Ct);
        Assert.True((int)bodiless.StatusCode is >= 400 and < 500, $"bodiless POST {(int)bodiless.StatusCode}");
        Assert.DoesNotContain(app.Logs.Lines, l => l.Contains("Incorrect Content-Type", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("profile")]
    [InlineData("workspace")]
    [InlineData("members")]
    [InlineData("tokens")]
    [InlineData("webhooks")]
    public async Task SettingsSection_DirectLoad_RendersWithoutDisposedServiceErrors(string section)
    {
        await using var app = await AppFactory.StartAsync(DatabaseProvider.Sqlite);
        var browser = await Session.RegisterAsync(app, $"{section}@example.com");

        // The prerender pass ends (its components are disposed) before the response completes.
        var response = await browser.GetAsync($"/settings/{section}", Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("data-testid=\"settings-tabs\"", await response.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        Assert.DoesNotContain(app.Logs.Lines, l => l.Contains("ObjectDisposedException", StringComparison.Ordinal) || l.Contains("JSDisconnectedException", StringComparison.Ordinal));
    }
}
