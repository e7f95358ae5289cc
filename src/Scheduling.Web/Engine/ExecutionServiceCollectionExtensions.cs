using System.ComponentModel.DataAnnotations;
using Hangfire;
using Hangfire.AspNetCore;
using Hangfire.InMemory;
using Hangfire.PostgreSql;
using Hangfire.PostgreSql.Factories;
using Hangfire.SqlServer;
using Scheduling.Web.Data;

namespace Scheduling.Web.Engine;

public static class ExecutionServiceCollectionExtensions
{
    /// <summary>
    /// Hangfire with the storage that follows the database provider: in-memory beside SQLite (our
    /// database stays the source of truth), SQL Server or PostgreSQL storage otherwise (multi-node).
    /// </summary>
    public static IServiceCollection AddExecutionEngine(this IServiceCollection services, IConfiguration configuration, DatabaseOptions database)
    {
        services.AddOptions<ExecutionOptions>().BindConfiguration(ExecutionOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        if (database.Provider is DatabaseProvider.Sqlite && configuration[$"{ExecutionOptions.Section}:{nameof(ExecutionOptions.RunsPerJob)}"] is null)
        {
            // Large jobs save a shared storage's round trips (decision 0047); Hangfire's memory storage has none to save.
            services.PostConfigure<ExecutionOptions>(o => o.RunsPerJob = ExecutionOptions.EmbeddedRunsPerJob);
        }
        var options = configuration.GetSection(ExecutionOptions.Section).Get<ExecutionOptions>() ?? new ExecutionOptions();
        // Checked now, not only at start: the server registration below already uses these values.
        var errors = new List<ValidationResult>();
        if (!Validator.TryValidateObject(options, new ValidationContext(options), errors, validateAllProperties: true))
        {
            throw new InvalidOperationException(string.Join(" ", errors.Select(e => e.ErrorMessage)));
        }

        // The storage instance is ours, in DI, not Hangfire's static JobStorage.Current: several hosts in one
        // process (tests) would otherwise share the last one configured.
        services.AddSingleton<JobStorage>(_ => database.Provider switch
        {
            DatabaseProvider.SqlServer => new SqlServerStorage(database.ConnectionString, new SqlServerStorageOptions
            {
                PrepareSchemaIfNecessary = true,
                QueuePollInterval = options.QueuePollInterval,
            }),
            DatabaseProvider.PostgreSql => PostgreSql(database.ConnectionString, options),
            _ => EmbeddedStorage(database.ConnectionString, options),
        });
        // No UseStorage here: it would also make this host's storage Hangfire's static JobStorage.Current, and a
        // second host in the process (tests) would then take over or dispose the first one's. The server, the
        // client and the dashboard take the storage from DI.
        services.AddHangfire((provider, config) => config
            .SetDataCompatibilityLevel(CompatibilityLevel.Version_180)
            .UseSimpleAssemblyNameTypeSerializer()
            .UseRecommendedSerializerSettings()
            .UseLogProvider(new HangfireLogBridge(provider.GetRequiredService<ILoggerFactory>())));

        services.AddSingleton<EngineStats>();
        services.AddSingleton<EngineActivity>();
        services.AddSingleton<Features.Executions.RunTransitions>();
        services.AddSingleton<ExecutionQueue>();
        services.AddSingleton<ExecutionLedger>();
        services.AddSingleton<DueRunReleaser>();
        services.AddScoped<Dispatcher>();
        services.AddScoped<RecoverySweep>();
        services.AddScoped<ExecutionRunner>();
        services.AddScoped<WebhookTargets>();
        services.AddScoped<WebhookDelivery>();
        services.AddScoped<HandlerRegistry>();
        // Every job type runs its pipeline (Features/Pipelines); a plain one-stage pipeline is the WebhookHandler's single POST.
        services.AddScoped<WebhookHandler>();
        services.AddScoped<IJobHandler, Features.Pipelines.PipelineHandler>();
        services.AddHttpClient(WebhookDelivery.ClientName)
            .ConfigurePrimaryHttpMessageHandler(sp => WebhookDelivery.CreateHandler(sp.GetRequiredService<Microsoft.Extensions.Options.IOptionsMonitor<ExecutionOptions>>()))
            // Each delivery sets its own timeout (the schedule's); HttpClient's must not cut it shorter.
            .ConfigureHttpClient(client => client.Timeout = Timeout.InfiniteTimeSpan)
            // Every attempt is recorded with its request and response; four log lines per delivery only cost CPU.
            .RemoveAllLoggers();

        if (options.RunDispatcher || options.RunServer)
        {
            // Hands over the runs held until their time (claimed ahead by the dispatcher, or early at a worker).
            services.AddHostedService(provider => provider.GetRequiredService<DueRunReleaser>());
        }
        services.AddScoped<HistoryRetention>();
        services.AddScoped<NodeWatch>();
        services.AddSingleton<NodeLiveness>();
        services.AddHostedService(provider => provider.GetRequiredService<NodeLiveness>());
        services.AddScoped<MaintenanceJobs>();
        services.AddSingleton<Operations.EngineMetrics>();
        if (options.RunDispatcher)
        {
            services.AddHostedService<DispatcherService>();
        }
        if (options.RunServer)
        {
            // The recovery sweep, alert evaluation and retention are recurring jobs (MaintenanceJobs); a node with a
            // server registers them and sweeps once at start-up: without a server nothing runs what a sweep enqueues.
            services.AddHostedService<MaintenanceSchedule>();
            services.AddHangfireServer((sp, server) =>
            {
                server.Queues = ExecutionOptions.ServerQueues;
                server.WorkerCount = options.WorkerCount;
                server.SchedulePollingInterval = options.SchedulePollingInterval;
                // A dead node (kill -9, a lost machine) is noticed within NodeTimeout, not Hangfire's five minutes: the
                // node watch then hands its runs to the others (NodeWatch).
                server.HeartbeatInterval = options.HeartbeatInterval;
                server.ServerCheckInterval = options.HeartbeatInterval;
                server.ServerTimeout = options.NodeTimeout;
                server.ServerName = options.NodeName;
                // Jobs are built from this host's services (Hangfire's default activator is process-wide).
                server.Activator = new AspNetCoreJobActivator(sp.GetRequiredService<IServiceScopeFactory>());
            });
        }
        return services;
    }

    /// <summary>
    /// The embedded default's job storage: in memory (our database is the source of truth and the recovery sweep rebuilds
    /// what a restart loses). <c>EmbeddedJobStorage=sqlite</c> is for the measurement of decision 0030 only, in a build
    /// with <c>-p:HangfireSqliteStorage=true</c>: a file beside the app's database.
    /// </summary>
    private static JobStorage EmbeddedStorage(string connectionString, ExecutionOptions options)
    {
        if (!string.Equals(options.EmbeddedJobStorage, "sqlite", StringComparison.OrdinalIgnoreCase))
        {
            return new InMemoryStorage();
        }
#if HANGFIRE_SQLITE
        var file = new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder(connectionString).DataSource + ".hangfire";
        return new Hangfire.Storage.SQLite.SQLiteStorage(file, new Hangfire.Storage.SQLite.SQLiteStorageOptions { QueuePollInterval = options.QueuePollInterval });
#else
        throw new InvalidOperationException("Execution:EmbeddedJobStorage=sqlite needs a build with -p:HangfireSqliteStorage=true (a measurement build, decision 0030); the product uses memory.");
#endif
    }

    private static PostgreSqlStorage PostgreSql(string connectionString, ExecutionOptions options)
    {
        var storage = new PostgreSqlStorageOptions
        {
            PrepareSchemaIfNecessary = true,
            QueuePollInterval = options.QueuePollInterval,
            // A lock row outlives a node killed while holding it (Hangfire.PostgreSql's locks are rows, not sessions). The
            // next taker removes one older than this: at the default of ten minutes a node killed during the delayed-job
            // scheduler's poll stopped every retry and recheck on the survivors for that long. A lock older than the node
            // timeout is a dead node's (Hangfire holds its locks for milliseconds to seconds).
            DistributedLockTimeout = options.NodeTimeout,
        };
        var postgres = new PostgreSqlStorage(new NpgsqlConnectionFactory(Data.PostgresConnections.Tune(connectionString), storage), storage);
        // One idle worker a node polls the queue, as Hangfire.SqlServer does (decision 0048).
        SinglePollerJobQueueProvider.Install(postgres, storage, ExecutionOptions.ServerQueues);
        return postgres;
    }
}
