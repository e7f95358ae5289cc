using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using Scheduling.Web.Data;
using Scheduling.Web.Features.Workspaces;

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

    /// <summary>
    /// A fresh database with every migration applied: a copy of a template migrated once per test process, so each
    /// test host starts without replaying the whole migration history (the app's start-up migration then finds none
    /// pending). <see cref="CreateAsync"/> stays empty, for the tests of the migrations themselves.
    /// </summary>
    public static async Task<TestDatabase> CreateMigratedAsync(DatabaseProvider provider) => provider switch
    {
        DatabaseProvider.Sqlite => await SqliteTestDatabase.CreateMigratedAsync(),
        DatabaseProvider.PostgreSql => await PostgreSqlTestDatabase.CreateMigratedAsync(),
        _ => throw new NotSupportedException($"{provider} cannot run on this machine (no SQL Server engine)."),
    };

    /// <summary>Applies every migration to <paramref name="connectionString"/>'s database, as the app's migrator does.</summary>
    internal static async Task MigrateAsync(DatabaseProvider provider, string connectionString)
    {
        var options = DesignTime.Options(provider, connectionString);
        await using AppDbContext db = provider == DatabaseProvider.PostgreSql
            ? new PostgreSqlAppDbContext(options, new WorkspaceContext())
            : new SqliteAppDbContext(options, new WorkspaceContext());
        await db.Database.MigrateAsync();
        if (provider == DatabaseProvider.Sqlite)
        {
            // As DatabaseMigrator leaves the file (WAL persists in it), with the log folded in before the file is copied.
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;");
            await db.Database.ExecuteSqlRawAsync("PRAGMA wal_checkpoint(TRUNCATE);");
        }
    }

    public abstract ValueTask DisposeAsync();
}

public sealed class SqliteTestDatabase : TestDatabase
{
    private readonly string _directory = Directory.CreateTempSubdirectory("scheduling-tests-").FullName;

    public override DatabaseProvider Provider => DatabaseProvider.Sqlite;
    public override string ConnectionString => $"Data Source={FilePath}";
    public string FilePath => Path.Combine(_directory, "app.db");

    private static readonly Lazy<Task<string>> Template = new(async () =>
    {
        var path = Path.Combine(Directory.CreateTempSubdirectory("scheduling-template-").FullName, "template.db");
        await MigrateAsync(DatabaseProvider.Sqlite, $"Data Source={path};Pooling=false");
        return path;
    });

    /// <summary>A copy of the migrated template file (see <see cref="TestDatabase.CreateMigratedAsync"/>).</summary>
    public static async Task<SqliteTestDatabase> CreateMigratedAsync()
    {
        var database = new SqliteTestDatabase();
        await CopyMigratedTemplateAsync(database.FilePath);
        return database;
    }

    /// <summary>Writes the migrated template to <paramref name="path"/> (the bUnit host's own file).</summary>
    public static async Task CopyMigratedTemplateAsync(string path) => File.Copy(await Template.Value, path);

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

    public static Task<PostgreSqlTestDatabase> CreateAsync() => CreateFromAsync(template: null);

    /// <summary>A copy of the migrated template database (see <see cref="TestDatabase.CreateMigratedAsync"/>).</summary>
    public static async Task<PostgreSqlTestDatabase> CreateMigratedAsync() => await CreateFromAsync(await Template.Value);

    // One migrated template per test process. PostgreSQL copies a template only while nobody is connected to it, and
    // copies of one template are made one at a time here, so the template's own connection is unpooled and closed.
    private static readonly SemaphoreSlim TemplateCopies = new(1, 1);
    private static readonly Lazy<Task<string>> Template = new(async () =>
    {
        var template = await CreateFromAsync(template: null);
        await MigrateAsync(DatabaseProvider.PostgreSql, new NpgsqlConnectionStringBuilder(template.ConnectionString) { Pooling = false }.ConnectionString);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => template.DisposeAsync().AsTask().Wait(TimeSpan.FromSeconds(10));
        return template._name;
    });

    private static async Task<PostgreSqlTestDatabase> CreateFromAsync(string? template)
    {
        var server = ServerConnectionString;
        var name = $"t_{Guid.NewGuid():N}";
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(server) { Database = "postgres" }.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(template is null ? $"CREATE DATABASE \"{name}\"" : $"CREATE DATABASE \"{name}\" TEMPLATE \"{template}\"", connection);
        if (template is null)
        {
            await command.ExecuteNonQueryAsync();
        }
        else
        {
            await TemplateCopies.WaitAsync();
            try
            {
                await command.ExecuteNonQueryAsync();
            }
            finally
            {
                TemplateCopies.Release();
            }
        }
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
