using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Scheduling.Web.Features.Alerts;
using Scheduling.Web.Tests.Infrastructure;

namespace Scheduling.Web.Tests.Engine;

/// <summary>
/// A run going on much longer than its schedule's runs usually take raises one "running too long" alert,
/// once it has been going for more than 10 s. It is the same whether the integration holds the request open
/// (a worker waits on it) or answered 202 and has not called back yet (the run stays running, no worker held).
/// </summary>
public class RunningTooLongAlertTests
{
    private const string Kind = "running_too_long";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("held")]
    [InlineData("accepted")]
    public async Task ARunGoingPastTwiceItsAverage_RaisesOneAlert_ThatIsNotRaisedAgain(string mode)
    {
        await using var host = await EngineHost.StartAsync(extra: new() { ["Execution:AlertEvaluationInterval"] = "00:00:00.500" });
        await using var receiver = await HoldingWebhookReceiver.StartAsync();
        // The first run answers in about 0.3 s: the schedule's average; the second is answered later (held) or with 202.
        receiver.Respond("slow", TimeSpan.FromMilliseconds(300), mode == "accepted" ? [200, 202] : [200]);
        var created = await host.Client.PostAsJsonAsync("/api/v1/schedules", new
        {
            name = "Usually quick",
            jobType = "export",
            timezone = "UTC",
            recurrence = new { rrule = "FREQ=DAILY;BYHOUR=6;BYMINUTE=0", start = "2030-01-01T00:00" },
            webhookUrl = receiver.Url("slow"),
        }, Ct);
        var scheduleId = (await created.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("id").GetGuid();

        var quick = await host.RunNowAsync(scheduleId);
        var quickView = await host.WaitForAsync(quick, e => Status(e) == "completed", "the quick run");
        Assert.True(quickView.GetProperty("durationMs").GetInt64() is > 0 and < 5000, quickView.ToString());

        if (mode == "held")
        {
            receiver.Pause("slow");
        }
        var slow = await host.RunNowAsync(scheduleId);
        var running = await host.WaitForAsync(slow, e => Status(e) == "running" && (mode == "held" || e.GetProperty("awaitingCallback").GetBoolean()),
            "the slow run to be going");
        Assert.Equal(mode == "accepted", running.GetProperty("awaitingCallback").GetBoolean());
        var startedAt = running.GetProperty("startedAt").GetDateTime();

        var alerts = await Eventually.GetAsync(() => AlertsAsync(host, scheduleId), list => list.Any(a => a.GetProperty("kind").GetString() == Kind),
            TimeSpan.FromSeconds(25), "a running-too-long alert");
        var alert = Assert.Single(alerts);
        Assert.Equal(Kind, alert.GetProperty("kind").GetString());
        Assert.Contains("longer than expected", alert.GetProperty("message").GetString(), StringComparison.Ordinal);
        // Raised only past the 10 s floor (twice the average alone is well under a second).
        var after = alert.GetProperty("createdAt").GetDateTime() - startedAt;
        Assert.True(after > TimeSpan.FromSeconds(10), $"raised {after.TotalSeconds:0.0} s after the run started");
        // About a run still going.
        Assert.Equal("running", Status(await host.ExecutionAsync(slow)));

        // The run goes on; evaluating again (as every node does each interval) raises nothing new.
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(0, await EvaluateAsync(host));
        }
        var again = Assert.Single(await AlertsAsync(host, scheduleId));
        Assert.Equal(alert.GetProperty("id").GetGuid(), again.GetProperty("id").GetGuid());

        // Dismissed while the run is still going too long: it does not come back for the same run.
        Assert.Equal(HttpStatusCode.NoContent, (await host.Client.PostAsync($"/api/v1/alerts/{alert.GetProperty("id").GetGuid()}/dismiss", null, Ct)).StatusCode);
        Assert.Equal(0, await EvaluateAsync(host));
        Assert.Empty(await AlertsAsync(host, scheduleId));
        Assert.Equal("running", Status(await host.ExecutionAsync(slow)));

        // The run ends normally.
        if (mode == "held")
        {
            receiver.Resume("slow");
        }
        else
        {
            (await host.Client.PostAsJsonAsync($"/api/v1/executions/{slow}/complete", new { result = new { done = true } }, Ct)).EnsureSuccessStatusCode();
        }
        await host.WaitForAsync(slow, e => Status(e) == "completed", "the slow run to complete");
        Assert.Equal(0, await EvaluateAsync(host));
        Assert.Empty(await AlertsAsync(host, scheduleId));
        Assert.Equal(2, receiver.On("slow").Count);
    }

    private static async Task<JsonElement[]> AlertsAsync(EngineHost host, Guid scheduleId) =>
        await host.Client.GetFromJsonAsync<JsonElement[]>($"/api/v1/alerts?scheduleId={scheduleId}", Ct) ?? [];

    /// <summary>One evaluation pass, as the periodic service runs it; returns how many alerts it raised.</summary>
    private static async Task<int> EvaluateAsync(EngineHost host)
    {
        using var scope = host.App.Services.CreateScope();
        return await scope.ServiceProvider.GetRequiredService<AlertEvaluator>().EvaluateAsync(Ct);
    }

    private static string? Status(JsonElement execution) => execution.GetProperty("status").GetString();
}
