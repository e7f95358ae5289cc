using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Scheduling.Core.Scheduling;
using Scheduling.Web.Data;
using Scheduling.Web.Engine;
using Scheduling.Web.Tests.Infrastructure;

namespace Scheduling.Web.Tests.Engine;

/// <summary>Per-workspace limits: excess work waits with its reason shown; it is never dropped.</summary>
public class LimitTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("Execution:WorkspaceRatePerMinute", "at most 1 jobs a minute", WaitReason.RateLimit)]
    [InlineData("Execution:WorkspaceDailyQuota", "daily quota of 1 runs", WaitReason.DailyQuota)]
    public async Task RunBeyondTheLimit_WaitsWithTheReason_AndIsNotDropped(string setting, string reason, WaitReason expected)
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
        // Its recheck (what the waiting run's Hangfire job does when it comes back) decides again: still waiting, for the
        // same typed reason. A limit defers work, it never drops it.
        var ledger = host.App.Services.GetRequiredService<ExecutionLedger>();
        var recheck = await ledger.StartAsync(new StartRequest(execution.GetProperty("id").GetGuid(), JobId: null), Ct);
        Assert.Equal(new StartDecision.Waiting(expected), recheck);
        var later = Assert.Single((await host.ExecutionsOfAsync(second)).EnumerateArray());
        Assert.Equal("pending", later.GetProperty("status").GetString());
        Assert.Contains(reason, later.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Empty(host.Receiver.On("limited-2"));
        Assert.Single(host.Receiver.On("limited-1"));
    }

    /// <summary>
    /// The quota counts a workspace's starts from its start tally (decision 0041). A workspace without one (its runs
    /// started before tallies existed) gets one counted from the runs started today, so an upgrade forgets nothing.
    /// </summary>
    [Fact]
    public async Task TheDailyQuota_CountsRunsStartedBeforeTheWorkspaceHadATally()
    {
        await using var host = await EngineHost.StartAsync(extra: new() { ["Execution:WorkspaceDailyQuota"] = "2" });
        var first = await host.CreateOnceAsync("before-1");
        var second = await host.CreateOnceAsync("before-2");
        await host.WaitForExecutionAsync(first, "completed");
        await host.WaitForExecutionAsync(second, "completed");
        var contexts = host.App.Services.GetRequiredService<IDbContextFactory<AppDbContext>>();
        await using (var db = await contexts.CreateDbContextAsync(Ct))
        {
            Assert.Equal(1, await db.WorkspaceStartTallies.ExecuteDeleteAsync(Ct));
        }

        var third = await host.CreateOnceAsync("after");
        await Eventually.GetAsync(() => host.ExecutionsOfAsync(third),
            list => list.EnumerateArray().Any(e => e.GetProperty("reason").GetString()?.Contains("daily quota of 2 runs", StringComparison.Ordinal) == true),
            TimeSpan.FromSeconds(60), "the third run to wait for the quota");
        Assert.Empty(host.Receiver.On("after"));
        await using (var db = await contexts.CreateDbContextAsync(Ct))
        {
            var tally = await db.WorkspaceStartTallies.SingleAsync(Ct);
            Assert.Equal(2, tally.StartedOnDay);
        }
    }
}
