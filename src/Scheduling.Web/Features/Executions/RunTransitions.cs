using Microsoft.EntityFrameworkCore;
using Scheduling.Core.Scheduling;
using Scheduling.Web.Data;

namespace Scheduling.Web.Features.Executions;

/// <summary>
/// One change of a run's state, as committed: <see cref="From"/> null for a run created, <see cref="To"/> null for a
/// run withdrawn (a run claimed ahead taken back by a schedule edit: the row is deleted).
/// </summary>
/// <summary>
/// A run changes state. <paramref name="ScheduleId"/> is set where the writer knows it without a query (a created run,
/// an attempt's end): observers that only care about some schedules (the series') answer the others from memory.
/// </summary>
public sealed record RunTransition(Guid ExecutionId, ExecutionStatus? From, ExecutionStatus? To, WaitReason WaitReason, Guid? ScheduleId = null);

/// <summary>
/// Hangs behaviour off run transitions (series, waves, lifecycle events): called for each transition with the context
/// that writes it, inside its transaction, before the commit; what it writes commits (or rolls back) with the transition.
/// A created run is in the context's change tracker, written by the caller's SaveChanges in the same transaction.
/// </summary>
public interface IRunTransitionObserver
{
    /// <summary>
    /// Observers are called in this order, lowest first: the outbox's own run events (−1) before the events that follow
    /// from them (an episode released, a wave completed), so that receivers hear of a run's end before of what it ended.
    /// </summary>
    int Order => 0;

    Task OnTransitionAsync(AppDbContext db, RunTransition transition, CancellationToken ct);

    /// <summary>
    /// Runs created together (a dispatcher's batch), each a transition from nothing. An observer that reads the
    /// database for them does it once for the batch here, not once per run.
    /// </summary>
    async Task OnCreatedAsync(AppDbContext db, IReadOnlyCollection<Execution> runs, CancellationToken ct)
    {
        foreach (var run in runs)
        {
            await OnTransitionAsync(db, RunTransitions.Created(run), ct);
        }
    }

    /// <summary>
    /// Transitions written together (a ledger batch: its starts, or its ends), in the order written. An observer that
    /// writes or reads for them does it once for the batch here (the engine's hot path), not once per run.
    /// </summary>
    async Task OnTransitionsAsync(AppDbContext db, IReadOnlyList<RunTransition> transitions, CancellationToken ct)
    {
        foreach (var transition in transitions)
        {
            await OnTransitionAsync(db, transition, ct);
        }
    }
}

/// <summary>What the end of an attempt writes on its run (a snapshot: the ledger commits it later, with others).</summary>
public sealed record RunOutcome(
    Guid ExecutionId, Guid ScheduleId, int Attempt, ExecutionStatus Status, DateTime? CompletedAt, long? DurationMs, DateTime? NotBefore,
    string? Reason, WaitReason WaitReason, string? Error, string? Result, bool AwaitingCallback, DateTime? CallbackDeadline, string? HangfireJobId)
{
    public bool Finished => Execution.HasEnded(Status);

    /// <summary>The run as it is (the base of the outcomes below).</summary>
    public static RunOutcome Of(Execution e) => new(e.Id, e.ScheduleId, e.Attempts, e.Status, e.CompletedAt, e.DurationMs, e.NotBefore,
        e.Reason, e.WaitReason, e.Error, e.Result, e.AwaitingCallback, e.CallbackDeadline, e.HangfireJobId);

    /// <summary>
    /// The run ends: completed, or failed for good. Duration from its first start; a failure's message is its error,
    /// another's (if any) its reason; a completed run keeps no error of earlier attempts.
    /// </summary>
    public static RunOutcome Ended(Execution run, ExecutionStatus status, string? message, string? result, DateTime now) => Of(run) with
    {
        Status = status,
        CompletedAt = now,
        DurationMs = run.StartedAt is { } started ? (long)(now - started).TotalMilliseconds : null,
        NotBefore = null,
        Reason = status == ExecutionStatus.Failed ? null : Clip(message, 500),
        WaitReason = WaitReason.None,
        Error = status == ExecutionStatus.Failed ? Clip(message, 4000) : status == ExecutionStatus.Completed ? null : run.Error,
        Result = result,
        AwaitingCallback = false,
    };

    /// <summary>The attempt failed and the retry policy tries again after <paramref name="delay"/>, carried by <paramref name="job"/>.</summary>
    public static RunOutcome RetryAfter(Execution run, string error, TimeSpan delay, string job, string? result, DateTime now) => Of(run) with
    {
        Status = ExecutionStatus.Pending,
        Error = Clip(error, 4000),
        Reason = Clip($"Attempt {run.Attempts} failed ({error}); retry in {delay.TotalSeconds:0} s.", 500),
        WaitReason = WaitReason.RetryBackoff,
        NotBefore = now + delay,
        HangfireJobId = job,
        Result = result,
        AwaitingCallback = false,
    };

    /// <summary>Produced: the run waits (pending, <see cref="WaitReason.PublishAt"/>) until <paramref name="until"/>, when <paramref name="job"/> brings it back to publish.</summary>
    public static RunOutcome HeldForPublishing(Execution run, DateTime until, string job, string? result) => Of(run) with
    {
        Status = ExecutionStatus.Pending,
        Reason = WaitReasons.ReadyToPublish(until),
        WaitReason = WaitReason.PublishAt,
        NotBefore = until,
        HangfireJobId = job,
        Result = result,
        AwaitingCallback = false,
        Error = null,
    };

    /// <summary>The integration accepted the run (202): it stays running until its callback, or <paramref name="deadline"/> (checked by <paramref name="job"/>).</summary>
    public static RunOutcome WaitingForCallback(Execution run, DateTime deadline, string job, string? result) => Of(run) with
    {
        AwaitingCallback = true,
        CallbackDeadline = deadline,
        HangfireJobId = job,
        Result = result,
    };

    /// <summary>The caller's copy of the run, as this outcome leaves it.</summary>
    public void ApplyTo(Execution run)
    {
        run.Status = Status;
        run.CompletedAt = CompletedAt;
        run.DurationMs = DurationMs;
        run.NotBefore = NotBefore;
        run.Reason = Reason;
        run.WaitReason = WaitReason;
        run.Error = Error;
        run.Result = Result;
        run.AwaitingCallback = AwaitingCallback;
        run.CallbackDeadline = CallbackDeadline;
        run.HangfireJobId = HangfireJobId;
    }

    private static string? Clip(string? value, int max) => value is null || value.Length <= max ? value : value[..max];
}

/// <summary>
/// The one owner of run state, as Hangfire's state changer is for its jobs. Every change of an execution's status
/// (and the fields that go with it) is written here, as a compare-and-set on the state the caller saw: of two writers
/// at once (two nodes, a worker and a schedule edit, a callback and its timeout) one wins, the other learns it lost.
/// Runs are created by the factories on <see cref="Execution"/> and added here. Each committed transition is handed to
/// the <see cref="IRunTransitionObserver"/>s in the same transaction (one is opened when the caller has none and there
/// are observers). Writes that change no status (the Hangfire job that carries a run) stay with their callers.
/// </summary>
public sealed class RunTransitions(IEnumerable<IRunTransitionObserver> observers)
{
    private readonly IRunTransitionObserver[] _observers = [.. observers.OrderBy(o => o.Order)];

    /// <summary>New runs (from the factories on <see cref="Execution"/>) join the context; the caller's SaveChanges writes them.</summary>
    public async Task CreateAsync(AppDbContext db, IReadOnlyCollection<Execution> runs, CancellationToken ct = default)
    {
        db.Executions.AddRange(runs);
        if (runs.Count == 0)
        {
            return;
        }
        foreach (var observer in _observers)
        {
            await observer.OnCreatedAsync(db, runs, ct);
        }
    }

    /// <summary>The transition of a run being created.</summary>
    public static RunTransition Created(Execution run) => new(run.Id, null, run.Status, run.WaitReason, run.ScheduleId);

    /// <summary>
    /// Pending → running: an attempt starts, carried by <paramref name="carrier"/>. The row must still be as
    /// <paramref name="seen"/> (status and attempts); on success <paramref name="seen"/> is updated to match.
    /// </summary>
    public async Task<bool> StartAsync(AppDbContext db, Execution seen, string? carrier, DateTime now, CancellationToken ct = default) =>
        (await StartManyAsync(db, [(seen, carrier)], now, ct))[0];

    /// <summary>
    /// <see cref="StartAsync"/> for many runs, written together (one round trip where the database batches statements);
    /// true for each run that started.
    /// </summary>
    public async Task<bool[]> StartManyAsync(AppDbContext db, IReadOnlyList<(Execution Seen, string? Carrier)> starts, DateTime now, CancellationToken ct = default) =>
        (await StartAndWaitManyAsync(db, starts, [], now, [], ct)).Started;

    /// <summary>
    /// <see cref="StartManyAsync"/> and <see cref="WaitManyAsync"/> in one round trip, with the caller's own
    /// <paramref name="alongside"/> writes: the ledger's batch writes its starts, its waits and its workspaces' start tallies
    /// while it holds their locks, so each round trip there holds up every node.
    /// </summary>
    internal async Task<(bool[] Started, bool[] Waited)> StartAndWaitManyAsync(AppDbContext db, IReadOnlyList<(Execution Seen, string? Carrier)> starts,
        IReadOnlyList<PlannedWait> waits, DateTime now, IReadOnlyList<(RowUpdates Update, IReadOnlyList<object?[]> Rows)> alongside, CancellationToken ct = default)
    {
        var startRows = starts.Select(s => new object?[]
        {
            ExecutionStatus.Running, s.Seen.Attempts + 1, s.Seen.StartedAt ?? now, now, null, WaitReason.None, null, s.Carrier,
            s.Seen.Id, s.Seen.Status, s.Seen.Attempts,
        }).ToList();
        var won = await WriteManyAsync(db,
        [
            (StartUpdate(db), startRows, i => new RunTransition(starts[i].Seen.Id, starts[i].Seen.Status, ExecutionStatus.Running, WaitReason.None)),
            (WaitUpdate(db), WaitRows(waits), i => new RunTransition(waits[i].Seen.Id, waits[i].Seen.Status, waits[i].Seen.Status, waits[i].Reason)),
        ], ct, alongside);
        for (var i = 0; i < starts.Count; i++)
        {
            if (won[0][i])
            {
                var (seen, carrier) = starts[i];
                seen.Status = ExecutionStatus.Running;
                seen.Attempts++;
                seen.StartedAt ??= now;
                seen.AttemptStartedAt = now;
                seen.Reason = null;
                seen.WaitReason = WaitReason.None;
                seen.NotBefore = null;
                seen.HangfireJobId = carrier;
            }
        }
        for (var i = 0; i < waits.Count; i++)
        {
            if (won[1][i])
            {
                // As written: the ledger decides a run kept for a place again from what it read (decision 0042).
                var wait = waits[i];
                wait.Seen.Reason = wait.Text;
                wait.Seen.WaitReason = wait.Reason;
                wait.Seen.NotBefore = wait.NotBefore;
                wait.Seen.HangfireJobId = wait.Job;
            }
        }
        return (won[0], won[1]);
    }

    private static RowUpdates<Execution> StartUpdate(AppDbContext db) => RowUpdates<Execution>.For(db, "start",
        [e => e.Status, e => e.Attempts, e => e.StartedAt, e => e.AttemptStartedAt, e => e.Reason, e => e.WaitReason, e => e.NotBefore, e => e.HangfireJobId],
        [e => e.Id, e => e.Status, e => e.Attempts]);

    private static RowUpdates<Execution> WaitUpdate(AppDbContext db) => RowUpdates<Execution>.For(db, "wait",
        [e => e.Reason, e => e.WaitReason, e => e.NotBefore, e => e.HangfireJobId],
        [e => e.Id, e => e.Status, e => e.Attempts]);

    private static List<object?[]> WaitRows(IReadOnlyList<PlannedWait> waits) =>
        [.. waits.Select(w => new object?[] { w.Text, w.Reason, w.NotBefore, w.Job, w.Seen.Id, w.Seen.Status, w.Seen.Attempts })];

    /// <summary>Pending → skipped or cancelled without running (overlap policy, a cancelled schedule).</summary>
    public Task<bool> EndUnstartedAsync(AppDbContext db, Execution seen, ExecutionStatus status, string reason, DateTime now, CancellationToken ct = default) =>
        WriteAsync(db, AsSeen(db, seen), set => set
            .SetProperty(e => e.Status, status)
            .SetProperty(e => e.CompletedAt, now)
            .SetProperty(e => e.Reason, reason)
            .SetProperty(e => e.WaitReason, WaitReason.None)
            .SetProperty(e => e.NotBefore, (DateTime?)null), new RunTransition(seen.Id, seen.Status, status, WaitReason.None), ct);

    /// <summary>Pending stays pending, waiting for <paramref name="reason"/> until <paramref name="notBefore"/>, when <paramref name="job"/> brings it back.</summary>
    public async Task<bool> WaitAsync(AppDbContext db, Execution seen, WaitReason reason, string? text, DateTime notBefore, string? job, CancellationToken ct = default) =>
        (await WaitManyAsync(db, [new PlannedWait(seen, reason, text, notBefore, job)], ct))[0];

    /// <summary><see cref="WaitAsync"/> for many runs, written together; true for each run still as seen.</summary>
    public async Task<bool[]> WaitManyAsync(AppDbContext db, IReadOnlyList<PlannedWait> waits, CancellationToken ct = default) =>
        (await WriteManyAsync(db, [(WaitUpdate(db), WaitRows(waits), i => new RunTransition(waits[i].Seen.Id, waits[i].Seen.Status, waits[i].Seen.Status, waits[i].Reason))], ct))[0];

    /// <summary>
    /// Running → what the attempt's end made of it: completed, failed, pending again (a retry) or still running
    /// (awaiting a callback). Only if the run is still running that attempt: a callback and its timeout, or a late
    /// worker after a recovery, do not both write.
    /// </summary>
    public async Task<bool> EndAttemptAsync(AppDbContext db, RunOutcome outcome, CancellationToken ct = default) =>
        (await EndAttemptsAsync(db, [outcome], ct: ct))[0];

    /// <summary>
    /// <see cref="EndAttemptAsync"/> for many runs, written together; true for each outcome recorded. Each outcome's
    /// <paramref name="attempts"/> rows (when given) are written with it, in the same round trip, and only for the outcomes
    /// recorded: those of an outcome that lost its compare-and-set are taken out again before the transaction ends (rare:
    /// a callback and its timeout at once), which costs a round trip only then.
    /// </summary>
    public async Task<bool[]> EndAttemptsAsync(AppDbContext db, IReadOnlyList<RunOutcome> outcomes, IReadOnlyList<IReadOnlyList<ExecutionAttempt>>? attempts = null,
        CancellationToken ct = default)
    {
        var end = RowUpdates<Execution>.For(db, "end-attempt",
            [e => e.Status, e => e.CompletedAt, e => e.DurationMs, e => e.NotBefore, e => e.Reason, e => e.WaitReason, e => e.Error, e => e.Result,
                e => e.AwaitingCallback, e => e.CallbackDeadline, e => e.HangfireJobId],
            [e => e.Id, e => e.Status, e => e.Attempts]);
        var ends = outcomes.Select(o => new object?[]
        {
            o.Status, o.CompletedAt, o.DurationMs, o.NotBefore, o.Reason, o.WaitReason, o.Error, o.Result, o.AwaitingCallback, o.CallbackDeadline, o.HangfireJobId,
            o.ExecutionId, ExecutionStatus.Running, o.Attempt,
        }).ToList();
        RunTransition Transition(int i) => new(outcomes[i].ExecutionId, ExecutionStatus.Running, outcomes[i].Status, outcomes[i].WaitReason, outcomes[i].ScheduleId);
        List<object?[]> attemptRows = [.. (attempts ?? []).SelectMany(a => a).Select(a => new object?[]
        {
            a.Id, a.WorkspaceId, a.ExecutionId, a.Number, a.StartedAt, a.CompletedAt, a.Status, a.Action, a.Target, a.Request, a.ResponseStatus, a.Response, a.Error, a.DurationMs,
        })];
        if (attemptRows.Count == 0)
        {
            return (await WriteManyAsync(db, [(end, ends, Transition)], ct))[0];
        }
        await using var own = db.Database.CurrentTransaction is null ? await db.Database.BeginTransactionAsync(ct) : null;
        var inserts = RowUpdates<ExecutionAttempt>.Inserts(db, "attempt",
            [a => a.Id, a => a.WorkspaceId, a => a.ExecutionId, a => a.Number, a => a.StartedAt, a => a.CompletedAt, a => a.Status, a => a.Action, a => a.Target,
                a => a.Request, a => a.ResponseStatus, a => a.Response, a => a.Error, a => a.DurationMs]);
        var won = (await WriteManyAsync(db, [(end, ends, Transition)], ct, [(inserts, attemptRows)]))[0];
        List<Guid> lost = [.. Enumerable.Range(0, outcomes.Count).Where(i => !won[i]).SelectMany(i => attempts![i]).Select(a => a.Id)];
        if (lost.Count > 0)
        {
            await db.ExecutionAttempts.IgnoreQueryFilters().Where(a => lost.Contains(a.Id)).ExecuteDeleteAsync(ct);
        }
        if (own is not null)
        {
            await own.CommitAsync(ct);
        }
        return won;
    }

    /// <summary>Running → pending: the attempt died with its job (the recovery sweep); only if still carried by <paramref name="observedJob"/>.</summary>
    public Task<bool> InterruptAsync(AppDbContext db, Guid id, int attempt, string? observedJob, string reason, CancellationToken ct = default) =>
        WriteAsync(db, db.Executions.IgnoreQueryFilters().Where(e => e.Id == id && e.Status == ExecutionStatus.Running && !e.AwaitingCallback
                && e.Attempts == attempt && e.HangfireJobId == observedJob), set => set
            .SetProperty(e => e.Status, ExecutionStatus.Pending)
            .SetProperty(e => e.Reason, reason)
            .SetProperty(e => e.WaitReason, WaitReason.None), new RunTransition(id, ExecutionStatus.Running, ExecutionStatus.Pending, WaitReason.None), ct);

    /// <summary>
    /// A finished run back to pending to run again, keeping its id (and so the idempotency key the integration sees):
    /// a retry, a skipped run run after all, a backfill. Only if it is still <paramref name="seenAs"/>: of two requests at
    /// once one reopens it; handing it to Hangfire is the caller's. <paramref name="enqueuedAt"/>, when given, replaces
    /// the time it was first handed over.
    /// </summary>
    public Task<bool> ReopenAsync(AppDbContext db, Guid id, ExecutionStatus seenAs, string? reason, WaitReason waitReason = WaitReason.None,
        DateTime? enqueuedAt = null, CancellationToken ct = default) =>
        WriteAsync(db, db.Executions.Where(e => e.Id == id && e.Status == seenAs), set => set
            .SetProperty(e => e.Status, ExecutionStatus.Pending)
            .SetProperty(e => e.Reason, reason)
            .SetProperty(e => e.WaitReason, waitReason)
            .SetProperty(e => e.CompletedAt, (DateTime?)null)
            .SetProperty(e => e.NotBefore, (DateTime?)null)
            .SetProperty(e => e.HangfireJobId, (string?)null)
            .SetProperty(e => e.EnqueuedAt, e => enqueuedAt ?? e.EnqueuedAt), new RunTransition(id, seenAs, ExecutionStatus.Pending, waitReason), ct);

    /// <summary>
    /// Takes back planned runs claimed ahead that have not started (a schedule edit, pause or cancel): deleted, as if
    /// never claimed. Only rows still untouched: a worker that started one meanwhile keeps it. Returns how many went.
    /// </summary>
    public async Task<int> WithdrawAsync(AppDbContext db, IReadOnlyCollection<Guid> ids, CancellationToken ct = default)
    {
        var untouched = db.Executions.Where(e => ids.Contains(e.Id) && e.Status == ExecutionStatus.Pending && e.Attempts == 0);
        if (_observers.Length == 0)
        {
            return await untouched.ExecuteDeleteAsync(ct);
        }
        await using var own = db.Database.CurrentTransaction is null ? await db.Database.BeginTransactionAsync(ct) : null;
        var withdrawn = await untouched.Select(e => e.Id).ToListAsync(ct);
        var removed = await db.Executions.Where(e => withdrawn.Contains(e.Id) && e.Status == ExecutionStatus.Pending && e.Attempts == 0).ExecuteDeleteAsync(ct);
        foreach (var id in withdrawn)
        {
            await NotifyAsync(db, new RunTransition(id, ExecutionStatus.Pending, null, WaitReason.None), ct);
        }
        if (own is not null)
        {
            await own.CommitAsync(ct);
        }
        return removed;
    }

    /// <summary>
    /// Records the job that carries a reopened (or new) run, unless the engine already gave it one (not a transition:
    /// the run stays pending; the ledger may have decided it meanwhile, and its job must not be replaced).
    /// </summary>
    public static Task RecordJobAsync(AppDbContext db, Guid id, string jobId) =>
        db.Executions.Where(e => e.Id == id && e.HangfireJobId == null)
            .ExecuteUpdateAsync(set => set.SetProperty(e => e.HangfireJobId, jobId), CancellationToken.None);

    /// <summary>The row as the caller read it: the compare of the compare-and-set.</summary>
    private static IQueryable<Execution> AsSeen(AppDbContext db, Execution seen)
    {
        var (id, status, attempts) = (seen.Id, seen.Status, seen.Attempts);
        return db.Executions.IgnoreQueryFilters().Where(e => e.Id == id && e.Status == status && e.Attempts == attempts);
    }

    private async Task<bool> WriteAsync(AppDbContext db, IQueryable<Execution> expected, Action<Microsoft.EntityFrameworkCore.Query.UpdateSettersBuilder<Execution>> set,
        RunTransition transition, CancellationToken ct)
    {
        if (_observers.Length == 0)
        {
            return await expected.ExecuteUpdateAsync(set, ct) == 1;
        }
        await using var own = db.Database.CurrentTransaction is null ? await db.Database.BeginTransactionAsync(ct) : null;
        if (await expected.ExecuteUpdateAsync(set, ct) != 1)
        {
            return false;
        }
        await NotifyAsync(db, transition, ct);
        if (own is not null)
        {
            await own.CommitAsync(ct);
        }
        return true;
    }

    private async Task<bool[][]> WriteManyAsync(AppDbContext db,
        IReadOnlyList<(RowUpdates<Execution> Update, IReadOnlyList<object?[]> Rows, Func<int, RunTransition> Transition)> parts, CancellationToken ct,
        IReadOnlyList<(RowUpdates Update, IReadOnlyList<object?[]> Rows)>? alongside = null)
    {
        var rows = parts.Sum(part => part.Rows.Count) + (alongside?.Sum(part => part.Rows.Count) ?? 0);
        await using var own = db.Database.CurrentTransaction is null && (_observers.Length > 0 || rows > 1) ? await db.Database.BeginTransactionAsync(ct) : null;
        var won = await RowUpdates.RunTogetherAsync(db, [.. parts.Select(part => ((RowUpdates)part.Update, part.Rows)), .. alongside ?? []], ct);
        if (_observers.Length > 0)
        {
            var happened = new List<RunTransition>();
            for (var p = 0; p < parts.Count; p++)
            {
                for (var i = 0; i < won[p].Length; i++)
                {
                    if (won[p][i])
                    {
                        happened.Add(parts[p].Transition(i));
                    }
                }
            }
            if (happened.Count > 0)
            {
                foreach (var observer in _observers)
                {
                    await observer.OnTransitionsAsync(db, happened, ct);
                }
            }
        }
        if (own is not null)
        {
            await own.CommitAsync(ct);
        }
        return won;
    }

    private async Task NotifyAsync(AppDbContext db, RunTransition transition, CancellationToken ct)
    {
        foreach (var observer in _observers)
        {
            await observer.OnTransitionAsync(db, transition, ct);
        }
    }
}

/// <summary>A run that stays pending, waiting for <paramref name="Reason"/> until <paramref name="NotBefore"/>, when <paramref name="Job"/> brings it back.</summary>
public sealed record PlannedWait(Execution Seen, WaitReason Reason, string? Text, DateTime NotBefore, string? Job);

/// <summary>A run that releases an episode of a series, as the engine needs it at its start.</summary>
/// <param name="HeldBack">An earlier episode must go (or be skipped) first: the run waits (decision 0017).</param>
/// <param name="JobConfig">The episode's own job config, or null for the schedule's.</param>
/// <param name="HeldBackFromProducing">As <paramref name="HeldBack"/>, not counting earlier episodes already produced and
/// waiting for their publish time: production may go ahead of them, publishing never does (decision 0031).</param>
public sealed record EpisodeRun(Guid SeriesId, string SeriesName, int Number, int EpisodeCount, string Title, string? JobConfig, bool HeldBack,
    bool HeldBackFromProducing)
{
    /// <summary>
    /// Whether the run waits for an earlier episode. A run that has started before (<paramref name="startedBefore"/>) may
    /// be going on to publish, so every earlier episode must be out first; a run yet to produce waits only for those not produced.
    /// </summary>
    public bool Holds(bool startedBefore) => startedBefore ? HeldBack : HeldBackFromProducing;
}

/// <summary>
/// Order beyond a schedule's overlap policy (a series' episodes): the ledger asks it, holding the run's workspace lock and in its
/// transaction, about the runs it is deciding that are linked to an episode (a <c>SeriesEpisodes</c> row names them; the
/// ledger reads that before the lock, so a batch without episodes asks nothing). Runs it does not know are not in the answer.
/// </summary>
public interface IRunOrderGate
{
    Task<IReadOnlyDictionary<Guid, EpisodeRun>> EpisodesAsync(AppDbContext db, IReadOnlyCollection<Guid> runIds, CancellationToken ct);

    /// <summary>
    /// Which schedules of runs the ledger read to start belong to a series, read with them: the ends of those runs are
    /// recorded on this node, and the gate need not ask again then (a round trip in each end batch).
    /// </summary>
    void Know(IEnumerable<(Guid ScheduleId, bool OfSeries)> schedules);
}
