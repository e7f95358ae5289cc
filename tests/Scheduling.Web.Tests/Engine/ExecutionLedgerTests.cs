using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Scheduling.Web.Data;
using Scheduling.Web.Features.Executions;
using Scheduling.Web.Tests.Infrastructure;

namespace Scheduling.Web.Tests.Engine;

/// <summary>The ledger's writes on a server database (decision 0036).</summary>
public class ExecutionLedgerTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>
    /// On PostgreSQL the start decisions lock the workspaces they decide for (decision 0041), and a run's end is written
    /// apart from them (decision 0036). While another node holds a workspace's lock (so this node's start batch waits for
    /// it), a run of that workspace that finishes here is still recorded at once, and its place is free for the start that
    /// waits.
    /// </summary>
    [Fact]
    public async Task WhileAWorkspacesLockIsHeld_ItsEndsAreRecorded()
    {
        Assert.SkipWhen(string.IsNullOrEmpty(Environment.GetEnvironmentVariable(PostgreSqlTestDatabase.EnvironmentVariable)),
            $"PostgreSQL: set {PostgreSqlTestDatabase.EnvironmentVariable} to run this case.");
        await using var host = await EngineHost.StartAsync(DatabaseProvider.PostgreSql);
        await using var receiver = await HoldingWebhookReceiver.StartAsync();
        receiver.Pause("first");
        var factory = host.App.Services.GetRequiredService<IDbContextFactory<AppDbContext>>();
        var first = await host.CreateOnceAsync("first", new { webhookUrl = receiver.Url("first") });
        await Eventually.GetAsync(() => Task.FromResult(receiver.InFlight("first")), count => count == 1, TimeSpan.FromSeconds(30), "the first run's request, held");

        // Another node's start batch holds the workspace's lock (its start tally, made with the first run's start).
        string connectionString;
        Guid workspaceId;
        await using (var db = await factory.CreateDbContextAsync(Ct))
        {
            connectionString = db.Database.GetConnectionString()!;
            workspaceId = (await db.Schedules.IgnoreQueryFilters().AsNoTracking().SingleAsync(s => s.Id == first, Ct)).WorkspaceId;
            Assert.True(await db.WorkspaceStartTallies.AnyAsync(t => t.WorkspaceId == workspaceId, Ct));
        }
        await using var otherNode = new NpgsqlConnection(connectionString);
        await otherNode.OpenAsync(Ct);
        await using var holding = await otherNode.BeginTransactionAsync(Ct);
        await using (var take = new NpgsqlCommand("""SELECT 1 FROM "WorkspaceStartTallies" WHERE "WorkspaceId" = @id FOR UPDATE""", otherNode, holding))
        {
            take.Parameters.AddWithValue("id", workspaceId);
            Assert.Equal(1, await take.ExecuteScalarAsync(Ct));
        }
        var second = await host.CreateOnceAsync("second", new { webhookUrl = receiver.Url("second") });
        await Eventually.GetAsync(async () =>
        {
            await using var waiting = new NpgsqlCommand("SELECT count(*) FROM pg_locks WHERE NOT granted", otherNode, holding);
            return (long)(await waiting.ExecuteScalarAsync(Ct))!;
        }, count => count >= 1, TimeSpan.FromSeconds(30), "the second run's start waiting for its workspace's lock");

        receiver.Resume("first");
        var ended = await Eventually.GetAsync(async () =>
        {
            await using var db = await factory.CreateDbContextAsync(Ct);
            return await db.Executions.IgnoreQueryFilters().AsNoTracking().SingleAsync(e => e.ScheduleId == first, Ct);
        }, run => run.Status == ExecutionStatus.Completed, TimeSpan.FromSeconds(15), "the first run recorded as completed while its workspace's lock is held");
        Assert.NotNull(ended.CompletedAt);
        await using (var db = await factory.CreateDbContextAsync(Ct))
        {
            Assert.Equal(ExecutionStatus.Pending, (await db.Executions.IgnoreQueryFilters().AsNoTracking().SingleAsync(e => e.ScheduleId == second, Ct)).Status);
        }

        // The other node lets go: the waiting start goes on.
        await holding.RollbackAsync(Ct);
        await host.WaitForExecutionAsync(second, "completed");
        Assert.Single(receiver.On("second"));
        Assert.Single(receiver.On("first"));
    }
}
