using System.Data.Common;
using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Scheduling.Web.Data;

/// <summary>
/// Lets SQLite's own busy handler wait for the write lock. Microsoft.Data.Sqlite does not set one and
/// retries a busy database by sleeping 150 ms, which turns a few concurrent writers (Hangfire workers,
/// the dispatcher) into long stalls; SQLite's handler waits in steps of 1 to 100 ms. The setting lives
/// on the native connection, which the pool reuses: it is set once per native connection, not on every
/// open (EF opens the connection for every query).
/// </summary>
internal sealed class SqliteBusyTimeout : DbConnectionInterceptor
{
    public static readonly SqliteBusyTimeout Instance = new();
    private const string Pragma = "PRAGMA busy_timeout = 30000;";
    private static readonly ConditionalWeakTable<object, object> Done = [];
    private static readonly object Marker = new();

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData)
    {
        if (!NeedsPragma(connection))
        {
            return;
        }
        using var command = connection.CreateCommand();
        command.CommandText = Pragma;
        command.ExecuteNonQuery();
        Mark(connection);
    }

    public override async Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        if (!NeedsPragma(connection))
        {
            return;
        }
        await using var command = connection.CreateCommand();
        command.CommandText = Pragma;
        await command.ExecuteNonQueryAsync(cancellationToken);
        Mark(connection);
    }

    private static bool NeedsPragma(DbConnection connection) =>
        connection is not SqliteConnection { Handle: { } handle } || !Done.TryGetValue(handle, out _);

    private static void Mark(DbConnection connection)
    {
        if (connection is SqliteConnection { Handle: { } handle })
        {
            Done.AddOrUpdate(handle, Marker);
        }
    }
}
