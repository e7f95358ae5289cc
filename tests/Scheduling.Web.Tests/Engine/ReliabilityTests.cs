using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Scheduling.Core.Scheduling;
using Scheduling.Web.Data;
using Scheduling.Web.Features.Executions;
using Scheduling.Web.Features.Schedules;
using Scheduling.Web.Features.Workspaces;
using Scheduling.Web.Tests.Infrastructure;

namespace Scheduling.Web.Tests.Engine;

/// <summary>What must hold when processes die, come back late, or run side by side.</summary>
[Collection(HeavyTests.Name)]
public class ReliabilityTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>A context on the test's database, outside any app host (no workspace filter applies with IgnoreQueryFilters).</summary>
    internal static AppDbContext Open(TestDatabase database)
    {
        var options = DesignTime.Options(database.Provider, database.ConnectionString);
        return database.Provider == DatabaseProvider.PostgreSql
            ? new PostgreSqlAppDbContext(options, new WorkspaceContext())
            : new SqliteAppDbContext(options, new WorkspaceContext());
    }

    [Fact]
    public async Task Crash_PendingAndRunningExecutions_CompleteAfterRestartExactlyOnceInOurRecords()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var database = new SqliteTestDatabase();
        var settings = EngineHost.FastSettings();
        settings["Execution:RunServer"] = "false";
        Guid[] scheduleIds;

        // First life: the dispatcher claims and enqueues, but no Hangfire server runs the jobs.
        await using (var first = new AppFactory(database, settings, ownsDatabase: false))
        {
            first.StartServer();
            var client = await Session.RegisterAsync(first, "crash@example.com");
            scheduleIds = new Guid[5];
            for (var i = 0; i < scheduleIds.Length; i++)
            {
                var response = await client.PostAsJsonAsync("/api/v1/schedules", new
                {
                    name = $"Crash {i}",
                    jobType = "export",
                    scheduledAt = DateTime.UtcNow.AddSeconds(1).ToString("yyyy-MM-dd'T'HH:mm:ss.fff", System.Globalization.CultureInfo.InvariantCulture),
                    timezone = "UTC",
                    webhookUrl = receiver.Url("crash"),
                }, Ct);
                var body = await response.Content.ReadAsStringAsync(Ct);
                Assert.True(response.IsSuccessStatusCode, $"create {i}: {(int)response.StatusCode} {body}");
                scheduleIds[i] = JsonDocument.Parse(body).RootElement.GetProperty("id").GetGuid();
            }
            await Eventually.GetAsync(async () =>
            {
                await using var db = Open(database);
                return await db.Executions.IgnoreQueryFilters().CountAsync(Ct);
            }, count => count == scheduleIds.Length, what: "the dispatcher to claim every schedule");

            // Two of them were mid-flight when the process died.
            await using var crashed = Open(database);
            var running = await crashed.Executions.IgnoreQueryFilters().OrderBy(e => e.Id).Take(2).ToListAsync(Ct);
            foreach (var execution in running)
            {
                execution.Status = ExecutionStatus.Running;
                execution.Attempts = 1;
                execution.StartedAt = DateTime.UtcNow;
            }
            await crashed.SaveChangesAsync(Ct);
        }
        Assert.Empty(receiver.Received);

        // Second life, same database, a fresh in-memory Hangfire: the start-up sweep hands the work over again.
        await using var second = new AppFactory(database, EngineHost.FastSettings(), ownsDatabase: false);
        second.StartServer();

        var executions = await Eventually.GetAsync(async () =>
        {
            await using var db = Open(database);
            return await db.Executions.IgnoreQueryFilters().AsNoTracking().ToListAsync(Ct);
        }, list => list.All(e => e.Status == ExecutionStatus.Completed), TimeSpan.FromSeconds(30), "every execution to complete");

        Assert.Equal(scheduleIds.Length, executions.Count);
        Assert.Equal(scheduleIds.Order(), executions.Select(e => e.ScheduleId).Order());
        Assert.Equal(executions.Select(e => e.Id.ToString()).Order(), receiver.On("crash").Select(r => r.IdempotencyKey!).Distinct().Order());
    }

    [Theory]
    [InlineData("run_all", 6, 0)]
    [InlineData("run_latest", 1, 5)]
    [InlineData("skip", 0, 6)]
    public async Task MissedRuns_AfterDowntime_FollowThePolicyAndRecordSkips(string policy, int runs, int skipped)
    {
        await using var host = await EngineHost.StartAsync(extra: new() { ["Execution:MissedRunGrace"] = "00:00:30" });
        var created = await host.Client.PostAsJsonAsync("/api/v1/schedules", new
        {
            name = "Hourly",
            jobType = "export",
            timezone = "UTC",
            recurrence = new { rrule = "FREQ=HOURLY", start = "2030-01-01T00:00" },
            missedPolicy = policy,
            webhookUrl = host.Receiver.Url("missed"),
        }, Ct);
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("id").GetGuid();

        // The app was down: the next run is 5½ hours in the past (six occurrences were missed).
        var start = DateTime.UtcNow.AddHours(-5.5);
        await using (var db = Open(host.App.Database))
        {
            var schedule = await db.Schedules.IgnoreQueryFilters().FirstAsync(s => s.Id == id, Ct);
            schedule.RecurrenceStart = ScheduleTiming.FormatLocal(NodaTime.LocalDateTime.FromDateTime(start));
            schedule.NextRunAt = DateTime.SpecifyKind(new DateTime(start.Ticks - start.Ticks % TimeSpan.TicksPerSecond), DateTimeKind.Utc);
            await db.SaveChangesAsync(Ct);
        }

        var executions = await Eventually.GetAsync(() => host.ExecutionsOfAsync(id),
            list => list.GetArrayLength() == runs + skipped && list.EnumerateArray().All(e => e.GetProperty("status").GetString() is "completed" or "skipped"),
            TimeSpan.FromSeconds(30), $"{runs} run(s) and {skipped} skip(s)");

        Assert.Equal(runs, executions.EnumerateArray().Count(e => e.GetProperty("status").GetString() == "completed"));
        Assert.All(executions.EnumerateArray().Where(e => e.GetProperty("status").GetString() == "skipped"),
            e => Assert.Contains("Missed", e.GetProperty("reason").GetString(), StringComparison.Ordinal));
        Assert.Equal(runs, host.Receiver.On("missed").Count);
        var schedule2 = await host.Client.GetFromJsonAsync<JsonElement>($"/api/v1/schedules/{id}", Ct);
        Assert.True(schedule2.GetProperty("nextRunAt").GetDateTime() > DateTime.UtcNow);
    }

    [Fact]
    public async Task TwoNodes_OnePostgreSql_FiveHundredDueExecutions_NoneDuplicatedBothNodesWork()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var database = await PostgreSqlTestDatabase.CreateAsync();
        Dictionary<string, string?> Node(string name)
        {
            var settings = EngineHost.FastSettings();
            settings["Execution:NodeName"] = name;
            settings["Execution:WorkerCount"] = "10";
            // Jobs of 16: more jobs than one node's workers, so a burst one node claims whole is shared by both (with the
            // default jobs of 100 the claiming node's own workers may take all five: decision 0047).
            settings["Execution:RunsPerJob"] = "16";
            return settings;
        }
        await using var nodeA = new AppFactory(database, Node("node-a"), ownsDatabase: false);
        nodeA.StartServer();
        await using var nodeB = new AppFactory(database, Node("node-b"), ownsDatabase: false);
        nodeB.StartServer();
        var client = await Session.RegisterAsync(nodeA, "nodes@example.com");
        var workspaceId = (await client.GetFromJsonAsync<JsonElement>("/api/v1/me", Ct)).GetProperty("currentWorkspaceId").GetGuid();

        // 500 one-time schedules due in the same second, written straight to the shared database.
        await using (var db = Open(database))
        {
            await BurstSchedules.AddAsync(db, workspaceId, 500, receiver.Url("burst"));
        }

        try
        {
            await Eventually.GetAsync(async () =>
            {
                await using var db = Open(database);
                return await db.Executions.IgnoreQueryFilters().AsNoTracking().Where(e => e.Status == ExecutionStatus.Completed).CountAsync(Ct);
            }, count => count >= 500, TimeSpan.FromSeconds(150), "500 completed executions");
        }
        catch (TimeoutException)
        {
            // Say where the stragglers are: status, reason, error.
            await using var db = Open(database);
            var stuck = await db.Executions.IgnoreQueryFilters().AsNoTracking().Where(e => e.Status != ExecutionStatus.Completed)
                .Select(e => new { e.Status, e.Reason, e.Error, e.HangfireJobId }).Take(20).ToListAsync(Ct);
            var pending = await db.Schedules.IgnoreQueryFilters().CountAsync(s => s.Status == ScheduleStatus.Active, Ct);
            Assert.Fail($"Not all completed; {pending} schedule(s) unclaimed; e.g. {string.Join(" | ", stuck)}");
        }

        await using var check = Open(database);
        Assert.Equal(500, await check.Executions.IgnoreQueryFilters().CountAsync(Ct));
        Assert.Equal(500, await check.Executions.IgnoreQueryFilters().Select(e => e.ScheduleId).Distinct().CountAsync(Ct));
        var deliveries = receiver.On("burst");
        Assert.Equal(500, deliveries.Select(d => d.IdempotencyKey).Distinct().Count());
        if (deliveries.Count != 500)
        {
            // Say why a run was delivered twice: its attempts and what each recorded.
            var twice = deliveries.GroupBy(d => d.IdempotencyKey).Where(g => g.Count() > 1).Select(g => Guid.Parse(g.Key!)).Take(5).ToList();
            var attempts = await check.ExecutionAttempts.IgnoreQueryFilters().AsNoTracking().Where(a => twice.Contains(a.ExecutionId))
                .Select(a => new { a.ExecutionId, a.Number, a.Status, a.Error, a.StartedAt }).ToListAsync(Ct);
            Assert.Fail($"{deliveries.Count} deliveries for 500 runs; e.g. {string.Join(" | ", attempts)} / nodes {string.Join(", ", deliveries.Where(d => twice.Contains(Guid.Parse(d.IdempotencyKey!))).Select(d => d.Node))}");
        }
        var byNode = deliveries.GroupBy(d => d.Node).ToDictionary(g => g.Key ?? "?", g => g.Count());
        Assert.True(byNode.ContainsKey("node-a") && byNode.ContainsKey("node-b"), $"both nodes should work: {string.Join(", ", byNode)}");
        Assert.Equal(0, await check.Schedules.IgnoreQueryFilters().CountAsync(s => s.Status == ScheduleStatus.Active, Ct));
    }
}

/// <summary>Tests that start several app hosts and load them: run alone, after the parallel tests.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class HeavyTests
{
    public const string Name = "Heavy (runs alone)";
}
