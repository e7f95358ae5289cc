using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Scheduling.Web.Data;
using Scheduling.Web.Tests.Infrastructure;

namespace Scheduling.Web.Tests.Security;

/// <summary>The key ring in the database is encrypted with the configured certificate; without one, a warning says so.</summary>
public class DataProtectionKeyTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<List<string>> StoredKeysAsync(AppFactory app)
    {
        await using var scope = app.Services.CreateAsyncScope();
        await using var db = await scope.ServiceProvider.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync(Ct);
        return await db.DataProtectionKeys.Select(k => k.Xml!).ToListAsync(Ct);
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task WithCertificate_StoredKeyXmlIsEncrypted_AndSessionsStillWork(DatabaseProvider provider)
    {
        var folder = Directory.CreateTempSubdirectory("scheduling-dp-").FullName;
        try
        {
            using var rsa = RSA.Create(2048);
            var request = new CertificateRequest("CN=Scheduling.Web key ring", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
            var path = Path.Combine(folder, "keys.pfx");
            await File.WriteAllBytesAsync(path, certificate.Export(X509ContentType.Pfx, "pfx-pass"), Ct);

            await using var app = await AppFactory.StartAsync(provider, new Dictionary<string, string?>
            {
                ["DataProtection:CertificatePath"] = path,
                ["DataProtection:CertificatePassword"] = "pfx-pass",
            });
            // Registering signs in (a protected cookie) and reads it back on the next call.
            var browser = await Session.RegisterAsync(app, "keys@example.com");
            Assert.Equal(System.Net.HttpStatusCode.OK, (await browser.GetAsync("/api/v1/me", Ct)).StatusCode);

            var keys = await StoredKeysAsync(app);
            Assert.NotEmpty(keys);
            Assert.All(keys, xml =>
            {
                Assert.Contains("encryptedSecret", xml, StringComparison.Ordinal);
                Assert.Contains("EncryptedData", xml, StringComparison.Ordinal);
                Assert.DoesNotContain("<masterKey", xml, StringComparison.Ordinal);
            });
            Assert.DoesNotContain(app.Logs.Lines, l => l.Contains("DataProtection:CertificatePath", StringComparison.Ordinal));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task WithoutCertificate_OutsideDevelopment_WarnsNamingTheSetting()
    {
        await using var app = await AppFactory.StartAsync(DatabaseProvider.Sqlite);

        Assert.Contains(app.Logs.Lines, l => l.Contains("Warning", StringComparison.Ordinal) && l.Contains("'DataProtection:CertificatePath'", StringComparison.Ordinal));
    }
}
