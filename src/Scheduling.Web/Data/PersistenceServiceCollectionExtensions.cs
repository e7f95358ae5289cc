using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Scheduling.Web.Features.Workspaces;

namespace Scheduling.Web.Data;

public static class PersistenceServiceCollectionExtensions
{
    /// <summary>EF Core on the configured provider, a context factory (Blazor circuits) and the scoped context (Identity, API).</summary>
    public static DatabaseOptions AddPersistence(this IServiceCollection services, IConfiguration configuration, IHostEnvironment environment)
    {
        var database = DatabaseOptions.Read(configuration);
        if (database.Provider == DatabaseProvider.Sqlite)
        {
            database.ConnectionString = PrepareSqliteFile(database.ConnectionString, environment.ContentRootPath);
        }

        services.AddSingleton(database);
        services.AddDbContextFactory<AppDbContext, AppDbContextFactory>(
            options => ConfigureProvider(options, database.Provider, database.ConnectionString),
            ServiceLifetime.Scoped);
        // The factory is scoped (it carries the scope's workspace), and EF gives the options the factory's lifetime: they
        // were built again for every scope, the engine's batches included (the provider set up, the connection string
        // parsed, the internal services looked up): 1.2 ms CPU per delivery in a two-node burst, 1.0 ms once shared (decision 0046).
        // They are the same for every scope: built once, as EF builds them (every ConfigureDbContext applied, the root
        // provider as EF's application service provider).
        services.AddSingleton<SharedContextOptions>();
        services.Replace(ServiceDescriptor.Scoped(provider => provider.GetRequiredService<SharedContextOptions>().Options));
        services.AddScoped<DatabaseMigrator>();
        return database;
    }

    internal static TBuilder ConfigureProvider<TBuilder>(TBuilder options, DatabaseProvider provider, string connectionString)
        where TBuilder : DbContextOptionsBuilder
    {
        switch (provider)
        {
            case DatabaseProvider.SqlServer:
                // No retrying execution strategy: it refuses the explicit transactions of the dispatcher, the
                // execution ledger and schedule edits. Those loops retry a failed pass or batch themselves.
                options.UseSqlServer(connectionString).AddInterceptors(RowLocks.Instance);
                break;
            case DatabaseProvider.PostgreSql:
                options.UseNpgsql(PostgresConnections.Tune(connectionString)).AddInterceptors(TextWithoutNul.Instance, RowLocks.Instance);
                break;
            default:
                options.UseSqlite(connectionString).AddInterceptors(SqliteBusyTimeout.Instance);
                break;
        }
        // Unique indexes decide races (slot claims, idempotency keys, occurrence keys): the loser's exception is caught
        // and handled, so EF's own Error lines for it were false alarms. An exception nobody handles is still logged
        // once where it surfaces (the API's problem handler, the job runner, Hangfire).
        options.ConfigureWarnings(w => w.Log(
            (CoreEventId.SaveChangesFailed, LogLevel.Debug),
            (RelationalEventId.CommandError, LogLevel.Debug)));
        return options;
    }

    /// <summary>Resolves a relative SQLite path against the content root and creates its folder.</summary>
    private static string PrepareSqliteFile(string connectionString, string contentRoot)
    {
        SqliteConnectionStringBuilder builder;
        try
        {
            builder = new SqliteConnectionStringBuilder(connectionString);
        }
        catch (ArgumentException ex)
        {
            throw new InvalidOperationException($"Setting 'ConnectionStrings:{DatabaseOptions.ConnectionStringName}' is not a valid SQLite connection string: {ex.Message}", ex);
        }

        var source = builder.DataSource;
        if (string.IsNullOrEmpty(source) || source == ":memory:" || builder.Mode == SqliteOpenMode.Memory)
        {
            return connectionString;
        }

        var path = Path.IsPathRooted(source) ? source : Path.GetFullPath(Path.Combine(contentRoot, source));
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        builder.DataSource = path;
        return builder.ToString();
    }
}

/// <summary>The context's options, built once for the app (see <see cref="PersistenceServiceCollectionExtensions.AddPersistence"/>).</summary>
internal sealed class SharedContextOptions(IServiceProvider root)
{
    private readonly Lazy<DbContextOptions<AppDbContext>> _options = new(() =>
    {
        var builder = new DbContextOptionsBuilder<AppDbContext>().UseApplicationServiceProvider(root);
        // Registered scoped (ConfigureDbContext's default): read from a scope of their own, applied with the root provider.
        using var scope = root.CreateScope();
        foreach (var configuration in scope.ServiceProvider.GetServices<IDbContextOptionsConfiguration<AppDbContext>>())
        {
            configuration.Configure(root, builder);
        }
        return builder.Options;
    });

    public DbContextOptions<AppDbContext> Options => _options.Value;
}

/// <summary>Creates the provider's context subclass for the scope, carrying the scope's workspace.</summary>
internal sealed class AppDbContextFactory(DbContextOptions<AppDbContext> options, DatabaseOptions database, WorkspaceContext workspace)
    : IDbContextFactory<AppDbContext>
{
    public AppDbContext CreateDbContext() => database.Provider switch
    {
        DatabaseProvider.SqlServer => new SqlServerAppDbContext(options, workspace),
        DatabaseProvider.PostgreSql => new PostgreSqlAppDbContext(options, workspace),
        _ => new SqliteAppDbContext(options, workspace),
    };
}

/// <summary>The app's PostgreSQL connections (EF Core and Hangfire's storage), as this app uses them.</summary>
internal static class PostgresConnections
{
    /// <summary>
    /// What the connection string does not say: no session reset when a pooled connection is reused (the app keeps no
    /// session state: its advisory lock is transaction-scoped, Hangfire names its schema; the reset, "DISCARD ALL", was a
    /// statement of its own each time a connection left the pool, about a third of the statements of a run), and
    /// statements prepared automatically.
    /// </summary>
    public static string Tune(string connectionString)
    {
        // The typed builder answers every keyword it knows; a plain one holds only what the string says.
        var given = new System.Data.Common.DbConnectionStringBuilder { ConnectionString = connectionString };
        var tuned = new Npgsql.NpgsqlConnectionStringBuilder(connectionString);
        if (!given.ContainsKey("No Reset On Close") && !given.ContainsKey("NoResetOnClose"))
        {
            tuned.NoResetOnClose = true;
        }
        if (!given.ContainsKey("Max Auto Prepare") && !given.ContainsKey("MaxAutoPrepare"))
        {
            // The engine sends the same few statements thousands of times a second (a start, an end, a claim, Hangfire's
            // fetch): prepared once per connection, PostgreSQL skips parsing and planning each (decision 0040).
            tuned.MaxAutoPrepare = 64;
            tuned.AutoPrepareMinUsages = 2;
        }
        return tuned.ConnectionString;
    }
}
