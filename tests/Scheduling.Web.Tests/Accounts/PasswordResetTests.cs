using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.WebUtilities;
using Scheduling.Web.Data;
using Scheduling.Web.Tests.Infrastructure;

namespace Scheduling.Web.Tests.Accounts;

public class PasswordResetTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ForgotPassword_MailsALink_ThatSetsANewPassword()
    {
        await using var app = await AppFactory.StartAsync(DatabaseProvider.Sqlite);
        (await Session.RegisterAsync(app, "forgetful@example.com")).Dispose();
        var browser = app.CreateBrowserLikeClient();

        var asked = await Session.PostFormAsync(browser, "/Account/ForgotPassword", "forgot-password", new() { ["Input.Email"] = "forgetful@example.com" });
        Assert.Equal(HttpStatusCode.Redirect, asked.StatusCode);

        var mail = Directory.GetFiles(app.MailDirectory, "*.eml").Select(File.ReadAllText).Single(m => m.Contains("Reset your password", StringComparison.Ordinal));
        Assert.Contains("To: forgetful@example.com", mail, StringComparison.Ordinal);
        var code = Regex.Match(mail, "code=([A-Za-z0-9_-]+)").Groups[1].Value;
        var reset = await Session.PostFormAsync(browser, $"/Account/ResetPassword?code={code}", "reset-password", new()
        {
            ["Input.Email"] = "forgetful@example.com",
            ["Input.Password"] = "Brand-New-Pass-9",
            ["Input.ConfirmPassword"] = "Brand-New-Pass-9",
            ["Input.Code"] = Encoding.UTF8.GetString(WebEncoders.Base64UrlDecode(code)),
        });
        Assert.Equal(HttpStatusCode.Redirect, reset.StatusCode);
        Assert.EndsWith("Account/ResetPasswordConfirmation", reset.Headers.Location?.OriginalString, StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.OK, (await Session.SignInAsync(app.CreateBrowserLikeClient(), "forgetful@example.com")).StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await Session.SignInAsync(app.CreateBrowserLikeClient(), "forgetful@example.com", "Brand-New-Pass-9")).StatusCode);
    }
}
