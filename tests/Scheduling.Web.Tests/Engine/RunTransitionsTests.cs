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

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task ManyStartsAndEnds_AreWrittenTogether_EachRowWinningOrLosingOnItsOwn(DatabaseProvider provider)
    {
        Assert.SkipWhen(provider == DatabaseProvider.PostgreSql && string.IsNullOrEmpty(Environment.GetEnvironmentVariable(PostgreSqlTestDatabase.EnvironmentVariable)),
            $"PostgreSQL: set {PostgreSqlTestDatabase.EnvironmentVariable} to run this case.");
        var now = new DateTime(2026, 12, 3, 10, 0, 0, DateTimeKind.Utc).AddTicks(1230);
        await using var seeded = await SeededRuns.StartAsync(provider, "many transitions", 3, now);
        var (log, transitions, db, runs, seen) = (seeded.Log, seeded.Transitions, seeded.Db, seeded.Runs, seeded.Seen);

        // Another writer started the middle run after it was read: of the three written together, that one loses.
        Assert.True(await transitions.StartAsync(db, await Load(db, runs[1].Id), "other-job", now, Ct));
        var mark = log.Count;
        await using (var transaction = await db.Database.BeginTransactionAsync(Ct))
        {
            var started = await transitions.StartManyAsync(db, [(seen[0], "job-a"), (seen[1], "job-b"), (seen[2], null)], now, Ct);
            Assert.Equal(new[] { true, false, true }, started);
            await transaction.CommitAsync(Ct);
        }
        Assert.Equal([seen[0].Id, seen[2].Id], log.Since(mark).Select(t => t.ExecutionId));
        var first = await Load(db, runs[0].Id);
        Assert.Equal((ExecutionStatus.Running, 1, "job-a", WaitReason.None), (first.Status, first.Attempts, first.HangfireJobId, first.WaitReason));
        Assert.Equal(now, first.AttemptStartedAt!.Value, TimeSpan.FromMilliseconds(1));
        Assert.Equal(DateTimeKind.Utc, first.StartedAt!.Value.Kind);
        Assert.Equal("other-job", (await Load(db, runs[1].Id)).HangfireJobId);
        Assert.Null((await Load(db, runs[2].Id)).HangfireJobId);

        // Ends: each recorded only for the attempt its run is running (the middle one is told attempt 2, which it is not).
        var ends = new[]
        {
            RunOutcome.Ended(seen[0], ExecutionStatus.Completed, null, "{\"ok\":true}", now.AddSeconds(2)),
            RunOutcome.Ended(await Load(db, runs[1].Id), ExecutionStatus.Completed, null, null, now) with { Attempt = 2 },
            RunOutcome.RetryAfter(seen[2], "HTTP 503", TimeSpan.FromSeconds(30), "retry-job", null, now.AddSeconds(1)),
        };
        mark = log.Count;
        // Each end with its attempt row, written in the same round trip; the lost end's row is not kept.
        ExecutionAttempt AttemptOf(Execution run, int number, ExecutionStatus status, int? response, DateTime? completed) => new()
        {
            Id = Guid.CreateVersion7(), WorkspaceId = run.WorkspaceId, ExecutionId = run.Id, Number = number, StartedAt = now, CompletedAt = completed,
            Status = status, Action = "webhook", Target = "https://example.com/hook", Request = "{\"a\":1}", ResponseStatus = response,
            Response = response is null ? null : "épisode ✓", Error = response is null ? "HTTP 503" : null, DurationMs = 2000,
        };
        IReadOnlyList<ExecutionAttempt>[] attempts =
        [
            [AttemptOf(seen[0], 1, ExecutionStatus.Completed, 200, now.AddSeconds(2))],
            [AttemptOf(seen[1], 2, ExecutionStatus.Completed, 200, now)],
            [AttemptOf(seen[2], 1, ExecutionStatus.Failed, null, null)],
        ];
        bool[] recorded;
        await using (var transaction = await db.Database.BeginTransactionAsync(Ct))
        {
            recorded = await transitions.EndAttemptsAsync(db, ends, attempts, Ct);
            await transaction.CommitAsync(Ct);
        }
        Assert.Equal(new[] { true, false, true }, recorded);
        var written = await db.ExecutionAttempts.IgnoreQueryFilters().AsNoTracking().Where(a => runs.Select(r => r.Id).Contains(a.ExecutionId)).ToListAsync(Ct);
        Assert.Equal([attempts[0][0].Id, attempts[2][0].Id], written.OrderBy(a => a.ExecutionId == runs[0].Id ? 0 : 1).Select(a => a.Id));
        var kept = written.Single(a => a.Id == attempts[0][0].Id);
        Assert.Equal((runs[0].Id, 1, ExecutionStatus.Completed, "webhook", "https://example.com/hook", "{\"a\":1}", (int?)200, "épisode ✓", (string?)null, (long?)2000),
            (kept.ExecutionId, kept.Number, kept.Status, kept.Action, kept.Target, kept.Request, kept.ResponseStatus, kept.Response, kept.Error, kept.DurationMs));
        Assert.Equal(now.AddSeconds(2), kept.CompletedAt!.Value, TimeSpan.FromMilliseconds(1));
        Assert.Equal(DateTimeKind.Utc, kept.StartedAt.Kind);
        var failedAttempt = written.Single(a => a.Id == attempts[2][0].Id);
        Assert.Equal((ExecutionStatus.Failed, (int?)null, (string?)null, "HTTP 503", (DateTime?)null),
            (failedAttempt.Status, failedAttempt.ResponseStatus, failedAttempt.Response, failedAttempt.Error, failedAttempt.CompletedAt));
        Assert.Equal([ExecutionStatus.Completed, ExecutionStatus.Pending], log.Since(mark).Select(t => t.To!.Value));
        var done = await Load(db, runs[0].Id);
        Assert.Equal((ExecutionStatus.Completed, "{\"ok\":true}", (string?)null), (done.Status, done.Result, done.Error));
        Assert.Equal(now.AddSeconds(2), done.CompletedAt!.Value, TimeSpan.FromMilliseconds(1));
        Assert.Equal((ExecutionStatus.Running, 1), await StateOf(db, runs[1].Id));
        var retrying = await Load(db, runs[2].Id);
        Assert.Equal((ExecutionStatus.Pending, WaitReason.RetryBackoff, "retry-job", "HTTP 503"), (retrying.Status, retrying.WaitReason, retrying.HangfireJobId, retrying.Error));
        Assert.Equal(now.AddSeconds(31), retrying.NotBefore!.Value, TimeSpan.FromMilliseconds(1));
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task StartsAndWaits_WrittenTogether_EachOnlyIfItsRowIsAsSeen_AndObservedInOrder(DatabaseProvider provider)
    {
        Assert.SkipWhen(provider == DatabaseProvider.PostgreSql && string.IsNullOrEmpty(Environment.GetEnvironmentVariable(PostgreSqlTestDatabase.EnvironmentVariable)),
            $"PostgreSQL: set {PostgreSqlTestDatabase.EnvironmentVariable} to run this case.");
        var now = new DateTime(2026, 12, 4, 10, 0, 0, DateTimeKind.Utc);
        await using var seeded = await SeededRuns.StartAsync(provider, "starts and waits", 4, now);
        var (log, transitions, db, runs, seen) = (seeded.Log, seeded.Transitions, seeded.Db, seeded.Runs, seeded.Seen);
        // Another writer started the last run after it was read: its wait is not written.
        Assert.True(await transitions.StartAsync(db, await Load(db, runs[3].Id), "other-job", now, Ct));

        var mark = log.Count;
        (bool[] Started, bool[] Waited) written;
        await using (var transaction = await db.Database.BeginTransactionAsync(Ct))
        {
            written = await transitions.StartAndWaitManyAsync(db, [(seen[0], "job-a")],
            [
                new PlannedWait(seen[1], WaitReason.ConcurrencyLimit, "at the limit", now.AddSeconds(30), "job-b"),
                new PlannedWait(seen[2], WaitReason.RateLimit, "at the rate", now.AddSeconds(5), "recheck-c"),
                new PlannedWait(seen[3], WaitReason.RateLimit, "at the rate", now.AddSeconds(5), "recheck-d"),
            ], now, [], Ct);
            await transaction.CommitAsync(Ct);
        }

        Assert.Equal(new[] { true }, written.Started);
        Assert.Equal(new[] { true, true, false }, written.Waited);
        // The observers hear the starts, then the waits, in the order given; never the lost one.
        Assert.Equal([(seen[0].Id, ExecutionStatus.Running), (seen[1].Id, ExecutionStatus.Pending), (seen[2].Id, ExecutionStatus.Pending)],
            log.Since(mark).Select(t => (t.ExecutionId, t.To!.Value)));
        Assert.Equal((ExecutionStatus.Running, 1, "job-a"), (seen[0].Status, seen[0].Attempts, seen[0].HangfireJobId));
        var started = await Load(db, runs[0].Id);
        Assert.Equal((ExecutionStatus.Running, 1, "job-a"), (started.Status, started.Attempts, started.HangfireJobId));
        var kept = await Load(db, runs[1].Id);
        Assert.Equal((ExecutionStatus.Pending, WaitReason.ConcurrencyLimit, "at the limit", "job-b"), (kept.Status, kept.WaitReason, kept.Reason, kept.HangfireJobId));
        Assert.Equal(now.AddSeconds(30), kept.NotBefore!.Value, TimeSpan.FromMilliseconds(1));
        var refused = await Load(db, runs[2].Id);
        Assert.Equal((WaitReason.RateLimit, "recheck-c"), (refused.WaitReason, refused.HangfireJobId));
        var lost = await Load(db, runs[3].Id);
        Assert.Equal((ExecutionStatus.Running, "other-job", WaitReason.None), (lost.Status, lost.HangfireJobId, lost.WaitReason));
        // The runs as seen now say what was written (the ledger decides a kept run again from them); the lost one is as read.
        Assert.Equal((WaitReason.ConcurrencyLimit, "at the limit", "job-b"), (seen[1].WaitReason, seen[1].Reason, seen[1].HangfireJobId));
        Assert.Equal(now.AddSeconds(30), seen[1].NotBefore!.Value, TimeSpan.FromMilliseconds(1));
        Assert.Equal((ExecutionStatus.Pending, WaitReason.None, (string?)null), (seen[3].Status, seen[3].WaitReason, seen[3].Reason));
    }

    /// <summary>An engine host with <c>count</c> manual runs of one schedule, created, and as read back.</summary>
    private sealed class SeededRuns : IAsyncDisposable
    {
        private EngineHost _host = null!;

        public RunTransitionLog Log { get; } = new();
        public RunTransitions Transitions { get; private set; } = null!;
        public AppDbContext Db { get; private set; } = null!;
        public List<Execution> Runs { get; private set; } = [];
        public List<Execution> Seen { get; } = [];

        public static async Task<SeededRuns> StartAsync(DatabaseProvider provider, string name, int count, DateTime now)
        {
            var seeded = new SeededRuns();
            seeded._host = await EngineHost.StartAsync(provider, extra: new() { ["Execution:RecoveryInterval"] = "01:00:00" }, transitions: seeded.Log);
            var scheduleId = await seeded._host.CreateOnceAsync(name, inSeconds: 3600);
            seeded.Transitions = new RunTransitions([seeded.Log]);
            var db = seeded.Db = await seeded._host.App.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync(Ct);
            var schedule = await db.Schedules.IgnoreQueryFilters().AsNoTracking().SingleAsync(s => s.Id == scheduleId, Ct);
            seeded.Runs = [.. Enumerable.Range(0, count).Select(_ => Execution.Manual(schedule, countsTowardMaxRuns: false, now))];
            await seeded.Transitions.CreateAsync(db, seeded.Runs, Ct);
            await db.SaveChangesAsync(Ct);
            db.ChangeTracker.Clear();
            foreach (var run in seeded.Runs)
            {
                seeded.Seen.Add(await Load(db, run.Id));
            }
            return seeded;
        }

        public async ValueTask DisposeAsync()
        {
            if (Db is not null)
            {
                await Db.DisposeAsync();
            }
            await _host.DisposeAsync();
        }
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
