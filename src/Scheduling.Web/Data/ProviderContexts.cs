using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using Scheduling.Web.Features.Accounts;
using Scheduling.Web.Features.Workspaces;

namespace Scheduling.Web.Data;

// One subclass per provider: `dotnet ef migrations add X --context <Provider>AppDbContext
// --output-dir Data/Migrations/<Provider>` keeps three independent migration sets.

public sealed class SqliteAppDbContext(DbContextOptions<AppDbContext> options, WorkspaceContext workspace)
    : AppDbContext(options, workspace);

public sealed class SqlServerAppDbContext(DbContextOptions<AppDbContext> options, WorkspaceContext workspace)
    : AppDbContext(options, workspace);

public sealed class PostgreSqlAppDbContext(DbContextOptions<AppDbContext> options, WorkspaceContext workspace)
    : AppDbContext(options, workspace);

/// <summary>Design-time construction for `dotnet ef`: no server is contacted to add a migration.</summary>
internal static class DesignTime
{
    public static DbContextOptions<AppDbContext> Options(DatabaseProvider provider) =>
        Options(provider, DatabaseOptions.DesignTimeConnectionString(provider));

    public static DbContextOptions<AppDbContext> Options(DatabaseProvider provider, string connectionString)
    {
        // Identity shapes its tables from its store options (schema version: passkeys), which it reads
        // from the application's services: give design time the same ones as the running app.
        var services = new ServiceCollection();
        services.AddOptions<IdentityOptions>().Configure(options => AccountsServiceCollectionExtensions.ConfigureStores(options.Stores));
        var builder = new DbContextOptionsBuilder<AppDbContext>().UseApplicationServiceProvider(services.BuildServiceProvider());
        return PersistenceServiceCollectionExtensions.ConfigureProvider(builder, provider, connectionString).Options;
    }
}

internal sealed class SqliteDesignTimeFactory : IDesignTimeDbContextFactory<SqliteAppDbContext>
{
    public SqliteAppDbContext CreateDbContext(string[] args) => new(DesignTime.Options(DatabaseProvider.Sqlite), new WorkspaceContext());
}

internal sealed class SqlServerDesignTimeFactory : IDesignTimeDbContextFactory<SqlServerAppDbContext>
{
    public SqlServerAppDbContext CreateDbContext(string[] args) => new(DesignTime.Options(DatabaseProvider.SqlServer), new WorkspaceContext());
}

internal sealed class PostgreSqlDesignTimeFactory : IDesignTimeDbContextFactory<PostgreSqlAppDbContext>
{
    public PostgreSqlAppDbContext CreateDbContext(string[] args) => new(DesignTime.Options(DatabaseProvider.PostgreSql), new WorkspaceContext());
}
