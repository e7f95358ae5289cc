using System.Threading.Channels;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.Extensions.Options;
using Scheduling.Core.Scheduling;
using Scheduling.Web.Data;
using Scheduling.Web.Features.Executions;

namespace Scheduling.Web.Engine;

/// <summary>A worker asks to start the execution its Hangfire job carries.</summary>
public sealed record StartRequest(Guid ExecutionId, string? JobId);

public abstract record StartDecision
{
    private StartDecision()
    {
    }

    /// <summary>
    /// The row is now running. The execution (with its schedule) is as written, not tracked by any context,
    /// and comes with where it is delivered.
    /// </summary>
    public sealed record Started(Execution Execution, PreloadedTargets Targets) : StartDecision;

    /// <summary>Deferred with its reason shown (limits, overlap, not yet due); a Hangfire job brings it back.</summary>
    public sealed record Waiting(string Reason) : StartDecision;

    /// <summary>Ended without running: skipped (overlap policy) or cancelled (its schedule was).</summary>
    public sealed record Ended(ExecutionStatus Status, string Reason) : StartDecision;

    /// <summary>Nothing to do: the row is gone, finished, or carried by another job.</summary>
    public sealed record Lost : StartDecision;
}

/// <summary>
/// The single writer of run starts and run outcomes on this node (group commit). Workers hand in their
/// requests and wait; one loop takes everything that queued up meanwhile and commits it in one
/// transaction. SQLite allows about two thousand commits a second on a good disk, so a burst of runs
/// that each committed their start and end on their own could not start within the lag target (see
/// docs/decisions/0004-execution-ledger.md).
/// The start decisions (workspace concurrency, rate and quota, the overlap policy) are taken inside that
/// transaction under one engine-wide lock: SQLite's write lock (transactions begin IMMEDIATE),
/// an advisory lock on PostgreSQL, an application lock on SQL Server. So the limits hold exactly, also
/// with several nodes, and no two runs of a schedule start past its overlap policy.
/// </summary>
public sealed class ExecutionLedger : IAsyncDisposable
{
    public const string WaitingForPreviousRun = "Waiting for the previous run of this schedule to finish.";

    /// <summary>Missed runs caught up by run_all go one after the other, in order, whatever the overlap policy.</summary>
    public const string CatchingUp = "Catching up missed runs in order: waits for the earlier one.";
    public const string SkippedOverlap = "Skipped: the previous run of this schedule was still going.";
    private const int MaxBatch = 256;

    /// <summary>A run claimed ahead of its time that reaches a worker earlier than this waits for its time.</summary>
    private static readonly TimeSpan EarlyTolerance = TimeSpan.FromMilliseconds(5);
    private static readonly TimeSpan OverlapRecheck = TimeSpan.FromSeconds(5);

    private readonly IServiceScopeFactory _scopes;
    private readonly ExecutionQueue _queue;
    private readonly DueRunReleaser _releaser;
    private readonly DatabaseOptions _database;
    private readonly IOptionsMonitor<ExecutionOptions> _options;
    private readonly TimeProvider _clock;
    private readonly ILogger<ExecutionLedger> _logger;
    private readonly Channel<Item> _items = Channel.CreateUnbounded<Item>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Lock _gate = new();
    private Task? _loop;

    public ExecutionLedger(IServiceScopeFactory scopes, ExecutionQueue queue, DueRunReleaser releaser, DatabaseOptions database, IOptionsMonitor<ExecutionOptions> options, TimeProvider clock, ILogger<ExecutionLedger> logger)
    {
        _scopes = scopes;
        _queue = queue;
        _releaser = releaser;
        _database = database;
        _options = options;
        _clock = clock;
        _logger = logger;
    }

    /// <summary>Decides whether the execution starts now, waits, is skipped, or was already taken.</summary>
    public async Task<StartDecision> StartAsync(StartRequest request, CancellationToken ct = default)
    {
        var item = new StartItem(request);
        await SubmitAsync(item, ct);
        return await item.Done.Task.WaitAsync(ct);
    }

    /// <summary>
    /// Writes what an attempt changed on a tracked execution (and its attempt rows); the entity is
    /// unchanged afterwards. A finished run lets the next waiting run of its schedule start.
    /// </summary>
    public async Task RecordAsync(EntityEntry<Execution> entry, IReadOnlyList<ExecutionAttempt> attempts, CancellationToken ct = default)
    {
        var execution = entry.Entity;
        var changes = entry.Properties.Where(p => p.IsModified).Select(p => (p.Metadata.Name, p.CurrentValue)).ToList();
        var item = new OutcomeItem(execution.Id, execution.ScheduleId, execution.IsFinished, changes, attempts);
        await SubmitAsync(item, ct);
        await item.Done.Task.WaitAsync(ct);
        foreach (var property in entry.Properties)
        {
            property.OriginalValue = property.CurrentValue;
            property.IsModified = false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        _items.Writer.TryComplete();
        if (_loop is { } loop)
        {
            await loop.ConfigureAwait(false);
        }
    }

    private async Task SubmitAsync(Item item, CancellationToken ct)
    {
        lock (_gate)
        {
            _loop ??= Task.Run(LoopAsync, CancellationToken.None);
        }
        await _items.Writer.WriteAsync(item, ct);
    }

    private async Task LoopAsync()
    {
        var batch = new List<Item>(MaxBatch);
        while (await _items.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            await CommitBatchAsync(batch).ConfigureAwait(false);
        }
    }

    private async Task CommitBatchAsync(List<Item> batch)
    {
        batch.Clear();
        while (batch.Count < MaxBatch && _items.Reader.TryRead(out var item))
        {
            batch.Add(item);
        }
        if (batch.Count == 0)
        {
            return;
        }
        try
        {
            await CommitAsync(batch).ConfigureAwait(false);
        }
        catch (Exception ex) when (batch.Count > 1)
        {
            // One bad item must not fail the others: each goes again on its own.
            _logger.LogWarning(ex, "A ledger batch of {Count} failed; committing its items one by one.", batch.Count);
            foreach (var item in batch)
            {
                try
                {
                    await CommitAsync([item]).ConfigureAwait(false);
                }
                catch (Exception single)
                {
                    item.Fail(single);
                }
            }
        }
        catch (Exception ex)
        {
            batch[0].Fail(ex);
        }
    }

    private async Task CommitAsync(IReadOnlyList<Item> batch)
    {
        await using var scope = _scopes.CreateAsyncScope();
        await using var db = await scope.ServiceProvider.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        var outcomes = batch.OfType<OutcomeItem>().ToList();
        var starts = batch.OfType<StartItem>().ToList();
        var decisions = new Dictionary<StartItem, StartDecision>();
        await using (var transaction = await db.Database.BeginTransactionAsync())
        {
            await EnterEngineLockAsync(db);
            var attached = new Dictionary<Guid, EntityEntry<Execution>>();
            foreach (var outcome in outcomes)
            {
                if (!attached.TryGetValue(outcome.ExecutionId, out var entry))
                {
                    entry = db.Executions.Attach(new Execution { Id = outcome.ExecutionId, OccurrenceKey = string.Empty });
                    attached[outcome.ExecutionId] = entry;
                }
                foreach (var (name, value) in outcome.Changes)
                {
                    var property = entry.Property(name);
                    property.CurrentValue = value;
                    property.IsModified = true;
                }
                db.ExecutionAttempts.AddRange(outcome.Attempts);
            }
            if (outcomes.Count > 0)
            {
                await db.SaveChangesAsync();
            }
            if (starts.Count > 0)
            {
                await DecideAsync(db, starts, decisions);
            }
            await transaction.CommitAsync();
        }

        foreach (var outcome in outcomes)
        {
            outcome.Done.TrySetResult(true);
        }
        foreach (var (start, decision) in decisions)
        {
            start.Done.TrySetResult(decision);
        }
        await ReleaseWaitingAsync(db, outcomes);
    }

    /// <summary>Serializes the start decisions of every node (SQLite: the IMMEDIATE transaction already does).</summary>
    private Task EnterEngineLockAsync(AppDbContext db) => _database.Provider switch
    {
        DatabaseProvider.PostgreSql => db.Database.ExecuteSqlRawAsync("SELECT pg_advisory_xact_lock(727001)"),
        DatabaseProvider.SqlServer => db.Database.ExecuteSqlRawAsync(
            "EXEC sp_getapplock @Resource = N'scheduling-execution-ledger', @LockMode = N'Exclusive', @LockOwner = N'Transaction', @LockTimeout = 30000"),
        _ => Task.CompletedTask,
    };

    private async Task DecideAsync(AppDbContext db, List<StartItem> starts, Dictionary<StartItem, StartDecision> decisions)
    {
        var settings = _options.CurrentValue;
        var now = _clock.GetUtcNow().UtcDateTime;
        var minuteAgo = now.AddMinutes(-1);
        var dayStart = now.Date;
        var ids = starts.Select(s => s.Request.ExecutionId).Distinct().ToList();

        // One query for the runs of the batch: each with its schedule and where it is delivered.
        var rows = await db.Executions.IgnoreQueryFilters().AsNoTracking()
            .Where(e => ids.Contains(e.Id))
            .Select(e => new
            {
                Execution = e,
                Schedule = e.Schedule!,
                Endpoint = db.WebhookEndpoints.IgnoreQueryFilters()
                    .Where(w => w.WorkspaceId == e.WorkspaceId && w.JobType == e.Schedule!.JobType).OrderBy(w => w.Id).Select(w => w.Url).FirstOrDefault(),
                Secret = db.WebhookSecrets.IgnoreQueryFilters()
                    .Where(w => w.WorkspaceId == e.WorkspaceId).OrderBy(w => w.Id).Select(w => w.ProtectedValue).FirstOrDefault(),
            })
            .ToListAsync();
        var loaded = rows.ToDictionary(r => r.Execution.Id, r =>
        {
            r.Execution.Schedule = r.Schedule;
            return (r.Execution, Targets: new PreloadedTargets(r.Endpoint, r.Secret));
        });
        var candidates = loaded.Values.Where(r => !r.Execution.IsFinished && r.Execution.Status != ExecutionStatus.Running).Select(r => r.Execution).ToList();
        var candidateIds = candidates.Select(e => e.Id).ToHashSet();

        // What runs and what started lately, per workspace (each count an index range, not a scan of the history).
        var workspaceIds = candidates.Select(e => e.WorkspaceId).Distinct().ToList();
        var workspaceRows = workspaceIds.Count == 0 ? [] : await db.Workspaces.IgnoreQueryFilters().AsNoTracking()
            .Where(w => workspaceIds.Contains(w.Id))
            .Select(w => new
            {
                w.Id,
                Running = db.Executions.IgnoreQueryFilters().Count(e => e.Status == ExecutionStatus.Running && e.WorkspaceId == w.Id && !e.AwaitingCallback),
                LastMinute = db.Executions.IgnoreQueryFilters().Count(e => e.WorkspaceId == w.Id && e.StartedAt >= minuteAgo),
                Today = db.Executions.IgnoreQueryFilters().Count(e => e.WorkspaceId == w.Id && e.StartedAt >= dayStart),
            })
            .ToListAsync();
        var workspaces = workspaceIds.ToDictionary(id => id, id =>
        {
            var row = workspaceRows.FirstOrDefault(r => r.Id == id);
            // The runs being decided count by what they become, not by what they were (a retry started before).
            var mine = candidates.Where(e => e.WorkspaceId == id).ToList();
            return new WorkspaceLoad(
                row?.Running ?? 0,
                (row?.LastMinute ?? 0) - mine.Count(e => e.StartedAt >= minuteAgo),
                (row?.Today ?? 0) - mine.Count(e => e.StartedAt >= dayStart));
        });

        var scheduleIds = candidates.Select(e => e.ScheduleId).Distinct().ToList();
        var siblings = scheduleIds.Count == 0 ? [] : await db.Executions.IgnoreQueryFilters().AsNoTracking()
            .Where(e => scheduleIds.Contains(e.ScheduleId)
                && ((e.Status == ExecutionStatus.Running && !e.AwaitingCallback) || e.Status == ExecutionStatus.Pending))
            .Select(e => new { e.Id, e.ScheduleId, e.Status, e.ScheduledFor, e.Reason })
            .ToListAsync();
        var schedules = scheduleIds.ToDictionary(id => id, id => new ScheduleLoad(
            siblings.Count(e => e.ScheduleId == id && e.Status == ExecutionStatus.Running),
            [.. siblings.Where(e => e.ScheduleId == id && e.Status == ExecutionStatus.Pending && !candidateIds.Contains(e.Id)).Select(e => (e.ScheduledFor, e.Reason))]));

        var decided = new HashSet<Guid>();
        foreach (var start in starts
            .OrderBy(s => loaded.TryGetValue(s.Request.ExecutionId, out var r) ? r.Execution.ScheduledFor : DateTime.MinValue)
            .ThenBy(s => s.Request.ExecutionId))
        {
            // Two jobs carrying one execution in one batch: the first decides, the second has nothing to do.
            if (!loaded.TryGetValue(start.Request.ExecutionId, out var run) || !candidateIds.Contains(run.Execution.Id) || !decided.Add(run.Execution.Id))
            {
                decisions[start] = new StartDecision.Lost();
                continue;
            }
            var execution = run.Execution;
            var workspace = workspaces[execution.WorkspaceId];
            var schedule = schedules[execution.ScheduleId];
            var decision = await DecideOneAsync(db, execution, start.Request.JobId, run.Targets, workspace, schedule, settings, now, dayStart);
            decisions[start] = decision;
            switch (decision)
            {
                case StartDecision.Started:
                    workspace.Running++;
                    workspace.LastMinute++;
                    if (execution.Attempts == 1)
                    {
                        workspace.Today++;
                    }
                    schedule.Running++;
                    break;
                case StartDecision.Waiting waiting:
                    schedule.Pending.Add((execution.ScheduledFor, waiting.Reason));
                    break;
            }
        }
    }

    private async Task<StartDecision> DecideOneAsync(AppDbContext db, Execution execution, string? jobId, PreloadedTargets targets,
        WorkspaceLoad workspace, ScheduleLoad schedule, ExecutionOptions settings, DateTime now, DateTime dayStart)
    {
        var planned = !execution.IsManual && execution.Status == ExecutionStatus.Pending && execution.Attempts == 0;
        if (planned && execution.Schedule!.Status == ScheduleStatus.Cancelled)
        {
            return await EndAsync(db, execution, ExecutionStatus.Cancelled, "The schedule was cancelled before this run started.", now);
        }
        // Its time: the occurrence, or later by the schedule's jitter. Not NotBefore: a run released from a wait
        // (overlap, limits) still carries the time of its recheck there, and must start at once.
        var due = Jitter.StartOf(execution.ScheduleId, NodaTime.Instant.FromDateTimeUtc(DateTime.SpecifyKind(execution.ScheduledFor, DateTimeKind.Utc)), execution.Schedule!.JitterSeconds).ToDateTimeUtc();
        if (planned && due > now + EarlyTolerance)
        {
            // Claimed ahead of its time and handed over early (a recovery, a replay): it waits for its time.
            if (_releaser.HandOver(execution.Id, execution.Priority, due) is not { } jobAt)
            {
                return new StartDecision.Waiting("Waiting for its time.");
            }
            var moved = await Rows(db, execution).ExecuteUpdateAsync(set => set.SetProperty(e => e.HangfireJobId, jobAt));
            return moved == 0 ? new StartDecision.Lost() : new StartDecision.Waiting("Waiting for its time.");
        }

        // Limits first: excess work waits with its reason shown, it is never dropped.
        if (workspace.Running >= settings.WorkspaceConcurrencyLimit)
        {
            return await WaitAsync(db, execution, TimeSpan.FromSeconds(1), $"Waiting: the workspace runs {settings.WorkspaceConcurrencyLimit} jobs at once (Execution:WorkspaceConcurrencyLimit).", now);
        }
        if (workspace.LastMinute >= settings.WorkspaceRatePerMinute)
        {
            return await WaitAsync(db, execution, TimeSpan.FromSeconds(5), $"Waiting: the workspace starts at most {settings.WorkspaceRatePerMinute} jobs a minute (Execution:WorkspaceRatePerMinute).", now);
        }
        if (execution.StartedAt is null && workspace.Today >= settings.WorkspaceDailyQuota)
        {
            return await WaitAsync(db, execution, dayStart.AddDays(1) - now, $"Waiting for tomorrow (UTC): the workspace's daily quota of {settings.WorkspaceDailyQuota} runs is used (Execution:WorkspaceDailyQuota).", now);
        }

        var catchingUp = execution.Reason == CatchingUp;
        var policy = catchingUp ? OverlapPolicy.QueueAll : execution.Schedule!.OverlapPolicy;
        // queue_all keeps occurrence order: the runs waiting ahead are those of earlier occurrences. queue_one keeps one
        // run waiting, whichever got there first: a run decided out of order (a late or recovered job) is not a second.
        var waitingAhead = schedule.Pending.Count(p => (policy == OverlapPolicy.QueueOne || p.ScheduledFor < execution.ScheduledFor)
            && (catchingUp || p.Reason == WaitingForPreviousRun || p.Reason == CatchingUp));
        switch (OverlapRules.Decide(policy, schedule.Running, waitingAhead))
        {
            case OverlapDecision.Skip:
                return await EndAsync(db, execution, ExecutionStatus.Skipped, SkippedOverlap, now);
            case OverlapDecision.Wait:
                return await WaitAsync(db, execution, OverlapRecheck, catchingUp ? CatchingUp : WaitingForPreviousRun, now);
        }

        var startedAt = execution.StartedAt ?? now;
        var attempt = execution.Attempts + 1;
        // The job that starts the run carries it from now on: a late recheck or release job leaves it alone.
        var carrier = jobId ?? execution.HangfireJobId;
        var won = await Rows(db, execution).ExecuteUpdateAsync(set => set
            .SetProperty(e => e.Status, ExecutionStatus.Running)
            .SetProperty(e => e.Attempts, attempt)
            .SetProperty(e => e.StartedAt, startedAt)
            .SetProperty(e => e.AttemptStartedAt, now)
            .SetProperty(e => e.Reason, (string?)null)
            .SetProperty(e => e.NotBefore, (DateTime?)null)
            .SetProperty(e => e.HangfireJobId, carrier));
        if (won == 0)
        {
            return new StartDecision.Lost();
        }
        execution.Status = ExecutionStatus.Running;
        execution.Attempts = attempt;
        execution.StartedAt = startedAt;
        execution.AttemptStartedAt = now;
        execution.Reason = null;
        execution.NotBefore = null;
        execution.HangfireJobId = carrier;
        return new StartDecision.Started(execution, targets);
    }

    private static async Task<StartDecision> EndAsync(AppDbContext db, Execution execution, ExecutionStatus status, string reason, DateTime now)
    {
        var ended = await Rows(db, execution).ExecuteUpdateAsync(set => set
            .SetProperty(e => e.Status, status)
            .SetProperty(e => e.CompletedAt, now)
            .SetProperty(e => e.Reason, reason)
            .SetProperty(e => e.NotBefore, (DateTime?)null));
        return ended == 0 ? new StartDecision.Lost() : new StartDecision.Ended(status, reason);
    }

    private async Task<StartDecision> WaitAsync(AppDbContext db, Execution execution, TimeSpan delay, string reason, DateTime now)
    {
        // The job exists before the row says so: if this commit is lost, the job finds the row unchanged and decides again.
        var jobId = _queue.Schedule(execution.Id, execution.Priority, delay);
        var notBefore = now + delay;
        var updated = await Rows(db, execution).ExecuteUpdateAsync(set => set
            .SetProperty(e => e.Reason, reason)
            .SetProperty(e => e.NotBefore, notBefore)
            .SetProperty(e => e.HangfireJobId, jobId));
        return updated == 0 ? new StartDecision.Lost() : new StartDecision.Waiting(reason);
    }

    /// <summary>
    /// The row as read in this batch. The engine lock keeps other ledgers out; the condition keeps out the few
    /// writers that do not take it (a schedule edit taking back a run claimed ahead, the recovery sweep).
    /// </summary>
    private static IQueryable<Execution> Rows(AppDbContext db, Execution execution)
    {
        var (id, status, attempts) = (execution.Id, execution.Status, execution.Attempts);
        return db.Executions.IgnoreQueryFilters().Where(e => e.Id == id && e.Status == status && e.Attempts == attempts);
    }

    /// <summary>A run that finished lets the next waiting run of its schedule start at once.</summary>
    private async Task ReleaseWaitingAsync(AppDbContext db, List<OutcomeItem> outcomes)
    {
        var finished = outcomes.Where(o => o.Finished).Select(o => o.ScheduleId).Distinct().ToList();
        if (finished.Count == 0)
        {
            return;
        }
        try
        {
            var waiting = await db.Executions.IgnoreQueryFilters().AsNoTracking()
                .Where(e => finished.Contains(e.ScheduleId) && e.Status == ExecutionStatus.Pending && (e.Reason == WaitingForPreviousRun || e.Reason == CatchingUp))
                .Select(e => new { e.Id, e.ScheduleId, e.Priority, e.ScheduledFor })
                .ToListAsync();
            foreach (var next in waiting.GroupBy(e => e.ScheduleId).Select(g => g.OrderBy(e => e.ScheduledFor).First()))
            {
                _queue.Enqueue(next.Id, next.Priority);
            }
        }
        catch (Exception ex)
        {
            // Not lost: the waiting run's own recheck job comes back within seconds.
            _logger.LogWarning(ex, "Could not release the runs waiting behind {Count} finished run(s).", finished.Count);
        }
    }

    private abstract class Item
    {
        public abstract void Fail(Exception exception);
    }

    private sealed class StartItem(StartRequest request) : Item
    {
        public StartRequest Request { get; } = request;
        public TaskCompletionSource<StartDecision> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override void Fail(Exception exception) => Done.TrySetException(exception);
    }

    private sealed class OutcomeItem(Guid executionId, Guid scheduleId, bool finished, List<(string Name, object? Value)> changes, IReadOnlyList<ExecutionAttempt> attempts) : Item
    {
        public Guid ExecutionId { get; } = executionId;
        public Guid ScheduleId { get; } = scheduleId;
        public bool Finished { get; } = finished;
        public List<(string Name, object? Value)> Changes { get; } = changes;
        public IReadOnlyList<ExecutionAttempt> Attempts { get; } = attempts;
        public TaskCompletionSource<bool> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override void Fail(Exception exception) => Done.TrySetException(exception);
    }

    private sealed class WorkspaceLoad(int running, int lastMinute, int today)
    {
        public int Running { get; set; } = running;
        public int LastMinute { get; set; } = lastMinute;
        public int Today { get; set; } = today;
    }

    private sealed class ScheduleLoad(int running, List<(DateTime ScheduledFor, string? Reason)> pending)
    {
        public int Running { get; set; } = running;
        public List<(DateTime ScheduledFor, string? Reason)> Pending { get; } = pending;
    }
}
