using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Scheduling.Web.Data;
using Scheduling.Web.Features.Workspaces;
using Scheduling.Web.Tests.Infrastructure;

namespace Scheduling.Web.Tests.Data;

/// <summary>
/// The context's options are built once for the app (decision 0046): every scope's factory gets the same options, with
/// what the app and later registrations (<c>ConfigureDbContext</c>) configure.
/// </summary>
public class ContextOptionsTests
{
    [Fact]
    public async Task EveryScope_GetsTheSameOptions_WithTheProviderAndTheRegisteredInterceptors()
    {
        var folder = Directory.CreateTempSubdirectory("context-options-");
        try
        {
            var services = new ServiceCollection();
            services.AddLogging();
            services.AddScoped<WorkspaceContext>();
            var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Database:Provider"] = "Sqlite",
                ["ConnectionStrings:Scheduling"] = "Data Source=options.db",
            }).Build();
            services.AddPersistence(configuration, new TestHostEnvironment(folder.FullName));
            var added = new MarkerInterceptor();
            services.ConfigureDbContext<AppDbContext>(options => options.AddInterceptors(added));
            await using var app = services.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true, ValidateOnBuild = true });

            DbContextOptions<AppDbContext> first, second;
            await using (var scope = app.CreateAsyncScope())
            {
                first = scope.ServiceProvider.GetRequiredService<DbContextOptions<AppDbContext>>();
                await using var db = await scope.ServiceProvider.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync(TestContext.Current.CancellationToken);
                Assert.IsType<SqliteAppDbContext>(db);
                Assert.Equal("Microsoft.EntityFrameworkCore.Sqlite", db.Database.ProviderName);
            }
            await using (var scope = app.CreateAsyncScope())
            {
                second = scope.ServiceProvider.GetRequiredService<DbContextOptions<AppDbContext>>();
            }
            Assert.Same(first, second);
            var interceptors = first.FindExtension<CoreOptionsExtension>()!.Interceptors!.ToList();
            Assert.Contains(added, interceptors);
            Assert.Contains(interceptors, i => i is SqliteBusyTimeout);
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            folder.Delete(recursive: true);
        }
    }

    private sealed class MarkerInterceptor : DbCommandInterceptor;
}
