using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.DataProtection;
using Scheduling.Web.Data;

namespace Scheduling.Web.Security;

/// <summary><c>DataProtection:*</c>: how the key ring stored in the database is encrypted at rest.</summary>
public sealed class DataProtectionKeyOptions
{
    public const string Section = "DataProtection";

    /// <summary>A PKCS#12 (.pfx) file with a private key; the key ring's XML is encrypted with it.</summary>
    public string? CertificatePath { get; set; }

    public string? CertificatePassword { get; set; }
}

public static class DataProtectionKeys
{
    /// <summary>
    /// Keys live in the database so several nodes share cookies and antiforgery tokens. They protect the webhook
    /// secrets stored beside them, so with a certificate configured they are encrypted before they are written.
    /// </summary>
    public static IServiceCollection AddProtectedKeyRing(this IServiceCollection services, IConfiguration configuration, IHostEnvironment environment)
    {
        var options = configuration.GetSection(DataProtectionKeyOptions.Section).Get<DataProtectionKeyOptions>() ?? new DataProtectionKeyOptions();
        var builder = services.AddDataProtection()
            .SetApplicationName("Scheduling.Web")
            .PersistKeysToDbContext<AppDbContext>();

        if (!string.IsNullOrWhiteSpace(options.CertificatePath))
        {
            var certificate = Load(Path.GetFullPath(options.CertificatePath, environment.ContentRootPath), options.CertificatePassword);
            // Decryption must not depend on the machine's certificate store (there is none in a container).
            builder.ProtectKeysWithCertificate(certificate).UnprotectKeysWithAnyCertificate(certificate);
        }
        else if (!environment.IsDevelopment())
        {
            services.AddHostedService<UnprotectedKeyRingWarning>();
        }
        return services;
    }

    private static X509Certificate2 Load(string path, string? password)
    {
        X509Certificate2 certificate;
        try
        {
            certificate = X509CertificateLoader.LoadPkcs12FromFile(path, password, X509KeyStorageFlags.EphemeralKeySet);
        }
        catch (Exception ex) when (ex is CryptographicException or IOException or UnauthorizedAccessException)
        {
            throw new InvalidOperationException(
                $"Setting 'DataProtection:CertificatePath' ('{path}') could not be loaded with 'DataProtection:CertificatePassword': {ex.Message}", ex);
        }
        if (!certificate.HasPrivateKey)
        {
            throw new InvalidOperationException($"Setting 'DataProtection:CertificatePath' ('{path}') names a certificate without a private key.");
        }
        return certificate;
    }

    private sealed class UnprotectedKeyRingWarning(ILogger<UnprotectedKeyRingWarning> logger) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            logger.LogWarning(
                "Data Protection keys are stored in the database unencrypted: anyone who reads the database can forge sign-in cookies and read webhook secrets. " +
                "Set 'DataProtection:CertificatePath' (a .pfx file) and 'DataProtection:CertificatePassword' to encrypt them.");
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
