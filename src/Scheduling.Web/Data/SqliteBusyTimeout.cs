using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Scheduling.Web.Data;

/// <summary>
/// Lets SQLite's own busy handler wait for the write lock. Microsoft.Data.Sqlite does not set one and
/// retries a busy database by sleeping 150 ms, which turns a few concurrent writers (Hangfire workers,
/// the dispatcher) into long stalls; SQLite's handler waits in steps of 1 to 100 ms.
/// </summary>
internal sealed class SqliteBusyTimeout : DbConnectionInterceptor
{
    public static readonly SqliteBusyTimeout Instance = new();
    private const string Pragma = "PRAGMA busy_timeout = 30000;";

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData)
    {
        using var command = connection.CreateCommand();
        command.CommandText = Pragma;
        command.ExecuteNonQuery();
    }

    public override async Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = Pragma;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
