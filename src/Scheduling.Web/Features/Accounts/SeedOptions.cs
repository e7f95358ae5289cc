using Microsoft.Extensions.Options;
using Scheduling.Web.Features.Tokens;

namespace Scheduling.Web.Features.Accounts;

/// <summary>
/// <c>Seed:*</c>: an account that automation, demos and black-box tests can rely on. All optional.
/// </summary>
public sealed class SeedOptions
{
    public const string Section = "Seed";

    public string? AdminEmail { get; set; }
    public string? AdminPassword { get; set; }
    public string? ApiToken { get; set; }
}

internal sealed class SeedOptionsValidator : IValidateOptions<SeedOptions>
{
    public ValidateOptionsResult Validate(string? name, SeedOptions options)
    {
        var failures = new List<string>();
        if (!string.IsNullOrEmpty(options.AdminEmail) && !EmailAddresses.IsValid(options.AdminEmail))
        {
            failures.Add($"Setting 'Seed:AdminEmail' ('{options.AdminEmail}') is not an email address.");
        }
        if (string.IsNullOrEmpty(options.AdminEmail) && (!string.IsNullOrEmpty(options.AdminPassword) || !string.IsNullOrEmpty(options.ApiToken)))
        {
            failures.Add("Setting 'Seed:AdminEmail' is required when 'Seed:AdminPassword' or 'Seed:ApiToken' is set.");
        }
        if (!string.IsNullOrEmpty(options.ApiToken) && (options.ApiToken.Length < ApiTokenService.MinSeedTokenLength || options.ApiToken.Any(char.IsWhiteSpace)))
        {
            failures.Add($"Setting 'Seed:ApiToken' must be at least {ApiTokenService.MinSeedTokenLength} characters with no spaces.");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
