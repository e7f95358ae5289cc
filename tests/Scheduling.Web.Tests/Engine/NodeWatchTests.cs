using System.Net.Http.Json;
using Hangfire;
using Hangfire.Common;
using Hangfire.States;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Scheduling.Web.Data;
using Scheduling.Web.Engine;
using Scheduling.Web.Features.Executions;
using Scheduling.Web.Tests.Infrastructure;

namespace Scheduling.Web.Tests.Engine;

/// <summary>
/// A node that dies (kill -9) leaves runs its dispatcher held in memory and runs its workers were processing. The
/// node watch hands them to the live nodes as soon as the node stops heartbeating, not after the periodic sweep's
/// settling time or Hangfire's invisibility timeout. A dead node is played by a name no live server has.
/// </summary>
public class NodeWatchTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task RunsHeldOrProcessedByADeadNode_AreTakenOverAtOnce_AndDeliveredOnce(DatabaseProvider provider)
    {
        Assert.SkipWhen(provider == DatabaseProvider.PostgreSql && string.IsNullOrEmpty(Environment.GetEnvironmentVariable(PostgreSqlTestDatabase.EnvironmentVariable)),
            $"PostgreSQL: set {PostgreSqlTestDatabase.EnvironmentVariable} to run this case.");
        // The periodic sweep is an hour away: only the node watch can take these runs over within the test.
        await using var host = await EngineHost.StartAsync(provider, extra: new() { ["Execution:RecoveryInterval"] = "01:00:00" });
        var heldId = await host.CreateOnceAsync("held", inSeconds: 3600);
        var processedId = await host.CreateOnceAsync("processed", inSeconds: 3600);
        var liveId = await host.CreateOnceAsync("live", inSeconds: 3600);
        var now = DateTime.UtcNow;

        // Claimed ahead by the dead node and held in its memory: pending, no job, due in two seconds.
        var held = await host.RecordRunAsync(heldId, now.AddSeconds(2), ExecutionStatus.Pending);
        // Claimed by this (live) node and held here: not the watch's to take.
        var heldHere = await host.RecordRunAsync(liveId, now.AddSeconds(30), ExecutionStatus.Pending);
        // Running on the dead node: a job in Processing on its server.
        var processed = await host.RecordRunAsync(processedId, now.AddSeconds(-1), ExecutionStatus.Running);
        var ghostJob = host.App.Services.GetRequiredService<IBackgroundJobClient>().Create(
            Job.FromExpression<ExecutionRunner>(runner => runner.RunAsync(processed.Id, null, CancellationToken.None)), new ProcessingOn("dead-node:5f0c7e"));
        var thisNode = host.App.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<ExecutionOptions>>().Value.NodeName;
        // This node's Hangfire server is known by its node name: what it holds is not taken from it.
        var live = RecoverySweep.LiveServers(host.App.Services.GetRequiredService<JobStorage>(), TimeSpan.FromMinutes(1));
        Assert.Contains(live, server => NodeWatch.IsServerOf(server, thisNode));
        var factory = host.App.Services.GetRequiredService<IDbContextFactory<AppDbContext>>();
        await using (var db = await factory.CreateDbContextAsync(Ct))
        {
            await db.Executions.IgnoreQueryFilters().Where(e => e.Id == held.Id).ExecuteUpdateAsync(set => set.SetProperty(e => e.ClaimedBy, "dead-node"), Ct);
            await db.Executions.IgnoreQueryFilters().Where(e => e.Id == heldHere.Id).ExecuteUpdateAsync(set => set.SetProperty(e => e.ClaimedBy, thisNode), Ct);
            await db.Executions.IgnoreQueryFilters().Where(e => e.Id == processed.Id).ExecuteUpdateAsync(set => set
                .SetProperty(e => e.Attempts, 1).SetProperty(e => e.StartedAt, now).SetProperty(e => e.AttemptStartedAt, now)
                .SetProperty(e => e.HangfireJobId, ghostJob).SetProperty(e => e.ClaimedBy, "dead-node"), Ct);
        }

        // The node watch runs every heartbeat (5 s) as a recurring job: nothing else hands these runs over.
        var heldDone = await host.WaitForAsync(held.Id, e => e.GetProperty("status").GetString() == "completed", "the held run delivered");
        await host.WaitForAsync(processed.Id, e => e.GetProperty("status").GetString() == "completed", "the interrupted run delivered");
        var processedDone = await host.Client.GetFromJsonAsync<System.Text.Json.JsonElement>($"/api/v1/executions/{processed.Id}", Ct);
        Assert.Single(host.Receiver.Received, r => r.Path == "/held");
        await Task.Delay(6000, Ct);
        Assert.True(host.Receiver.Received.Count(r => r.Path == "/processed") == 1, await host.EngineStateAsync(processedId) + "\n" + (await host.Client.GetStringAsync($"/api/v1/executions/{processed.Id}", Ct)));
        Assert.True(processedDone.GetProperty("attempts").EnumerateArray().Any(a => a.TryGetProperty("error", out var error) && error.GetString() == RecoverySweep.Interrupted),
            processedDone.GetRawText() + "\n" + await host.EngineStateAsync(processedId));
        // Taken over at its time, not before.
        Assert.True(heldDone.GetProperty("startedAt").GetDateTime().ToUniversalTime() >= held.ScheduledFor);
        await using var check = await factory.CreateDbContextAsync(Ct);
        var untouched = await check.Executions.IgnoreQueryFilters().AsNoTracking().SingleAsync(e => e.Id == heldHere.Id, Ct);
        Assert.Null(untouched.HangfireJobId);
        using var scope = host.App.Services.CreateScope();
        Assert.Equal(0, await scope.ServiceProvider.GetRequiredService<NodeWatch>().WatchAsync(Ct));
    }

    [Fact]
    public void HangfireServerIds_AreMatchedToNodeNames()
    {
        Assert.True(NodeWatch.IsServerOf("node-a:2b9f0c4e-55d1-4c3a-9a51-0d4f1e1f7a10", "node-A"));
        Assert.True(NodeWatch.IsServerOf("host:4242:2b9f0c4e-55d1-4c3a-9a51-0d4f1e1f7a10", "host:4242"));
        Assert.False(NodeWatch.IsServerOf("node-ab:2b9f0c4e", "node-a"));
    }

    /// <summary>Hangfire's processing state as a worker of <paramref name="serverId"/> writes it (its constructor is not public).</summary>
    private sealed class ProcessingOn(string serverId) : IState
    {
        public string Name => ProcessingState.StateName;
        public string? Reason => null;
        public bool IsFinal => false;
        public bool IgnoreJobLoadException => false;

        public Dictionary<string, string> SerializeData() => new()
        {
            ["StartedAt"] = JobHelper.SerializeDateTime(DateTime.UtcNow),
            ["ServerId"] = serverId,
            ["WorkerId"] = "worker-1",
        };
    }
}
