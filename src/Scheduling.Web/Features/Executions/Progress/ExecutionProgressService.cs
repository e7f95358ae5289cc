using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Scheduling.Web.Api;
using Scheduling.Web.Data;
using Scheduling.Web.Features.Alerts;
using Scheduling.Web.Features.Events;
using Scheduling.Web.Features.Workspaces;

namespace Scheduling.Web.Features.Executions.Progress;

/// <summary>
/// Progress reports of running runs (decision 0022). A report is a write that changes no status, so it stays here
/// rather than in <see cref="RunTransitions"/>; it is still a compare-and-set: accepted only while the run is running,
/// and, within one attempt and stage, only if the percent does not go down (a lower one is ignored: reports may
/// arrive out of order). A new stage, or a new attempt, starts again from any percent.
/// </summary>
public sealed class ExecutionProgressService(
    IDbContextFactory<AppDbContext> contexts,
    WorkspaceContext current,
    LifecycleOutbox outbox,
    SubscriptionDirectory subscriptions,
    ExecutionProgressNotifier notifier,
    IOptionsMonitor<EventDeliveryOptions> events,
    TimeProvider clock)
{
    public async Task<ProgressReportResult> ReportAsync(Guid id, ProgressRequest body, CancellationToken ct = default)
    {
        current.RequireEditor();
        var (percent, stage, message) = Validate(body);
        await using var db = await contexts.CreateDbContextAsync(ct);
        var seen = await db.Executions.AsNoTracking().Where(e => e.Id == id)
            .Select(e => new { e.Status, e.WorkspaceId, e.ProgressPercent, e.ProgressStage, e.ProgressAt, e.AttemptStartedAt, e.StalledSince })
            .FirstOrDefaultAsync(ct) ?? throw new NotFoundException("Execution");
        if (seen.Status != ExecutionStatus.Running)
        {
            throw NotRunning(seen.Status);
        }
        stage = await PipelineStageAsync(db, id, stage, ct);
        var now = clock.GetUtcNow().UtcDateTime;
        var moved = !(seen.ProgressStage == stage && seen.ProgressPercent == percent && seen.ProgressAt is { } at && at >= seen.AttemptStartedAt);

        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var updated = await db.Executions
            .Where(e => e.Id == id && e.Status == ExecutionStatus.Running
                && (e.ProgressAt == null || e.ProgressAt < e.AttemptStartedAt || e.ProgressStage != stage || e.ProgressPercent <= percent))
            .ExecuteUpdateAsync(set => set
                // Unchanged percent and stage (a new message only) is not a move: the stall check keeps counting.
                .SetProperty(e => e.ProgressAt, e => e.ProgressStage == stage && e.ProgressPercent == percent && e.ProgressAt != null && e.ProgressAt >= e.AttemptStartedAt
                    ? e.ProgressAt : (DateTime?)now)
                .SetProperty(e => e.StalledSince, e => e.ProgressStage == stage && e.ProgressPercent == percent && e.ProgressAt != null && e.ProgressAt >= e.AttemptStartedAt
                    ? e.StalledSince : null)
                .SetProperty(e => e.ProgressPercent, percent)
                .SetProperty(e => e.ProgressStage, stage)
                .SetProperty(e => e.ProgressMessage, message), ct);
        var row = await db.Executions.AsNoTracking().Where(e => e.Id == id).Select(e => new { Execution = e, e.Schedule!.Name }).FirstOrDefaultAsync(ct)
            ?? throw new NotFoundException("Execution");
        if (updated == 0)
        {
            if (row.Execution.Status != ExecutionStatus.Running)
            {
                throw NotRunning(row.Execution.Status);
            }
            return new ProgressReportResult(false, ExecutionService.ProgressOf(row.Execution)!);
        }

        db.ExecutionProgress.Add(new ExecutionProgressEntry { WorkspaceId = seen.WorkspaceId, ExecutionId = id, Percent = percent, Stage = stage, Message = message, At = now });
        await db.SaveChangesAsync(ct);
        var old = await db.ExecutionProgress.Where(p => p.ExecutionId == id).OrderByDescending(p => p.Id).Skip(ProgressLimits.HistoryLength).Select(p => p.Id).ToListAsync(ct);
        if (old.Count > 0)
        {
            await db.ExecutionProgress.Where(p => old.Contains(p.Id)).ExecuteDeleteAsync(ct);
        }
        if (moved && seen.StalledSince is not null)
        {
            // It moves again: its stall alert is over.
            var key = AlertEvaluator.StalledKeyPrefix(id);
            await db.Alerts.Where(a => a.Kind == AlertKind.Stalled && a.DismissedAt == null && a.Key.StartsWith(key))
                .ExecuteUpdateAsync(set => set.SetProperty(a => a.DismissedAt, now), ct);
        }
        var view = ExecutionService.ToView(row.Execution, row.Name);
        if (moved && await subscriptions.HasAsync(db, seen.WorkspaceId, ct) && await ClaimEventAsync(db, id, percent == 100, now, ct))
        {
            await outbox.AddExecutionEventAsync(db, seen.WorkspaceId, EventTypes.ExecutionProgress, view, ct);
            await db.SaveChangesAsync(ct);
        }
        await transaction.CommitAsync(ct);
        notifier.Publish(seen.WorkspaceId, id);
        return new ProgressReportResult(true, view.Progress!);
    }

    public async Task<ExecutionProgressHistory> HistoryAsync(Guid id, CancellationToken ct = default)
    {
        current.RequireWorkspace();
        await using var db = await contexts.CreateDbContextAsync(ct);
        var run = await db.Executions.AsNoTracking().FirstOrDefaultAsync(e => e.Id == id, ct) ?? throw new NotFoundException("Execution");
        var entries = await db.ExecutionProgress.AsNoTracking().Where(p => p.ExecutionId == id).OrderByDescending(p => p.Id).Take(ProgressLimits.HistoryLength)
            .Select(p => new ProgressEntryView(p.Percent, p.Stage, p.Message, p.At)).ToListAsync(ct);
        return new ExecutionProgressHistory(id, ExecutionService.ProgressOf(run), entries);
    }

    /// <summary>The progress of those of <paramref name="ids"/> that are running and reported some (the calendar's running items).</summary>
    public async Task<IReadOnlyDictionary<Guid, ExecutionProgressView>> RunningAsync(IReadOnlyCollection<Guid> ids, CancellationToken ct = default)
    {
        current.RequireWorkspace();
        if (ids.Count == 0)
        {
            return new Dictionary<Guid, ExecutionProgressView>();
        }
        await using var db = await contexts.CreateDbContextAsync(ct);
        var runs = await db.Executions.AsNoTracking().Where(e => ids.Contains(e.Id) && e.Status == ExecutionStatus.Running && e.ProgressPercent != null).ToListAsync(ct);
        return runs.Select(e => (e.Id, Progress: ExecutionService.ProgressOf(e))).Where(r => r.Progress is not null).ToDictionary(r => r.Id, r => r.Progress!);
    }

    /// <summary>
    /// At most one execution.progress event per run per <see cref="EventDeliveryOptions.ProgressThrottle"/>, the first and
    /// 100 % always: claimed on the run's row, so two nodes taking reports of one run do not both send.
    /// </summary>
    private async Task<bool> ClaimEventAsync(AppDbContext db, Guid id, bool always, DateTime now, CancellationToken ct)
    {
        var since = now - events.CurrentValue.ProgressThrottle;
        return await db.Executions.Where(e => e.Id == id && (always || e.ProgressEventAt == null || e.ProgressEventAt <= since))
            .ExecuteUpdateAsync(set => set.SetProperty(e => e.ProgressEventAt, now), ct) == 1;
    }

    private static ConflictException NotRunning(ExecutionStatus status) =>
        new($"The run is {status.ToString().ToLowerInvariant()}, not running: progress is taken only while it runs.");

    /// <summary>
    /// A pipeline run's progress belongs to one of its stages (decision 0022): a stage it does not have is a 400 naming
    /// the ones it has, and a report without one is for the stage in flight. A plain run's stage is free text.
    /// </summary>
    private static async Task<string?> PipelineStageAsync(AppDbContext db, Guid id, string? stage, CancellationToken ct)
    {
        var stages = await db.ExecutionStages.AsNoTracking().Where(s => s.ExecutionId == id).OrderBy(s => s.Position)
            .Select(s => new { s.Key, s.State }).ToListAsync(ct);
        if (stages.Count == 0)
        {
            return stage;
        }
        if (stage is null)
        {
            return stages.FirstOrDefault(s => s.State == Pipelines.StageState.Running)?.Key;
        }
        if (stages.Any(s => string.Equals(s.Key, stage, StringComparison.Ordinal)))
        {
            return stage;
        }
        // The same key in another case is the same stage: the wire keeps the pipeline's spelling.
        return stages.FirstOrDefault(s => string.Equals(s.Key, stage, StringComparison.OrdinalIgnoreCase))?.Key
            ?? throw new RequestValidationException("stage",
                $"stage '{stage}' is not a stage of this run's pipeline; its stages are {string.Join(", ", stages.Select(s => s.Key))}.");
    }

    private static (int Percent, string? Stage, string? Message) Validate(ProgressRequest body)
    {
        if (body.Percent is not { } percent)
        {
            throw new RequestValidationException("percent", "percent is required: a whole number from 0 to 100.");
        }
        if (percent is < 0 or > 100)
        {
            throw new RequestValidationException("percent", "percent is a whole number from 0 to 100.");
        }
        var stage = string.IsNullOrWhiteSpace(body.Stage) ? null : body.Stage.Trim();
        if (stage is { Length: > ProgressLimits.StageLength })
        {
            throw new RequestValidationException("stage", $"stage is at most {ProgressLimits.StageLength} characters.");
        }
        if (stage is not null && stage.Any(char.IsControl))
        {
            throw new RequestValidationException("stage", "stage must not contain control characters.");
        }
        var message = string.IsNullOrWhiteSpace(body.Message) ? null : body.Message.Trim();
        if (message is { Length: > ProgressLimits.MessageLength })
        {
            throw new RequestValidationException("message", $"message is at most {ProgressLimits.MessageLength} characters.");
        }
        if (message is not null && message.Contains('\0', StringComparison.Ordinal))
        {
            throw new RequestValidationException("message", "message must not contain NUL characters.");
        }
        return (percent, stage, message);
    }
}
