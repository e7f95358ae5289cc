using Microsoft.EntityFrameworkCore;
using Scheduling.Web.Data;
using Scheduling.Web.Features.Workspaces;
using Scheduling.Web.Tests.Infrastructure;

namespace Scheduling.Web.Tests.Data;

public class MigrationTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static AppDbContext Create(DatabaseProvider provider, string connectionString)
    {
        // The same options `dotnet ef` uses, Identity's store options included.
        var options = DesignTime.Options(provider, connectionString);
        return provider switch
        {
            DatabaseProvider.SqlServer => new SqlServerAppDbContext(options, new WorkspaceContext()),
            DatabaseProvider.PostgreSql => new PostgreSqlAppDbContext(options, new WorkspaceContext()),
            _ => new SqliteAppDbContext(options, new WorkspaceContext()),
        };
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    [InlineData(DatabaseProvider.SqlServer)]
    public void ExecutionStrategy_EachProvider_AllowsTheEnginesExplicitTransactions(DatabaseProvider provider)
    {
        // A retrying strategy (SQL Server's EnableRetryOnFailure) throws on BeginTransaction, which the
        // dispatcher, the execution ledger and schedule edits use. SQL Server cannot run here: this is checked
        // on the options the app builds, without a server.
        using var db = Create(provider, DatabaseOptions.DesignTimeConnectionString(provider));

        Assert.False(db.Database.CreateExecutionStrategy().RetriesOnFailure, $"{provider}: the execution strategy retries, so explicit transactions would throw");
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    [InlineData(DatabaseProvider.SqlServer)]
    public void Model_EachProvider_HasNoChangesMissingFromItsMigrations(DatabaseProvider provider)
    {
        // No server is contacted: the model is compared with the provider's migration snapshot.
        using var db = Create(provider, DatabaseOptions.DesignTimeConnectionString(provider));

        Assert.NotEmpty(db.Database.GetMigrations());
        Assert.False(db.Database.HasPendingModelChanges(), $"{provider}: run dotnet ef migrations add --context {provider}AppDbContext");
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task Migrate_FreshDatabase_AppliesEveryMigrationAndCreatesTheTables(DatabaseProvider provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        await using var db = Create(provider, database.ConnectionString);

        await db.Database.MigrateAsync(Ct);

        Assert.Empty(await db.Database.GetPendingMigrationsAsync(Ct));
        Assert.Equal(db.Database.GetMigrations(), await db.Database.GetAppliedMigrationsAsync(Ct));
        Assert.Equal(0, await db.Workspaces.CountAsync(Ct));
        Assert.Equal(0, await db.ApiTokens.IgnoreQueryFilters().CountAsync(Ct));
    }
}
