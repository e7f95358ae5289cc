using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Scheduling.Web.Data;
using Scheduling.Web.Engine;
using Scheduling.Web.Tests.Infrastructure;

namespace Scheduling.Web.Tests.Engine;

/// <summary>Due schedules reach a real loopback integration: signed, idempotent, retried, timed out, refused.</summary>
public class WebhookDeliveryTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task DueOnceSchedule_DeliversSignedEnvelopeWithIdempotencyKey_AndCompletes()
    {
        await using var host = await EngineHost.StartAsync();
        var scheduleId = await host.CreateOnceAsync("render", new { priority = "urgent", titleTemplate = "Render {date}" });

        var details = await host.WaitForExecutionAsync(scheduleId, "completed");

        var execution = details.GetProperty("execution");
        var received = Assert.Single(host.Receiver.On("render"));
        Assert.Equal(execution.GetProperty("id").GetGuid().ToString(), received.IdempotencyKey);
        var expected = "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(host.Secret), Encoding.UTF8.GetBytes(received.Body)));
        Assert.Equal(expected, received.Signature);
        Assert.Equal("execution", received.Event);
        var envelope = received.Json;
        Assert.Equal(scheduleId, envelope.GetProperty("scheduleId").GetGuid());
        Assert.Equal("export", envelope.GetProperty("jobType").GetString());
        Assert.Equal("mp4", envelope.GetProperty("jobConfig").GetProperty("format").GetString());
        Assert.Equal(1, envelope.GetProperty("attempt").GetInt32());
        Assert.False(envelope.GetProperty("isManual").GetBoolean());
        Assert.StartsWith("Render 20", envelope.GetProperty("title").GetString(), StringComparison.Ordinal);
        Assert.EndsWith("Z", envelope.GetProperty("scheduledFor").GetString(), StringComparison.Ordinal);
        Assert.Equal(200, execution.GetProperty("result").GetProperty("status").GetInt32());
        Assert.Single(details.GetProperty("attempts").EnumerateArray());

        var schedule = await host.Client.GetFromJsonAsync<JsonElement>($"/api/v1/schedules/{scheduleId}", Ct);
        Assert.Equal("completed", schedule.GetProperty("status").GetString());
        Assert.Equal(1, schedule.GetProperty("runCount").GetInt32());
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task ResponseWithNul_IsKeptReadable_AndTheRunCompletes(DatabaseProvider provider)
    {
        // PostgreSQL cannot store NUL in text: kept as is, it would fail the ledger's commit of every run in the batch.
        await using var host = await EngineHost.StartAsync(provider);
        host.Receiver.RespondWithText("odd", 200, "done\0with a NUL");
        var scheduleId = await host.CreateOnceAsync("odd");

        var details = await host.WaitForExecutionAsync(scheduleId, "completed", "failed");

        Assert.Equal("completed", details.GetProperty("execution").GetProperty("status").GetString());
        var attempt = Assert.Single(details.GetProperty("attempts").EnumerateArray());
        Assert.Equal("done\uFFFDwith a NUL", attempt.GetProperty("response").GetString());
    }

    [Fact]
    public async Task ServerErrors_AreRetriedPerPolicy_EachAttemptRecorded()
    {
        await using var host = await EngineHost.StartAsync();
        host.Receiver.Respond("flaky", [500, 503, 200]);
        var scheduleId = await host.CreateOnceAsync("flaky", new { retry = new { maxAttempts = 3, strategy = "fixed", baseDelaySeconds = 1, maxDelaySeconds = 1 } });

        var details = await host.WaitForExecutionAsync(scheduleId, "completed", "failed");

        Assert.Equal("completed", details.GetProperty("execution").GetProperty("status").GetString());
        Assert.Equal(3, details.GetProperty("execution").GetProperty("attempts").GetInt32());
        var attempts = details.GetProperty("attempts").EnumerateArray().ToList();
        Assert.Equal([500, 503, 200], attempts.Select(a => a.GetProperty("responseStatus").GetInt32()));
        Assert.Equal([1, 2, 3], host.Receiver.On("flaky").Select(r => r.Json.GetProperty("attempt").GetInt32()));
        // Every attempt carries the same idempotency key.
        Assert.Single(host.Receiver.On("flaky").Select(r => r.IdempotencyKey).Distinct());
    }

    [Theory]
    [InlineData(400, 1, "failed")]
    [InlineData(429, 2, "completed")]
    [InlineData(408, 2, "completed")]
    public async Task ClientErrors_FailAtOnceExcept408And429(int first, int expectedAttempts, string expectedStatus)
    {
        await using var host = await EngineHost.StartAsync();
        host.Receiver.Respond("client", [first, 200]);
        var scheduleId = await host.CreateOnceAsync("client", new { retry = new { maxAttempts = 3, strategy = "fixed", baseDelaySeconds = 1, maxDelaySeconds = 1 } });

        var details = await host.WaitForExecutionAsync(scheduleId, "completed", "failed");

        Assert.Equal(expectedStatus, details.GetProperty("execution").GetProperty("status").GetString());
        Assert.Equal(expectedAttempts, host.Receiver.On("client").Count);
    }

    [Fact]
    public async Task Accepted202_StaysRunningUntilTheIntegrationCallsBack()
    {
        await using var host = await EngineHost.StartAsync();
        host.Receiver.Respond("async", [202]);
        var scheduleId = await host.CreateOnceAsync("async");

        // Running starts before the POST; awaiting the callback starts when the 202 comes back.
        var started = await host.WaitForExecutionAsync(scheduleId, "running");
        var id = started.GetProperty("execution").GetProperty("id").GetGuid();
        await Eventually.GetAsync(() => host.Client.GetFromJsonAsync<JsonElement>($"/api/v1/executions/{id}", Ct),
            d => d.GetProperty("execution").GetProperty("awaitingCallback").GetBoolean(), what: "the 202 to be recorded");
        // Nothing but the callback ends it: a job replayed for it finds it running (never restarted), and its timeout
        // check before the deadline leaves it alone.
        Assert.IsType<StartDecision.Lost>(await host.App.Services.GetRequiredService<ExecutionLedger>().StartAsync(new StartRequest(id, JobId: null), Ct));
        using (var scope = host.App.Services.CreateScope())
        {
            await scope.ServiceProvider.GetRequiredService<ExecutionRunner>().CallbackTimeoutAsync(id);
        }
        Assert.Equal("running", (await host.Client.GetFromJsonAsync<JsonElement>($"/api/v1/executions/{id}", Ct)).GetProperty("execution").GetProperty("status").GetString());

        var done = await host.Client.PostAsJsonAsync($"/api/v1/executions/{id}/complete", new { result = new { videoUrl = "https://cdn.example.com/v.mp4" } }, Ct);

        Assert.Equal(HttpStatusCode.OK, done.StatusCode);
        var completed = await host.Client.GetFromJsonAsync<JsonElement>($"/api/v1/executions/{id}", Ct);
        Assert.Equal("completed", completed.GetProperty("execution").GetProperty("status").GetString());
        Assert.Equal("https://cdn.example.com/v.mp4", completed.GetProperty("execution").GetProperty("result").GetProperty("callback").GetProperty("videoUrl").GetString());
        Assert.Equal(HttpStatusCode.Conflict, (await host.Client.PostAsJsonAsync($"/api/v1/executions/{id}/complete", new { }, Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await host.Client.PostAsJsonAsync($"/api/v1/executions/{id}/fail", new { }, Ct)).StatusCode);
    }

    [Fact]
    public async Task Accepted202_WithoutCallback_FailsAtItsTimeout()
    {
        await using var host = await EngineHost.StartAsync();
        host.Receiver.Respond("silent", [202]);
        var scheduleId = await host.CreateOnceAsync("silent", new { timeoutSeconds = 1 });

        var failed = await host.WaitForExecutionAsync(scheduleId, "failed");

        Assert.Contains("No callback within the timeout", failed.GetProperty("execution").GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task SlowIntegration_TimesOutTheAttempt()
    {
        await using var host = await EngineHost.StartAsync();
        host.Receiver.Respond("slow", [200], delay: TimeSpan.FromSeconds(5));
        var scheduleId = await host.CreateOnceAsync("slow", new { timeoutSeconds = 1 });

        var failed = await host.WaitForExecutionAsync(scheduleId, "failed");

        Assert.Contains("Timed out after 1 s", failed.GetProperty("execution").GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task LoopbackTarget_StoredBeforeThePolicy_IsRefusedAtConnect()
    {
        await using var host = await EngineHost.StartAsync(allowPrivate: false);
        // Saving a loopback URL is refused now (WebhookTargetsApiTests); one stored earlier (the option was on, or a
        // host name that resolved elsewhere then) is still refused on the address actually connected.
        var scheduleId = await host.CreateOnceAsync("private", new
        {
            webhookUrl = "https://hooks.example.com/private",
            retry = new { maxAttempts = 3, strategy = "fixed", baseDelaySeconds = 1, maxDelaySeconds = 1 },
        }, inSeconds: 2);
        await using (var db = await host.App.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync(Ct))
        {
            await db.Schedules.IgnoreQueryFilters().Where(s => s.Id == scheduleId)
                .ExecuteUpdateAsync(s => s.SetProperty(x => x.WebhookUrl, host.Receiver.Url("private")), Ct);
        }

        var failed = await host.WaitForExecutionAsync(scheduleId, "failed");

        Assert.Contains("Refused", failed.GetProperty("execution").GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal(1, failed.GetProperty("execution").GetProperty("attempts").GetInt32());
        Assert.Empty(host.Receiver.Received);
    }

    [Fact]
    public async Task RunNow_IsManualAndLeavesTheNextPlannedRun()
    {
        await using var host = await EngineHost.StartAsync();
        var created = await host.Client.PostAsJsonAsync("/api/v1/schedules", new
        {
            name = "Daily",
            jobType = "publish",
            timezone = "UTC",
            recurrence = new { rrule = "FREQ=DAILY;BYHOUR=6;BYMINUTE=0", start = "2030-01-01T00:00" },
            webhookUrl = host.Receiver.Url("manual"),
        }, Ct);
        var schedule = await created.Content.ReadFromJsonAsync<JsonElement>(Ct);
        var id = schedule.GetProperty("id").GetGuid();

        var run = await host.Client.PostAsJsonAsync($"/api/v1/schedules/{id}/run", new { countTowardMaxRuns = false }, Ct);

        Assert.Equal(HttpStatusCode.Accepted, run.StatusCode);
        var details = await host.WaitForExecutionAsync(id, "completed");
        Assert.True(details.GetProperty("execution").GetProperty("isManual").GetBoolean());
        Assert.True(Assert.Single(host.Receiver.On("manual")).Json.GetProperty("isManual").GetBoolean());
        var after = await host.Client.GetFromJsonAsync<JsonElement>($"/api/v1/schedules/{id}", Ct);
        Assert.Equal(schedule.GetProperty("nextRunAt").GetString(), after.GetProperty("nextRunAt").GetString());
        Assert.Equal(0, after.GetProperty("runCount").GetInt32());
    }

    [Fact]
    public async Task Newsletter_RunsScrapeGenerateSendInOrder_AndTestModeSkipsSend()
    {
        await using var host = await EngineHost.StartAsync();
        var live = await host.CreateOnceAsync("newsletter", jobType: "newsletter");
        var test = await host.CreateOnceAsync("newsletter-test", new { jobConfig = new { testMode = true } }, jobType: "newsletter");

        var liveDetails = await host.WaitForExecutionAsync(live, "completed");
        var testDetails = await host.WaitForExecutionAsync(test, "completed");

        Assert.Equal(["scrape", "generate", "send"], host.Receiver.On("newsletter").Select(r => r.Json.GetProperty("action").GetString()));
        Assert.Equal(["scrape", "generate"], host.Receiver.On("newsletter-test").Select(r => r.Json.GetProperty("action").GetString()));
        var actions = testDetails.GetProperty("execution").GetProperty("result").GetProperty("actions");
        Assert.True(actions.GetProperty("send").GetProperty("skipped").GetBoolean());
        Assert.Equal(3, liveDetails.GetProperty("attempts").GetArrayLength());
    }

    [Fact]
    public async Task Newsletter_FailedAction_StopsTheChain()
    {
        await using var host = await EngineHost.StartAsync();
        host.Receiver.Respond("broken-newsletter", [200, 400]);
        var id = await host.CreateOnceAsync("broken-newsletter", jobType: "newsletter");

        var failed = await host.WaitForExecutionAsync(id, "failed");

        Assert.Equal(["scrape", "generate"], host.Receiver.On("broken-newsletter").Select(r => r.Json.GetProperty("action").GetString()));
        Assert.Contains("generate", failed.GetProperty("execution").GetProperty("error").GetString(), StringComparison.Ordinal);
    }
}
