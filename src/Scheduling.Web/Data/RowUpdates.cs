using System.Collections.Concurrent;
using System.Data.Common;
using System.Linq.Expressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;

namespace Scheduling.Web.Data;

/// <summary>
/// Compare-and-set UPDATEs of many rows, one statement per row, sent in one round trip where the provider batches
/// statements (PostgreSQL, SQL Server) and on one prepared command where it does not (SQLite, in process). The engine's
/// ledger writes a burst's starts and ends this way, and the dispatcher its claims of schedules: one <c>ExecuteUpdate</c>
/// per row was a round trip each, which capped a PostgreSQL node at a few hundred runs a second (decisions 0034, 0039).
/// The statement is made from the EF model (table, columns, value converters, the provider's quoting), so it follows the mapping.
/// </summary>
internal abstract class RowUpdates
{
    private readonly string _sql;
    private readonly (string Name, RelationalTypeMapping Mapping)[] _parameters;

    /// <summary>
    /// On PostgreSQL, the one statement that updates every row of a part (decision 0042): the rows' values go as one array
    /// per column, joined to the table through <c>unnest</c>, and the statement returns the positions of the rows it
    /// changed. One statement of N rows costs PostgreSQL (and Npgsql) a fraction of N statements of one row, which is what
    /// a ledger batch paid while it held its workspaces' locks. Null on the other providers.
    /// </summary>
    private readonly string? _arraySql;

    private protected RowUpdates(string sql, (string Name, RelationalTypeMapping Mapping)[] parameters, string? arraySql)
    {
        _sql = sql;
        _parameters = parameters;
        _arraySql = arraySql;
    }

    /// <summary>
    /// Several statements, each once per its rows, in one round trip where the provider batches (the ledger's starts and
    /// waits of a batch, written while it holds its workspaces' locks); for each part, true where a row changed.
    /// </summary>
    public static async Task<bool[][]> RunTogetherAsync(AppDbContext db, IReadOnlyList<(RowUpdates Update, IReadOnlyList<object?[]> Rows)> parts,
        CancellationToken ct)
    {
        var won = parts.Select(part => new bool[part.Rows.Count]).ToArray();
        var total = parts.Sum(part => part.Rows.Count);
        if (total == 0)
        {
            return won;
        }
        await db.Database.OpenConnectionAsync(ct);
        try
        {
            var connection = db.Database.GetDbConnection();
            var transaction = db.Database.CurrentTransaction?.GetDbTransaction();
            await using var command = connection.CreateCommand();
            command.Transaction = transaction;
            if (parts.All(part => part.Update._arraySql is not null) && connection.CanCreateBatch)
            {
                await RunAsArraysAsync(connection, transaction, parts, won, ct);
                return won;
            }
            if (connection.CanCreateBatch && total > 1)
            {
                await using var batch = connection.CreateBatch();
                batch.Transaction = transaction;
                foreach (var (update, rows) in parts)
                {
                    foreach (var row in rows)
                    {
                        var statement = batch.CreateBatchCommand();
                        statement.CommandText = update._sql;
                        for (var i = 0; i < update._parameters.Length; i++)
                        {
                            // The provider's own parameter, as EF makes it (types, sizes, value converters), moved to the batch.
                            statement.Parameters.Add(update._parameters[i].Mapping.CreateParameter(command, update._parameters[i].Name, row[i]));
                        }
                        batch.BatchCommands.Add(statement);
                    }
                }
                await batch.ExecuteNonQueryAsync(ct);
                var next = 0;
                foreach (var part in won)
                {
                    for (var r = 0; r < part.Length; r++)
                    {
                        part[r] = batch.BatchCommands[next++].RecordsAffected == 1;
                    }
                }
                return won;
            }
            for (var p = 0; p < parts.Count; p++)
            {
                var (update, rows) = parts[p];
                command.CommandText = update._sql;
                for (var r = 0; r < rows.Count; r++)
                {
                    command.Parameters.Clear();
                    for (var i = 0; i < update._parameters.Length; i++)
                    {
                        command.Parameters.Add(update._parameters[i].Mapping.CreateParameter(command, update._parameters[i].Name, rows[r][i]));
                    }
                    won[p][r] = await command.ExecuteNonQueryAsync(ct) == 1;
                }
            }
            return won;
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    /// <summary>Each part as one statement of arrays (PostgreSQL), all in one round trip; the rows changed come back by position.</summary>
    private static async Task RunAsArraysAsync(DbConnection connection, DbTransaction? transaction, IReadOnlyList<(RowUpdates Update, IReadOnlyList<object?[]> Rows)> parts,
        bool[][] won, CancellationToken ct)
    {
        await using var batch = connection.CreateBatch();
        batch.Transaction = transaction;
        var sent = new List<int>();
        for (var p = 0; p < parts.Count; p++)
        {
            var (update, rows) = parts[p];
            if (rows.Count == 0)
            {
                continue;
            }
            var statement = batch.CreateBatchCommand();
            statement.CommandText = update._arraySql!;
            for (var i = 0; i < update._parameters.Length; i++)
            {
                statement.Parameters.Add(ArrayParameter(statement, update._parameters[i], rows.Select(row => row[i])));
            }
            statement.Parameters.Add(ArrayParameter(statement, ("ord", null), Enumerable.Range(0, rows.Count).Select(i => (object?)i)));
            batch.BatchCommands.Add(statement);
            sent.Add(p);
        }
        await using var reader = await batch.ExecuteReaderAsync(ct);
        foreach (var p in sent)
        {
            while (await reader.ReadAsync(ct))
            {
                won[p][reader.GetInt32(0)] = true;
            }
            await reader.NextResultAsync(ct);
        }
    }

    /// <summary>A column's values as one typed array (the provider's type: value converters applied, nulls kept), for <c>unnest</c>.</summary>
    private static DbParameter ArrayParameter(DbBatchCommand statement, (string Name, RelationalTypeMapping? Mapping) column, IEnumerable<object?> values)
    {
        var converter = column.Mapping?.Converter;
        var clrType = converter?.ProviderClrType ?? column.Mapping?.ClrType ?? typeof(int);
        var elementType = Nullable.GetUnderlyingType(clrType) ?? clrType;
        if (elementType.IsValueType)
        {
            elementType = typeof(Nullable<>).MakeGenericType(elementType);
        }
        var items = values.Select(value => value is null ? null : converter is null ? value : converter.ConvertToProvider(value))
            // PostgreSQL's timestamptz takes UTC only; the engine's instants are UTC whatever kind they were read as.
            .Select(value => value is DateTime { Kind: not DateTimeKind.Utc } time ? DateTime.SpecifyKind(time, DateTimeKind.Utc) : value)
            .ToList();
        var array = Array.CreateInstance(elementType, items.Count);
        for (var i = 0; i < items.Count; i++)
        {
            array.SetValue(items[i], i);
        }
        var parameter = statement.CreateParameter();
        parameter.ParameterName = column.Name.TrimStart('@');
        parameter.Value = array;
        return parameter;
    }
}

/// <summary>The statement for one entity's table, made from the EF model.</summary>
internal sealed class RowUpdates<TEntity> : RowUpdates
{
    private static readonly ConcurrentDictionary<(IModel Model, string Shape), RowUpdates<TEntity>> Made = new();

    private RowUpdates(string sql, (string Name, RelationalTypeMapping Mapping)[] parameters, string? arraySql)
        : base(sql, parameters, arraySql)
    {
    }

    /// <summary>
    /// The statement <c>UPDATE table SET set… WHERE where…</c> for <paramref name="db"/>'s provider, made once per
    /// model. Each row given to <see cref="RunAsync"/> holds the values of <paramref name="set"/> then of <paramref name="where"/>.
    /// </summary>
    public static RowUpdates<TEntity> For(AppDbContext db, string shape, IReadOnlyList<Expression<Func<TEntity, object?>>> set,
        IReadOnlyList<Expression<Func<TEntity, object?>>> where) =>
        Made.GetOrAdd((db.Model, shape), _ =>
        {
            var entity = db.Model.FindEntityType(typeof(TEntity))!;
            var table = StoreObjectIdentifier.Table(entity.GetTableName()!, entity.GetSchema());
            var sql = db.GetService<ISqlGenerationHelper>();
            var parameters = new List<(string, RelationalTypeMapping)>();
            string Term(Expression<Func<TEntity, object?>> member)
            {
                var property = entity.FindProperty(MemberName(member))!;
                var name = $"p{parameters.Count}";
                parameters.Add((sql.GenerateParameterName(name), property.GetRelationalTypeMapping()));
                return $"{sql.DelimitIdentifier(property.GetColumnName(table)!)} = {sql.GenerateParameterNamePlaceholder(name)}";
            }
            var text = $"UPDATE {sql.DelimitIdentifier(table.Name, table.Schema)} SET {string.Join(", ", set.Select(Term))} WHERE {string.Join(" AND ", where.Select(Term))}";
            string? arrays = null;
            if (db.Database.IsNpgsql())
            {
                // UPDATE t SET c = v.p0 … FROM unnest(@p0 …, @ord) AS v(p0 …, ord) WHERE t.k = v.pN … RETURNING v.ord
                var columns = set.Concat(where).Select(member => sql.DelimitIdentifier(entity.FindProperty(MemberName(member))!.GetColumnName(table)!)).ToList();
                string Pair(int i) => $"{columns[i]} = v.p{i}";
                arrays = $"UPDATE {sql.DelimitIdentifier(table.Name, table.Schema)} AS t SET {string.Join(", ", Enumerable.Range(0, set.Count).Select(Pair))} "
                    + $"FROM unnest({string.Join(", ", Enumerable.Range(0, columns.Count).Select(i => $"@p{i}"))}, @ord) AS v({string.Join(", ", Enumerable.Range(0, columns.Count).Select(i => $"p{i}"))}, ord) "
                    + $"WHERE {string.Join(" AND ", Enumerable.Range(set.Count, where.Count).Select(i => $"t.{Pair(i)}"))} RETURNING v.ord";
            }
            return new RowUpdates<TEntity>(text, [.. parameters], arrays);
        });

    /// <summary>
    /// The statement <c>INSERT INTO table (columns…) VALUES (…)</c>, made once per model, to go in the same round trip as
    /// updates (<see cref="RowUpdates.RunTogetherAsync"/>): the ledger writes an end's attempt rows with the end itself.
    /// Each row holds the values of <paramref name="columns"/>; every row is inserted (true), or the statement fails.
    /// </summary>
    public static RowUpdates<TEntity> Inserts(AppDbContext db, string shape, IReadOnlyList<Expression<Func<TEntity, object?>>> columns) =>
        Made.GetOrAdd((db.Model, shape), _ =>
        {
            var entity = db.Model.FindEntityType(typeof(TEntity))!;
            var table = StoreObjectIdentifier.Table(entity.GetTableName()!, entity.GetSchema());
            var sql = db.GetService<ISqlGenerationHelper>();
            var properties = columns.Select(member => entity.FindProperty(MemberName(member))!).ToList();
            var names = properties.Select(property => sql.DelimitIdentifier(property.GetColumnName(table)!)).ToList();
            var into = $"INSERT INTO {sql.DelimitIdentifier(table.Name, table.Schema)} ({string.Join(", ", names)})";
            var parameters = properties.Select((property, i) => (sql.GenerateParameterName($"p{i}"), property.GetRelationalTypeMapping())).ToArray();
            var text = $"{into} VALUES ({string.Join(", ", Enumerable.Range(0, names.Count).Select(i => sql.GenerateParameterNamePlaceholder($"p{i}")))})";
            string? arrays = null;
            if (db.Database.IsNpgsql())
            {
                // The positions come back as for updates: all of them (an INSERT's RETURNING sees only the new row).
                var values = string.Join(", ", Enumerable.Range(0, names.Count).Select(i => $"p{i}"));
                arrays = $"WITH v AS (SELECT * FROM unnest({string.Join(", ", Enumerable.Range(0, names.Count).Select(i => $"@p{i}"))}, @ord) AS v({values}, ord)), "
                    + $"inserted AS ({into} SELECT {values} FROM v) SELECT ord FROM v";
            }
            return new RowUpdates<TEntity>(text, parameters, arrays);
        });

    /// <summary>Runs the statement once per row, in the context's transaction; true where it changed its row.</summary>
    public async Task<bool[]> RunAsync(AppDbContext db, IReadOnlyList<object?[]> rows, CancellationToken ct) =>
        (await RunTogetherAsync(db, [(this, rows)], ct))[0];

    private static string MemberName(Expression<Func<TEntity, object?>> member) => member.Body switch
    {
        MemberExpression m => m.Member.Name,
        UnaryExpression { Operand: MemberExpression m } => m.Member.Name,
        _ => throw new ArgumentException($"Not a property of {typeof(TEntity).Name}: {member}", nameof(member)),
    };
}
