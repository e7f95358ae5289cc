using System.Data.Common;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Scheduling.Web.Data;

/// <summary>
/// Lets a LINQ query take the rows it returns for its transaction, skipping rows another transaction holds: the queue
/// pattern of several nodes claiming from one table. A query marked with <see cref="Tag"/> (<c>TagWith</c>) gets
/// <c>FOR UPDATE SKIP LOCKED</c> on PostgreSQL and <c>WITH (UPDLOCK, READPAST, ROWLOCK)</c> on its first table on SQL
/// Server; on SQLite (one node, one writer) it runs as written. EF has no operator for it, and writing the query by
/// hand would copy its filters (paused workspaces and channels) out of LINQ. Only simple queries qualify: one table in
/// FROM, no join (PostgreSQL locks every table of the outer FROM; subqueries in WHERE are not locked).
/// </summary>
internal sealed partial class SkipLockedRows : DbCommandInterceptor
{
    public const string Tag = "skip-locked";

    public static readonly SkipLockedRows Instance = new();

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
        if (!text.StartsWith("-- " + Tag, StringComparison.Ordinal))
        {
            return;
        }
        command.CommandText = command.GetType().Namespace switch
        {
            "Npgsql" => text.TrimEnd().TrimEnd(';') + "\nFOR UPDATE SKIP LOCKED",
            "Microsoft.Data.SqlClient" => FirstTable().Replace(text, "$0 WITH (UPDLOCK, READPAST, ROWLOCK)", 1),
            _ => text,
        };
    }

    [GeneratedRegex(@"FROM \[[^\]]+\] AS \[[^\]]+\]")]
    private static partial Regex FirstTable();
}
