using Hangfire;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Scheduling.Core.Scheduling;
using Scheduling.Web.Data;
using Scheduling.Web.Engine;
using Scheduling.Web.Features.Executions;
using Scheduling.Web.Features.Schedules;
using Scheduling.Web.Tests.Infrastructure;

namespace Scheduling.Web.Tests.Engine;

/// <summary>
/// A burst larger than a node's workers goes to Hangfire in jobs of several runs (decision 0033): fewer jobs for the
/// storage to create, fetch and move through their states, every run still started, delivered and recorded once.
/// </summary>
public class BatchedRunsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static (Guid, SchedulePriority)[] Due(int count, SchedulePriority priority = SchedulePriority.Normal) =>
        [.. Enumerable.Range(0, count).Select(_ => (Guid.CreateVersion7(), priority))];

    [Fact]
    public void Carriers_OneJobPerRun_WhileTheWorkersOutnumberTheRuns()
    {
        var settings = new ExecutionOptions { WorkerCount = 50, RunsPerJob = 16 };
        var due = Due(50);
        var carriers = DueRunReleaser.Carriers(due, settings);
        Assert.Equal(due.Select(run => run.Item1), carriers.Select(carrier => Assert.Single(carrier.Ids)));
    }

    [Theory]
    [InlineData(51, 50, 16, 13)]
    [InlineData(120, 50, 16, 15)]
    [InlineData(120, 50, 100, 60)]
    [InlineData(2000, 50, 100, 100)]
    [InlineData(2000, 50, 16, 16)]
    [InlineData(2000, 50, 1, 1)]
    [InlineData(10, 4, 100, 10)]
    public void Carriers_ABurstLargerThanTheWorkers_InAsFewJobsAsTheirSizeAllows_SpreadEvenly(int runs, int workers, int runsPerJob, int size)
    {
        var due = Due(runs);
        var carriers = DueRunReleaser.Carriers(due, new ExecutionOptions { WorkerCount = workers, RunsPerJob = runsPerJob });
        Assert.All(carriers, carrier => Assert.InRange(carrier.Ids.Length, 1, size));
        Assert.Equal((runs + size - 1) / size, carriers.Count);
        // Every run once, in due order.
        Assert.Equal(due.Select(run => run.Item1), carriers.SelectMany(carrier => carrier.Ids));
    }

    /// <summary>
    /// Jobs are large on a shared storage, where each costs some thirty round trips, and stay small on the embedded
    /// default, where a job costs none (decision 0047); a configured size is kept on either.
    /// </summary>
    [Theory]
    [InlineData(DatabaseProvider.Sqlite, null, ExecutionOptions.EmbeddedRunsPerJob)]
    [InlineData(DatabaseProvider.Sqlite, "40", 40)]
    [InlineData(DatabaseProvider.PostgreSql, null, 100)]
    [InlineData(DatabaseProvider.PostgreSql, "40", 40)]
    public async Task RunsPerJob_LargeOnASharedStorage_SmallInMemory_UnlessSet(DatabaseProvider provider, string? configured, int expected)
    {
        Assert.SkipWhen(provider == DatabaseProvider.PostgreSql && string.IsNullOrEmpty(Environment.GetEnvironmentVariable(PostgreSqlTestDatabase.EnvironmentVariable)),
            $"PostgreSQL: set {PostgreSqlTestDatabase.EnvironmentVariable} to run this case.");
        await using var host = await EngineHost.StartAsync(provider, extra: configured is null ? null : new() { ["Execution:RunsPerJob"] = configured });
        Assert.Equal(expected, host.App.Services.GetRequiredService<Microsoft.Extensions.Options.IOptionsMonitor<ExecutionOptions>>().CurrentValue.RunsPerJob);
    }

    [Fact]
    public void Carriers_KeepOnePriorityPerJob_UrgentJobsFirst()
    {
        Guid[] urgent = [Guid.CreateVersion7(), Guid.CreateVersion7(), Guid.CreateVersion7()];
        var due = Due(6, SchedulePriority.Low).Concat(urgent.Select(id => (id, SchedulePriority.Urgent))).Concat(Due(6)).ToArray();
        var carriers = DueRunReleaser.Carriers(due, new ExecutionOptions { WorkerCount = 4, RunsPerJob = 16 });
        Assert.All(carriers, carrier => Assert.Single(carrier.Ids.Select(id => due.Single(run => run.Item1 == id).Item2).Distinct()));
        Assert.Equal(urgent, carriers[0].Ids);
        Assert.Equal(SchedulePriority.Low, carriers[^1].Priority);
    }

    private static async Task SeedBurstAsync(EngineHost host, int count, string url)
    {
        var workspaceId = (await System.Net.Http.Json.HttpClientJsonExtensions.GetFromJsonAsync<System.Text.Json.JsonElement>(host.Client, "/api/v1/me", Ct)).GetProperty("currentWorkspaceId").GetGuid();
        await using var db = await host.App.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync(Ct);
        await BurstSchedules.AddAsync(db, workspaceId, count, url);
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task ABurstLargerThanTheWorkers_GoesInBatches_EveryRunDeliveredAndRecordedOnce(DatabaseProvider provider)
    {
        Assert.SkipWhen(provider == DatabaseProvider.PostgreSql && string.IsNullOrEmpty(Environment.GetEnvironmentVariable(PostgreSqlTestDatabase.EnvironmentVariable)),
            $"PostgreSQL: set {PostgreSqlTestDatabase.EnvironmentVariable} to run this case.");
        // Eight workers (the engine host's), 40 runs due in the same second, at most ten a job: jobs of two to ten runs.
        await using var host = await EngineHost.StartAsync(provider, extra: new() { ["Execution:RunsPerJob"] = "10" });
        await SeedBurstAsync(host, 40, host.Receiver.Url("burst"));
        var factory = host.App.Services.GetRequiredService<IDbContextFactory<AppDbContext>>();

        await Eventually.GetAsync(async () =>
        {
            await using var db = await factory.CreateDbContextAsync(Ct);
            return await db.Executions.IgnoreQueryFilters().CountAsync(e => e.Status == ExecutionStatus.Completed, Ct);
        }, count => count >= 40, TimeSpan.FromSeconds(60), "40 completed runs");
        await Task.Delay(1000, Ct);

        var deliveries = host.Receiver.On("burst");
        Assert.Equal(40, deliveries.Count);
        Assert.Equal(40, deliveries.Select(d => d.IdempotencyKey).Distinct().Count());
        await using var check = await factory.CreateDbContextAsync(Ct);
        var runs = await check.Executions.IgnoreQueryFilters().AsNoTracking().ToListAsync(Ct);
        Assert.All(runs, run => Assert.Equal(1, run.Attempts));
        Assert.Equal(40, await check.ExecutionAttempts.IgnoreQueryFilters().CountAsync(Ct));
        // The runs went in batch jobs (claimed ahead, released together at their time), each run carried by one.
        var monitoring = host.App.Services.GetRequiredService<JobStorage>().GetMonitoringApi();
        var batches = monitoring.SucceededJobs(0, 1000).Select(job => job.Value.Job?.Args is [Guid[] ids, ..] ? ids : null).OfType<Guid[]>().ToList();
        Assert.NotEmpty(batches);
        Assert.All(batches, batch => Assert.InRange(batch.Length, 2, 10));
        var batched = batches.SelectMany(ids => ids).ToList();
        Assert.Equal(batched.Count, batched.Distinct().Count());
        Assert.Subset(runs.Select(run => run.Id).ToHashSet(), batched.ToHashSet());
        Assert.True(batched.Count >= 30, $"{batched.Count} of 40 runs went in batches");
        // Each run names the batch job that started it: the job the node watch and the recovery sweep look at.
        var carriers = await CarriersAsync(host);
        Assert.All(runs.Where(run => carriers[run.Id].Any(c => c.Batch)), run => Assert.Equal(carriers[run.Id].Single(c => c.Batch).Job, run.HangfireJobId));
    }

    /// <summary>
    /// At the workspace's concurrency limit a worker keeps its run and the ledger starts it as a place frees (decision
    /// 0035): the limit holds exactly and is used, no run is refused into a recheck job of its own, each is started by
    /// the job that carried it, and a kept run says why it waits.
    /// </summary>
    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task RunsAtTheConcurrencyLimit_WaitInTheirWorkerForAPlace_TheLimitHolds_NoRecheckJobs(DatabaseProvider provider)
    {
        Assert.SkipWhen(provider == DatabaseProvider.PostgreSql && string.IsNullOrEmpty(Environment.GetEnvironmentVariable(PostgreSqlTestDatabase.EnvironmentVariable)),
            $"PostgreSQL: set {PostgreSqlTestDatabase.EnvironmentVariable} to run this case.");
        // Six workers, three places, a job per run: three run, the other three workers (half the node's) keep theirs for a
        // place. (With jobs of several runs the first jobs of a burst may take more than their part of the places before
        // the others run, and a last job's run may then be refused: decision 0047.)
        var log = new RunTransitionLog();
        await using var host = await EngineHost.StartAsync(provider, extra: new()
        {
            ["Execution:WorkspaceConcurrencyLimit"] = "3",
            ["Execution:WorkerCount"] = "6",
            ["Execution:RunsPerJob"] = "1",
        }, transitions: log);
        await using var receiver = await HoldingWebhookReceiver.StartAsync();
        receiver.Respond("limited", TimeSpan.FromMilliseconds(300));
        await SeedBurstAsync(host, 30, receiver.Url("limited"));
        var factory = host.App.Services.GetRequiredService<IDbContextFactory<AppDbContext>>();

        await Eventually.GetAsync(async () =>
        {
            await using var db = await factory.CreateDbContextAsync(Ct);
            return await db.Executions.IgnoreQueryFilters().CountAsync(e => e.Status == ExecutionStatus.Completed, Ct);
        }, count => count >= 30, TimeSpan.FromSeconds(90), "30 completed runs");

        var requests = receiver.On("limited");
        Assert.Equal(30, requests.Count);
        Assert.Equal(30, requests.Select(r => r.ExecutionId).Distinct().Count());
        Assert.True(receiver.MaxInFlight("limited") <= 3, $"{receiver.MaxInFlight("limited")} requests in flight at once (limit 3)");
        Assert.Equal(3, receiver.MaxInFlight("limited"));
        // The kept runs said why they waited, once each (a refused run would have said it again with its recheck job).
        var waits = log.All.Where(t => t.From == ExecutionStatus.Pending && t.To == ExecutionStatus.Pending && t.WaitReason == WaitReason.ConcurrencyLimit).ToList();
        Assert.NotEmpty(waits);
        // No run waited in a recheck job of its own: each was started by the job that carried it from the start.
        // (A job's last run is recorded before the job itself is marked succeeded.)
        var carriers = await CarriersAsync(host);
        await using var check = await factory.CreateDbContextAsync(Ct);
        var twice = waits.GroupBy(t => t.ExecutionId).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        Assert.True(twice.Count == 0, $"{twice.Count} runs waited more than once:\n" + string.Join("\n", twice.Select(id =>
            $"{id}: {string.Join(" > ", log.All.Where(t => t.ExecutionId == id).Select(t => $"{t.From}->{t.To} ({t.WaitReason})"))}; carried by " +
            string.Join(", ", carriers[id].Select(c => $"{c.Job}{(c.Batch ? " (batch)" : "")}")))));
        if (host.App.Services.GetRequiredService<JobStorage>().GetMonitoringApi().ScheduledCount() != 0)
        {
            Assert.Fail("A run was refused into a recheck job:\n" + await host.EngineStateAsync([.. await check.Schedules.IgnoreQueryFilters().Select(x => x.Id).ToListAsync(Ct)]));
        }
        var runs = await check.Executions.IgnoreQueryFilters().AsNoTracking().ToListAsync(Ct);
        Assert.All(runs, run => Assert.Equal(run.HangfireJobId, Assert.Single(carriers[run.Id]).Job));
        Assert.All(runs, run => Assert.Equal(1, run.Attempts));
    }

    /// <summary>
    /// Runs the recovery hands over (a dead node's share, the runs of a restart) go as a burst due now goes: in jobs of
    /// several runs when they outnumber the workers, each run recorded with the job that carries it and delivered once.
    /// </summary>
    [Fact]
    public async Task RecoveredRunsDueNow_GoInBatchJobs_EachDeliveredOnce()
    {
        await using var host = await EngineHost.StartAsync(extra: new()
        {
            ["Execution:WorkerCount"] = "2",
            ["Execution:RunsPerJob"] = "3",
            ["Execution:RecoveryInterval"] = "01:00:00",
        });
        var scheduleIds = new List<Guid>();
        for (var i = 0; i < 6; i++)
        {
            scheduleIds.Add(await host.CreateOnceAsync("recovered", inSeconds: 3600));
        }
        var factory = host.App.Services.GetRequiredService<IDbContextFactory<AppDbContext>>();
        // The host's own start-up sweep has run: the one below is the only one to see the stranded runs.
        await Eventually.GetAsync(() => Task.FromResult(host.App.Services.GetRequiredService<EngineStats>().Sweeps), sweeps => sweeps >= 1,
            TimeSpan.FromSeconds(30), "the start-up sweep");
        var now = DateTime.UtcNow;
        var stranded = new List<Guid>();
        await using (var db = await factory.CreateDbContextAsync(Ct))
        {
            // Six runs (of six schedules) due a minute ago that no job carries (their node died before handing them over).
            foreach (var schedule in await db.Schedules.IgnoreQueryFilters().AsNoTracking().Where(s => scheduleIds.Contains(s.Id)).ToListAsync(Ct))
            {
                var run = Execution.Planned(schedule, now.AddMinutes(-1), runNumber: 2, catchingUp: false, notBefore: null, now.AddMinutes(-1));
                stranded.Add(run.Id);
                db.Executions.Add(run);
            }
            await db.SaveChangesAsync(Ct);
        }

        Assert.True(await host.App.Services.GetRequiredService<RecoverySweep>().SweepAsync(startup: true, Ct) >= 6);
        await Eventually.GetAsync(async () =>
        {
            await using var db = await factory.CreateDbContextAsync(Ct);
            return await db.Executions.IgnoreQueryFilters().CountAsync(e => stranded.Contains(e.Id) && e.Status == ExecutionStatus.Completed, Ct);
        }, count => count == 6, TimeSpan.FromSeconds(60), "the six recovered runs to complete");

        Assert.Equal(stranded.Order(), host.Receiver.On("recovered").Select(d => Guid.Parse(d.IdempotencyKey!)).Order());
        var carriers = await CarriersAsync(host);
        await using var check = await factory.CreateDbContextAsync(Ct);
        var runs = await check.Executions.IgnoreQueryFilters().AsNoTracking().Where(e => stranded.Contains(e.Id)).ToListAsync(Ct);
        Assert.All(runs, run => Assert.Equal(run.HangfireJobId, Assert.Single(carriers[run.Id], c => c.Batch).Job));
        Assert.Equal(2, runs.Select(run => run.HangfireJobId).Distinct().Count());
    }

    /// <summary>
    /// A job's runs are asked for together and run side by side (decision 0042): one worker delivers a burst of six at
    /// once where its workspace's limit leaves room, instead of one after the other.
    /// </summary>
    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task ABatchJobsRuns_StartTogether_AndRunSideBySide(DatabaseProvider provider)
    {
        Assert.SkipWhen(provider == DatabaseProvider.PostgreSql && string.IsNullOrEmpty(Environment.GetEnvironmentVariable(PostgreSqlTestDatabase.EnvironmentVariable)),
            $"PostgreSQL: set {PostgreSqlTestDatabase.EnvironmentVariable} to run this case.");
        var log = new RunTransitionLog();
        await using var host = await EngineHost.StartAsync(provider, extra: new() { ["Execution:WorkerCount"] = "1" }, transitions: log);
        await using var receiver = await HoldingWebhookReceiver.StartAsync();
        receiver.Respond("together", TimeSpan.FromMilliseconds(400));
        await SeedBurstAsync(host, 6, receiver.Url("together"));
        var factory = await CompletedAsync(host, 6);

        Assert.Equal(6, receiver.On("together").Select(r => r.ExecutionId).Distinct().Count());
        // One worker, six requests held 400 ms each: all in flight at once.
        Assert.Equal(6, receiver.MaxInFlight("together"));
        var carriers = await CarriersAsync(host);
        await using var check = await factory.CreateDbContextAsync(Ct);
        var runs = await check.Executions.IgnoreQueryFilters().AsNoTracking().ToListAsync(Ct);
        // Carried by one batch job, started by it together (one after the other, each waited 400 ms for the one before), each once.
        Assert.Single(runs.Select(run => run.HangfireJobId).Distinct());
        Assert.All(runs, run => Assert.True(Assert.Single(carriers[run.Id]).Batch));
        Assert.InRange(runs.Max(run => run.AttemptStartedAt!.Value) - runs.Min(run => run.AttemptStartedAt!.Value), TimeSpan.Zero, TimeSpan.FromMilliseconds(300));
        Assert.All(runs, run => Assert.Equal(1, run.Attempts));
        Assert.Equal(6, log.All.Count(t => t.To == ExecutionStatus.Running));
    }

    /// <summary>
    /// At a concurrency limit below a job's runs, the job takes the places that are free and asks again for the others as
    /// its runs end (decision 0042): the limit holds and is used, and no run is refused into a recheck job.
    /// </summary>
    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task ABatchJobAtTheLimit_TakesThePlacesThatAreFree_AndAsksAgainForTheRest(DatabaseProvider provider)
    {
        Assert.SkipWhen(provider == DatabaseProvider.PostgreSql && string.IsNullOrEmpty(Environment.GetEnvironmentVariable(PostgreSqlTestDatabase.EnvironmentVariable)),
            $"PostgreSQL: set {PostgreSqlTestDatabase.EnvironmentVariable} to run this case.");
        await using var host = await EngineHost.StartAsync(provider, extra: new()
        {
            ["Execution:WorkerCount"] = "1",
            ["Execution:WorkspaceConcurrencyLimit"] = "2",
        });
        await using var receiver = await HoldingWebhookReceiver.StartAsync();
        receiver.Respond("limited", TimeSpan.FromMilliseconds(300));
        await SeedBurstAsync(host, 7, receiver.Url("limited"));
        var factory = await CompletedAsync(host, 7);

        Assert.Equal(7, receiver.On("limited").Select(r => r.ExecutionId).Distinct().Count());
        Assert.Equal(2, receiver.MaxInFlight("limited"));
        var carriers = await CarriersAsync(host);
        Assert.Equal(0, host.App.Services.GetRequiredService<JobStorage>().GetMonitoringApi().ScheduledCount());
        await using var check = await factory.CreateDbContextAsync(Ct);
        var runs = await check.Executions.IgnoreQueryFilters().AsNoTracking().ToListAsync(Ct);
        Assert.All(runs, run => Assert.Equal(run.HangfireJobId, Assert.Single(carriers[run.Id]).Job));
        Assert.All(runs, run => Assert.Equal(1, run.Attempts));
    }

    /// <summary>
    /// A burst travels in few jobs (decision 0047), and the jobs asking for a workspace's places divide its limit among
    /// them, not among the node's workers: two jobs at a limit of four keep four webhooks in flight, where a share of the
    /// limit by the node's eight workers (one place a job a round) left two.
    /// </summary>
    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task FewJobsAtALimit_DivideItsPlacesAmongThem_TheLimitIsUsedAndHolds(DatabaseProvider provider)
    {
        Assert.SkipWhen(provider == DatabaseProvider.PostgreSql && string.IsNullOrEmpty(Environment.GetEnvironmentVariable(PostgreSqlTestDatabase.EnvironmentVariable)),
            $"PostgreSQL: set {PostgreSqlTestDatabase.EnvironmentVariable} to run this case.");
        await using var host = await EngineHost.StartAsync(provider, extra: new()
        {
            ["Execution:WorkerCount"] = "8",
            ["Execution:RunsPerJob"] = "10",
            ["Execution:WorkspaceConcurrencyLimit"] = "4",
        });
        await using var receiver = await HoldingWebhookReceiver.StartAsync();
        receiver.Respond("shared", TimeSpan.FromMilliseconds(300));
        await SeedBurstAsync(host, 20, receiver.Url("shared"));
        var factory = await CompletedAsync(host, 20);

        Assert.Equal(20, receiver.On("shared").Select(r => r.ExecutionId).Distinct().Count());
        Assert.Equal(4, receiver.MaxInFlight("shared"));
        var carriers = await CarriersAsync(host);
        await using var check = await factory.CreateDbContextAsync(Ct);
        var runs = await check.Executions.IgnoreQueryFilters().AsNoTracking().ToListAsync(Ct);
        // Two jobs of ten carried the burst (a run claimed after its time, if any, goes in a job of its own), each run started
        // by its own job, once.
        Assert.InRange(runs.Select(run => run.HangfireJobId).Distinct().Count(), 2, 4);
        Assert.All(runs, run => Assert.Equal(run.HangfireJobId, Assert.Single(carriers[run.Id]).Job));
        Assert.All(runs, run => Assert.Equal(1, run.Attempts));
    }

    /// <summary>Waits until <paramref name="count"/> runs completed; the host's context factory.</summary>
    private static async Task<IDbContextFactory<AppDbContext>> CompletedAsync(EngineHost host, int count)
    {
        var factory = host.App.Services.GetRequiredService<IDbContextFactory<AppDbContext>>();
        await Eventually.GetAsync(async () =>
        {
            await using var db = await factory.CreateDbContextAsync(Ct);
            return await db.Executions.IgnoreQueryFilters().CountAsync(e => e.Status == ExecutionStatus.Completed, Ct);
        }, completed => completed >= count, TimeSpan.FromSeconds(60), $"{count} completed runs");
        return factory;
    }

    /// <summary>
    /// The succeeded jobs that carried each run (a batch job carries several), read once no job is processing: a job's
    /// last run is recorded before the job itself is marked succeeded.
    /// </summary>
    private static async Task<ILookup<Guid, (string Job, bool Batch)>> CarriersAsync(EngineHost host)
    {
        var monitoring = host.App.Services.GetRequiredService<JobStorage>().GetMonitoringApi();
        await Eventually.GetAsync(() => Task.FromResult(monitoring.ProcessingCount()), processing => processing == 0, TimeSpan.FromSeconds(30), "the run jobs to finish");
        return monitoring.SucceededJobs(0, 1000)
            .SelectMany(job => job.Value.Job?.Args switch
            {
                [Guid[] ids, ..] => ids.Select(id => (Run: id, Job: job.Key, Batch: true)),
                [Guid id, ..] => [(Run: id, Job: job.Key, Batch: false)],
                _ => [],
            })
            .ToLookup(carrier => carrier.Run, carrier => (carrier.Job, carrier.Batch));
    }
}
