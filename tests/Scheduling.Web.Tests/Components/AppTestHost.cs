using Bunit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Scheduling.Web.Api;
using Scheduling.Web.Data;
using Scheduling.Web.Engine;
using Scheduling.Web.Features.Accounts;
using Scheduling.Web.Features.Alerts;
using Scheduling.Web.Features.Executions;
using Scheduling.Web.Features.Schedules;
using Scheduling.Web.Tests.Infrastructure;

namespace Scheduling.Web.Tests.Components;

/// <summary>
/// The app's own service registrations (those of Program.cs) for a bUnit context, over a fresh, migrated
/// SQLite file in a temp folder, with a fake clock. The engine is registered but runs nothing in the
/// background (no Hangfire server, no dispatcher). Shared by the component harnesses.
/// </summary>
internal static class AppTestHost
{
    public static async Task<(string Root, BunitContext Context, FakeTimeProvider Clock)> CreateAsync(string name, DateTimeOffset start,
        IReadOnlyDictionary<string, string?>? settings = null)
    {
        var root = Path.Combine(Path.GetTempPath(), $"scheduling-bunit-{name}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(root);
        await Infrastructure.SqliteTestDatabase.CopyMigratedTemplateAsync(Path.Combine(root, "app.db"));
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:Scheduling"] = $"Data Source={Path.Combine(root, "app.db")}",
            ["Database:Provider"] = "Sqlite",
            ["Mail:PickupDirectory"] = Path.Combine(root, "mail"),
            ["Execution:RunServer"] = "false",
            ["Execution:RunDispatcher"] = "false",
        }).AddInMemoryCollection(settings ?? new Dictionary<string, string?>()).Build();
        var environment = new TestHostEnvironment(root);
        var clock = new FakeTimeProvider(start);
        var context = MudBunit.NewContext(services =>
        {
            services.AddSingleton<IConfiguration>(configuration);
            services.AddSingleton<IHostEnvironment>(environment);
            services.AddLogging(logging => logging.SetMinimumLevel(LogLevel.Warning));
            services.AddSingleton<TimeProvider>(clock);
            var database = services.AddPersistence(configuration, environment);
            services.AddExecutionEngine(configuration, database);
            services.AddFeatures(configuration, environment, Program.Features);
        });
        await context.Services.GetRequiredService<DatabaseMigrator>().MigrateAsync(Xunit.TestContext.Current.CancellationToken);
        return (root, context, clock);
    }
}
