using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Scheduling.Web.Data;
using Scheduling.Web.Tests.Infrastructure;

namespace Scheduling.Web.Tests.Accounts;

public class RegistrationTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task Register_FirstAndSecondUser_FirstIsAdministratorAndEachOwnsAPersonalWorkspace(DatabaseProvider provider)
    {
        await using var app = await AppFactory.StartAsync(provider);

        var first = await Session.RegisterAsync(app, "ada@example.com");
        var second = await Session.RegisterAsync(app, "grace@example.com");

        var ada = await first.GetFromJsonAsync<JsonElement>("/api/v1/me", Ct);
        var grace = await second.GetFromJsonAsync<JsonElement>("/api/v1/me", Ct);
        Assert.Equal("ada@example.com", ada.GetProperty("email").GetString());
        Assert.True(ada.GetProperty("isAdministrator").GetBoolean());
        Assert.False(grace.GetProperty("isAdministrator").GetBoolean());

        var adaWorkspace = Assert.Single(ada.GetProperty("workspaces").EnumerateArray());
        Assert.Equal("ada's workspace", adaWorkspace.GetProperty("name").GetString());
        Assert.Equal("owner", adaWorkspace.GetProperty("role").GetString());
        Assert.Equal(adaWorkspace.GetProperty("id").GetGuid(), ada.GetProperty("currentWorkspaceId").GetGuid());
        Assert.NotEqual(ada.GetProperty("currentWorkspaceId").GetGuid(), grace.GetProperty("currentWorkspaceId").GetGuid());
    }

    [Fact]
    public async Task Register_SendsConfirmationEmailToPickupFolder()
    {
        await using var app = await AppFactory.StartAsync(DatabaseProvider.Sqlite);

        await Session.RegisterAsync(app, "mail@example.com");

        var mail = Assert.Single(Directory.GetFiles(app.MailDirectory, "*.eml"));
        var text = await File.ReadAllTextAsync(mail, Ct);
        Assert.Contains("To: mail@example.com", text, StringComparison.Ordinal);
        Assert.Contains("Account/ConfirmEmail", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SignIn_RightAndWrongPasswords_SignsInOrStaysOnFormAndLocksOutAfterFiveFailures()
    {
        await using var app = await AppFactory.StartAsync(DatabaseProvider.Sqlite);
        (await Session.RegisterAsync(app, "lock@example.com")).Dispose();

        var browser = app.CreateBrowserLikeClient();
        var good = await Session.SignInAsync(browser, "lock@example.com");
        Assert.Equal(HttpStatusCode.Redirect, good.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/api/v1/me", Ct)).StatusCode);

        var attacker = app.CreateBrowserLikeClient();
        var wrong = await Session.SignInAsync(attacker, "lock@example.com", "not-the-password");
        Assert.Equal(HttpStatusCode.OK, wrong.StatusCode);
        Assert.Contains("Invalid login attempt", await wrong.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);

        for (var i = 0; i < 4; i++)
        {
            await Session.SignInAsync(attacker, "lock@example.com", "not-the-password");
        }
        var locked = await Session.SignInAsync(attacker, "lock@example.com");
        Assert.Equal(HttpStatusCode.Redirect, locked.StatusCode);
        Assert.EndsWith("Account/Lockout", locked.Headers.Location?.OriginalString, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Logout_ThenApi_Returns401()
    {
        await using var app = await AppFactory.StartAsync(DatabaseProvider.Sqlite);
        var client = await Session.RegisterAsync(app, "bye@example.com");

        // The user menu's sign-out form posts to /Account/Logout with the page's antiforgery token.
        var page = await client.GetStringAsync("/Account/Login", Ct);
        var token = System.Text.RegularExpressions.Regex.Match(page, "name=\"__RequestVerificationToken\" value=\"([^\"]+)\"").Groups[1].Value;
        var logout = await client.PostAsync("/Account/Logout", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = WebUtility.HtmlDecode(token),
            ["ReturnUrl"] = "Account/Login",
        }), Ct);

        Assert.Equal(HttpStatusCode.Redirect, logout.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/v1/me", Ct)).StatusCode);
    }

    [Fact]
    public async Task Me_Anonymous_Returns401ProblemDetails()
    {
        await using var app = await AppFactory.StartAsync(DatabaseProvider.Sqlite);

        var response = await app.CreateBrowserLikeClient().GetAsync("/api/v1/me", Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Me_PutTimeZone_KnownZoneSavedUnknownZoneIs400()
    {
        await using var app = await AppFactory.StartAsync(DatabaseProvider.Sqlite);
        var client = await Session.RegisterAsync(app, "tz@example.com");

        var ok = await client.PutAsJsonAsync("/api/v1/me", new { timeZone = "America/New_York" }, Ct);
        var bad = await client.PutAsJsonAsync("/api/v1/me", new { timeZone = "Mars/Olympus_Mons" }, Ct);

        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.Equal("America/New_York", (await client.GetFromJsonAsync<JsonElement>("/api/v1/me", Ct)).GetProperty("timeZone").GetString());
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var problem = await bad.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.True(problem.GetProperty("errors").TryGetProperty("timeZone", out _));
    }
}
