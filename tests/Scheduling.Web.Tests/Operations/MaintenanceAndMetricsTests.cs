using System.Net;
using System.Net.Http.Headers;
using Hangfire;
using Hangfire.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Scheduling.Web.Data;
using Scheduling.Web.Engine;
using Scheduling.Web.Features.Executions;
using Scheduling.Web.Tests.Engine;
using Scheduling.Web.Tests.Infrastructure;

namespace Scheduling.Web.Tests.Operations;

/// <summary>What an administrator reads of the engine: named jobs and recurring upkeep in Hangfire, retention, and /metrics.</summary>
public class MaintenanceAndMetricsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Upkeep_IsRegisteredAsRecurringJobsWithTheirCron_AndShownByNameInTheDashboard()
    {
        await using var host = await EngineHost.StartAsync(extra: new() { ["Execution:AlertEvaluationInterval"] = "00:00:30", ["Execution:RecoveryInterval"] = "00:02:00" });
        var storage = host.App.Services.GetRequiredService<JobStorage>();

        List<RecurringJobDto> jobs = [];
        for (var i = 0; i < 50 && jobs.Count < 3; i++)
        {
            using var connection = storage.GetConnection();
            jobs = connection.GetRecurringJobs();
            await Task.Delay(100, Ct);
        }

        var crons = jobs.ToDictionary(j => j.Id, j => j.Cron);
        Assert.Equal("0 */2 * * * *", crons[MaintenanceJobs.RecoveryId]);
        Assert.Equal("*/30 * * * * *", crons[MaintenanceJobs.AlertsId]);
        Assert.Equal("30 3 * * *", crons[MaintenanceJobs.RetentionId]);
        Assert.All(jobs, j => Assert.Equal(ExecutionOptions.MaintenanceQueue, j.Job?.Queue ?? j.Queue));

        var page = WebUtility.HtmlDecode(await host.Client.GetStringAsync("/hangfire/recurring", Ct));
        Assert.Contains("Recovery sweep: re-enqueue runs no live job carries", page, StringComparison.Ordinal);
        Assert.Contains("History retention: prune old runs and attempts", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunJobs_AreNamedAfterTheirScheduleAndOccurrenceInTheDashboard()
    {
        await using var host = await EngineHost.StartAsync();
        var scheduleId = await host.CreateOnceAsync("named");
        var run = (await host.WaitForExecutionAsync(scheduleId, "completed")).GetProperty("execution");
        var executionId = run.GetProperty("id").GetGuid();
        var scheduledFor = run.GetProperty("scheduledFor").GetDateTime().ToUniversalTime();
        // A job that waits in Hangfire (as a retry would), so that it is listed among the scheduled jobs.
        host.App.Services.GetRequiredService<ExecutionQueue>().Schedule(executionId, Core.Scheduling.SchedulePriority.Normal, TimeSpan.FromHours(1));
        // And a batch of runs due together (decision 0033), named by its first run.
        var other = Guid.CreateVersion7();
        host.App.Services.GetRequiredService<Hangfire.IBackgroundJobClient>().Create(
            Hangfire.Common.Job.FromExpression<ExecutionRunner>(runner => runner.RunBatchAsync(new[] { executionId, other, Guid.CreateVersion7() }, null, CancellationToken.None)),
            new Hangfire.States.ScheduledState(TimeSpan.FromHours(1)));

        var page = WebUtility.HtmlDecode(await host.Client.GetStringAsync("/hangfire/jobs/scheduled", Ct));

        Assert.Contains($"Run \"Run named\" for {scheduledFor:yyyy-MM-dd HH:mm:ss} UTC (execution {executionId})", page, StringComparison.Ordinal);
        Assert.Contains($"Run 3 runs due together: \"Run named\" for {scheduledFor:yyyy-MM-dd HH:mm:ss} UTC and 2 more (executions {executionId} …)", page, StringComparison.Ordinal);
        Assert.DoesNotContain("RunBatchAsync", page, StringComparison.Ordinal);
        Assert.DoesNotContain("ExecutionRunner.RunAsync", page, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task Retention_PrunesFinishedRunsOlderThanTheSetting_WithTheirAttempts_AndKeepsTheRest(DatabaseProvider provider)
    {
        Assert.SkipWhen(provider == DatabaseProvider.PostgreSql && string.IsNullOrEmpty(Environment.GetEnvironmentVariable(PostgreSqlTestDatabase.EnvironmentVariable)),
            $"PostgreSQL: set {PostgreSqlTestDatabase.EnvironmentVariable} to run this case.");
        await using var host = await EngineHost.StartAsync(provider, extra: new() { ["Execution:HistoryRetention"] = "90.00:00:00", ["Execution:RecoveryInterval"] = "01:00:00" });
        var scheduleId = await host.CreateOnceAsync("retention", inSeconds: 3600);
        var now = DateTime.UtcNow;
        var old = new List<Execution>();
        foreach (var (days, status) in new[] { (200, ExecutionStatus.Completed), (120, ExecutionStatus.Failed), (95, ExecutionStatus.Skipped) })
        {
            old.Add(await host.RecordRunAsync(scheduleId, now.AddDays(-days), status));
        }
        var recent = await host.RecordRunAsync(scheduleId, now.AddDays(-30), ExecutionStatus.Completed);
        var stillPending = await host.RecordRunAsync(scheduleId, now.AddDays(-150), ExecutionStatus.Pending);
        var factory = host.App.Services.GetRequiredService<IDbContextFactory<AppDbContext>>();
        await using (var db = await factory.CreateDbContextAsync(Ct))
        {
            db.ExecutionAttempts.Add(new ExecutionAttempt { Id = Guid.CreateVersion7(), WorkspaceId = old[0].WorkspaceId, ExecutionId = old[0].Id, Number = 1, StartedAt = old[0].ScheduledFor, Status = ExecutionStatus.Completed });
            db.ExecutionAttempts.Add(new ExecutionAttempt { Id = Guid.CreateVersion7(), WorkspaceId = recent.WorkspaceId, ExecutionId = recent.Id, Number = 1, StartedAt = recent.ScheduledFor, Status = ExecutionStatus.Completed });
            await db.SaveChangesAsync(Ct);
        }

        using var scope = host.App.Services.CreateScope();
        var pruned = await scope.ServiceProvider.GetRequiredService<HistoryRetention>().PruneAsync(Ct);

        await using var check = await factory.CreateDbContextAsync(Ct);
        var left = await check.Executions.IgnoreQueryFilters().Where(e => e.ScheduleId == scheduleId).Select(e => e.Id).ToListAsync(Ct);
        var attemptsLeft = await check.ExecutionAttempts.IgnoreQueryFilters().Select(a => a.ExecutionId).ToListAsync(Ct);
        Assert.Equal(3, pruned);
        Assert.Contains(recent.Id, left);
        Assert.Contains(stillPending.Id, left);
        Assert.DoesNotContain(left, id => old.Any(o => o.Id == id));
        Assert.Equal([recent.Id], attemptsLeft);
    }

    [Fact]
    public async Task Metrics_CountRunsByStatusAndJobType_ForAdministratorsOrTheScrapeToken()
    {
        const string token = "scrape-token-0123456789abcdef";
        await using var host = await EngineHost.StartAsync(extra: new() { ["Metrics:ScrapeToken"] = token });
        var scheduleId = await host.CreateOnceAsync("metered", jobType: "publish");
        await host.WaitForExecutionAsync(scheduleId, "completed");

        // The first account is the instance Administrator.
        var asAdmin = await host.Client.GetAsync("/metrics", Ct);
        var text = await asAdmin.Content.ReadAsStringAsync(Ct);
        var member = await Session.RegisterAsync(host.App, "member@example.com");
        var scraper = host.App.CreateClient();
        scraper.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var wrong = host.App.CreateClient();
        wrong.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "not-the-scrape-token-at-all");

        Assert.Equal(HttpStatusCode.OK, asAdmin.StatusCode);
        Assert.Matches("scheduling_runs_total\\{[^}]*job_type=\"publish\"[^}]*status=\"completed\"[^}]*\\} [1-9]", text);
        Assert.Contains("scheduling_run_start_lag_seconds_bucket{", text, StringComparison.Ordinal);
        Assert.Matches("scheduling_queue_depth\\{[^}]*queue=\"urgent\"", text);
        Assert.Equal(HttpStatusCode.OK, (await scraper.GetAsync("/metrics", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await member.GetAsync("/metrics", Ct)).StatusCode);
        Assert.True((await wrong.GetAsync("/metrics", Ct)).StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden);
        Assert.Equal(HttpStatusCode.Unauthorized, (await host.App.CreateClient().GetAsync("/metrics", Ct)).StatusCode);
    }
}
