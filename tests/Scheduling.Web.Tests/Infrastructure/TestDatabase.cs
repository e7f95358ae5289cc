using Microsoft.Data.Sqlite;
using Npgsql;
using Scheduling.Web.Data;

namespace Scheduling.Web.Tests.Infrastructure;

/// <summary>A fresh, real database for one test host: a temp SQLite file or a new PostgreSQL database.</summary>
public abstract class TestDatabase : IAsyncDisposable
{
    public abstract DatabaseProvider Provider { get; }
    public abstract string ConnectionString { get; }

    public static async Task<TestDatabase> CreateAsync(DatabaseProvider provider) => provider switch
    {
        DatabaseProvider.Sqlite => new SqliteTestDatabase(),
        DatabaseProvider.PostgreSql => await PostgreSqlTestDatabase.CreateAsync(),
        _ => throw new NotSupportedException($"{provider} cannot run on this machine (no SQL Server engine)."),
    };

    public abstract ValueTask DisposeAsync();
}

public sealed class SqliteTestDatabase : TestDatabase
{
    private readonly string _directory = Directory.CreateTempSubdirectory("scheduling-tests-").FullName;

    public override DatabaseProvider Provider => DatabaseProvider.Sqlite;
    public override string ConnectionString => $"Data Source={Path.Combine(_directory, "app.db")}";

    public override ValueTask DisposeAsync()
    {
        SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // A file still held by a finished host is harmless in a temp folder.
        }
        return ValueTask.CompletedTask;
    }
}

public sealed class PostgreSqlTestDatabase : TestDatabase
{
    public const string EnvironmentVariable = "SCHEDULING_TEST_POSTGRES";
    private readonly string _server;
    private readonly string _name;

    private PostgreSqlTestDatabase(string server, string name)
    {
        _server = server;
        _name = name;
    }

    public override DatabaseProvider Provider => DatabaseProvider.PostgreSql;
    public override string ConnectionString => new NpgsqlConnectionStringBuilder(_server) { Database = _name }.ConnectionString;

    /// <summary>The server started by ./test.sh; without it these tests fail and say how to run them.</summary>
    public static string ServerConnectionString =>
        Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException(
                $"PostgreSQL tests need a server: run ./test.sh (it starts one), or set {EnvironmentVariable} to a connection string such as Host=127.0.0.1;Port=5432;Username=postgres.");

    public static async Task<PostgreSqlTestDatabase> CreateAsync()
    {
        var server = ServerConnectionString;
        var name = $"t_{Guid.NewGuid():N}";
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(server) { Database = "postgres" }.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
        await command.ExecuteNonQueryAsync();
        return new PostgreSqlTestDatabase(server, name);
    }

    public override async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(_server) { Database = "postgres" }.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{_name}\" WITH (FORCE)", connection);
        await command.ExecuteNonQueryAsync();
    }
}
