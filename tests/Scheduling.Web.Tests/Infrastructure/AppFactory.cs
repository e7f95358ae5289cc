using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Scheduling.Web.Data;

namespace Scheduling.Web.Tests.Infrastructure;

/// <summary>The real app over a real database, configured only through its public settings.</summary>
public sealed class AppFactory(
    TestDatabase database,
    IReadOnlyDictionary<string, string?>? settings = null,
    Action<IServiceCollection>? services = null,
    bool ownsDatabase = true) : WebApplicationFactory<Program>
{
    private readonly string _mailDirectory = Directory.CreateTempSubdirectory("scheduling-mail-").FullName;

    public TestDatabase Database { get; } = database;
    public CapturedLogs Logs { get; } = new();
    public string MailDirectory => _mailDirectory;

    public static async Task<AppFactory> StartAsync(
        DatabaseProvider provider, IReadOnlyDictionary<string, string?>? settings = null, Action<IServiceCollection>? services = null)
    {
        var database = await TestDatabase.CreateMigratedAsync(provider);
        var factory = new AppFactory(database, settings, services);
        factory.StartServer();
        return factory;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.ConfigureLogging(logging => logging.AddProvider(Logs));
        builder.UseSetting("Database:Provider", Database.Provider.ToString());
        builder.UseSetting("Database:MigrateOnStartup", "true");
        builder.UseSetting("ConnectionStrings:Scheduling", Database.ConnectionString);
        builder.UseSetting("Mail:PickupDirectory", _mailDirectory);
        builder.UseSetting("Execution:WorkerCount", "2");
        // The test server answers as http://localhost; links in mail are built from this, not from the request.
        builder.UseSetting("App:PublicBaseUrl", PublicBaseUrl);
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            builder.UseSetting(key, value);
        }
        if (services is not null)
        {
            builder.ConfigureServices(services);
        }
    }

    public const string PublicBaseUrl = "http://localhost";

    /// <summary>Keeps the session cookie and, like a browser on the app's own pages, sends the app's Origin.</summary>
    public HttpClient CreateBrowserLikeClient()
    {
        var client = CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });
        client.DefaultRequestHeaders.Add("Origin", PublicBaseUrl);
        return client;
    }

    public HttpClient CreateBearerClient(string token)
    {
        var client = CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = false });
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        if (ownsDatabase)
        {
            await Database.DisposeAsync();
        }
        try
        {
            Directory.Delete(_mailDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
