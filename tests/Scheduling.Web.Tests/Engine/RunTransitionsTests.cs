using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Scheduling.Core.Scheduling;
using Scheduling.Web.Data;
using Scheduling.Web.Features.Executions;
using Scheduling.Web.Features.Workspaces;
using Scheduling.Web.Tests.Infrastructure;

namespace Scheduling.Web.Tests.Engine;

/// <summary>
/// The one owner of run state on a real database: every transition is a compare-and-set on the state the caller saw,
/// and observers see each one inside the transaction that writes it (what they throw undoes the transition).
/// </summary>
public class RunTransitionsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task Transitions_AreCompareAndSet_AndObservedInTheirTransaction(DatabaseProvider provider)
    {
        Assert.SkipWhen(provider == DatabaseProvider.PostgreSql && string.IsNullOrEmpty(Environment.GetEnvironmentVariable(PostgreSqlTestDatabase.EnvironmentVariable)),
            $"PostgreSQL: set {PostgreSqlTestDatabase.EnvironmentVariable} to run this case.");
        var log = new RunTransitionLog();
        var veto = new Veto();
        // Nothing hands these runs to Hangfire: no worker or recovery sweep touches them while the test writes.
        await using var host = await EngineHost.StartAsync(provider, extra: new() { ["Execution:RecoveryInterval"] = "01:00:00" }, transitions: log);
        var scheduleId = await host.CreateOnceAsync("transitions", inSeconds: 3600);
        var transitions = new RunTransitions([log, veto]);
        // As a request of the schedule's workspace sees it: reopen and withdraw go through its query filter.
        using var scope = host.App.Services.CreateScope();
        await using (var lookup = await scope.ServiceProvider.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync(Ct))
        {
            var workspaceId = (await lookup.Schedules.IgnoreQueryFilters().AsNoTracking().SingleAsync(s => s.Id == scheduleId, Ct)).WorkspaceId;
            scope.ServiceProvider.GetRequiredService<WorkspaceContext>().Set("test", workspaceId, "test", WorkspaceRole.Owner, isInstanceAdmin: false);
        }
        await using var db = await scope.ServiceProvider.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync(Ct);
        var schedule = await db.Schedules.AsNoTracking().SingleAsync(s => s.Id == scheduleId, Ct);
        var now = DateTime.UtcNow;

        var run = Execution.Manual(schedule, countsTowardMaxRuns: false, now);
        await transitions.CreateAsync(db, [run], Ct);
        await db.SaveChangesAsync(Ct);
        db.ChangeTracker.Clear();
        // A created run's transition and an attempt's end carry the schedule (observers answer other schedules from memory).
        Assert.Equal(new RunTransition(run.Id, null, ExecutionStatus.Pending, WaitReason.None, run.ScheduleId), log.All[^1]);

        // An observer that fails undoes the transition: it ran inside the transaction.
        veto.Refuse = ExecutionStatus.Running;
        var seen = await Load(db, run.Id);
        await Assert.ThrowsAsync<InvalidOperationException>(() => transitions.StartAsync(db, seen, "job-1", now, Ct));
        Assert.Equal((ExecutionStatus.Pending, 0), await StateOf(db, run.Id));
        veto.Refuse = null;

        // Start: wins once on the state seen; a second writer that saw the same pending run loses and writes nothing.
        var stale = await Load(db, run.Id);
        seen = await Load(db, run.Id);
        var mark = log.Count;
        Assert.True(await transitions.StartAsync(db, seen, "job-1", now, Ct));
        Assert.Equal((ExecutionStatus.Running, 1), (seen.Status, seen.Attempts));
        Assert.False(await transitions.StartAsync(db, stale, "job-2", now, Ct));
        Assert.Equal((ExecutionStatus.Running, 1), await StateOf(db, run.Id));
        Assert.Equal([new RunTransition(run.Id, ExecutionStatus.Pending, ExecutionStatus.Running, WaitReason.None)], log.Since(mark));

        // The end of attempt 1: recorded once (a callback and its timeout at once: the second finds it no longer running).
        var ended = RunOutcome.Of(seen) with { Status = ExecutionStatus.Completed, CompletedAt = now };
        Assert.True(await transitions.EndAttemptAsync(db, ended, Ct));
        Assert.False(await transitions.EndAttemptAsync(db, ended with { Status = ExecutionStatus.Failed, Error = "timeout" }, Ct));
        Assert.Equal(new RunTransition(run.Id, ExecutionStatus.Running, ExecutionStatus.Completed, WaitReason.None, run.ScheduleId), log.All[^1]);
        Assert.Equal((ExecutionStatus.Completed, 1), await StateOf(db, run.Id));

        // Reopen only from the status it was seen in: a completed run is not a failed one.
        Assert.False(await transitions.ReopenAsync(db, run.Id, ExecutionStatus.Failed, "Retry requested.", ct: Ct));
        Assert.Equal((ExecutionStatus.Completed, 1), await StateOf(db, run.Id));
        Assert.True(await transitions.ReopenAsync(db, run.Id, ExecutionStatus.Completed, "Run again.", WaitReason.CatchingUp, ct: Ct));
        var reopened = await Load(db, run.Id);
        Assert.Equal((ExecutionStatus.Pending, 1, WaitReason.CatchingUp), (reopened.Status, reopened.Attempts, reopened.WaitReason));

        // A pending run waits with its typed reason; an unstarted run ends once.
        var other = Execution.Manual(schedule, countsTowardMaxRuns: false, now);
        await transitions.CreateAsync(db, [other], Ct);
        await db.SaveChangesAsync(Ct);
        db.ChangeTracker.Clear();
        var waiting = await Load(db, other.Id);
        Assert.True(await transitions.WaitAsync(db, waiting, WaitReason.RateLimit, WaitReasons.Describe(WaitReason.RateLimit), now.AddSeconds(5), "job-3", Ct));
        Assert.Equal(WaitReason.RateLimit, (await Load(db, other.Id)).WaitReason);
        Assert.True(await transitions.EndUnstartedAsync(db, waiting, ExecutionStatus.Skipped, "skipped", now, Ct));
        Assert.False(await transitions.EndUnstartedAsync(db, waiting, ExecutionStatus.Cancelled, "cancelled", now, Ct));
        var skipped = await Load(db, other.Id);
        Assert.Equal((ExecutionStatus.Skipped, WaitReason.None), (skipped.Status, skipped.WaitReason));

        // Withdraw takes back only untouched runs (never started): the reopened run that ran once stays.
        var ahead = Execution.Planned(schedule, now.AddHours(1), runNumber: 1, catchingUp: false, notBefore: null, now);
        await transitions.CreateAsync(db, [ahead], Ct);
        await db.SaveChangesAsync(Ct);
        db.ChangeTracker.Clear();
        mark = log.Count;
        Assert.Equal(1, await transitions.WithdrawAsync(db, [ahead.Id, run.Id], Ct));
        Assert.Equal([new RunTransition(ahead.Id, ExecutionStatus.Pending, null, WaitReason.None)], log.Since(mark));
        Assert.False(await db.Executions.IgnoreQueryFilters().AnyAsync(e => e.Id == ahead.Id, Ct));
        Assert.Equal((ExecutionStatus.Pending, 1), await StateOf(db, run.Id));
    }

    private static Task<Execution> Load(AppDbContext db, Guid id) => db.Executions.IgnoreQueryFilters().AsNoTracking().SingleAsync(e => e.Id == id, Ct);

    private static async Task<(ExecutionStatus, int)> StateOf(AppDbContext db, Guid id)
    {
        var row = await Load(db, id);
        return (row.Status, row.Attempts);
    }

    private sealed class Veto : IRunTransitionObserver
    {
        public ExecutionStatus? Refuse { get; set; }

        public Task OnTransitionAsync(AppDbContext db, RunTransition transition, CancellationToken ct) =>
            transition.To == Refuse && Refuse is not null ? throw new InvalidOperationException("vetoed") : Task.CompletedTask;
    }
}
