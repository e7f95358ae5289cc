using System.Text.Json;

namespace Scheduling.E2E;

/// <summary>What the journeys wait for through the API while the browser looks.</summary>
public static class Runs
{
    /// <summary>Polls <c>GET /api/v1/executions/{id}</c> until <paramref name="done"/> holds of the run (30 s).</summary>
    public static async Task WaitForAsync(HttpClient http, Guid runId, Func<JsonElement, bool> done, string what, CancellationToken ct)
    {
        var until = DateTime.UtcNow.AddSeconds(30);
        var last = "";
        while (DateTime.UtcNow < until)
        {
            last = await http.GetStringAsync($"api/v1/executions/{runId}", ct);
            if (done(JsonDocument.Parse(last).RootElement.GetProperty("execution")))
            {
                return;
            }
            await Task.Delay(250, ct);
        }
        Assert.Fail($"Gave up after 30 s waiting for {what}: {last}");
    }
}
