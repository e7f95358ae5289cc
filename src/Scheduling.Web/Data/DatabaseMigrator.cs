using Microsoft.EntityFrameworkCore;

namespace Scheduling.Web.Data;

/// <summary>Applies the provider's migration set: at start-up for the embedded default, or on `migrate`.</summary>
public sealed class DatabaseMigrator(IDbContextFactory<AppDbContext> contexts, DatabaseOptions database, ILogger<DatabaseMigrator> logger)
{
    public async Task MigrateAsync(CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var pending = (await db.Database.GetPendingMigrationsAsync(cancellationToken)).ToList();
        if (pending.Count > 0)
        {
            logger.LogInformation("Applying {Count} migration(s) on {Provider}: {Migrations}", pending.Count, database.Provider, string.Join(", ", pending));
            // Only when something is pending: MigrateAsync also diffs the whole model against the snapshot, which
            // costs every start-up a third of a second for nothing (the migrations test checks that diff instead).
            await db.Database.MigrateAsync(cancellationToken);
        }

        if (database.Provider == DatabaseProvider.Sqlite)
        {
            // WAL lets the dispatcher write while pages read; the setting persists in the file.
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", cancellationToken);
        }
    }
}
