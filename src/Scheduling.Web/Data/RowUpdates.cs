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

    private protected RowUpdates(string sql, (string Name, RelationalTypeMapping Mapping)[] parameters)
    {
        _sql = sql;
        _parameters = parameters;
    }

    /// <summary>
    /// Several statements, each once per its rows, in one round trip where the provider batches (the ledger's starts and
    /// waits of a batch, written while it holds the engine lock); for each part, true where a row changed.
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
}

/// <summary>The statement for one entity's table, made from the EF model.</summary>
internal sealed class RowUpdates<TEntity> : RowUpdates
{
    private static readonly ConcurrentDictionary<(IModel Model, string Shape), RowUpdates<TEntity>> Made = new();

    private RowUpdates(string sql, (string Name, RelationalTypeMapping Mapping)[] parameters)
        : base(sql, parameters)
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
            return new RowUpdates<TEntity>(text, [.. parameters]);
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
