using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Identity;
using Scheduling.Web.Data;

namespace Scheduling.Web.Features.Accounts;

public sealed class MailOptions
{
    public const string Section = "Mail";

    /// <summary>Folder where each outgoing email is written as an .eml file (relative to the content root).</summary>
    public string PickupDirectory { get; set; } = "data/mail";
}

/// <summary>
/// Outgoing mail without an SMTP server: each message is written to a pickup folder (and logged without its body), where a
/// developer (or a test) opens the confirmation, reset or invitation link.
/// </summary>
public sealed class MailPickup(MailOptionsResolved options, ILogger<MailPickup> logger, TimeProvider clock)
{
    public async Task SendAsync(string to, string subject, string htmlBody, CancellationToken cancellationToken = default)
    {
        var now = clock.GetUtcNow();
        Directory.CreateDirectory(options.Directory);
        var file = Path.Combine(options.Directory, $"{now:yyyyMMddHHmmssfff}-{Guid.NewGuid():N}.eml");
        var message = new StringBuilder()
            .Append(CultureInfo.InvariantCulture, $"To: {to}\r\n")
            .Append(CultureInfo.InvariantCulture, $"Subject: {subject}\r\n")
            .Append(CultureInfo.InvariantCulture, $"Date: {now:R}\r\n")
            .Append("Content-Type: text/html; charset=utf-8\r\n\r\n")
            .Append(htmlBody)
            .ToString();
        await File.WriteAllTextAsync(file, message, cancellationToken);
        // Never the body: it holds live secrets (reset and confirmation codes, invitation links).
        logger.LogInformation("Email to {To}: {Subject} (written to {File}).", to, subject, file);
    }
}

public sealed record MailOptionsResolved(string Directory);

/// <summary>Identity's account emails (confirmation, password reset) through the pickup folder.</summary>
internal sealed class PickupIdentityEmailSender(MailPickup mail) : IEmailSender<ApplicationUser>
{
    public Task SendConfirmationLinkAsync(ApplicationUser user, string email, string confirmationLink) =>
        mail.SendAsync(email, "Confirm your email", $"Please confirm your account by <a href='{confirmationLink}'>clicking here</a>.");

    public Task SendPasswordResetLinkAsync(ApplicationUser user, string email, string resetLink) =>
        mail.SendAsync(email, "Reset your password", $"Please reset your password by <a href='{resetLink}'>clicking here</a>.");

    public Task SendPasswordResetCodeAsync(ApplicationUser user, string email, string resetCode) =>
        mail.SendAsync(email, "Reset your password", $"Please reset your password using the following code: {resetCode}");
}
