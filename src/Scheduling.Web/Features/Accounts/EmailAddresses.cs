using System.ComponentModel.DataAnnotations;
using System.Net.Mail;

namespace Scheduling.Web.Features.Accounts;

/// <summary>
/// The one rule for an email address a user types (register, change email, invitations): a plain
/// local@domain address with no spaces or control characters. DataAnnotations' [EmailAddress] only looks for an '@'.
/// </summary>
public static class EmailAddresses
{
    public const int MaxLength = 256;
    public const string Invalid = "Enter a valid email address (name@example.com).";

    public static bool IsValid(string? address)
    {
        if (string.IsNullOrEmpty(address) || address.Length > MaxLength
            || address.Any(c => char.IsWhiteSpace(c) || char.IsControl(c) || c is '<' or '>' or '"' or '(' or ')' or ',' or ';' or '\\'))
        {
            return false;
        }
        var at = address.IndexOf('@', StringComparison.Ordinal);
        if (at <= 0 || at != address.LastIndexOf('@') || at == address.Length - 1)
        {
            return false;
        }
        // MailAddress reads display names and comments; the address must be all there is.
        return MailAddress.TryCreate(address, out var parsed) && parsed.Address == address && parsed.DisplayName.Length == 0;
    }
}

/// <summary><see cref="EmailAddresses.IsValid"/> for form models.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class ValidEmailAttribute : ValidationAttribute
{
    public ValidEmailAttribute() : base(EmailAddresses.Invalid)
    {
    }

    // An empty value is [Required]'s business.
    public override bool IsValid(object? value) => value is null or "" || (value is string s && EmailAddresses.IsValid(s));
}
