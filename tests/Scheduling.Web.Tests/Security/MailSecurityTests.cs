using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Scheduling.Web.Data;
using Scheduling.Web.Tests.Infrastructure;

namespace Scheduling.Web.Tests.Security;

/// <summary>Emailed links come from App:PublicBaseUrl, never the Host header; the log never holds a mail's secrets.</summary>
public class MailSecurityTests
{
    private const string PublicBase = "https://scheduling.example.test";
    private const string ForgedHost = "evil.example";
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string[] Mails(AppFactory app) => [.. Directory.GetFiles(app.MailDirectory, "*.eml").Select(File.ReadAllText)];

    [Fact]
    public async Task ForgedHost_NeverAppearsInMailedLinks_ResetConfirmationAndInvitation()
    {
        // AllowedHosts "*" lets the forged Host reach the app, as behind a proxy that passes any Host on.
        await using var app = await AppFactory.StartAsync(DatabaseProvider.Sqlite, new Dictionary<string, string?>
        {
            ["App:PublicBaseUrl"] = PublicBase,
            ["AllowedHosts"] = "*",
        });
        var forged = app.CreateBrowserLikeClient();
        forged.DefaultRequestHeaders.Host = ForgedHost;

        // Registration mails a confirmation link; a stranger asks a reset for that account.
        var registered = await Session.PostFormAsync(forged, "/Account/Register", "register", new()
        {
            ["Input.Email"] = "victim@example.com",
            ["Input.Password"] = Session.Password,
            ["Input.ConfirmPassword"] = Session.Password,
        });
        Assert.Equal(HttpStatusCode.Redirect, registered.StatusCode);
        var stranger = app.CreateBrowserLikeClient();
        stranger.DefaultRequestHeaders.Host = ForgedHost;
        var asked = await Session.PostFormAsync(stranger, "/Account/ForgotPassword", "forgot-password", new() { ["Input.Email"] = "victim@example.com" });
        Assert.Equal(HttpStatusCode.Redirect, asked.StatusCode);

        // An invitation through the API with a token (no cookie) and the forged Host.
        var token = await Session.CreateTokenAsync(await Session.RegisterAsync(app, "owner@example.com"));
        var bearer = app.CreateBearerClient(token);
        bearer.DefaultRequestHeaders.Host = ForgedHost;
        var invited = await bearer.PostAsJsonAsync("/api/v1/workspace/invitations", new { email = "guest@example.com", role = "creator" }, Ct);
        Assert.Equal(HttpStatusCode.Created, invited.StatusCode);
        var acceptUrl = (await invited.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("acceptUrl").GetString()!;
        Assert.StartsWith(PublicBase + "/invitations/", acceptUrl, StringComparison.Ordinal);

        var mails = Mails(app);
        Assert.Contains(mails, m => m.Contains("Confirm your email", StringComparison.Ordinal) && m.Contains(PublicBase + "/Account/ConfirmEmail?", StringComparison.Ordinal));
        Assert.Contains(mails, m => m.Contains("Reset your password", StringComparison.Ordinal) && m.Contains(PublicBase + "/Account/ResetPassword?", StringComparison.Ordinal));
        Assert.Contains(mails, m => m.Contains("guest@example.com", StringComparison.Ordinal) && m.Contains(PublicBase + "/invitations/", StringComparison.Ordinal));
        Assert.All(mails, m => Assert.DoesNotContain(ForgedHost, m, StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task AllowedHosts_Default_RefusesAForgedHost()
    {
        await using var app = await AppFactory.StartAsync(DatabaseProvider.Sqlite);
        var forged = app.CreateBrowserLikeClient();
        forged.DefaultRequestHeaders.Host = ForgedHost;

        Assert.Equal(HttpStatusCode.BadRequest, (await forged.GetAsync("/Account/ForgotPassword", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await app.CreateBrowserLikeClient().GetAsync("/Account/ForgotPassword", Ct)).StatusCode);
    }

    [Fact]
    public async Task MailLog_NamesRecipientAndSubject_NeverTheBodyOrItsSecrets()
    {
        await using var app = await AppFactory.StartAsync(DatabaseProvider.Sqlite);
        app.Logs.IncludeInformation = true;
        var owner = await Session.RegisterAsync(app, "logged@example.com");
        var asked = await Session.PostFormAsync(app.CreateBrowserLikeClient(), "/Account/ForgotPassword", "forgot-password", new() { ["Input.Email"] = "logged@example.com" });
        Assert.Equal(HttpStatusCode.Redirect, asked.StatusCode);
        var invited = await owner.PostAsJsonAsync("/api/v1/workspace/invitations", new { email = "friend@example.com", role = "creator" }, Ct);
        var invitationSecret = (await invited.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("acceptUrl").GetString()!.Split('/').Last();

        var mails = Mails(app);
        var secrets = mails.SelectMany(m => Regex.Matches(m, "(?:code=|invitations/)([A-Za-z0-9_%-]{16,})").Select(match => match.Groups[1].Value)).ToList();
        Assert.Contains(invitationSecret, secrets);
        Assert.True(secrets.Count >= 3, $"expected confirmation, reset and invitation secrets in the mails: {string.Join(", ", secrets)}");

        var mailLines = app.Logs.Lines.Where(l => l.Contains("MailPickup", StringComparison.Ordinal)).ToList();
        Assert.Contains(mailLines, l => l.Contains("Email to logged@example.com: Reset your password", StringComparison.Ordinal));
        Assert.Contains(mailLines, l => l.Contains("Email to friend@example.com", StringComparison.Ordinal));
        var everything = app.Logs.Dump();
        Assert.All(secrets, secret => Assert.DoesNotContain(secret, everything, StringComparison.Ordinal));
        Assert.DoesNotContain("href", everything, StringComparison.OrdinalIgnoreCase);
    }
}
