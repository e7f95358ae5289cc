using System.Net;
using System.Net.Http.Json;
using Scheduling.Web.Data;
using Scheduling.Web.Tests.Infrastructure;

namespace Scheduling.Web.Tests.Security;

/// <summary>Lockout stops password guessing without switching off the user's tokens; the account forms are rate-limited per address.</summary>
public class SignInProtectionTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task Lockout_AfterFiveWrongPasswords_TheUsersTokenStillWorks(DatabaseProvider provider)
    {
        await using var app = await AppFactory.StartAsync(provider);
        var owner = await Session.RegisterAsync(app, "locked@example.com");
        var bearer = app.CreateBearerClient(await Session.CreateTokenAsync(owner));

        for (var i = 0; i < 5; i++)
        {
            await Session.SignInAsync(app.CreateBrowserLikeClient(), "locked@example.com", "wrong-password-1A!");
        }
        var locked = await Session.SignInAsync(app.CreateBrowserLikeClient(), "locked@example.com");
        Assert.EndsWith("Account/Lockout", locked.Headers.Location?.OriginalString, StringComparison.Ordinal);

        var me = await bearer.GetAsync("/api/v1/me", Ct);
        Assert.Equal(HttpStatusCode.OK, me.StatusCode);
        var created = await bearer.PostAsJsonAsync("/api/v1/workspaces", new { name = "Still working" }, Ct);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
    }

    [Theory]
    [InlineData("/Account/Login", "login")]
    [InlineData("/Account/Register", "register")]
    [InlineData("/Account/ForgotPassword", "forgot-password")]
    public async Task AccountForm_OverItsBudget_Returns429WithRetryAfter(string path, string form)
    {
        await using var app = await AppFactory.StartAsync(DatabaseProvider.Sqlite, new Dictionary<string, string?>
        {
            ["RateLimits:AccountForms:PermitLimit"] = "3",
            ["RateLimits:AccountForms:WindowSeconds"] = "600",
        });
        var client = app.CreateBrowserLikeClient();
        var fields = new Dictionary<string, string>
        {
            ["Input.Email"] = "someone@example.com",
            ["Input.Password"] = "Wrong-pass-1!",
            ["Input.ConfirmPassword"] = "Different-pass-1!",
        };

        for (var i = 0; i < 3; i++)
        {
            var allowed = await Session.PostFormAsync(client, path, form, new(fields));
            Assert.NotEqual(HttpStatusCode.TooManyRequests, allowed.StatusCode);
        }
        var refused = await Session.PostFormAsync(client, path, form, new(fields));

        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        var retryAfter = Assert.Single(refused.Headers.GetValues("Retry-After"));
        Assert.InRange(int.Parse(retryAfter, System.Globalization.CultureInfo.InvariantCulture), 1, 600);
        // The form itself (GET) and the other forms keep their own budgets.
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(path, Ct)).StatusCode);
        var otherForm = path == "/Account/Login" ? ("/Account/ForgotPassword", "forgot-password") : ("/Account/Login", "login");
        Assert.NotEqual(HttpStatusCode.TooManyRequests, (await Session.PostFormAsync(client, otherForm.Item1, otherForm.Item2, new(fields))).StatusCode);
    }
}
