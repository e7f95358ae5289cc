using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Scheduling.Web.Features.Executions;
using Scheduling.Web.Tests.Infrastructure;

namespace Scheduling.Web.Tests.Engine;

public class ExecutionApiTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Upcoming_ListsPlannedRunsSoonestFirst_WithFilters()
    {
        await using var host = await EngineHost.StartAsync(extra: new() { ["Execution:RunDispatcher"] = "false" });
        foreach (var (name, rrule, priority) in new[] { ("Hourly", "FREQ=HOURLY;BYMINUTE=30", "high"), ("Daily", "FREQ=DAILY;BYHOUR=6;BYMINUTE=0", "low") })
        {
            (await host.Client.PostAsJsonAsync("/api/v1/schedules", new { name, jobType = "export", timezone = "UTC", priority, recurrence = new { rrule } }, Ct)).EnsureSuccessStatusCode();
        }

        var all = await host.Client.GetFromJsonAsync<JsonElement[]>("/api/v1/schedules/upcoming?hoursAhead=24&limit=100", Ct);
        var high = await host.Client.GetFromJsonAsync<JsonElement[]>("/api/v1/schedules/upcoming?hoursAhead=24&priority=high", Ct);
        var first3 = await host.Client.GetFromJsonAsync<JsonElement[]>("/api/v1/schedules/upcoming?hoursAhead=24&limit=3", Ct);

        // 24 hourly runs and one daily run within a day, soonest first.
        Assert.Equal(25, all!.Length);
        Assert.Equal(all.Select(r => r.GetProperty("scheduledFor").GetDateTime()).Order(), all.Select(r => r.GetProperty("scheduledFor").GetDateTime()));
        Assert.Single(all, r => r.GetProperty("scheduleName").GetString() == "Daily");
        Assert.Equal(24, high!.Length);
        Assert.All(high, r => Assert.Equal("high", r.GetProperty("priority").GetString()));
        Assert.Equal(all.Take(3).Select(r => r.GetProperty("scheduledFor").GetDateTime()), first3!.Select(r => r.GetProperty("scheduledFor").GetDateTime()));
        Assert.Equal(HttpStatusCode.BadRequest, (await host.Client.GetAsync("/api/v1/schedules/upcoming?hoursAhead=0", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await host.Client.GetAsync("/api/v1/schedules/upcoming?priority=asap", Ct)).StatusCode);
    }

    [Fact]
    public async Task Retry_ASkippedRun_DeliversItOnceWithItsOwnId_AndACompletedRunIsAConflict()
    {
        await using var host = await EngineHost.StartAsync();
        var id = await host.CreateOnceAsync("skipped-then-run", inSeconds: 3600);
        var skippedId = (await host.RecordRunAsync(id, DateTime.UtcNow.AddHours(-2), ExecutionStatus.Skipped, "Missed; only the latest missed run is run.")).Id;

        var response = await host.Client.PostAsync($"/api/v1/executions/{skippedId}/retry", null, Ct);
        var view = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, view.ToString());
        Assert.Equal("pending", view.GetProperty("status").GetString());

        var done = await host.WaitForAsync(skippedId, e => e.GetProperty("status").GetString() == "completed", "the skipped run to run");
        Assert.Equal(1, done.GetProperty("attempts").GetInt32());
        var delivery = Assert.Single(host.Receiver.On("skipped-then-run"));
        Assert.Equal(skippedId.ToString(), delivery.IdempotencyKey);
        var conflict = await host.Client.PostAsync($"/api/v1/executions/{skippedId}/retry", null, Ct);
        Assert.Equal(HttpStatusCode.Conflict, conflict.StatusCode);
        Assert.Contains("failed, cancelled or skipped", await conflict.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
    }

    [Fact]
    public async Task StatsListRetry_AfterAFailureAndASuccess_ReportTheHistory()
    {
        await using var host = await EngineHost.StartAsync();
        host.Receiver.Respond("stats", [400, 200]);
        var id = await host.CreateOnceAsync("stats");
        var failed = await host.WaitForExecutionAsync(id, "failed");
        var executionId = failed.GetProperty("execution").GetProperty("id").GetGuid();

        var stats = await host.Client.GetFromJsonAsync<JsonElement>($"/api/v1/schedules/{id}/stats", Ct);
        Assert.Equal(1, stats.GetProperty("failed").GetInt32());
        Assert.Equal(1, stats.GetProperty("failureStreak").GetInt32());
        Assert.Equal(0.0, stats.GetProperty("successRate").GetDouble());

        var failedList = await host.Client.GetFromJsonAsync<JsonElement>("/api/v1/executions?status=failed&jobType=export", Ct);
        Assert.Equal(1, failedList.GetProperty("total").GetInt32());
        Assert.Equal(HttpStatusCode.BadRequest, (await host.Client.GetAsync("/api/v1/executions?status=broken", Ct)).StatusCode);

        var retry = await host.Client.PostAsync($"/api/v1/executions/{executionId}/retry", null, Ct);
        Assert.Equal(HttpStatusCode.OK, retry.StatusCode);
        var completed = await host.WaitForExecutionAsync(id, "completed");
        Assert.Equal(executionId, completed.GetProperty("execution").GetProperty("id").GetGuid());
        Assert.Equal(2, completed.GetProperty("execution").GetProperty("attempts").GetInt32());
        Assert.Equal(HttpStatusCode.Conflict, (await host.Client.PostAsync($"/api/v1/executions/{executionId}/retry", null, Ct)).StatusCode);
        var after = await host.Client.GetFromJsonAsync<JsonElement>($"/api/v1/schedules/{id}/stats", Ct);
        Assert.Equal(100.0, after.GetProperty("successRate").GetDouble());
        Assert.Equal(0, after.GetProperty("failureStreak").GetInt32());
    }

    [Fact]
    public async Task SchedulerStatus_ReportsServersQueuesAndLag()
    {
        await using var host = await EngineHost.StartAsync();
        var id = await host.CreateOnceAsync("status");
        await host.WaitForExecutionAsync(id, "completed");

        var status = await host.Client.GetFromJsonAsync<JsonElement>("/api/v1/scheduler/status", Ct);

        Assert.NotEmpty(status.GetProperty("servers").EnumerateArray());
        Assert.Equal(["urgent", "high", "default", "low"], status.GetProperty("queues").EnumerateArray().Select(q => q.GetProperty("name").GetString()));
        Assert.True(status.GetProperty("startedLastHour").GetInt32() >= 1);
        // The dispatcher runs every 100 ms here: a due run starts well within a couple of seconds.
        Assert.InRange(status.GetProperty("lagP95Seconds").GetDouble(), 0, 5);
        // Instance-wide figures are for instance Administrators only (the first account is one; the second is not).
        var member = await Session.RegisterAsync(host.App, "member@example.com");
        Assert.Equal(HttpStatusCode.Forbidden, (await member.GetAsync("/api/v1/scheduler/status", Ct)).StatusCode);
    }

    [Fact]
    public async Task WebhookSettings_RotateShowsTheSecretOnceAndEndpointsAreValidated()
    {
        await using var host = await EngineHost.StartAsync();

        var settings = await host.Client.GetFromJsonAsync<JsonElement>("/api/v1/workspace/webhooks", Ct);
        Assert.True(settings.GetProperty("hasSecret").GetBoolean());
        Assert.DoesNotContain(host.Secret, settings.GetRawText(), StringComparison.Ordinal);
        var rotated = await (await host.Client.PostAsync("/api/v1/workspace/webhooks/secret", null, Ct)).Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.NotEqual(host.Secret, rotated.GetProperty("secret").GetString());

        var ok = await host.Client.PutAsJsonAsync("/api/v1/workspace/webhooks/endpoints/publish", new { url = host.Receiver.Url("publish-endpoint") }, Ct);
        var bad = await host.Client.PutAsJsonAsync("/api/v1/workspace/webhooks/endpoints/publish", new { url = "not a url" }, Ct);
        var unknown = await host.Client.PutAsJsonAsync("/api/v1/workspace/webhooks/endpoints/dancing", new { url = "https://example.com" }, Ct);

        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);

        // A schedule without its own URL is delivered to the workspace's endpoint, signed with the new secret.
        var created = await host.Client.PostAsJsonAsync("/api/v1/schedules", new
        {
            name = "Publish",
            jobType = "publish",
            scheduledAt = DateTime.UtcNow.AddSeconds(1).ToString("yyyy-MM-dd'T'HH:mm:ss.fff", System.Globalization.CultureInfo.InvariantCulture),
            timezone = "UTC",
        }, Ct);
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("id").GetGuid();
        await host.WaitForExecutionAsync(id, "completed");
        var delivery = Assert.Single(host.Receiver.On("publish-endpoint"));
        Assert.Equal(Scheduling.Web.Engine.WebhookDelivery.Sign(delivery.Body, rotated.GetProperty("secret").GetString()!), delivery.Signature);
    }
}
