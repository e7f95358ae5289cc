using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace Scheduling.LoadTest;

/// <summary>
/// A PostgreSQL server of Debian's packages on 127.0.0.1, in the work directory, for one run of the script (as
/// test.sh starts one for the tests). Default durability (fsync and synchronous commit on), so that its commit
/// rate is the one a real installation pays; <c>--pg-fast</c> turns them off as the tests do.
/// </summary>
internal sealed class ThrowawayPostgres : IAsyncDisposable
{
    private readonly string _bin;
    private readonly string _data;

    private ThrowawayPostgres(string bin, string data, int port)
    {
        _bin = bin;
        _data = data;
        Port = port;
    }

    public int Port { get; }

    public string ConnectionString(string database, int pool = 50) =>
        $"Host=127.0.0.1;Port={Port};Username=postgres;Database={database};Pooling=true;Maximum Pool Size={pool}";

    public static async Task<ThrowawayPostgres> StartAsync(string work, bool fast, bool statements = false)
    {
        var bin = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin")).Where(d => File.Exists(Path.Combine(d, "initdb")))
                .OrderBy(d => d, StringComparer.Ordinal).LastOrDefault()
            : null;
        if (bin is null)
        {
            throw new InvalidOperationException("PostgreSQL is not installed (apt-get install -y postgresql; test.sh does it).");
        }
        var root = Path.Combine(work, "pg");
        Directory.CreateDirectory(root);
        var data = Path.Combine(root, "data");
        var port = FreePort();
        var asRoot = Environment.UserName == "root";
        if (asRoot)
        {
            await RunAsync("chown", ["-R", "postgres", work]);
        }
        await RunAsPostgresAsync(asRoot, Path.Combine(bin, "initdb"), ["-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"]);
        var settings = $"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c max_connections=400 -c shared_buffers=256MB"
            + (fast ? " -c fsync=off -c synchronous_commit=off -c full_page_writes=off" : "")
            + (statements ? " -c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.track=all" : "")
            // More server settings for a look inside, e.g. "-c log_statement=all" to count statements by kind (server.log in the work directory).
            + (Environment.GetEnvironmentVariable("SCHEDULING_LOAD_PG_SETTINGS") is { Length: > 0 } extra ? " " + extra : "");
        await RunAsPostgresAsync(asRoot, Path.Combine(bin, "pg_ctl"), ["-D", data, "-l", Path.Combine(root, "server.log"), "-w", "-t", "60", "-o", settings, "start"]);
        var server = new ThrowawayPostgres(bin, data, port);
        await using var connection = new NpgsqlConnection(server.ConnectionString("postgres"));
        await connection.OpenAsync();
        await using var create = new NpgsqlCommand("CREATE DATABASE load; CREATE DATABASE raw;", connection);
        await create.ExecuteNonQueryAsync();
        return server;
    }

    /// <summary>Single-row INSERT transactions, one after the other: the ceiling of a loop that commits a row per item.</summary>
    public async Task<(int Rows, TimeSpan Elapsed)> MeasureCommitsAsync(int rows, TimeSpan limit)
    {
        await using var connection = new NpgsqlConnection(ConnectionString("raw"));
        await connection.OpenAsync();
        await using (var table = new NpgsqlCommand("CREATE TABLE rows (id uuid PRIMARY KEY, schedule_id uuid NOT NULL, scheduled_for timestamptz NOT NULL, status int NOT NULL, title text)", connection))
        {
            await table.ExecuteNonQueryAsync();
        }
        await using var insert = new NpgsqlCommand("INSERT INTO rows VALUES (@id, @schedule, @at, 0, @title)", connection);
        var id = new NpgsqlParameter<Guid>("id", Guid.Empty);
        var schedule = new NpgsqlParameter<Guid>("schedule", Guid.Empty);
        var at = new NpgsqlParameter<DateTime>("at", DateTime.UtcNow);
        var title = new NpgsqlParameter<string>("title", "");
        insert.Parameters.Add(id);
        insert.Parameters.Add(schedule);
        insert.Parameters.Add(at);
        insert.Parameters.Add(title);
        await insert.PrepareAsync();
        var watch = Stopwatch.StartNew();
        var done = 0;
        while (done < rows && watch.Elapsed < limit)
        {
            id.TypedValue = Guid.CreateVersion7();
            schedule.TypedValue = Guid.NewGuid();
            at.TypedValue = DateTime.UtcNow;
            title.TypedValue = $"row {done}";
            await insert.ExecuteNonQueryAsync(); // autocommit: one transaction per row
            done++;
        }
        return (done, watch.Elapsed);
    }

    /// <summary>Forgets the statements counted so far (pg_stat_statements, with --pg-statements): the burst's are counted alone.</summary>
    public async Task ResetStatementsAsync()
    {
        await using var connection = new NpgsqlConnection(ConnectionString("load", pool: 2));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("CREATE EXTENSION IF NOT EXISTS pg_stat_statements; SELECT pg_stat_statements_reset();", connection);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>The statements of the app's database that took the server's time since the reset, most first.</summary>
    public async Task<List<(double TotalMs, long Calls, long Rows, string Query)>> TopStatementsAsync(int count)
    {
        await using var connection = new NpgsqlConnection(ConnectionString("load", pool: 2));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("""
            SELECT s.total_exec_time, s.calls, s.rows, s.query
            FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
            WHERE d.datname = 'load'
            ORDER BY s.total_exec_time DESC LIMIT @count
            """, connection);
        command.Parameters.AddWithValue("count", count);
        var top = new List<(double, long, long, string)>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            top.Add((reader.GetDouble(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetString(3)));
        }
        return top;
    }

    /// <summary>Committed transactions of the app's database so far (pg_stat_database).</summary>
    public async Task<long> CommitsAsync()
    {
        await using var connection = new NpgsqlConnection(ConnectionString("postgres", pool: 2));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT xact_commit FROM pg_stat_database WHERE datname = 'load'", connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        try
        {
            await RunAsPostgresAsync(Environment.UserName == "root", Path.Combine(_bin, "pg_ctl"), ["-D", _data, "-m", "immediate", "stop"]);
        }
        catch (InvalidOperationException ex)
        {
            Console.WriteLine($"(stopping PostgreSQL: {ex.Message})");
        }
    }

    private static Task RunAsPostgresAsync(bool asRoot, string file, IReadOnlyList<string> arguments) =>
        asRoot ? RunAsync("runuser", ["-u", "postgres", "--", file, .. arguments]) : RunAsync(file, arguments);

    private static async Task RunAsync(string file, IReadOnlyList<string> arguments)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{file} did not start.");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', arguments)} exited with {process.ExitCode}: {await error}{await output}");
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
