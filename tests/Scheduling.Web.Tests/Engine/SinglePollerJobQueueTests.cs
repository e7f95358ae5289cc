using System.Collections.Concurrent;
using System.Diagnostics;
using Hangfire;
using Hangfire.Common;
using Hangfire.PostgreSql;
using Hangfire.States;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Scheduling.Web.Data;
using Scheduling.Web.Engine;
using Scheduling.Web.Tests.Infrastructure;

namespace Scheduling.Web.Tests.Engine;

/// <summary>
/// On PostgreSQL one idle worker of a node at a time polls Hangfire's job queue (decision 0048): an idle node costs the
/// database one fetch per poll interval, not one per worker, and jobs still run side by side and are seen from any node.
/// </summary>
public class SinglePollerJobQueueTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(200);

    private static async Task<EngineHost> StartAsync()
    {
        Assert.SkipWhen(string.IsNullOrEmpty(Environment.GetEnvironmentVariable(PostgreSqlTestDatabase.EnvironmentVariable)),
            $"PostgreSQL: set {PostgreSqlTestDatabase.EnvironmentVariable} to run this case (the queue is Hangfire.PostgreSql's).");
        return await EngineHost.StartAsync(DatabaseProvider.PostgreSql, extra: new()
        {
            ["Execution:WorkerCount"] = "20",
            ["Execution:QueuePollInterval"] = "00:00:00.200",
        });
    }

    [Fact]
    public async Task AnIdleNode_PollsTheQueueOncePerInterval_NotOncePerWorker()
    {
        await using var host = await StartAsync();
        var database = new NpgsqlConnectionStringBuilder(host.App.Services.GetRequiredService<DatabaseOptions>().ConnectionString).Database!;
        var storage = host.App.Services.GetRequiredService<JobStorage>();
        // Let the start-up's maintenance jobs pass.
        await Task.Delay(TimeSpan.FromSeconds(1), Ct);

        var window = TimeSpan.FromSeconds(3);
        var fetches = await CountFetchesAsync(database, window);

        // Twenty workers polling on their own fetch 20 × 3 s / 0.2 s = 300 times; one poller about 15.
        Assert.InRange(fetches, 1, 2 * window / PollInterval);
        Assert.All(ExecutionOptions.ServerQueues, queue => Assert.IsType<SinglePollerJobQueueProvider>(((PostgreSqlStorage)storage).QueueProviders.GetProvider(queue)));
    }

    [Fact]
    public async Task JobsQueuedTogether_RunSideBySide_AndEachQueueIsListedOnce()
    {
        await using var host = await StartAsync();
        var storage = host.App.Services.GetRequiredService<JobStorage>();
        var key = Guid.NewGuid().ToString("N");
        var jobs = new BackgroundJobClient(storage);
        try
        {
            for (var i = 0; i < 8; i++)
            {
                jobs.Create(Job.FromExpression(() => HeldJobs.Hold(key)), new EnqueuedState("low"));
            }

            // Each worker that takes a job hands the turn on: the next one fetches at once, so all eight are running.
            await HeldJobs.WaitUntilRunningAsync(key, 8, TimeSpan.FromSeconds(20));
            var low = storage.GetMonitoringApi().Queues().Where(queue => queue.Name == "low").ToList();
            Assert.Equal(8, Assert.Single(low).Fetched);
        }
        finally
        {
            HeldJobs.Release(key);
        }
    }

    [Fact]
    public async Task AJobQueuedByAnotherNode_WithoutThisNodesSignal_IsFetchedByThePoll()
    {
        await using var host = await StartAsync();
        var storage = host.App.Services.GetRequiredService<JobStorage>();
        var connectionString = host.App.Services.GetRequiredService<DatabaseOptions>().ConnectionString;
        var key = Guid.NewGuid().ToString("N");
        try
        {
            // What another node's enqueue leaves in the database: the job, its Enqueued state and its queue row. Written
            // here without Hangfire's write transaction, which would also wake this process's poller.
            string jobId;
            using (var connection = storage.GetConnection())
            {
                jobId = connection.CreateExpiredJob(Job.FromExpression(() => HeldJobs.Hold(key)), new Dictionary<string, string?>(), DateTime.UtcNow, TimeSpan.FromHours(1))!;
                using var transaction = connection.CreateWriteTransaction();
                transaction.SetJobState(jobId, new EnqueuedState("default"));
                transaction.Commit();
            }
            await using (var database = new NpgsqlConnection(connectionString))
            {
                await database.OpenAsync(Ct);
                await using var insert = new NpgsqlCommand("INSERT INTO hangfire.jobqueue (jobid, queue) VALUES (@job, 'default')", database);
                insert.Parameters.AddWithValue("job", long.Parse(jobId, System.Globalization.CultureInfo.InvariantCulture));
                await insert.ExecuteNonQueryAsync(Ct);
            }

            await HeldJobs.WaitUntilRunningAsync(key, 1, TimeSpan.FromSeconds(20));
        }
        finally
        {
            HeldJobs.Release(key);
        }
    }

    /// <summary>Hangfire.PostgreSql's fetches (its UPDATE … FOR UPDATE SKIP LOCKED on the job queue) in this database.</summary>
    private static async Task<int> CountFetchesAsync(string database, TimeSpan window)
    {
        var fetches = 0;
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name.StartsWith("Npgsql", StringComparison.Ordinal),
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                var tags = activity.TagObjects.Select(tag => tag.Value?.ToString() ?? "").ToList();
                if (tags.Contains(database) && tags.Exists(tag => tag.Contains("jobqueue", StringComparison.Ordinal) && tag.Contains("SKIP LOCKED", StringComparison.Ordinal)))
                {
                    Interlocked.Increment(ref fetches);
                }
            },
        };
        ActivitySource.AddActivityListener(listener);
        await Task.Delay(window, Ct);
        return Volatile.Read(ref fetches);
    }
}

/// <summary>Jobs that stay running until their test lets them go, counted by the test's key.</summary>
public static class HeldJobs
{
    private sealed class Holds
    {
        public int Running;
        public readonly TaskCompletionSource Released = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private static readonly ConcurrentDictionary<string, Holds> ByKey = new();

    public static void Hold(string key)
    {
        var holds = ByKey.GetOrAdd(key, _ => new Holds());
        Interlocked.Increment(ref holds.Running);
        holds.Released.Task.Wait(TimeSpan.FromSeconds(30));
    }

    public static async Task WaitUntilRunningAsync(string key, int count, TimeSpan within)
    {
        var holds = ByKey.GetOrAdd(key, _ => new Holds());
        var watch = Stopwatch.StartNew();
        while (Volatile.Read(ref holds.Running) < count)
        {
            Assert.True(watch.Elapsed < within, $"{Volatile.Read(ref holds.Running)} of {count} job(s) running after {within.TotalSeconds} s.");
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
    }

    public static void Release(string key) => ByKey.GetOrAdd(key, _ => new Holds()).Released.TrySetResult();
}
