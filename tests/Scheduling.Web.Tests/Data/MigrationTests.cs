using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Scheduling.Core.Scheduling;
using Scheduling.Web.Data;
using Scheduling.Web.Features.Executions;
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

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task MigrationExecutionWaitReason_TypesTheWaitSentencesWrittenBefore(DatabaseProvider provider)
    {
        Assert.SkipWhen(provider == DatabaseProvider.PostgreSql && string.IsNullOrEmpty(Environment.GetEnvironmentVariable(PostgreSqlTestDatabase.EnvironmentVariable)),
            $"PostgreSQL: set {PostgreSqlTestDatabase.EnvironmentVariable} to run this case.");
        await using var database = await TestDatabase.CreateAsync(provider);
        await using var db = Create(provider, database.ConnectionString);
        var migrations = db.Database.GetMigrations().ToList();
        var migrator = db.GetService<IMigrator>();
        await migrator.MigrateAsync(migrations[migrations.FindIndex(m => m.EndsWith("_ExecutionWaitReason", StringComparison.Ordinal)) - 1], cancellationToken: Ct);
        // Bare rows (no workspace or schedule behind them): only the reason matters here.
        await db.Database.OpenConnectionAsync(Ct);
        await db.Database.ExecuteSqlRawAsync(provider == DatabaseProvider.Sqlite ? "PRAGMA foreign_keys = OFF" : "SET session_replication_role = replica", Ct);
        var limits = new WorkspaceLimits(50, 6000, 100);
        var rows = new (string Status, string? Reason, WaitReason Expected)[]
        {
            ("Pending", WaitReasons.Describe(WaitReason.PreviousRun), WaitReason.PreviousRun),
            ("Pending", WaitReasons.Describe(WaitReason.CatchingUp), WaitReason.CatchingUp),
            ("Pending", WaitReasons.Describe(WaitReason.ConcurrencyLimit, limits), WaitReason.ConcurrencyLimit),
            ("Pending", WaitReasons.Describe(WaitReason.RateLimit, limits), WaitReason.RateLimit),
            ("Pending", WaitReasons.Describe(WaitReason.DailyQuota, limits), WaitReason.DailyQuota),
            ("Pending", "Attempt 2 failed (HTTP 503: busy); retry in 30 s.", WaitReason.RetryBackoff),
            ("Pending", "Retry requested.", WaitReason.None),
            ("Pending", null, WaitReason.None),
            ("Skipped", "Skipped: the previous run of this schedule was still going.", WaitReason.None),
            ("Completed", WaitReasons.Describe(WaitReason.PreviousRun), WaitReason.None),
        };
        var now = new DateTime(2030, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        for (var i = 0; i < rows.Length; i++)
        {
            var (status, reason, _) = rows[i];
            var key = $"planned:{i}";
            await db.Database.ExecuteSqlAsync($"""
                INSERT INTO "Executions" ("Id", "WorkspaceId", "ScheduleId", "OccurrenceKey", "ScheduledFor", "IsManual", "CountsTowardMaxRuns", "Status", "Priority", "JobType", "Attempts", "CreatedAt", "AwaitingCallback", "Reason")
                VALUES ({Guid.NewGuid()}, {Guid.NewGuid()}, {Guid.NewGuid()}, {key}, {now}, {false}, {true}, {status}, {1}, {"Export"}, {0}, {now}, {false}, {reason})
                """, Ct);
        }

        await migrator.MigrateAsync(cancellationToken: Ct);

        var migrated = await db.Executions.IgnoreQueryFilters().AsNoTracking().ToDictionaryAsync(e => e.OccurrenceKey, e => e.WaitReason, Ct);
        Assert.Equal(rows.Select(r => r.Expected), rows.Select((_, i) => migrated[$"planned:{i}"]));
    }
}
