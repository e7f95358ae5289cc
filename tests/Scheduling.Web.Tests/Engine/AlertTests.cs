using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Scheduling.Web.Data;
using Scheduling.Web.Features.Executions;
using Scheduling.Web.Features.Workspaces;
using Microsoft.Extensions.DependencyInjection;
using Scheduling.Web.Tests.Infrastructure;

namespace Scheduling.Web.Tests.Engine;

public class AlertTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ConsecutiveFailures_RaiseOneAlert_ThatStaysDismissed()
    {
        await using var host = await EngineHost.StartAsync(extra: new()
        {
            ["Execution:AlertFailureThreshold"] = "2",
            ["Execution:AlertEvaluationInterval"] = "00:00:00.500",
        });
        host.Receiver.Respond("broken", [400]);
        var created = await host.Client.PostAsJsonAsync("/api/v1/schedules", new
        {
            name = "Broken",
            jobType = "export",
            timezone = "UTC",
            recurrence = new { rrule = "FREQ=DAILY;BYHOUR=6;BYMINUTE=0", start = "2030-01-01T00:00" },
            maxRuns = 100,
            webhookUrl = host.Receiver.Url("broken"),
        }, Ct);
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("id").GetGuid();
        for (var i = 0; i < 2; i++)
        {
            (await host.Client.PostAsJsonAsync($"/api/v1/schedules/{id}/run", new { }, Ct)).EnsureSuccessStatusCode();
            await Eventually.GetAsync(() => host.ExecutionsOfAsync(id), list => list.EnumerateArray().Count(e => e.GetProperty("status").GetString() == "failed") == i + 1, TimeSpan.FromSeconds(60));
        }

        var alerts = await Eventually.GetAsync(() => host.Client.GetFromJsonAsync<JsonElement[]>($"/api/v1/alerts?scheduleId={id}", Ct)!,
            list => list!.Any(a => a.GetProperty("kind").GetString() == "consecutive_failures"), TimeSpan.FromSeconds(30), "a failure alert");
        var alert = Assert.Single(alerts!, a => a.GetProperty("kind").GetString() == "consecutive_failures");
        Assert.Contains("2 runs in a row failed", alert.GetProperty("message").GetString(), StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.NoContent, (await host.Client.PostAsync($"/api/v1/alerts/{alert.GetProperty("id").GetGuid()}/dismiss", null, Ct)).StatusCode);
        // The same cause does not raise it again: an evaluation after the dismissal (what the periodic loop runs) adds nothing.
        using (var scope = host.App.Services.CreateScope())
        {
            Assert.Equal(0, await scope.ServiceProvider.GetRequiredService<Scheduling.Web.Features.Alerts.AlertEvaluator>().EvaluateAsync(Ct));
        }
        Assert.DoesNotContain(await host.Client.GetFromJsonAsync<JsonElement[]>($"/api/v1/alerts?scheduleId={id}", Ct) ?? [], a => a.GetProperty("kind").GetString() == "consecutive_failures");
        Assert.Equal(HttpStatusCode.NotFound, (await host.Client.PostAsync($"/api/v1/alerts/{Guid.NewGuid()}/dismiss", null, Ct)).StatusCode);
    }

    [Fact]
    public async Task OverdueAndApproachingMaxRuns_AreRaised()
    {
        await using var host = await EngineHost.StartAsync(extra: new()
        {
            ["Execution:AlertEvaluationInterval"] = "00:00:00.500",
            // This node does not dispatch: due schedules stay due, as when the dispatcher is down.
            ["Execution:RunDispatcher"] = "false",
        });
        var created = await host.Client.PostAsJsonAsync("/api/v1/schedules", new
        {
            name = "Nearly done",
            jobType = "export",
            timezone = "UTC",
            recurrence = new { rrule = "FREQ=DAILY;BYHOUR=6;BYMINUTE=0", start = "2030-01-01T00:00" },
            maxRuns = 5,
        }, Ct);
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("id").GetGuid();
        await using (var db = new SqliteAppDbContext(DesignTime.Options(DatabaseProvider.Sqlite, host.App.Database.ConnectionString), new WorkspaceContext()))
        {
            var schedule = await db.Schedules.IgnoreQueryFilters().FirstAsync(s => s.Id == id, Ct);
            schedule.RunCount = 3;
            schedule.NextRunAt = DateTime.UtcNow.AddHours(-2);
            await db.SaveChangesAsync(Ct);
        }

        // Alerts are evaluated where the dispatcher runs: this host runs none, so start the evaluation by hand.
        using (var scope = host.App.Services.CreateScope())
        {
            await Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions
                .GetRequiredService<Scheduling.Web.Features.Alerts.AlertEvaluator>(scope.ServiceProvider).EvaluateAsync(Ct);
        }
        var kinds = (await host.Client.GetFromJsonAsync<JsonElement[]>($"/api/v1/alerts?scheduleId={id}", Ct))!.Select(a => a.GetProperty("kind").GetString()).Order().ToList();

        Assert.Equal(["approaching_max_runs", "overdue"], kinds);
    }

    [Fact]
    public async Task RunningTooLong_IsMeasuredFromTheCurrentAttempt_NotFromTheFirstOne()
    {
        // No Hangfire server: its recovery sweep would take the seeded running run (no job carries it) for one
        // interrupted by a dead node and put it back to pending between the two evaluations (it did on a loaded machine).
        await using var host = await EngineHost.StartAsync(extra: new() { ["Execution:RunDispatcher"] = "false", ["Execution:RunServer"] = "false" });
        var created = await host.Client.PostAsJsonAsync("/api/v1/schedules", new
        {
            name = "Retried after a long backoff",
            jobType = "export",
            timezone = "UTC",
            recurrence = new { rrule = "FREQ=DAILY;BYHOUR=6;BYMINUTE=0", start = "2030-01-01T00:00" },
        }, Ct);
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("id").GetGuid();
        var now = DateTime.UtcNow;
        Guid retried;
        await using (var db = new SqliteAppDbContext(DesignTime.Options(DatabaseProvider.Sqlite, host.App.Database.ConnectionString), new WorkspaceContext()))
        {
            var schedule = await db.Schedules.IgnoreQueryFilters().FirstAsync(s => s.Id == id, Ct);
            Execution Run(string key, ExecutionStatus status) => new()
            {
                Id = Guid.CreateVersion7(), WorkspaceId = schedule.WorkspaceId, ScheduleId = id, OccurrenceKey = key,
                ScheduledFor = now.AddHours(-1), Status = status, CreatedAt = now.AddHours(-1), Attempts = 1,
            };
            // Runs of this schedule take a third of a second.
            var done = Run("planned:done", ExecutionStatus.Completed);
            done.StartedAt = now.AddHours(-1);
            done.CompletedAt = done.StartedAt.Value.AddMilliseconds(300);
            done.DurationMs = 300;
            // First attempt ten minutes ago, failed; the retry started two seconds ago.
            var run = Run("planned:retried", ExecutionStatus.Running);
            run.Attempts = 2;
            run.StartedAt = now.AddMinutes(-10);
            run.AttemptStartedAt = now.AddSeconds(-2);
            retried = run.Id;
            db.Executions.AddRange(done, run);
            await db.SaveChangesAsync(Ct);
        }

        Assert.DoesNotContain("running_too_long", await EvaluateAsync(host, id));

        // The same attempt, still going a minute later: now it is too long.
        await using (var db = new SqliteAppDbContext(DesignTime.Options(DatabaseProvider.Sqlite, host.App.Database.ConnectionString), new WorkspaceContext()))
        {
            var run = await db.Executions.IgnoreQueryFilters().FirstAsync(e => e.Id == retried, Ct);
            run.AttemptStartedAt = now.AddMinutes(-1);
            await db.SaveChangesAsync(Ct);
        }
        Assert.Contains("running_too_long", await EvaluateAsync(host, id));
    }

    private static async Task<List<string?>> EvaluateAsync(EngineHost host, Guid scheduleId)
    {
        using (var scope = host.App.Services.CreateScope())
        {
            await Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions
                .GetRequiredService<Scheduling.Web.Features.Alerts.AlertEvaluator>(scope.ServiceProvider).EvaluateAsync(Ct);
        }
        return [.. (await host.Client.GetFromJsonAsync<JsonElement[]>($"/api/v1/alerts?scheduleId={scheduleId}", Ct))!.Select(a => a.GetProperty("kind").GetString())];
    }
}
