using System.Net.Http.Json;
using System.Text.Json;
using Scheduling.Web.Tests.Infrastructure;

namespace Scheduling.Web.Tests.Engine;

/// <summary>Per-workspace limits: excess work waits with its reason shown; it is never dropped.</summary>
public class LimitTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("Execution:WorkspaceRatePerMinute", "at most 1 jobs a minute")]
    [InlineData("Execution:WorkspaceDailyQuota", "daily quota of 1 runs")]
    public async Task RunBeyondTheLimit_WaitsWithTheReason_AndIsNotDropped(string setting, string reason)
    {
        await using var host = await EngineHost.StartAsync(extra: new() { [setting] = "1" });
        var first = await host.CreateOnceAsync("limited-1");
        await host.WaitForExecutionAsync(first, "completed");

        var second = await host.CreateOnceAsync("limited-2");

        JsonElement waiting;
        try
        {
            waiting = await Eventually.GetAsync(() => host.ExecutionsOfAsync(second),
                list => list.EnumerateArray().Any(e => e.GetProperty("reason").GetString()?.Contains(reason, StringComparison.Ordinal) == true),
                TimeSpan.FromSeconds(60), $"the second run to wait ({reason})");
        }
        catch (TimeoutException timeout)
        {
            throw new TimeoutException($"{timeout.Message}\n{await host.EngineStateAsync(first, second)}", timeout);
        }
        var execution = Assert.Single(waiting.EnumerateArray());
        Assert.Equal("pending", execution.GetProperty("status").GetString());
        Assert.Empty(host.Receiver.On("limited-2"));
        // Still there, still waiting: a limit defers work, it never drops it.
        await Task.Delay(1500, Ct);
        var later = Assert.Single((await host.ExecutionsOfAsync(second)).EnumerateArray());
        Assert.Equal("pending", later.GetProperty("status").GetString());
        Assert.Single(host.Receiver.On("limited-1"));
    }
}
