using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Scheduling.Web.Tests.Infrastructure;

namespace Scheduling.Web.Tests.Engine;

/// <summary>
/// Execution:WorkspaceConcurrencyLimit is exact: a burst of runs due at the same moment, with more workers free
/// than the limit, never has more of the workspace's requests open at the integration than the limit.
/// </summary>
public class ConcurrencyLimitTests
{
    private const string LimitReason = "Execution:WorkspaceConcurrencyLimit";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task EightRunsDueInTheSameSecond_LimitTwo_NeverMoreThanTwoInFlight_AllDeliveredOnce()
    {
        // Eight workers: every due run can be picked up at once; only the limit holds them back.
        await using var host = await EngineHost.StartAsync(extra: new()
        {
            ["Execution:WorkspaceConcurrencyLimit"] = "2",
            ["Execution:WorkerCount"] = "8",
        });
        await using var receiver = await HoldingWebhookReceiver.StartAsync();
        receiver.Respond("limited", TimeSpan.FromSeconds(1.5));

        // Eight one-time schedules due at the same whole second, a few seconds from now.
        var due = DateTime.UtcNow.AddSeconds(4);
        due = new DateTime(due.Ticks - due.Ticks % TimeSpan.TicksPerSecond, DateTimeKind.Utc);
        var scheduleIds = new List<Guid>();
        for (var i = 0; i < 8; i++)
        {
            var response = await host.Client.PostAsJsonAsync("/api/v1/schedules", new
            {
                name = $"Burst {i}",
                jobType = "export",
                scheduleType = "once",
                scheduledAt = due.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture),
                timezone = "UTC",
                webhookUrl = receiver.Url("limited"),
            }, Ct);
            var text = await response.Content.ReadAsStringAsync(Ct);
            Assert.True(response.IsSuccessStatusCode, text);
            scheduleIds.Add(JsonDocument.Parse(text).RootElement.GetProperty("id").GetGuid());
        }
        Assert.True(DateTime.UtcNow < due, "the schedules were created after their time: the burst was not a burst");

        // Watch the pending runs while the burst drains: the ones held back say why.
        var reasons = new HashSet<string>();
        var executions = await Eventually.GetAsync(async () =>
            {
                var pending = (await host.Client.GetFromJsonAsync<JsonElement>("/api/v1/executions?status=pending&pageSize=100", Ct)).GetProperty("items");
                foreach (var execution in pending.EnumerateArray())
                {
                    if (execution.GetProperty("reason").GetString() is { } reason)
                    {
                        reasons.Add(reason);
                    }
                }
                return (await host.Client.GetFromJsonAsync<JsonElement>("/api/v1/executions?status=completed&pageSize=100", Ct)).GetProperty("items");
            },
            completed => completed.GetArrayLength() == 8, TimeSpan.FromSeconds(45), "all eight runs to complete");

        var requests = receiver.On("limited");
        var timeline = string.Join("\n", requests.OrderBy(r => r.ArrivedSeq).Select(r =>
            $"{r.ExecutionId}: arrived #{r.ArrivedSeq} {r.ReceivedAt:HH:mm:ss.fff}, answered #{r.AnsweredSeq} {r.AnsweredAt:HH:mm:ss.fff}"));
        // The rule itself, counted at the integration: at most two of the workspace's requests open at any moment.
        Assert.True(receiver.MaxInFlight("limited") <= 2, $"{receiver.MaxInFlight("limited")} requests were in flight at once (limit 2):\n{timeline}");
        // And the limit is used, not undershot: two did run side by side.
        Assert.Equal(2, receiver.MaxInFlight("limited"));

        // Every run delivered exactly once: one request per execution, on its first attempt.
        var ids = executions.EnumerateArray().Select(e => e.GetProperty("id").GetGuid()).Order().ToList();
        Assert.Equal(scheduleIds.Order(), executions.EnumerateArray().Select(e => e.GetProperty("scheduleId").GetGuid()).Order());
        Assert.Equal(ids, requests.Select(r => r.ExecutionId).Order());
        Assert.All(requests, r => Assert.Equal(1, r.Attempt));
        Assert.All(executions.EnumerateArray(), e => Assert.Equal(1, e.GetProperty("attempts").GetInt32()));

        // Six of them had to wait, and while waiting they said it was the workspace's concurrency limit.
        Assert.Contains(reasons, r => r.Contains(LimitReason, StringComparison.Ordinal));
        Assert.All(reasons, r => Assert.Contains(LimitReason, r, StringComparison.Ordinal));
    }
}
