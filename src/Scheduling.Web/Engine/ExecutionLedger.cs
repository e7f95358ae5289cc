using System.Threading.Channels;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Scheduling.Core.Scheduling;
using Scheduling.Web.Data;
using Scheduling.Web.Features.Executions;

namespace Scheduling.Web.Engine;

/// <summary>A worker asks to start the execution its Hangfire job carries.</summary>
/// <param name="MayWait">
/// The worker may wait for a place while the run's workspace is at its concurrency limit (decision 0035): the ledger
/// keeps the request and decides it again as places free, instead of refusing the run into a recheck job. Never longer
/// than <see cref="ExecutionLedger.WaitForAPlaceAtMost"/>, and never for more than half the node's workers at once.
/// </param>
/// <param name="BackIfFull">
/// A job carrying several runs asks for all of them at once (decision 0042): one at its workspace's concurrency limit is
/// neither kept nor refused but told <see cref="StartDecision.NoPlace"/>, unchanged, and its job asks again once the runs
/// that did start have run.
/// </param>
public sealed record StartRequest(Guid ExecutionId, string? JobId, bool MayWait = false, bool BackIfFull = false);

public abstract record StartDecision
{
    private StartDecision()
    {
    }

    /// <summary>
    /// The row is now running. The execution (with its schedule) is as written, not tracked by any context,
    /// and comes with where it is delivered.
    /// </summary>
    public sealed record Started(Execution Execution, PreloadedTargets Targets, EpisodeRun? Episode = null, PreloadedPipeline? Pipeline = null) : StartDecision;

    /// <summary>Deferred with its reason shown (limits, overlap, not yet due); a Hangfire job brings it back.</summary>
    public sealed record Waiting(WaitReason Reason) : StartDecision;

    /// <summary>Ended without running: skipped (overlap policy) or cancelled (its schedule was).</summary>
    public sealed record Ended(ExecutionStatus Status, string Reason) : StartDecision;

    /// <summary>Nothing to do: the row is gone, finished, or carried by another job.</summary>
    public sealed record Lost : StartDecision;

    /// <summary>At the concurrency limit, asked with <see cref="StartRequest.BackIfFull"/>: nothing written, its job asks again.</summary>
    public sealed record NoPlace : StartDecision;

    /// <summary>At the concurrency limit, and the worker may wait: the ledger keeps the request (never told to a worker).</summary>
    internal sealed record WaitingForAPlace : StartDecision;

    /// <summary>
    /// Refused for now: written as <see cref="Waiting"/> with the batch's other writes, after its recheck job is made
    /// (never told to a worker).
    /// </summary>
    internal sealed record Refused(WaitReason Reason, TimeSpan Recheck) : StartDecision;
}

/// <summary>
/// The single writer of run starts and run outcomes on this node (group commit). Workers hand in their
/// requests and wait; a loop takes everything that queued up meanwhile and commits it in one
/// transaction (on SQLite one loop for both; on PostgreSQL and SQL Server the ends have a loop of their own,
/// decision 0036). SQLite allows about two thousand commits a second on a good disk, so a burst of runs
/// that each committed their start and end on their own could not start within the lag target (see
/// docs/decisions/0004-execution-ledger.md).
/// The start decisions (workspace concurrency, rate and quota, the overlap policy) are taken inside that
/// transaction holding the locks of the batch's workspaces: SQLite's write lock (transactions begin IMMEDIATE); on
/// PostgreSQL and SQL Server the row of each workspace's <see cref="WorkspaceStartTally"/>, locked in one order by the
/// statement that reads it (decision 0041). So the limits hold exactly, also with several nodes, no two runs of a
/// schedule start past its overlap policy, and nodes deciding for different workspaces do not wait for each other.
/// </summary>
public sealed class ExecutionLedger : IAsyncDisposable
{
    public const string SkippedOverlap = "Skipped: the previous run of this schedule was still going.";
    public const string CancelledWithSchedule = "The schedule was cancelled before this run started.";
    private const int MaxBatch = 256;

    /// <summary>
    /// How long a worker that may wait keeps a run at its workspace's concurrency limit before the run is refused as any
    /// other (a recheck job): long enough for a burst of thousands to drain through the limit (a run refused midway costs
    /// a recheck job and a release, and slows the rest). At most half the node's workers wait so at once, so that the
    /// other workspaces' runs always find workers.
    /// </summary>
    public static readonly TimeSpan WaitForAPlaceAtMost = TimeSpan.FromSeconds(30);

    /// <summary>How often requests waiting for a place ask again when no run ends on this node (a place may free on another).</summary>
    private static readonly TimeSpan AskAgainEvery = TimeSpan.FromMilliseconds(200);

    private readonly IServiceScopeFactory _scopes;
    private readonly ExecutionQueue _queue;
    private readonly DueRunReleaser _releaser;
    private readonly RunTransitions _transitions;
    private readonly Operations.EngineMetrics _metrics;
    private readonly EngineActivity _activity;
    private readonly IRunOrderGate[] _gates;
    private readonly IOptionsMonitor<ExecutionOptions> _options;
    private readonly TimeProvider _clock;
    private readonly ILogger<ExecutionLedger> _logger;
    private readonly Channel<Item> _items = Channel.CreateUnbounded<Item>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Channel<Item> _ends = Channel.CreateUnbounded<Item>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Lock _gate = new();
    private Task? _loop;
    private Task? _endsLoop;
    private Task _releasing = Task.CompletedTask;
    private readonly HashSet<Guid> _toRelease = [];
    private bool _releaseRunning;

    /// <summary>
    /// Ends are written by a loop of their own on PostgreSQL and SQL Server (decision 0036): they take no workspace lock, so
    /// a worker's end never waits behind a batch of start decisions, nor a start batch behind ends. On SQLite every write
    /// queues for the one write lock anyway, and one commit for both is cheaper than two.
    /// </summary>
    private readonly bool _endsApart;

    // Requests kept at the concurrency limit (only the start loop touches these), and whether a commit freed places since
    // the start loop last looked (set by either loop, hence the signal that wakes the start loop).
    private readonly List<StartItem> _waitingForAPlace = [];

    // Runs read lately and not yet decided for good (kept for a place, or back with their job), by id: the start loop's own.
    private readonly Dictionary<Guid, (LoadedRun Run, DateTime At)> _seenLately = [];
    private static readonly TimeSpan SeenLatelyFor = TimeSpan.FromSeconds(1);
    private int _lastRead;
    private int _placesFreed;
    private TaskCompletionSource _placeFreedSignal = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private DateTime _askedAgainAt;

    // The run jobs this node's workers are running now: a job's share of a workspace's places in one round is the limit
    // divided among them (decision 0047).
    private int _jobsRunning;

    public ExecutionLedger(IServiceScopeFactory scopes, ExecutionQueue queue, DueRunReleaser releaser, RunTransitions transitions, Operations.EngineMetrics metrics,
        EngineActivity activity, DatabaseOptions database, IOptionsMonitor<ExecutionOptions> options, TimeProvider clock, ILogger<ExecutionLedger> logger, IEnumerable<IRunOrderGate> gates)
    {
        _gates = [.. gates];
        _transitions = transitions;
        _metrics = metrics;
        _activity = activity;
        _scopes = scopes;
        _queue = queue;
        _releaser = releaser;
        _options = options;
        _clock = clock;
        _logger = logger;
        _endsApart = database.Provider is not DatabaseProvider.Sqlite;
    }

    /// <summary>Decides whether the execution starts now, waits, is skipped, or was already taken.</summary>
    public async Task<StartDecision> StartAsync(StartRequest request, CancellationToken ct = default)
    {
        var item = new StartItem(request);
        // A request kept for a place is dropped when its worker gives up.
        using var giveUp = ct.Register(() => item.Done.TrySetCanceled(ct));
        await SubmitAsync(item, ct, _items);
        return await item.Done.Task;
    }

    /// <summary>
    /// Writes the end of an attempt (<see cref="RunTransitions.EndAttemptAsync"/>) and its attempt rows. False when the
    /// run no longer runs that attempt (a callback and its timeout at once: the other one was first); nothing is written.
    /// A finished run lets the next waiting run of its schedule start.
    /// </summary>
    public async Task<bool> RecordAsync(RunOutcome outcome, IReadOnlyList<ExecutionAttempt> attempts, CancellationToken ct = default)
    {
        var item = new OutcomeItem(outcome, attempts);
        await SubmitAsync(item, ct, _endsApart ? _ends : _items);
        return await item.Done.Task.WaitAsync(ct);
    }

    /// <summary>
    /// A worker begins a run job (of one run or several): the places a job takes in one round are shared among the jobs
    /// running. Disposing the result ends the job, and its part of the places goes to the jobs still running.
    /// </summary>
    public RunningJob JobRunning()
    {
        Interlocked.Increment(ref _jobsRunning);
        return new RunningJob(this);
    }

    /// <summary>A run job counted by <see cref="JobRunning"/> until disposed.</summary>
    public readonly struct RunningJob(ExecutionLedger ledger) : IDisposable
    {
        public void Dispose() => Interlocked.Decrement(ref ledger._jobsRunning);
    }

    public async ValueTask DisposeAsync()
    {
        _items.Writer.TryComplete();
        _ends.Writer.TryComplete();
        foreach (var loop in new[] { _loop, _endsLoop })
        {
            if (loop is not null)
            {
                await loop.ConfigureAwait(false);
            }
        }
        Task releasing;
        lock (_gate)
        {
            releasing = _releasing;
        }
        await releasing.ConfigureAwait(false);
    }

    private async Task SubmitAsync(Item item, CancellationToken ct, Channel<Item> channel)
    {
        lock (_gate)
        {
            _loop ??= Task.Run(LoopAsync, CancellationToken.None);
            if (_endsApart)
            {
                _endsLoop ??= Task.Run(EndsLoopAsync, CancellationToken.None);
            }
        }
        await channel.Writer.WriteAsync(item, ct);
    }

    /// <summary>The ends' own loop (servers only): whatever ends queued up meanwhile, in one transaction.</summary>
    private async Task EndsLoopAsync()
    {
        var batch = new List<Item>(MaxBatch);
        while (await _ends.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            batch.Clear();
            while (batch.Count < MaxBatch && _ends.Reader.TryRead(out var item))
            {
                batch.Add(item);
            }
            await CommitSafelyAsync(batch).ConfigureAwait(false);
            _activity.NoteBatch(batch.Count, 0);
        }
    }

    /// <summary>A commit freed places: the start loop decides the requests it keeps again, now.</summary>
    private void PlacesFreed()
    {
        Volatile.Write(ref _placesFreed, 1);
        Volatile.Read(ref _placeFreedSignal).TrySetResult();
    }

    private async Task LoopAsync()
    {
        var batch = new List<Item>(MaxBatch);
        Task<bool>? more = null;
        while (true)
        {
            more ??= _items.Reader.WaitToReadAsync().AsTask();
            if (_waitingForAPlace.Count > 0 && Volatile.Read(ref _placesFreed) == 0 && !more.IsCompleted)
            {
                // Nothing new and no place freed here: look again a little later (a place may free on another node).
                await Task.WhenAny(more, Volatile.Read(ref _placeFreedSignal).Task, Task.Delay(AskAgainEvery, _clock)).ConfigureAwait(false);
            }
            else if (_waitingForAPlace.Count == 0)
            {
                await more.ConfigureAwait(false);
            }
            if (more.IsCompleted)
            {
                if (!await more.ConfigureAwait(false))
                {
                    break;
                }
                more = null;
            }
            await CommitBatchAsync(batch).ConfigureAwait(false);
        }
        foreach (var waiting in _waitingForAPlace)
        {
            waiting.Done.TrySetCanceled();
        }
        _waitingForAPlace.Clear();
    }

    private async Task CommitBatchAsync(List<Item> batch)
    {
        batch.Clear();
        var now = _clock.GetUtcNow().UtcDateTime;
        if (_placeFreedSignal.Task.IsCompleted)
        {
            // Renewed before the flag is taken: a free that comes meanwhile leaves the flag set, so no wake is lost.
            Volatile.Write(ref _placeFreedSignal, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        }
        var freed = Interlocked.Exchange(ref _placesFreed, 0) == 1;
        while (batch.Count < MaxBatch && _items.Reader.TryRead(out var item))
        {
            batch.Add(item);
        }
        // Ends in this batch (SQLite: one loop for both) are written before its start decisions, so the places they free
        // are taken in the same transaction, not in the next one.
        var endsHere = !_endsApart && batch.Exists(item => item is OutcomeItem);
        if (_waitingForAPlace.Count > 0 && (freed || endsHere || now - _askedAgainAt >= AskAgainEvery))
        {
            // Their worker gave up (a shutdown) or they ask again now, with whatever came in meanwhile.
            batch.AddRange(_waitingForAPlace.Where(w => !w.Done.Task.IsCompleted));
            _waitingForAPlace.Clear();
            _askedAgainAt = now;
        }
        await CommitSafelyAsync(batch).ConfigureAwait(false);
        _activity.NoteBatch(batch.Count, _waitingForAPlace.Count);
    }

    private async Task CommitSafelyAsync(List<Item> batch)
    {
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
        var recorded = new Dictionary<OutcomeItem, bool>();
        await using (var transaction = await db.Database.BeginTransactionAsync())
        {
            // Outcomes are compare-and-set writes of their own rows and need no global order: only the start
            // decisions (which count what runs) take the workspaces' locks, and only after the outcomes are written,
            // so that a node recording ends never waits for, nor holds up, another node's starts.
            var endWatch = System.Diagnostics.Stopwatch.StartNew();
            // With their attempt rows, in the same round trip.
            var ended = await _transitions.EndAttemptsAsync(db, [.. outcomes.Select(o => o.Outcome)], [.. outcomes.Select(o => o.Attempts)]);
            var endsWritten = endWatch.Elapsed;
            for (var i = 0; i < outcomes.Count; i++)
            {
                recorded[outcomes[i]] = ended[i];
            }
            if (db.ChangeTracker.HasChanges())
            {
                await db.SaveChangesAsync();
            }
            var changesSaved = endWatch.Elapsed;
            if (starts.Count > 0)
            {
                // The runs themselves are read before the lock: a row that changes meanwhile fails its compare-and-set.
                // Only what the decisions count is read under it, so that nodes queue for as short a time as may be.
                var watch = System.Diagnostics.Stopwatch.StartNew();
                var loaded = await LoadRunsAsync(db, [.. starts.Select(s => s.Request.ExecutionId).Distinct()], _clock.GetUtcNow().UtcDateTime);
                var phases = new DecisionPhases(watch);
                await DecideAsync(db, starts, loaded, decisions, phases);
                var decided = watch.Elapsed;
                await transaction.CommitAsync();
                if (_logger.IsEnabled(LogLevel.Debug))
                {
                    _logger.LogDebug("Start batch of {Starts} (with {Ends} ends): read {Read:0} ms ({Unread} rows), {Phases}, committed {Committed:0} ms.",
                        starts.Count, outcomes.Count, phases.Started.TotalMilliseconds, _lastRead, phases, (watch.Elapsed - decided).TotalMilliseconds);
                }
            }
            else
            {
                await transaction.CommitAsync();
                if (_logger.IsEnabled(LogLevel.Debug))
                {
                    // An end not yet committed is a webhook sent that a crash now would send again (at least once).
                    _logger.LogDebug("End batch of {Ends}: ends, attempts and observers {Ended:0.0} ms, tracked changes {Saved:0.0} ms, committed {Committed:0.0} ms.",
                        outcomes.Count, endsWritten.TotalMilliseconds, (changesSaved - endsWritten).TotalMilliseconds, (endWatch.Elapsed - changesSaved).TotalMilliseconds);
                }
            }
        }

        foreach (var (outcome, won) in recorded)
        {
            if (!won)
            {
                _logger.LogInformation("The end of attempt {Attempt} of execution {ExecutionId} was not recorded: the run changed meanwhile.",
                    outcome.Outcome.Attempt, outcome.Outcome.ExecutionId);
            }
            outcome.Done.TrySetResult(won);
        }
        foreach (var (start, decision) in decisions)
        {
            if (decision is not (StartDecision.WaitingForAPlace or StartDecision.NoPlace))
            {
                _seenLately.Remove(start.Request.ExecutionId);
            }
            if (decision is StartDecision.WaitingForAPlace)
            {
                _waitingForAPlace.Add(start);
                continue;
            }
            start.Done.TrySetResult(decision);
        }
        if (recorded.Values.Any(won => won))
        {
            PlacesFreed();
        }
        ReleaseWaitingSoon([.. recorded.Where(r => r.Value && r.Key.Outcome.Finished).Select(r => r.Key.Outcome.ScheduleId).Distinct()]);
    }

    /// <summary>The workspaces' start tallies, their rows locked in one order until the batch commits (servers; decision 0041).</summary>
    internal static IQueryable<WorkspaceStartTally> LockedTallies(AppDbContext db, List<Guid> workspaceIds) =>
        db.WorkspaceStartTallies.TagWith(RowLocks.Wait).AsNoTracking().Where(t => workspaceIds.Contains(t.WorkspaceId)).OrderBy(t => t.WorkspaceId);

    /// <summary>
    /// The start tallies of workspaces that have none yet (new, or from before tallies): counted from the runs started
    /// today. Two nodes may make one at once: the second insert fails, is rolled back to its savepoint, and the first's
    /// row stands, which counted every start before it (no start is made without its workspace's row to lock).
    /// </summary>
    private static async Task MakeTalliesAsync(AppDbContext db, List<Guid> workspaceIds, DateTime now)
    {
        var (dayStart, minuteAgo) = (now.Date, now.AddMinutes(-1));
        foreach (var id in workspaceIds)
        {
            var today = await db.Executions.IgnoreQueryFilters().CountAsync(e => e.WorkspaceId == id && e.StartedAt >= dayStart);
            var recent = await db.Executions.IgnoreQueryFilters().Where(e => e.WorkspaceId == id && e.StartedAt >= minuteAgo).Select(e => e.StartedAt!.Value).ToListAsync();
            var tally = WorkspaceStartTally.Of(id, today, recent, now);
            db.WorkspaceStartTallies.Add(tally);
            try
            {
                // In the batch's transaction: EF saves to a savepoint of it and rolls back to that on failure.
                await db.SaveChangesAsync();
            }
            catch (DbUpdateException)
            {
                db.Entry(tally).State = EntityState.Detached;
                if (!await db.WorkspaceStartTallies.AsNoTracking().AnyAsync(t => t.WorkspaceId == id))
                {
                    throw;
                }
                // Another node made it first.
            }
            db.Entry(tally).State = EntityState.Detached;
        }
    }

    /// <summary>
    /// The runs of the batch, each with its schedule and where it is delivered: one query for those not read within
    /// <see cref="SeenLatelyFor"/>. A run at its workspace's concurrency limit is asked about again and again until a place
    /// frees (kept for a place, or back with its job); reading it each time was most of what a batch read at a limit that
    /// binds (decision 0042). A row that changed meanwhile fails its compare-and-set; a schedule or workspace paused or
    /// cancelled meanwhile is seen within that time.
    /// </summary>
    private async Task<Dictionary<Guid, LoadedRun>> LoadRunsAsync(AppDbContext db, List<Guid> ids, DateTime now)
    {
        foreach (var stale in _seenLately.Where(entry => now - entry.Value.At > SeenLatelyFor).Select(entry => entry.Key).ToList())
        {
            _seenLately.Remove(stale);
        }
        var result = new Dictionary<Guid, LoadedRun>();
        var unread = new List<Guid>();
        foreach (var id in ids)
        {
            if (_seenLately.TryGetValue(id, out var seen))
            {
                result[id] = seen.Run;
            }
            else
            {
                unread.Add(id);
            }
        }
        _lastRead = unread.Count;
        if (unread.Count > 0)
        {
            foreach (var (id, run) in await ReadRunsAsync(db, unread, _gates))
            {
                result[id] = run;
                _seenLately[id] = (run, now);
            }
        }
        return result;
    }

    private static async Task<Dictionary<Guid, LoadedRun>> ReadRunsAsync(AppDbContext db, List<Guid> ids, IRunOrderGate[] gates)
    {
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
                WorkspacePaused = db.Workspaces.Any(w => w.Id == e.WorkspaceId && w.PausedAt != null),
                Channel = db.Channels.IgnoreQueryFilters().Where(c => c.Id == e.Schedule!.ChannelId)
                    .Select(c => new { c.Id, c.Name, c.Platform, c.WebhookUrl, Paused = c.PausedAt != null }).FirstOrDefault(),
                // A wave's item names its wave in the envelope (one row by the unique ScheduleId index).
                Wave = db.ChannelPosts.IgnoreQueryFilters().Where(p => p.ScheduleId == e.ScheduleId && p.WaveId != null)
                    .Join(db.Waves.IgnoreQueryFilters(), p => p.WaveId, w => w.Id, (p, w) => new { w.Id, w.Name, w.Mode }).FirstOrDefault(),
                HasStageRows = db.ExecutionStages.IgnoreQueryFilters().Any(s => s.ExecutionId == e.Id),
                // Linked when the run was created, so known before the lock: the gates are asked only about episodes.
                IsEpisode = db.SeriesEpisodes.IgnoreQueryFilters().Any(s => s.ExecutionId == e.Id),
                OfSeries = db.Series.IgnoreQueryFilters().Any(s => s.ScheduleId == e.ScheduleId),
                HasTally = db.WorkspaceStartTallies.Any(t => t.WorkspaceId == e.WorkspaceId),
                WorkspacePipeline = db.WorkspacePipelines.IgnoreQueryFilters()
                    .Where(p => p.WorkspaceId == e.WorkspaceId && p.JobType == e.Schedule!.JobType).Select(p => p.StagesJson).FirstOrDefault(),
            })
            .ToListAsync();
        foreach (var gate in gates)
        {
            gate.Know(rows.Select(r => (r.Execution.ScheduleId, r.OfSeries)));
        }
        return rows.ToDictionary(r => r.Execution.Id, r =>
        {
            r.Execution.Schedule = r.Schedule;
            var channel = r.Channel is { } c ? new ChannelTarget(c.Id, c.Name, Scheduling.Core.Common.WireNames.ToWire(c.Platform), c.WebhookUrl) : null;
            return new LoadedRun(r.Execution, new PreloadedTargets(r.Endpoint, r.Secret, channel,
                r.Wave is { } w ? new EnvelopeWave(w.Id, w.Name, Scheduling.Core.Common.WireNames.ToWire(w.Mode)) : null), new Held(r.WorkspacePaused, r.Channel?.Paused == true),
                new PreloadedPipeline(r.HasStageRows, r.WorkspacePipeline), r.IsEpisode, r.HasTally);
        });
    }

    private async Task DecideAsync(AppDbContext db, List<StartItem> starts, Dictionary<Guid, LoadedRun> loaded, Dictionary<StartItem, StartDecision> decisions, DecisionPhases phases)
    {
        var settings = _options.CurrentValue;
        var limits = new WorkspaceLimits(settings.WorkspaceConcurrencyLimit, settings.WorkspaceRatePerMinute, settings.WorkspaceDailyQuota);
        var candidates = loaded.Values.Where(r => !r.Execution.IsFinished && r.Execution.Status != ExecutionStatus.Running).Select(r => r.Execution).ToList();
        var candidateIds = candidates.Select(e => e.Id).ToHashSet();

        // The workspaces' locks, in one order on every node, with what they started lately (decision 0041). Their tallies
        // are made first where missing, from the runs started so far.
        var workspaceIds = candidates.Select(e => e.WorkspaceId).Distinct().Order().ToList();
        var untallied = workspaceIds.Where(id => candidates.All(e => e.WorkspaceId != id || !loaded[e.Id].HasTally)).ToList();
        if (untallied.Count > 0)
        {
            await MakeTalliesAsync(db, untallied, _clock.GetUtcNow().UtcDateTime);
            phases.Mark("tallies made");
        }
        var tallies = workspaceIds.Count == 0 ? [] : await LockedTallies(db, workspaceIds).ToListAsync();
        phases.Mark("lock");

        // What runs in those workspaces, and the runs of the batch's schedules still to run (each an index range).
        var scheduleIds = candidates.Select(e => e.ScheduleId).Distinct().ToList();
        var candidateList = candidateIds.ToList();
        var siblings = workspaceIds.Count == 0 ? [] : await db.Executions.IgnoreQueryFilters().AsNoTracking()
            .Where(e => (e.Status == ExecutionStatus.Running && !e.AwaitingCallback && workspaceIds.Contains(e.WorkspaceId))
                || (e.Status == ExecutionStatus.Pending && scheduleIds.Contains(e.ScheduleId) && !candidateList.Contains(e.Id)))
            .Select(e => new { e.Id, e.WorkspaceId, e.ScheduleId, e.Status, e.ScheduledFor, e.WaitReason })
            .ToListAsync();
        phases.Mark("running and siblings");

        // Episodes of a series: which are held behind an earlier one (read under the lock, after this batch's outcomes).
        var episodes = new Dictionary<Guid, EpisodeRun>();
        var episodeIds = candidates.Where(e => loaded[e.Id].IsEpisode).Select(e => e.Id).ToList();
        foreach (var gate in episodeIds.Count == 0 ? Array.Empty<IRunOrderGate>() : _gates)
        {
            foreach (var (id, episode) in await gate.EpisodesAsync(db, episodeIds, CancellationToken.None))
            {
                episodes[id] = episode;
            }
        }

        phases.Mark("episodes");

        // The decisions' time is after what they read under the lock: a run started now is never stamped earlier than
        // the end of one it waited for (another node's end, committed while this batch waited for the lock).
        var now = _clock.GetUtcNow().UtcDateTime;
        var minuteAgo = now.AddMinutes(-1);
        var dayStart = now.Date;
        // Looked up, not scanned per workspace and schedule: a large batch has hundreds of each (under the locks).
        var runningIn = siblings.Where(e => e.Status == ExecutionStatus.Running).CountBy(e => e.WorkspaceId).ToDictionary();
        var candidatesIn = candidates.ToLookup(e => e.WorkspaceId);
        var siblingsOf = siblings.ToLookup(e => e.ScheduleId);
        var workspaces = workspaceIds.ToDictionary(id => id, id =>
        {
            var tally = tallies.FirstOrDefault(t => t.WorkspaceId == id);
            // The runs being decided count by what they become, not by what they were (a retry started before).
            var mine = candidatesIn[id];
            return new WorkspaceCounts(
                runningIn.GetValueOrDefault(id),
                (tally?.StartedSince(minuteAgo) ?? 0) - mine.Count(e => e.StartedAt >= minuteAgo),
                (tally?.StartedToday(now) ?? 0) - mine.Count(e => e.StartedAt >= dayStart));
        });
        var schedules = scheduleIds.ToDictionary(id => id, id => new ScheduleLoad(
            siblingsOf[id].Count(e => e.Status == ExecutionStatus.Running),
            [.. siblingsOf[id].Where(e => e.Status == ExecutionStatus.Pending).Select(e => new PendingRun(Utc(e.ScheduledFor), e.WaitReason))]));

        var decided = new HashSet<Guid>();
        var starting = new List<(StartItem Item, Execution Execution, string? Carrier)>();
        // Kept for a place the first time: the run says why it waits (its job still carries it).
        var keptFirst = new List<PlannedWait>();
        // Refused (a recheck job brings them back): their jobs are made after the loop, all at once, and their rows written
        // with the batch's starts.
        var refused = new List<(StartItem Item, Execution Seen, WaitReason Reason, string? Text, TimeSpan Delay)>();
        var keptAtMost = Math.Max(1, settings.WorkerCount / 2) - _waitingForAPlace.Count;
        // The places a job asking for several runs takes per workspace in one round (decisions 0042, 0047): its even part of
        // the limit among the run jobs this node's workers are running, so that at a limit that binds the places spread over
        // those jobs (no more of them wait for a place than the ledger keeps); where the limit is far, all of them. Rounded
        // up: together they may take every place (a node whose peer has finished its part of a burst uses them all).
        var jobs = Math.Max(1, Volatile.Read(ref _jobsRunning));
        var share = Math.Max(1, (limits.Concurrency + jobs - 1) / jobs);
        var shares = new Dictionary<(string Job, Guid Workspace), int>();
        foreach (var start in starts
            .OrderBy(s => loaded.TryGetValue(s.Request.ExecutionId, out var r) ? r.Execution.ScheduledFor : DateTime.MinValue)
            // Among runs due together, those kept longest for a place first.
            .ThenBy(s => s.WaitingSince ?? DateTime.MaxValue)
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
            episodes.TryGetValue(execution.Id, out var episode);
            var firstWait = start.WaitingSince is null;
            var decision = await DecideOneAsync(db, execution, start, keptAtMost > 0, run.Targets, run.Pipeline, run.Held, episode, workspace, schedule, limits, now);
            if (decision is StartDecision.Started && start.Request is { BackIfFull: true, JobId: { } job })
            {
                // A job's share of its workspace's places in one round: a job holding more places than that would leave more
                // of the node's workers waiting for a place than the half the ledger keeps, and those would be refused.
                var taken = shares.GetValueOrDefault((job, execution.WorkspaceId));
                if (taken >= share)
                {
                    decision = new StartDecision.NoPlace();
                }
                shares[(job, execution.WorkspaceId)] = taken + 1;
            }
            decisions[start] = decision;
            switch (decision)
            {
                case StartDecision.Started:
                    // Written below with the batch's other starts; counted now, as the later decisions of the batch must.
                    starting.Add((start, execution, start.Request.JobId ?? execution.HangfireJobId));
                    workspace.Running++;
                    workspace.LastMinute++;
                    if (execution.Attempts == 1)
                    {
                        workspace.Today++;
                    }
                    schedule.Running++;
                    break;
                case StartDecision.Waiting waiting:
                    schedule.Pending.Add(new PendingRun(Utc(execution.ScheduledFor), waiting.Reason));
                    break;
                case StartDecision.Refused refusal:
                    schedule.Pending.Add(new PendingRun(Utc(execution.ScheduledFor), refusal.Reason));
                    refused.Add((start, execution, refusal.Reason, WaitReasons.Describe(refusal.Reason, limits), refusal.Recheck));
                    break;
                case StartDecision.NoPlace:
                    schedule.Pending.Add(new PendingRun(Utc(execution.ScheduledFor), WaitReason.ConcurrencyLimit));
                    break;
                case StartDecision.WaitingForAPlace:
                    schedule.Pending.Add(new PendingRun(Utc(execution.ScheduledFor), WaitReason.ConcurrencyLimit));
                    keptAtMost--;
                    if (firstWait)
                    {
                        keptFirst.Add(new PlannedWait(execution, WaitReason.ConcurrencyLimit, WaitReasons.Describe(WaitReason.ConcurrencyLimit, limits), now + WaitForAPlaceAtMost,
                            start.Request.JobId ?? execution.HangfireJobId));
                    }
                    break;
            }
        }

        // The job that starts the run carries it from now on: a late recheck or release job leaves it alone.
        // The workspaces' locks keep other ledgers out; the compare-and-set keeps out the few writers that do not take it
        // (a schedule edit taking back a run claimed ahead, the recovery sweep). A start one of those beat is lost; the
        // batch's later decisions counted it as running, which errs on the side of the limits.
        phases.Mark("decisions");
        // The job exists before the row says so: if this commit is lost, the job finds the row unchanged and decides again.
        var recheckJobs = ScheduleRechecks([.. refused.Select(r => (r.Seen, r.Delay))]);
        phases.Mark("recheck jobs");
        var waits = new List<PlannedWait>(keptFirst);
        waits.AddRange(refused.Select((r, i) => new PlannedWait(r.Seen, r.Reason, r.Text, now + r.Delay, recheckJobs[i])));
        // The tallies count the first starts (a retry's run started before); a start lost below is counted all the same,
        // which errs on the side of the limits.
        var counted = new List<object?[]>();
        foreach (var tally in tallies)
        {
            var firstStarts = starting.Count(s => s.Execution.WorkspaceId == tally.WorkspaceId && s.Execution.StartedAt is null);
            if (firstStarts > 0 || tally.Day != now.Date)
            {
                tally.Count(firstStarts, now);
                counted.Add([tally.Day, tally.StartedOnDay, tally.RecentSeconds, tally.WorkspaceId]);
            }
        }
        var (won, waited) = await _transitions.StartAndWaitManyAsync(db, [.. starting.Select(s => (s.Execution, s.Carrier))], waits, now,
            [(RowUpdates<WorkspaceStartTally>.For(db, "tally", [t => t.Day, t => t.StartedOnDay, t => t.RecentSeconds], [t => t.WorkspaceId]), counted)]);
        phases.Mark("writes");
        for (var i = 0; i < starting.Count; i++)
        {
            if (!won[i])
            {
                decisions[starting[i].Item] = new StartDecision.Lost();
            }
        }
        for (var i = 0; i < refused.Count; i++)
        {
            decisions[refused[i].Item] = waited[keptFirst.Count + i] ? new StartDecision.Waiting(refused[i].Reason) : new StartDecision.Lost();
        }
    }

    /// <summary>What becomes of one run; a start is only decided here (<see cref="StartDecision.Started"/>), the caller writes it.</summary>
    private async Task<StartDecision> DecideOneAsync(AppDbContext db, Execution execution, StartItem start, bool mayKeep, PreloadedTargets targets, PreloadedPipeline pipeline, Held held, EpisodeRun? episode,
        WorkspaceCounts workspace, ScheduleLoad schedule, WorkspaceLimits limits, DateTime now)
    {
        var scheduledFor = Utc(execution.ScheduledFor);
        var facts = new RunStartFacts(
            Planned: !execution.IsManual && execution.Status == ExecutionStatus.Pending && execution.Attempts == 0,
            ScheduleCancelled: execution.Schedule!.Status == ScheduleStatus.Cancelled,
            ScheduledFor: scheduledFor,
            // Its time: the occurrence, or later by the schedule's jitter.
            Due: Jitter.StartOf(execution.ScheduleId, scheduledFor, execution.Schedule.JitterSeconds),
            StartedBefore: execution.StartedAt is not null,
            Reason: execution.WaitReason,
            Policy: execution.Schedule.OverlapPolicy,
            Workspace: new WorkspaceLoad(workspace.Running, workspace.LastMinute, workspace.Today),
            ScheduleRunning: schedule.Running,
            SchedulePending: schedule.Pending,
            WorkspacePaused: held.Workspace,
            ChannelPaused: held.Channel,
            EarlierEpisodeOpen: episode?.Holds(startedBefore: execution.StartedAt is not null) == true,
            PublishAt: execution.PublishAt is { } publishAt ? Utc(publishAt) : null);
        switch (RunAdmissionRules.Decide(facts, limits, NodaTime.Instant.FromDateTimeUtc(now)))
        {
            case RunAdmission.Cancel:
                return await EndAsync(db, execution, ExecutionStatus.Cancelled, CancelledWithSchedule, now);
            case RunAdmission.NotYetDue notYetDue:
                // Claimed ahead of its time and handed over early (a recovery, a replay): it waits for its time. Not a
                // transition (the run stays pending as it was); only the job that carries it changes.
                if (_releaser.HandOver(execution.Id, execution.Priority, notYetDue.Due.ToDateTimeUtc()) is not { } jobAt)
                {
                    return new StartDecision.Waiting(WaitReason.NotYetDue);
                }
                var (id, status, attempts) = (execution.Id, execution.Status, execution.Attempts);
                var moved = await db.Executions.IgnoreQueryFilters().Where(e => e.Id == id && e.Status == status && e.Attempts == attempts)
                    .ExecuteUpdateAsync(set => set.SetProperty(e => e.HangfireJobId, jobAt));
                return moved == 0 ? new StartDecision.Lost() : new StartDecision.Waiting(WaitReason.NotYetDue);
            case RunAdmission.Wait { Reason: WaitReason.ConcurrencyLimit } when start.Request.BackIfFull:
                return new StartDecision.NoPlace();
            case RunAdmission.Wait { Reason: WaitReason.ConcurrencyLimit } when start.Request.MayWait && (mayKeep || start.WaitingSince is not null)
                && now - (start.WaitingSince ??= now) < WaitForAPlaceAtMost:
                // Kept, not written: the run stays pending and carried by its job; its worker waits for the next decision.
                return new StartDecision.WaitingForAPlace();
            case RunAdmission.Wait wait:
                // Written by the caller, with the batch's other waits and starts.
                return new StartDecision.Refused(wait.Reason, wait.Recheck.ToTimeSpan());
            case RunAdmission.Skip:
                return await EndAsync(db, execution, ExecutionStatus.Skipped, SkippedOverlap, now);
        }

        return new StartDecision.Started(execution, targets, episode, pipeline);
    }

    private async Task<StartDecision> EndAsync(AppDbContext db, Execution execution, ExecutionStatus status, string reason, DateTime now)
    {
        if (!await _transitions.EndUnstartedAsync(db, execution, status, reason, now))
        {
            return new StartDecision.Lost();
        }
        _metrics.RunReached(execution.JobType, status);
        return new StartDecision.Ended(status, reason);
    }

    /// <summary>The recheck jobs of runs refused in a batch: a round trip each on a shared storage, so several at once.</summary>
    private string[] ScheduleRechecks(IReadOnlyList<(Execution Run, TimeSpan Delay)> runs)
    {
        var jobs = new string[runs.Count];
        Parallel.For(0, runs.Count, new ParallelOptions { MaxDegreeOfParallelism = runs.Count < 4 ? 1 : 8 },
            i => jobs[i] = _queue.Schedule(runs[i].Run.Id, runs[i].Run.Priority, runs[i].Delay));
        return jobs;
    }

    private static NodaTime.Instant Utc(DateTime value) => NodaTime.Instant.FromDateTimeUtc(DateTime.SpecifyKind(value, DateTimeKind.Utc));

    private static readonly TimeSpan ReleaseGathersFor = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// A run that finished lets the next waiting run of its schedule start at once (within <see cref="ReleaseGathersFor"/>).
    /// Looked up off the loop: a round trip that the next batch need not wait for (most schedules have none waiting).
    /// Schedules that finish within that time, or while a lookup runs, are looked up together.
    /// </summary>
    private void ReleaseWaitingSoon(List<Guid> finished)
    {
        if (finished.Count == 0)
        {
            return;
        }
        lock (_gate)
        {
            _toRelease.UnionWith(finished);
            if (_releaseRunning)
            {
                return;
            }
            _releaseRunning = true;
            _releasing = Task.Run(ReleaseWaitingLoopAsync, CancellationToken.None);
        }
    }

    private async Task ReleaseWaitingLoopAsync()
    {
        while (true)
        {
            // The schedules that finish meanwhile join the lookup: in a burst an end batch commits every few milliseconds,
            // and a lookup each (most find nothing) was 6 % of a node's CPU and as much of the database's time as the ends'
            // own writes. A run waiting behind a finished one starts at most this much later (its recheck comes in seconds).
            await Task.Delay(ReleaseGathersFor).ConfigureAwait(false);
            List<Guid> finished;
            lock (_gate)
            {
                if (_toRelease.Count == 0)
                {
                    _releaseRunning = false;
                    return;
                }
                finished = [.. _toRelease];
                _toRelease.Clear();
            }
            foreach (var chunk in finished.Chunk(1000))
            {
                await ReleaseWaitingAsync([.. chunk]).ConfigureAwait(false);
            }
        }
    }

    private async Task ReleaseWaitingAsync(List<Guid> finished)
    {
        try
        {
            await using var scope = _scopes.CreateAsyncScope();
            await using var db = await scope.ServiceProvider.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
            var waiting = await db.Executions.IgnoreQueryFilters().AsNoTracking()
                .Where(e => finished.Contains(e.ScheduleId) && e.Status == ExecutionStatus.Pending && (e.WaitReason == WaitReason.PreviousRun || e.WaitReason == WaitReason.CatchingUp || e.WaitReason == WaitReason.PreviousEpisode))
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

        /// <summary>When the ledger first kept it at the concurrency limit.</summary>
        public DateTime? WaitingSince { get; set; }

        public override void Fail(Exception exception) => Done.TrySetException(exception);
    }

    private sealed class OutcomeItem(RunOutcome outcome, IReadOnlyList<ExecutionAttempt> attempts) : Item
    {
        public RunOutcome Outcome { get; } = outcome;
        public IReadOnlyList<ExecutionAttempt> Attempts { get; } = attempts;
        public TaskCompletionSource<bool> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override void Fail(Exception exception) => Done.TrySetException(exception);
    }

    /// <summary>Where a start batch's time under the workspaces' locks went (for the debug line).</summary>
    private sealed class DecisionPhases(System.Diagnostics.Stopwatch watch)
    {
        private readonly List<(string Name, TimeSpan At)> _marks = [("", watch.Elapsed)];

        /// <summary>When the decisions began (after the runs were read).</summary>
        public TimeSpan Started => _marks[0].At;

        public void Mark(string name) => _marks.Add((name, watch.Elapsed));

        public override string ToString() =>
            string.Join(", ", _marks.Skip(1).Select((m, i) => $"{m.Name} {(m.At - _marks[i].At).TotalMilliseconds:0}"));
    }

    /// <summary>Whether the run's workspace or channel is paused.</summary>
    private readonly record struct Held(bool Workspace, bool Channel);

    /// <summary>A run of the batch as read (with its schedule), where it is delivered, and what holds it.</summary>
    private sealed record LoadedRun(Execution Execution, PreloadedTargets Targets, Held Held, PreloadedPipeline Pipeline, bool IsEpisode, bool HasTally);

    private sealed class WorkspaceCounts(int running, int lastMinute, int today)
    {
        public int Running { get; set; } = running;
        public int LastMinute { get; set; } = lastMinute;
        public int Today { get; set; } = today;
    }

    private sealed class ScheduleLoad(int running, List<PendingRun> pending)
    {
        public int Running { get; set; } = running;
        public List<PendingRun> Pending { get; } = pending;
    }
}
