using System.Data.Common;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Scheduling.Web.Data;

/// <summary>
/// Lets a LINQ query lock the rows it returns for its transaction; EF has no operator for it, and writing such a query by
/// hand would copy its filters out of LINQ. A query marked with <see cref="SkipLocked"/> (<c>TagWith</c>) skips rows
/// another transaction holds, the queue pattern of several nodes claiming from one table: <c>FOR UPDATE SKIP LOCKED</c>
/// on PostgreSQL, <c>WITH (UPDLOCK, READPAST, ROWLOCK)</c> on its first table on SQL Server. One marked with
/// <see cref="Wait"/> waits for them, and reads them as the holder left them: <c>FOR UPDATE</c>, or
/// <c>WITH (UPDLOCK, ROWLOCK)</c> (the ledger's lock per workspace, decision 0041). On SQLite (one node, one writer)
/// both run as written. Only simple queries qualify: one table in FROM, no join (PostgreSQL locks every table of the
/// outer FROM; subqueries in WHERE are not locked).
/// </summary>
internal sealed partial class RowLocks : DbCommandInterceptor
{
    public const string SkipLocked = "skip-locked";
    public const string Wait = "lock-rows";

    public static readonly RowLocks Instance = new();

    public override InterceptionResult<DbDataReader> ReaderExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result)
    {
        Rewrite(command);
        return result;
    }

    public override ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(DbCommand command, CommandEventData eventData,
        InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
    {
        Rewrite(command);
        return ValueTask.FromResult(result);
    }

    private static void Rewrite(DbCommand command)
    {
        var text = command.CommandText;
        var skip = text.StartsWith("-- " + SkipLocked, StringComparison.Ordinal);
        if (!skip && !text.StartsWith("-- " + Wait, StringComparison.Ordinal))
        {
            return;
        }
        command.CommandText = command.GetType().Namespace switch
        {
            "Npgsql" => text.TrimEnd().TrimEnd(';') + (skip ? "\nFOR UPDATE SKIP LOCKED" : "\nFOR UPDATE"),
            "Microsoft.Data.SqlClient" => FirstTable().Replace(text, skip ? "$0 WITH (UPDLOCK, READPAST, ROWLOCK)" : "$0 WITH (UPDLOCK, ROWLOCK)", 1),
            _ => text,
        };
    }

    [GeneratedRegex(@"FROM \[[^\]]+\] AS \[[^\]]+\]")]
    private static partial Regex FirstTable();
}
