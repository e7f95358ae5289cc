using System.Text.Json;
using Hangfire;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using NodaTime;
using Scheduling.Core.Common;
using Scheduling.Core.Recurrence;
using Scheduling.Core.Scheduling;
using Scheduling.Web.Api;
using Scheduling.Web.Data;
using Scheduling.Web.Engine;
using Scheduling.Web.Features.Schedules;
using Scheduling.Web.Features.Workspaces;

namespace Scheduling.Web.Features.Executions;

public sealed record ExecutionView(
    Guid Id, Guid ScheduleId, string ScheduleName, DateTime ScheduledFor, DateTime CreatedAt, DateTime? StartedAt, DateTime? CompletedAt,
    ExecutionStatus Status, int Attempts, bool IsManual, string? Title, string? Reason, string? Error, JsonElement? Result, long? DurationMs,
    bool AwaitingCallback, SchedulePriority Priority, JobType JobType, long? AttemptDurationMs = null, Progress.ExecutionProgressView? Progress = null)
{
    /// <summary>When its publishing stages go (produce now, publish later), once known: set when it was held or moved.</summary>
    public DateTime? PublishAt { get; init; }

    /// <summary>Produced and waiting for <see cref="PublishAt"/> ("ready, publishes at ...").</summary>
    public bool ReadyToPublish { get; init; }
}

public sealed record AttemptView(int Number, string? Action, DateTime StartedAt, DateTime? CompletedAt, ExecutionStatus Status, string? Target,
    string? Request, int? ResponseStatus, string? Response, string? Error, long? DurationMs);

/// <param name="Stages">The run's pipeline stages in order with their state (empty for a plain one-stage run).</param>
public sealed record ExecutionDetails(ExecutionView Execution, IReadOnlyList<AttemptView> Attempts)
{
    public IReadOnlyList<Pipelines.StageRunView> Stages { get; init; } = [];
}

public sealed record ExecutionQuery(Guid? ScheduleId = null, ExecutionStatus? Status = null, JobType? JobType = null, DateTime? From = null, DateTime? To = null, int Page = 1, int PageSize = 25);

public sealed record RunNowRequest(bool CountTowardMaxRuns = false);

/// <summary>A run's new publish time (a UTC instant; now or earlier: publish at once).</summary>
public sealed record PublishAtRequest(DateTime? At);

public sealed record CallbackRequest(JsonElement? Result, string? Error);

public sealed record UpcomingRun(Guid ScheduleId, string ScheduleName, DateTime ScheduledFor, string Local, string Timezone, SchedulePriority Priority, JobType JobType);

public sealed record ScheduleStats(int Total, int Completed, int Failed, int Skipped, double? SuccessRate, double? AverageDurationMs, int FailureStreak, DateTime? NextRunAt, double? SecondsToNextRun);

/// <summary>One finished run, for charts: when it was planned, how it ended, how long its last attempt took.</summary>
public sealed record ExecutionOutcome(DateTime ScheduledFor, ExecutionStatus Status, long? DurationMs);

public sealed record QueueStatus(string Name, long Enqueued);

public sealed record ServerStatus(string Name, int Workers, IReadOnlyList<string> Queues, DateTime? Heartbeat);

public sealed record SchedulerStatus(
    DateTime Now, IReadOnlyList<ServerStatus> Servers, IReadOnlyList<QueueStatus> Queues, long Processing, long Scheduled, long DueNow,
    int StartedLastHour, double? LagP50Seconds, double? LagP95Seconds, double? LagP99Seconds, long RecoveredSinceStart, DateTime? LastRecoverySweep,
    int HeldOnThisNode);

/// <summary>Execution history, manual runs, integration callbacks and the engine's status, for the UI and the API.</summary>
public sealed class ExecutionService(
    IDbContextFactory<AppDbContext> contexts,
    WorkspaceContext current,
    ExecutionQueue queue,
    ExecutionRunner runner,
    RunTransitions transitions,
    JobStorage storage,
    EngineStats stats,
    DueRunReleaser releaser,
    IOptionsMonitor<ExecutionOptions> options,
    TimeProvider clock)
{
    public async Task<PagedResult<ExecutionView>> ListAsync(ExecutionQuery query, CancellationToken ct = default)
    {
        current.RequireWorkspace();
        if (query.Page < 1 || query.PageSize is < 1 or > ScheduleLimits.MaxPageSize)
        {
            throw new RequestValidationException(query.Page < 1 ? "page" : "pageSize", $"Page starts at 1; page size is between 1 and {ScheduleLimits.MaxPageSize}.");
        }
        await using var db = await contexts.CreateDbContextAsync(ct);
        if (query.ScheduleId is { } scheduleId && !await db.Schedules.AnyAsync(s => s.Id == scheduleId, ct))
        {
            throw new NotFoundException("Schedule");
        }
        var rows = db.Executions.AsNoTracking().AsQueryable();
        if (query.ScheduleId is { } id)
        {
            rows = rows.Where(e => e.ScheduleId == id);
        }
        if (query.Status is { } status)
        {
            rows = rows.Where(e => e.Status == status);
        }
        if (query.JobType is { } jobType)
        {
            rows = rows.Where(e => e.JobType == jobType);
        }
        if (query.From is { } from)
        {
            rows = rows.Where(e => e.ScheduledFor >= from);
        }
        if (query.To is { } to)
        {
            rows = rows.Where(e => e.ScheduledFor < to);
        }
        var total = await rows.CountAsync(ct);
        var page = await rows.OrderByDescending(e => e.ScheduledFor).ThenByDescending(e => e.CreatedAt)
            .Skip((query.Page - 1) * query.PageSize).Take(query.PageSize)
            .Select(e => new { Execution = e, e.Schedule!.Name })
            .ToListAsync(ct);
        return new PagedResult<ExecutionView>([.. page.Select(r => ToView(r.Execution, r.Name))], total, query.Page, query.PageSize);
    }

    public async Task<ExecutionDetails> GetAsync(Guid id, CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var row = await db.Executions.AsNoTracking().Where(e => e.Id == id)
            .Select(e => new { Execution = e, e.Schedule!.Name }).FirstOrDefaultAsync(ct) ?? throw new NotFoundException("Execution");
        var attempts = await db.ExecutionAttempts.AsNoTracking().Where(a => a.ExecutionId == id).ToListAsync(ct);
        var stages = await db.ExecutionStages.AsNoTracking().Where(s => s.ExecutionId == id).OrderBy(s => s.Position).ToListAsync(ct);
        return new ExecutionDetails(ToView(row.Execution, row.Name), [.. attempts.OrderBy(a => a.Number).ThenBy(a => a.StartedAt).Select(a =>
            new AttemptView(a.Number, a.Action, a.StartedAt, a.CompletedAt, a.Status, a.Target, a.Request, a.ResponseStatus, a.Response, a.Error, a.DurationMs))])
        {
            // A stage still waiting when its run ended never ran (the chain stopped, or the retries ran out before it).
            Stages = [.. stages.Select(s => row.Execution.IsFinished && s.State is Pipelines.StageState.Pending or Pipelines.StageState.Running
                ? Pipelines.StageRunView.From(s) with { State = Pipelines.StageState.NotRun }
                : Pipelines.StageRunView.From(s))],
        };
    }

    /// <summary>A manual run now; the schedule's next planned run is unchanged.</summary>
    public async Task<ExecutionView> RunNowAsync(Guid scheduleId, bool countTowardMaxRuns, CancellationToken ct = default)
    {
        current.RequireEditor();
        await using var db = await contexts.CreateDbContextAsync(ct);
        var schedule = await db.Schedules.FirstOrDefaultAsync(s => s.Id == scheduleId, ct) ?? throw new NotFoundException("Schedule");
        // A manual run of a series' schedule would release no episode (its runs are the episodes': decision 0025).
        await Schedules.ScheduleService.RefuseIfPartOfSeriesAsync(db, scheduleId, "release or retry episodes through", ct);
        if (schedule.Status == ScheduleStatus.Cancelled)
        {
            throw new ConflictException("A cancelled schedule does not run: clone it to run it again.");
        }
        if (schedule.Status is ScheduleStatus.Draft or ScheduleStatus.InReview)
        {
            throw new ConflictException("A schedule waiting for approval does not run: an Owner or Admin approves it first.");
        }
        var now = clock.GetUtcNow().UtcDateTime;
        if (countTowardMaxRuns)
        {
            if (schedule.MaxRuns is { } max && schedule.RunCount >= max)
            {
                throw new ConflictException($"The schedule has used its {max} runs; run it without counting, or raise max runs.");
            }
            schedule.RunCount++;
            if (schedule.MaxRuns is { } limit && schedule.RunCount >= limit)
            {
                schedule.NextRunAt = null;
                schedule.Status = ScheduleStatus.Completed;
            }
        }
        var execution = Execution.Manual(schedule, countTowardMaxRuns, now);
        await using (var transaction = await db.Database.BeginTransactionAsync(ct))
        {
            await transitions.CreateAsync(db, [execution], ct);
            await db.SaveChangesAsync(ct);
            await transaction.CommitAsync(ct);
        }
        execution.HangfireJobId = queue.Enqueue(execution.Id, execution.Priority);
        await db.SaveChangesAsync(ct);
        return ToView(execution, schedule.Name);
    }

    /// <summary>
    /// Runs a failed or cancelled execution again, same id, attempts continuing; or a skipped one after all (missed
    /// while the app was down, or skipped by the overlap policy): same id, so the integration sees one idempotency key.
    /// </summary>
    public async Task<ExecutionView> RetryAsync(Guid id, CancellationToken ct = default)
    {
        current.RequireEditor();
        await using var db = await contexts.CreateDbContextAsync(ct);
        var execution = await db.Executions.AsNoTracking().Include(e => e.Schedule).FirstOrDefaultAsync(e => e.Id == id, ct) ?? throw new NotFoundException("Execution");
        if (!Execution.CanRunAgain(execution.Status))
        {
            throw new ConflictException($"Only a failed, cancelled or skipped run can be run again; this one is {execution.Status.ToString().ToLowerInvariant()}.");
        }
        var reason = execution.Status == ExecutionStatus.Skipped ? "Run requested (it was skipped)." : "Retry requested.";
        if (!await transitions.ReopenAsync(db, id, execution.Status, reason))
        {
            throw new ConflictException("The run changed meanwhile (another retry?): look at it again.");
        }
        var job = queue.Enqueue(execution.Id, execution.Priority);
        await RunTransitions.RecordJobAsync(db, execution.Id, job);
        execution.Status = ExecutionStatus.Pending;
        execution.Reason = reason;
        execution.WaitReason = WaitReason.None;
        execution.CompletedAt = null;
        execution.NotBefore = null;
        execution.HangfireJobId = job;
        return ToView(execution, execution.Schedule!.Name);
    }

    /// <summary>
    /// Moves when a run publishes, without producing again: a run held after production gets a new carrier job at the new
    /// time (a compare-and-set on the state read, so a run that started meanwhile is not touched); a run still producing
    /// publishes at the new time when production ends. Refused once a publishing stage started, or the run ended.
    /// </summary>
    public async Task<ExecutionView> MovePublishAsync(Guid id, PublishAtRequest body, CancellationToken ct = default)
    {
        current.RequireEditor();
        await using var db = await contexts.CreateDbContextAsync(ct);
        // The run first (another workspace's is a 404 whatever the body says), then the time asked for.
        var execution = await db.Executions.AsNoTracking().Include(e => e.Schedule).FirstOrDefaultAsync(e => e.Id == id, ct) ?? throw new NotFoundException("Execution");
        if (body?.At is not { } requested)
        {
            throw new RequestValidationException("at", "Give the new publish time as a UTC instant, such as 2026-12-24T11:00:00Z (now or earlier publishes at once).");
        }
        var now = clock.GetUtcNow().UtcDateTime;
        var at = requested.Kind == DateTimeKind.Local ? requested.ToUniversalTime() : DateTime.SpecifyKind(requested, DateTimeKind.Utc);
        if (at > now.AddYears(2))
        {
            throw new RequestValidationException("at", "A publish time is at most two years ahead.");
        }
        if (at < now)
        {
            at = now;
        }
        if (execution.IsFinished)
        {
            throw new ConflictException($"The run is {execution.Status.ToString().ToLowerInvariant()}: its publishing is over.");
        }
        var held = execution.Status == ExecutionStatus.Pending && execution.WaitReason == WaitReason.PublishAt;
        if (!held && execution.Schedule!.PublishAt is null && execution.PublishAt is null)
        {
            throw new ConflictException("This run publishes with its production (its schedule has no publish time): set publishAt on the schedule to publish later.");
        }
        if (await db.ExecutionStages.AnyAsync(s => s.ExecutionId == id && s.Publishing && s.Attempts > 0, ct))
        {
            throw new ConflictException("Publishing has started for this run: its time can no longer move.");
        }
        if (held)
        {
            // The row first, then its carrier: a job that comes before the row had its new time would wait for the old one.
            // Without a carrier for a moment, the recovery sweep hands it over at its time if this process stops here.
            var moved = await db.Executions.Where(e => e.Id == id && e.Status == ExecutionStatus.Pending && e.WaitReason == WaitReason.PublishAt && e.Attempts == execution.Attempts)
                .ExecuteUpdateAsync(set => set.SetProperty(e => e.PublishAt, at).SetProperty(e => e.NotBefore, at).SetProperty(e => e.HangfireJobId, (string?)null)
                    .SetProperty(e => e.Reason, WaitReasons.ReadyToPublish(at)), ct);
            if (moved == 0)
            {
                throw new ConflictException("The run changed meanwhile (it started publishing?): look at it again.");
            }
            var job = at <= now ? queue.Enqueue(execution.Id, execution.Priority) : queue.ScheduleAt(execution.Id, execution.Priority, at);
            await RunTransitions.RecordJobAsync(db, execution.Id, job);
        }
        else if (await db.Executions.Where(e => e.Id == id && (e.Status == ExecutionStatus.Pending || e.Status == ExecutionStatus.Running))
            .ExecuteUpdateAsync(set => set.SetProperty(e => e.PublishAt, at), ct) == 0)
        {
            throw new ConflictException("The run ended meanwhile: look at it again.");
        }
        var updated = await db.Executions.AsNoTracking().FirstAsync(e => e.Id == id, ct);
        return ToView(updated, execution.Schedule!.Name);
    }

    /// <summary>The integration reports the end of an accepted (202) run.</summary>
    public async Task<ExecutionView> CallbackAsync(Guid id, bool succeeded, CallbackRequest body, CancellationToken ct = default)
    {
        current.RequireEditor();
        if (!succeeded && string.IsNullOrWhiteSpace(body.Error))
        {
            throw new RequestValidationException("error", "Say what failed: error is required.");
        }
        await using var db = await contexts.CreateDbContextAsync(ct);
        var execution = await db.Executions.AsNoTracking().Include(e => e.Schedule).FirstOrDefaultAsync(e => e.Id == id, ct) ?? throw new NotFoundException("Execution");
        if (execution.Status != ExecutionStatus.Running)
        {
            throw new ConflictException($"The run is {execution.Status.ToString().ToLowerInvariant()}, not running: nothing to complete.");
        }
        var result = body.Result is { ValueKind: not (JsonValueKind.Undefined or JsonValueKind.Null) } value
            ? JsonSerializer.Serialize(new { callback = value, delivery = Parse(execution.Result) }, JsonSerializerOptions.Web)
            : execution.Result;
        var call = new DeliveryCall("callback", null, body.Result?.GetRawText(), null, null, body.Error, TimeSpan.Zero, succeeded);
        HandlerOutcome outcome = succeeded
            ? new HandlerOutcome.Completed([call], result)
            : new HandlerOutcome.Failed([call], result, body.Error!.Trim(), Retryable: true);
        if (!await runner.ApplyAsync(execution, outcome, clock.GetUtcNow().UtcDateTime, options.CurrentValue, ct))
        {
            throw new ConflictException("The run ended meanwhile (its callback timed out, or another callback came first): look at it again.");
        }
        return ToView(execution, execution.Schedule!.Name);
    }

    public async Task<IReadOnlyList<UpcomingRun>> UpcomingAsync(int hoursAhead, int limit, SchedulePriority? priority, JobType? jobType, CancellationToken ct = default)
    {
        current.RequireWorkspace();
        if (hoursAhead is < 1 or > 24 * 366)
        {
            throw new RequestValidationException("hoursAhead", "hoursAhead is between 1 and 8784 (a year).");
        }
        if (limit is < 1 or > 1000)
        {
            throw new RequestValidationException("limit", "limit is between 1 and 1000.");
        }
        var now = Instant.FromDateTimeOffset(clock.GetUtcNow());
        var until = now + Duration.FromHours(hoursAhead);
        await using var db = await contexts.CreateDbContextAsync(ct);
        var untilUtc = until.ToDateTimeUtc();
        var schedules = db.Schedules.AsNoTracking().Include(s => s.Exceptions)
            .Where(s => s.Status == ScheduleStatus.Active && s.NextRunAt != null && s.NextRunAt < untilUtc);
        if (priority is { } p)
        {
            schedules = schedules.Where(s => s.Priority == p);
        }
        if (jobType is { } j)
        {
            schedules = schedules.Where(s => s.JobType == j);
        }
        var runs = new List<UpcomingRun>();
        foreach (var schedule in await schedules.ToListAsync(ct))
        {
            var timing = ScheduleTiming.FromSchedule(schedule);
            var from = Instant.FromDateTimeUtc(schedule.NextRunAt!.Value);
            var remaining = schedule.MaxRuns is { } max ? max - schedule.RunCount : int.MaxValue;
            IEnumerable<Instant> instants = timing.Type == ScheduleType.Once ? [from] : timing.Set!.OccurrencesAfter(from, inclusive: true).Select(o => o.Instant);
            foreach (var at in instants.TakeWhile(i => i < until).Take(Math.Min(limit, remaining)))
            {
                runs.Add(new UpcomingRun(schedule.Id, schedule.Name, at.ToDateTimeUtc(), ScheduleTiming.FormatLocal(at.InZone(timing.Zone).LocalDateTime), schedule.TimeZone, schedule.Priority, schedule.JobType));
            }
        }
        // Runs the dispatcher already claimed (a few seconds ahead of their time) are upcoming too.
        var nowUtc = now.ToDateTimeUtc();
        var claimed = db.Executions.AsNoTracking()
            .Where(e => e.Status == ExecutionStatus.Pending && e.Attempts == 0 && !e.IsManual && e.ScheduledFor > nowUtc && e.ScheduledFor < untilUtc);
        if (priority is { } claimedPriority)
        {
            claimed = claimed.Where(e => e.Priority == claimedPriority);
        }
        if (jobType is { } claimedJobType)
        {
            claimed = claimed.Where(e => e.JobType == claimedJobType);
        }
        foreach (var run in await claimed.OrderBy(e => e.ScheduledFor).Take(limit)
            .Select(e => new { e.ScheduleId, e.Schedule!.Name, e.ScheduledFor, e.Schedule.TimeZone, e.Priority, e.JobType }).ToListAsync(ct))
        {
            var at = Instant.FromDateTimeUtc(run.ScheduledFor);
            var local = DateTimeZoneProviders.Tzdb.GetZoneOrNull(run.TimeZone) is { } zone ? ScheduleTiming.FormatLocal(at.InZone(zone).LocalDateTime) : run.ScheduledFor.ToString("u", System.Globalization.CultureInfo.InvariantCulture);
            runs.Add(new UpcomingRun(run.ScheduleId, run.Name, run.ScheduledFor, local, run.TimeZone, run.Priority, run.JobType));
        }
        return [.. runs.OrderBy(r => r.ScheduledFor).ThenByDescending(r => r.Priority).Take(limit)];
    }

    public async Task<ScheduleStats> StatsAsync(Guid scheduleId, CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var schedule = await db.Schedules.AsNoTracking().FirstOrDefaultAsync(s => s.Id == scheduleId, ct) ?? throw new NotFoundException("Schedule");
        var finished = await db.Executions.AsNoTracking()
            .Where(e => e.ScheduleId == scheduleId && (e.Status == ExecutionStatus.Completed || e.Status == ExecutionStatus.Failed || e.Status == ExecutionStatus.Skipped))
            .Select(e => new { e.Status, e.ScheduledFor, e.StartedAt, e.AttemptStartedAt, e.CompletedAt })
            .ToListAsync(ct);
        var completed = finished.Count(e => e.Status == ExecutionStatus.Completed);
        var failed = finished.Count(e => e.Status == ExecutionStatus.Failed);
        var streak = finished.Where(e => e.Status != ExecutionStatus.Skipped).OrderByDescending(e => e.ScheduledFor).TakeWhile(e => e.Status == ExecutionStatus.Failed).Count();
        // How long the successful attempt took: a retried run's backoffs are not the integration's time.
        var durations = finished.Where(e => e.Status == ExecutionStatus.Completed)
            .Select(e => AttemptDuration(e.StartedAt, e.AttemptStartedAt, e.CompletedAt)).OfType<long>().Select(ms => (double)ms).ToList();
        var now = clock.GetUtcNow().UtcDateTime;
        return new ScheduleStats(finished.Count, completed, failed, finished.Count - completed - failed,
            completed + failed == 0 ? null : Math.Round(100.0 * completed / (completed + failed), 1),
            durations.Count == 0 ? null : Math.Round(durations.Average(), 1),
            streak, schedule.NextRunAt, schedule.NextRunAt is { } next ? Math.Round((next - now).TotalSeconds, 1) : null);
    }

    /// <summary>
    /// Completed and failed runs of a schedule planned at or after <paramref name="sinceUtc"/>, newest first, at most
    /// <paramref name="limit"/> (read-only; the history charts: success rate per day, durations of the last runs).
    /// </summary>
    public async Task<IReadOnlyList<ExecutionOutcome>> OutcomesAsync(Guid scheduleId, DateTime sinceUtc, int limit, CancellationToken ct = default)
    {
        current.RequireWorkspace();
        if (limit is < 1 or > 10_000)
        {
            throw new RequestValidationException("limit", "limit is between 1 and 10000.");
        }
        await using var db = await contexts.CreateDbContextAsync(ct);
        var runs = await db.Executions.AsNoTracking()
            .Where(e => e.ScheduleId == scheduleId && e.ScheduledFor >= sinceUtc && (e.Status == ExecutionStatus.Completed || e.Status == ExecutionStatus.Failed))
            .OrderByDescending(e => e.ScheduledFor).ThenByDescending(e => e.CreatedAt)
            .Take(limit)
            .Select(e => new { e.ScheduledFor, e.Status, e.StartedAt, e.AttemptStartedAt, e.CompletedAt })
            .ToListAsync(ct);
        return [.. runs.Select(e => new ExecutionOutcome(e.ScheduledFor, e.Status, AttemptDuration(e.StartedAt, e.AttemptStartedAt, e.CompletedAt)))];
    }

    /// <summary>The engine across nodes: Hangfire servers and queues, planned-run lag over the last hour, recovery.</summary>
    public async Task<SchedulerStatus> StatusAsync(CancellationToken ct = default)
    {
        var monitoring = storage.GetMonitoringApi();
        var now = clock.GetUtcNow().UtcDateTime;
        var servers = monitoring.Servers().Select(s => new ServerStatus(s.Name, s.WorkersCount, [.. s.Queues], s.Heartbeat)).ToList();
        var queues = ExecutionOptions.Queues.Select(q => new QueueStatus(q, monitoring.EnqueuedCount(q))).ToList();
        await using var db = await contexts.CreateDbContextAsync(ct);
        var hourAgo = now.AddHours(-1);
        var lags = await db.Executions.IgnoreQueryFilters().AsNoTracking()
            .Where(e => !e.IsManual && e.StartedAt != null && e.StartedAt >= hourAgo)
            .Select(e => new { e.StartedAt, e.ScheduledFor, e.CreatedAt })
            .ToListAsync(ct);
        // From its time, or from when it was created if later (a backfill, runs caught up after downtime): the
        // engine's lag, not the age of the occurrence.
        var seconds = lags.Select(l => Math.Max(0, (l.StartedAt!.Value - (l.CreatedAt > l.ScheduledFor ? l.CreatedAt : l.ScheduledFor)).TotalSeconds)).Order().ToArray();
        var due = await db.Schedules.IgnoreQueryFilters().LongCountAsync(s => s.Status == ScheduleStatus.Active && s.NextRunAt <= now, ct);
        return new SchedulerStatus(now, servers, queues, monitoring.ProcessingCount(), monitoring.ScheduledCount(), due, seconds.Length,
            Percentile(seconds, 0.50), Percentile(seconds, 0.95), Percentile(seconds, 0.99), stats.Recovered, stats.LastSweepAt, releaser.Held);
    }

    internal static double? Percentile(double[] sorted, double p) =>
        sorted.Length == 0 ? null : Math.Round(sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)], 3);

    private static JsonElement? Parse(string? json)
    {
        if (string.IsNullOrEmpty(json))
        {
            return null;
        }
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }

    internal static ExecutionView ToView(Execution e, string scheduleName) => new(
        e.Id, e.ScheduleId, scheduleName, e.ScheduledFor, e.CreatedAt, e.StartedAt, e.CompletedAt, e.Status, e.Attempts, e.IsManual, e.Title,
        e.Reason, e.Error, Parse(e.Result), e.DurationMs, e.AwaitingCallback, e.Priority, e.JobType, AttemptDuration(e), ProgressOf(e))
    {
        PublishAt = e.PublishAt,
        ReadyToPublish = e.Status == ExecutionStatus.Pending && e.WaitReason == WaitReason.PublishAt,
    };

    /// <summary>The reported progress of the current (or last) attempt; an earlier attempt's is not shown.</summary>
    internal static Progress.ExecutionProgressView? ProgressOf(Execution e) =>
        e.ProgressPercent is { } percent && e.ProgressAt is { } at && !(e.AttemptStartedAt > at)
            ? new Progress.ExecutionProgressView(percent, e.ProgressStage, e.ProgressMessage, at, e.StalledSince is not null && e.Status == ExecutionStatus.Running)
            : null;

    /// <summary>
    /// The current (finished) or last attempt's duration. <see cref="Execution.DurationMs"/> counts from the first
    /// attempt, so a retried run's would include every backoff in between.
    /// </summary>
    internal static long? AttemptDuration(Execution e) => AttemptDuration(e.StartedAt, e.AttemptStartedAt, e.CompletedAt);

    private static long? AttemptDuration(DateTime? startedAt, DateTime? attemptStartedAt, DateTime? completedAt) =>
        completedAt is { } done && (attemptStartedAt ?? startedAt) is { } started && done >= started
            ? (long)(done - started).TotalMilliseconds
            : null;
}
