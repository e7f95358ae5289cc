using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Scheduling.E2E;

/// <summary>
/// The real app on a loopback Kestrel port (fresh SQLite file and mail folder) plus one headless Debian
/// Chromium, shared by the tests of a class: starting both costs seconds, a new browser context per test
/// costs milliseconds and still isolates cookies.
/// </summary>
public class AppFixture : IAsyncLifetime
{
    /// <summary>Seeded at start-up so that a known account exists before any test registers one.</summary>
    public const string SeedAdminEmail = "admin@example.com";
    public const string SeedAdminPassword = "Seed-Admin-Pass-1";

    /// <summary>An API token of the seeded admin in their own workspace: tests create data through /api/v1 with it.</summary>
    public const string SeedApiToken = "sch_e2e_seed_token_4f7c2a9d1b";

    private static readonly string[] ChromiumArgs =
    [
        "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run",
    ];

    private readonly string _root = Path.Combine(Path.GetTempPath(), "scheduling-e2e-" + Guid.NewGuid().ToString("N"));
    private KestrelAppFactory? _factory;
    private IPlaywright? _playwright;
    private IBrowser? _browser;

    public Uri BaseUrl { get; private set; } = default!;
    public string MailDirectory => Path.Combine(_root, "mail");
    private static int _screenshotsCleared;
    private static readonly string? ScreenshotDirFromEnvironment = Environment.GetEnvironmentVariable("SCREENSHOT_DIR") is { Length: > 0 } dir ? dir : null;

    public string ScreenshotDirectory { get; } = ScreenshotDirFromEnvironment ?? Path.Combine(AppContext.BaseDirectory, "screenshots");

    /// <summary>Settings a derived fixture adds or overrides (for example a Hangfire server that really runs jobs).</summary>
    protected virtual IReadOnlyDictionary<string, string?> ExtraSettings { get; } = new Dictionary<string, string?>();

    public IBrowser Browser => _browser ?? throw new InvalidOperationException("The fixture is not initialized.");

    /// <summary>The app's services, for the rare step no page or API can set up (a history the engine records only after downtime).</summary>
    public IServiceProvider AppServices => _factory?.Services ?? throw new InvalidOperationException("The fixture is not initialized.");

    public async ValueTask InitializeAsync()
    {
        // Fail (never skip) when the browser is missing: a silently skipped E2E suite looks green in CI.
        var chromium = Environment.GetEnvironmentVariable("CHROMIUM_PATH") is { Length: > 0 } fromEnv ? fromEnv : "/usr/bin/chromium";
        if (!File.Exists(chromium))
        {
            throw new InvalidOperationException(
                $"Chromium was not found at '{chromium}'. Install it (apt-get install -y chromium) or set CHROMIUM_PATH to its executable.");
        }

        Directory.CreateDirectory(_root);
        Directory.CreateDirectory(ScreenshotDirectory);
        // Once per test run, not per test class (each class has its own fixture and would erase the others' pictures).
        if (ScreenshotDirFromEnvironment is null && Interlocked.Exchange(ref _screenshotsCleared, 1) == 0)
        {
            // Pictures of an earlier run (a FAILED-* one above all) would be mistaken for this run's.
            foreach (var old in Directory.EnumerateFiles(ScreenshotDirectory, "*.png").Concat(Directory.EnumerateFiles(ScreenshotDirectory, "*.html")))
            {
                File.Delete(old);
            }
        }
        // Links in mail and invitations are built from App:PublicBaseUrl, so the port is chosen before the app starts.
        var port = FreeLoopbackPort();
        _factory = new KestrelAppFactory(new Dictionary<string, string?>
        {
            ["App:PublicBaseUrl"] = $"http://localhost:{port}/",
            ["ConnectionStrings:Scheduling"] = $"Data Source={Path.Combine(_root, "app.db")}",
            ["Database:Provider"] = "Sqlite",
            ["Mail:PickupDirectory"] = MailDirectory,
            // No background jobs are involved in these journeys: a Hangfire server would only add start-up work.
            ["Execution:RunServer"] = "false",
            ["Seed:AdminEmail"] = SeedAdminEmail,
            ["Seed:AdminPassword"] = SeedAdminPassword,
            ["Seed:ApiToken"] = SeedApiToken,
        }.Concat(ExtraSettings).GroupBy(p => p.Key).ToDictionary(g => g.Key, g => g.Last().Value));
        _factory.UseKestrel(port);
        _factory.StartServer();
        BaseUrl = ReadServerAddress(_factory.Services);

        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = chromium,
            Headless = true,
            Args = ChromiumArgs,
        });
    }

    /// <summary>A new cookie jar: each test starts signed out.</summary>
    public async Task<IBrowserContext> NewContextAsync(int width = 1280, int height = 800)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = BaseUrl.ToString(),
            ViewportSize = new ViewportSize { Width = width, Height = height },
            Locale = "en-US",
            TimezoneId = "Europe/Paris",
        });
        // Blazor pages answer within a second here; a generous cap keeps a slow CI machine from flaking
        // while still failing instead of hanging when something never appears. The same for expectations
        // (Playwright's default is 5 s), which wait as long as the actions: the journeys run beside the web tests.
        context.SetDefaultTimeout(15_000);
        Microsoft.Playwright.Assertions.SetDefaultExpectTimeout(15_000);
        return context;
    }

    public HttpClient CreateApiClient() => new() { BaseAddress = BaseUrl };

    /// <summary>An API client that acts as the seeded admin in their own workspace (Bearer <see cref="SeedApiToken"/>).</summary>
    public HttpClient CreateSeededApiClient()
    {
        var client = CreateApiClient();
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", SeedApiToken);
        return client;
    }

    public string ScreenshotPath(string name) => Path.Combine(ScreenshotDirectory, name + ".png");

    public async ValueTask DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.DisposeAsync();
        }
        _playwright?.Dispose();
        if (_factory is not null)
        {
            await _factory.DisposeAsync();
        }
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
            // SQLite may still hold the WAL file for a moment; a leftover temp folder is harmless.
        }
    }

    private static int FreeLoopbackPort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static Uri ReadServerAddress(IServiceProvider services)
    {
        var addresses = services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses
            ?? throw new InvalidOperationException("Kestrel reported no addresses.");
        var address = addresses.FirstOrDefault(a => a.StartsWith("http://", StringComparison.Ordinal))
            ?? throw new InvalidOperationException("Kestrel is not listening on HTTP: " + string.Join(", ", addresses));
        // The browser must see a host name, not an IP literal: WebAuthn (the login page's passkey script)
        // rejects IP addresses ("This is an invalid domain"), and localhost is a secure context.
        var port = new Uri(address).Port;
        return new Uri($"http://localhost:{port}/");
    }

    private sealed class KestrelAppFactory(IReadOnlyDictionary<string, string?> settings) : WebApplicationFactory<Program>
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            // Development serves MudBlazor's _content from the build output (static web assets).
            builder.UseEnvironment("Development");
            // Host settings are visible while Program.cs registers services (it reads the provider and seed then).
            foreach (var (key, value) in settings)
            {
                builder.UseSetting(key, value);
            }
        }
    }
}
