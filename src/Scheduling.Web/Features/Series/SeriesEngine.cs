using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Scheduling.Web.Data;
using Scheduling.Web.Features.Executions;

namespace Scheduling.Web.Features.Series;

/// <summary>
/// Where the engine meets the series (decision 0017). As a run observer it keeps each episode in step with the run
/// that releases it, in the run's own transaction; as the ledger's order gate it holds an episode's run while an
/// earlier episode is still open (not released or skipped; also failed, under <see cref="SeriesFailurePolicy.Block"/>).
/// Both run under the ledger's engine lock for starts and outcomes, so two nodes see the same order.
/// </summary>
public sealed class SeriesEngine(TimeProvider clock, Events.LifecycleOutbox events) : IRunTransitionObserver, IRunOrderGate
{
    public const string SkippedByHand = "The episode was skipped by hand.";

    // A schedule is created with its series, in one commit: one found without a series never gets one. So the runs of
    // ordinary schedules cost one lookup per schedule and process, not one per run created or finished.
    private readonly ConcurrentDictionary<Guid, bool> _isSeriesSchedule = new();
    private const int RememberAtMost = 100_000;

    /// <summary>
    /// A ledger batch's transitions: which of their schedules belong to a series is asked once for the batch (one query
    /// for those this node has not seen), not once per run, on the engine's hot path. With several nodes a run's end is
    /// often recorded by a node that did not create it, and did not learn its schedule then.
    /// </summary>
    public async Task OnTransitionsAsync(AppDbContext db, IReadOnlyList<RunTransition> transitions, CancellationToken ct)
    {
        var concerned = transitions.Where(MayChangeItsEpisode).ToList();
        await LearnAsync(db, concerned.Select(t => t.ScheduleId).OfType<Guid>(), ct);
        foreach (var transition in concerned)
        {
            await OnTransitionAsync(db, transition, ct);
        }
    }

    /// <summary>Starts, waits and retries in backoff leave the episode as it was; runs being created come through <see cref="OnCreatedAsync"/>.</summary>
    private static bool MayChangeItsEpisode(RunTransition transition) =>
        transition.From is not null
        && transition.To is not ExecutionStatus.Running
        && !(transition.To is ExecutionStatus.Pending && transition.From is ExecutionStatus.Pending or ExecutionStatus.Running);

    public async Task OnTransitionAsync(AppDbContext db, RunTransition transition, CancellationToken ct)
    {
        if (!MayChangeItsEpisode(transition))
        {
            return;
        }
        var status = transition.To switch
        {
            null => (EpisodeStatus?)null,
            ExecutionStatus.Completed => EpisodeStatus.Released,
            ExecutionStatus.Failed => EpisodeStatus.Failed,
            ExecutionStatus.Skipped => EpisodeStatus.Skipped,
            ExecutionStatus.Cancelled => EpisodeStatus.Draft,
            // Pending again (a retry, a recovery) after having finished: scheduled again.
            ExecutionStatus.Pending when transition.From is not ExecutionStatus.Pending and not ExecutionStatus.Running => EpisodeStatus.Scheduled,
            _ => (EpisodeStatus?)EpisodeStatus.Scheduled,
        };
        if (transition.ScheduleId is { } scheduleId && !await IsSeriesScheduleAsync(db, scheduleId, ct))
        {
            return;
        }
        var id = transition.ExecutionId;
        var episode = await db.SeriesEpisodes.IgnoreQueryFilters().Where(e => e.ExecutionId == id).Select(e => new { e.Id, e.SeriesId, e.WorkspaceId }).FirstOrDefaultAsync(ct);
        if (episode is null)
        {
            return;
        }
        if (status is null)
        {
            // Withdrawn (a run claimed ahead taken back by a pause or cancel): the episode waits for its next run.
            await db.SeriesEpisodes.IgnoreQueryFilters().Where(e => e.Id == episode.Id)
                .ExecuteUpdateAsync(set => set.SetProperty(e => e.ExecutionId, (Guid?)null), ct);
            return;
        }
        var now = clock.GetUtcNow().UtcDateTime;
        var released = status == EpisodeStatus.Released;
        var changed = await db.SeriesEpisodes.IgnoreQueryFilters().Where(e => e.Id == episode.Id)
            // An episode the series' cancel put back to draft stays draft unless it went out after all.
            .Where(e => e.Status != EpisodeStatus.Draft || released)
            .Where(e => e.Status != status.Value)
            .ExecuteUpdateAsync(set => set
                .SetProperty(e => e.Status, status.Value)
                .SetProperty(e => e.ReleasedAt, e => released ? now : e.ReleasedAt), ct);
        if (released && changed == 1)
        {
            await AnnounceAsync(db, episode.WorkspaceId, episode.SeriesId, Events.EventTypes.SeriesEpisodeReleased, episode.Id, ct);
        }
        if (await CompleteIfDoneAsync(db, episode.SeriesId, now, ct) == 1)
        {
            await AnnounceAsync(db, episode.WorkspaceId, episode.SeriesId, Events.EventTypes.SeriesCompleted, null, ct);
        }
    }

    /// <summary>
    /// A series event (lifecycle events, issue 12) in the caller's transaction: the series' summary, and the episode for
    /// <see cref="Events.EventTypes.SeriesEpisodeReleased"/>. Read only when the workspace has a subscription.
    /// </summary>
    internal async Task AnnounceAsync(AppDbContext db, Guid workspaceId, Guid seriesId, string type, Guid? episodeId, CancellationToken ct)
    {
        if (!await events.IsWantedAsync(db, workspaceId, ct))
        {
            return;
        }
        var series = await db.Series.IgnoreQueryFilters().AsNoTracking().Where(s => s.Id == seriesId)
            .Select(s => new SeriesEventSeries(s.Id, s.Name, s.EpisodeCount, s.Status,
                db.SeriesEpisodes.IgnoreQueryFilters().Count(e => e.SeriesId == s.Id && e.Status == EpisodeStatus.Released)))
            .FirstAsync(ct);
        var episode = episodeId is { } eid
            ? await db.SeriesEpisodes.IgnoreQueryFilters().AsNoTracking().Where(e => e.Id == eid)
                .Select(e => new SeriesEventEpisode(e.Number, e.Title, e.PlannedAt, e.Status, e.ReleasedAt, e.ExecutionId)).FirstAsync(ct)
            : null;
        await events.AddNowAsync(db, workspaceId, type, seriesId, new SeriesEventData(series, episode), ct);
    }

    public async Task<IReadOnlyDictionary<Guid, EpisodeRun>> EpisodesAsync(AppDbContext db, IReadOnlyCollection<Guid> runIds, CancellationToken ct)
    {
        if (runIds.Count == 0)
        {
            return new Dictionary<Guid, EpisodeRun>();
        }
        var ids = runIds.ToList();
        var rows = await db.SeriesEpisodes.IgnoreQueryFilters().AsNoTracking()
            .Where(e => e.ExecutionId != null && ids.Contains(e.ExecutionId.Value))
            .Join(db.Series.IgnoreQueryFilters(), e => e.SeriesId, s => s.Id, (e, s) => new
            {
                ExecutionId = e.ExecutionId!.Value,
                e.SeriesId,
                s.Name,
                e.Number,
                s.EpisodeCount,
                e.Title,
                e.JobConfig,
                TemplateConfig = s.JobConfig,
                // An earlier episode still to go out, not counting one produced and waiting for its publish time...
                HeldBackFromProducing = db.SeriesEpisodes.IgnoreQueryFilters().Any(o => o.SeriesId == e.SeriesId && o.Number < e.Number
                    && ((o.Status == EpisodeStatus.Scheduled && !db.Executions.IgnoreQueryFilters().Any(x => x.Id == o.ExecutionId
                            && x.Status == ExecutionStatus.Pending && x.WaitReason == Core.Scheduling.WaitReason.PublishAt))
                        || o.Status == EpisodeStatus.Draft
                        || (o.Status == EpisodeStatus.Failed && s.OnFailure == SeriesFailurePolicy.Block))),
                // ...and one that is (scheduled, its run held for publishing): together, every earlier episode still open.
                EarlierWaitingToPublish = db.SeriesEpisodes.IgnoreQueryFilters().Any(o => o.SeriesId == e.SeriesId && o.Number < e.Number
                    && o.Status == EpisodeStatus.Scheduled && db.Executions.IgnoreQueryFilters().Any(x => x.Id == o.ExecutionId
                        && x.Status == ExecutionStatus.Pending && x.WaitReason == Core.Scheduling.WaitReason.PublishAt)),
            })
            .ToListAsync(ct);
        return rows.ToDictionary(r => r.ExecutionId, r => new EpisodeRun(r.SeriesId, r.Name, r.Number, r.EpisodeCount, r.Title, r.JobConfig ?? r.TemplateConfig,
            HeldBack: r.HeldBackFromProducing || r.EarlierWaitingToPublish, r.HeldBackFromProducing));
    }

    private async ValueTask<bool> IsSeriesScheduleAsync(AppDbContext db, Guid scheduleId, CancellationToken ct)
    {
        await LearnAsync(db, [scheduleId], ct);
        // Forgotten meanwhile only if the cache was cleared by another batch: then asked on its own.
        return _isSeriesSchedule.TryGetValue(scheduleId, out var known)
            ? known
            : await db.Series.IgnoreQueryFilters().AnyAsync(s => s.ScheduleId == scheduleId, ct);
    }

    public void Know(IEnumerable<(Guid ScheduleId, bool OfSeries)> schedules) =>
        Remember([.. schedules.DistinctBy(s => s.ScheduleId)]);

    /// <summary>Which of these schedules belong to a series, for those not known yet: one query.</summary>
    private async Task LearnAsync(AppDbContext db, IEnumerable<Guid> scheduleIds, CancellationToken ct)
    {
        var unknown = scheduleIds.Distinct().Where(id => !_isSeriesSchedule.ContainsKey(id)).ToList();
        if (unknown.Count == 0)
        {
            return;
        }
        var ofSeries = (await db.Series.IgnoreQueryFilters().Where(s => unknown.Contains(s.ScheduleId)).Select(s => s.ScheduleId).ToListAsync(ct)).ToHashSet();
        Remember([.. unknown.Select(id => (id, ofSeries.Contains(id)))]);
    }

    private void Remember(IReadOnlyCollection<(Guid ScheduleId, bool OfSeries)> schedules)
    {
        if (_isSeriesSchedule.Count + schedules.Count > RememberAtMost)
        {
            // Forgotten all at once: a long-lived node sees an ever-growing number of one-time schedules.
            _isSeriesSchedule.Clear();
        }
        foreach (var (scheduleId, ofSeries) in schedules)
        {
            _isSeriesSchedule[scheduleId] = ofSeries;
        }
    }

    /// <summary>A batch of runs: which of their schedules belong to a series is asked once, and only their runs are linked.</summary>
    public async Task OnCreatedAsync(AppDbContext db, IReadOnlyCollection<Execution> runs, CancellationToken ct)
    {
        await LearnAsync(db, runs.Where(r => !r.IsManual).Select(r => r.ScheduleId), ct);
        // The runs are at hand: looking each up in the change tracker (DbSet.Local) detected the changes of the whole
        // batch once per run, which made a dispatcher's batch of 200 runs cost half a second.
        foreach (var run in runs)
        {
            await LinkCreatedAsync(db, run, ct);
        }
    }

    /// <summary>A planned run of a series' schedule is the run of the episode planned at its occurrence: linked, titled as the episode.</summary>
    private async Task LinkCreatedAsync(AppDbContext db, Execution run, CancellationToken ct)
    {
        if (run.IsManual)
        {
            return;
        }
        var scheduleId = run.ScheduleId;
        if (_isSeriesSchedule.TryGetValue(scheduleId, out var known) && !known)
        {
            return;
        }
        var scheduledFor = run.ScheduledFor;
        var episode = await db.SeriesEpisodes.IgnoreQueryFilters()
            .Where(e => e.ScheduleId == scheduleId && e.PlannedAt == scheduledFor)
            .Select(e => new { e.Id, e.Title, e.Status })
            .FirstOrDefaultAsync(ct);
        if (episode is null)
        {
            if (!known)
            {
                _isSeriesSchedule[scheduleId] = await db.Series.IgnoreQueryFilters().AnyAsync(s => s.ScheduleId == scheduleId, ct);
            }
            return;
        }
        _isSeriesSchedule[scheduleId] = true;
        run.Title = episode.Title;
        var status = run.Status == ExecutionStatus.Skipped ? EpisodeStatus.Skipped : EpisodeStatus.Scheduled;
        if (episode.Status == EpisodeStatus.Skipped && run.Status == ExecutionStatus.Pending)
        {
            // Skipped by hand before its run existed: the run is created skipped, as a missed run is.
            run.Status = ExecutionStatus.Skipped;
            run.Reason = SkippedByHand;
            run.WaitReason = Core.Scheduling.WaitReason.None;
            run.CompletedAt = run.CreatedAt;
            status = EpisodeStatus.Skipped;
        }
        var id = run.Id;
        var episodeId = episode.Id;
        await db.SeriesEpisodes.IgnoreQueryFilters().Where(e => e.Id == episodeId)
            .ExecuteUpdateAsync(set => set.SetProperty(e => e.ExecutionId, id).SetProperty(e => e.Status, status), ct);
    }

    /// <summary>Every episode out (released or skipped; failed ones too, under continue): the series is completed.</summary>
    internal static Task<int> CompleteIfDoneAsync(AppDbContext db, Guid seriesId, DateTime now, CancellationToken ct) =>
        db.Series.IgnoreQueryFilters()
            .Where(s => s.Id == seriesId && s.Status == SeriesStatus.Active
                && !db.SeriesEpisodes.IgnoreQueryFilters().Any(e => e.SeriesId == s.Id
                    && (e.Status == EpisodeStatus.Scheduled || e.Status == EpisodeStatus.Draft
                        || (e.Status == EpisodeStatus.Failed && s.OnFailure == SeriesFailurePolicy.Block))))
            .ExecuteUpdateAsync(set => set.SetProperty(s => s.Status, SeriesStatus.Completed).SetProperty(s => s.UpdatedAt, now), ct);
}

/// <summary>The <c>data</c> of a series event: the series, and for <c>series.episode_released</c> the episode.</summary>
public sealed record SeriesEventData(SeriesEventSeries Series, SeriesEventEpisode? Episode);

/// <summary>A series in an event: as the series API names its fields, with the count released so far.</summary>
public sealed record SeriesEventSeries(Guid Id, string Name, int EpisodeCount, SeriesStatus Status, int ReleasedCount);

/// <summary>An episode in an event: as the series API names its fields.</summary>
public sealed record SeriesEventEpisode(int Number, string Title, DateTime ScheduledFor, EpisodeStatus Status, DateTime? ReleasedAt, Guid? ExecutionId);
