using Scheduling.Web.Data;
using Scheduling.Web.Tests.Infrastructure;

namespace Scheduling.Web.Tests.Security;

/// <summary>Security settings that are wrong or missing stop start-up with a message naming the setting.</summary>
public class StartupSettingsTests
{
    [Theory]
    [InlineData("")]
    [InlineData("not a url")]
    [InlineData("ftp://files.example.com")]
    [InlineData("https://scheduling.example.com/?next=1")]
    public async Task PublicBaseUrl_MissingOrInvalidOutsideDevelopment_StopsStartNamingTheSetting(string value)
    {
        var failure = await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            await using var app = await AppFactory.StartAsync(DatabaseProvider.Sqlite, new Dictionary<string, string?> { ["App:PublicBaseUrl"] = value });
        });

        Assert.Contains("App:PublicBaseUrl", failure.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task DataProtectionCertificate_Unreadable_StopsStartNamingTheSetting()
    {
        var failure = await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            await using var app = await AppFactory.StartAsync(DatabaseProvider.Sqlite, new Dictionary<string, string?>
            {
                ["DataProtection:CertificatePath"] = Path.Combine(Path.GetTempPath(), $"missing-{Guid.NewGuid():N}.pfx"),
            });
        });

        Assert.Contains("DataProtection:CertificatePath", failure.ToString(), StringComparison.Ordinal);
    }
}
