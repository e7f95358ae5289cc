using System.Data.Common;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using Scheduling.Web.Data;

namespace Scheduling.Web.Engine;

/// <summary>
/// A node's life told by its database session (decision 0038). Each node of a PostgreSQL or SQL Server cluster holds a
/// session lock named after it on a connection of its own, for as long as it runs. The database drops the lock when that
/// session ends, and a killed process's connections close at once, so the lock is gone seconds before the node's
/// heartbeat grows old enough to call it dead. The node watch takes a node for dead when its lock is gone and its
/// heartbeat has also missed two beats. A live node whose connection dropped still heartbeats through Hangfire's own
/// connections, so it is not taken for dead. A machine that vanishes without closing its connections is still found by
/// the heartbeat timeout.
/// </summary>
public sealed class NodeLiveness(DatabaseOptions database, IOptionsMonitor<ExecutionOptions> options, ILogger<NodeLiveness> logger) : BackgroundService
{
    /// <summary>The first key of PostgreSQL's two-key advisory locks for node locks (727001 was the engine-wide lock before decision 0041).</summary>
    private const int PostgresLockSpace = 727002;

    private bool Applies => database.Provider is DatabaseProvider.PostgreSql or DatabaseProvider.SqlServer;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!Applies)
        {
            return;
        }
        var node = options.CurrentValue.NodeName;
        DbConnection? session = null;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (session is null)
                {
                    session = Open();
                    await session.OpenAsync(stoppingToken);
                    if (!await TakeAsync(session, node, stoppingToken))
                    {
                        logger.LogWarning("Another process holds the node lock of '{Node}': two nodes share a name (set Execution:NodeName on each).", node);
                    }
                }
                else
                {
                    // Keeps the session in use, and finds one the server or the network dropped.
                    await using var ping = session.CreateCommand();
                    ping.CommandText = "SELECT 1";
                    await ping.ExecuteScalarAsync(stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                logger.LogWarning(ex, "The node lock's session of '{Node}' failed; it is opened again.", node);
                if (session is not null)
                {
                    await session.DisposeAsync();
                    session = null;
                }
            }
            try
            {
                await Task.Delay(options.CurrentValue.HeartbeatInterval, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
        if (session is not null)
        {
            await session.DisposeAsync();
        }
    }

    /// <summary>
    /// The servers among <paramref name="servers"/> whose node is gone: two heartbeats missed and no node lock held.
    /// Empty on SQLite (one node) and for this node.
    /// </summary>
    public async Task<HashSet<string>> GoneAsync(IReadOnlyCollection<(string Server, DateTime? Heartbeat)> servers, CancellationToken ct)
    {
        var gone = new HashSet<string>(StringComparer.Ordinal);
        var beats = servers.Where(s => s.Heartbeat is not null).Select(s => s.Heartbeat!.Value).ToList();
        if (!Applies || beats.Count == 0)
        {
            return gone;
        }
        var settings = options.CurrentValue;
        var silentSince = beats.Max() - 2 * settings.HeartbeatInterval;
        var suspects = servers.Where(s => s.Heartbeat is { } beat && beat < silentSince && !NodeWatch.IsServerOf(s.Server, settings.NodeName)).ToList();
        if (suspects.Count == 0)
        {
            return gone;
        }
        await using var connection = Open();
        await connection.OpenAsync(ct);
        foreach (var (server, _) in suspects)
        {
            if (!await HeldAsync(connection, NodeOf(server), ct))
            {
                gone.Add(server);
            }
        }
        return gone;
    }

    /// <summary>
    /// Hangfire 1.8 names a server "{node name, lower case}:{process id}:{guid}", and a node name may hold colons itself
    /// (the default machine:pid): the node is all before the last two parts.
    /// </summary>
    internal static string NodeOf(string server)
    {
        var parts = server.Split(':');
        return parts.Length >= 3 && parts[^2].All(char.IsAsciiDigit) ? string.Join(':', parts[..^2]) : string.Join(':', parts[..^1]);
    }

    /// <summary>A stable key for a node name (lower case, as Hangfire writes it in server names).</summary>
    internal static int KeyOf(string node) =>
        BitConverter.ToInt32(SHA256.HashData(Encoding.UTF8.GetBytes(node.ToLowerInvariant()))) & int.MaxValue;

    private static string ResourceOf(string node) => "scheduling-node:" + node.ToLowerInvariant();

    private DbConnection Open() => database.Provider switch
    {
        DatabaseProvider.PostgreSql => new Npgsql.NpgsqlConnection(PostgresConnections.Tune(database.ConnectionString)),
        _ => new Microsoft.Data.SqlClient.SqlConnection(database.ConnectionString),
    };

    private async Task<bool> TakeAsync(DbConnection session, string node, CancellationToken ct)
    {
        await using var take = session.CreateCommand();
        if (database.Provider == DatabaseProvider.PostgreSql)
        {
            take.CommandText = $"SELECT pg_try_advisory_lock({PostgresLockSpace}, {KeyOf(node)})";
            return (bool)(await take.ExecuteScalarAsync(ct))!;
        }
        take.CommandText = "DECLARE @result int; EXEC @result = sp_getapplock @Resource = @resource, @LockMode = N'Exclusive', @LockOwner = N'Session', @LockTimeout = 0; SELECT @result;";
        AddResource(take, node);
        return Convert.ToInt32(await take.ExecuteScalarAsync(ct), System.Globalization.CultureInfo.InvariantCulture) >= 0;
    }

    private async Task<bool> HeldAsync(DbConnection connection, string node, CancellationToken ct)
    {
        await using var test = connection.CreateCommand();
        if (database.Provider == DatabaseProvider.PostgreSql)
        {
            test.CommandText = $"SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted AND classid = {PostgresLockSpace} AND objid = {KeyOf(node)} AND objsubid = 2";
            return Convert.ToInt64(await test.ExecuteScalarAsync(ct), System.Globalization.CultureInfo.InvariantCulture) > 0;
        }
        // 1: the lock could be granted, so nobody holds it.
        test.CommandText = "SELECT APPLOCK_TEST(N'public', @resource, N'Exclusive', N'Session')";
        AddResource(test, node);
        return Convert.ToInt32(await test.ExecuteScalarAsync(ct), System.Globalization.CultureInfo.InvariantCulture) == 0;
    }

    private static void AddResource(DbCommand command, string node)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = "@resource";
        parameter.Value = ResourceOf(node);
        command.Parameters.Add(parameter);
    }
}
