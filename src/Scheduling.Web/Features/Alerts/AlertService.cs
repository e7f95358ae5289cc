using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Scheduling.Core.Scheduling;
using Scheduling.Web.Api;
using Scheduling.Web.Data;
using Scheduling.Web.Engine;
using Scheduling.Web.Features.Executions;
using Scheduling.Web.Features.Workspaces;

namespace Scheduling.Web.Features.Alerts;

public sealed record AlertView(Guid Id, Guid ScheduleId, string ScheduleName, AlertKind Kind, string Message, DateTime CreatedAt);

/// <summary>The current workspace's open alerts; dismissing one hides it for good.</summary>
public sealed class AlertService(IDbContextFactory<AppDbContext> contexts, WorkspaceContext current, TimeProvider clock)
{
    public async Task<IReadOnlyList<AlertView>> ListOpenAsync(Guid? scheduleId = null, CancellationToken ct = default)
    {
        current.RequireWorkspace();
        await using var db = await contexts.CreateDbContextAsync(ct);
        var alerts = db.Alerts.AsNoTracking().Where(a => a.DismissedAt == null);
        if (scheduleId is { } id)
        {
            alerts = alerts.Where(a => a.ScheduleId == id);
        }
        var rows = await alerts.Select(a => new AlertView(a.Id, a.ScheduleId, a.Schedule!.Name, a.Kind, a.Message, a.CreatedAt)).ToListAsync(ct);
        return [.. rows.OrderByDescending(a => a.CreatedAt)];
    }

    public async Task DismissAsync(Guid id, CancellationToken ct = default)
    {
        current.RequireEditor();
        await using var db = await contexts.CreateDbContextAsync(ct);
        var alert = await db.Alerts.FirstOrDefaultAsync(a => a.Id == id, ct) ?? throw new NotFoundException("Alert");
        alert.DismissedAt ??= clock.GetUtcNow().UtcDateTime;
        await db.SaveChangesAsync(ct);
    }
}

/// <summary>
/// Raises alerts across all workspaces (design.md §5): N consecutive failures, overdue by more than an hour,
/// within 3 runs of max runs, running longer than twice its average or its timeout. Each condition is
/// raised once per occurrence (its key), so a dismissed alert does not come back for the same cause.
/// </summary>
public sealed class AlertEvaluator(IDbContextFactory<AppDbContext> contexts, IOptionsMonitor<ExecutionOptions> options, TimeProvider clock)
{
    public async Task<int> EvaluateAsync(CancellationToken ct = default)
    {
        var settings = options.CurrentValue;
        var now = clock.GetUtcNow().UtcDateTime;
        await using var db = await contexts.CreateDbContextAsync(ct);
        var candidates = new List<Alert>();

        // Overdue: active, due more than the threshold ago, not claimed (the dispatcher is behind or stopped).
        var overdueBefore = now - settings.AlertOverdueAfter;
        foreach (var s in await db.Schedules.IgnoreQueryFilters().AsNoTracking()
                     .Where(s => s.Status == ScheduleStatus.Active && s.NextRunAt != null && s.NextRunAt < overdueBefore)
                     .Select(s => new { s.Id, s.WorkspaceId, s.NextRunAt }).ToListAsync(ct))
        {
            candidates.Add(New(s.WorkspaceId, s.Id, AlertKind.Overdue, $"overdue:{s.NextRunAt:O}",
                $"Overdue: due {s.NextRunAt:yyyy-MM-dd HH:mm} UTC and not started after {settings.AlertOverdueAfter.TotalMinutes:0} minutes.", now));
        }

        // Approaching max runs.
        foreach (var s in await db.Schedules.IgnoreQueryFilters().AsNoTracking()
                     .Where(s => s.Status == ScheduleStatus.Active && s.MaxRuns != null && s.MaxRuns - s.RunCount <= 3 && s.MaxRuns - s.RunCount > 0)
                     .Select(s => new { s.Id, s.WorkspaceId, s.MaxRuns, s.RunCount }).ToListAsync(ct))
        {
            candidates.Add(New(s.WorkspaceId, s.Id, AlertKind.ApproachingMaxRuns, $"max:{s.MaxRuns}",
                $"{s.MaxRuns - s.RunCount} run(s) left of {s.MaxRuns}: the schedule completes after them.", now));
        }

        // Consecutive failures: the last N finished runs (skips aside) all failed.
        var threshold = settings.AlertFailureThreshold;
        var recentFailures = await db.Executions.IgnoreQueryFilters().AsNoTracking()
            .Where(e => e.Status == ExecutionStatus.Failed && e.CompletedAt > now.AddDays(-7))
            .Select(e => e.ScheduleId).Distinct().ToListAsync(ct);
        foreach (var scheduleId in recentFailures)
        {
            var last = await db.Executions.IgnoreQueryFilters().AsNoTracking()
                .Where(e => e.ScheduleId == scheduleId && (e.Status == ExecutionStatus.Completed || e.Status == ExecutionStatus.Failed))
                .OrderByDescending(e => e.CompletedAt).Take(threshold)
                .Select(e => new { e.Id, e.Status, e.WorkspaceId, e.Error }).ToListAsync(ct);
            if (last.Count == threshold && last.All(e => e.Status == ExecutionStatus.Failed))
            {
                candidates.Add(New(last[0].WorkspaceId, scheduleId, AlertKind.ConsecutiveFailures, $"failures:{last[0].Id}",
                    $"{threshold} runs in a row failed; last error: {last[0].Error}", now));
            }
        }

        // Running too long: beyond its timeout, or twice the schedule's average duration.
        foreach (var e in await db.Executions.IgnoreQueryFilters().AsNoTracking()
                     .Where(e => e.Status == ExecutionStatus.Running && e.StartedAt != null)
                     .Select(e => new { e.Id, e.WorkspaceId, e.ScheduleId, e.StartedAt, e.AttemptStartedAt, e.Schedule!.TimeoutSeconds }).ToListAsync(ct))
        {
            // The current attempt: a retry after a long backoff has not been running since the first one.
            var running = now - (e.AttemptStartedAt ?? e.StartedAt!.Value);
            var average = await db.Executions.IgnoreQueryFilters().Where(x => x.ScheduleId == e.ScheduleId && x.Status == ExecutionStatus.Completed && x.DurationMs != null)
                .Select(x => (double?)x.DurationMs).AverageAsync(ct);
            var limit = e.TimeoutSeconds is { } t ? TimeSpan.FromSeconds(t) : (TimeSpan?)null;
            if (average is { } avg && avg > 0 && (limit is null || TimeSpan.FromMilliseconds(2 * avg) < limit))
            {
                limit = TimeSpan.FromMilliseconds(2 * avg);
            }
            if (limit is { } l && running > l && running > TimeSpan.FromSeconds(10))
            {
                candidates.Add(New(e.WorkspaceId, e.ScheduleId, AlertKind.RunningTooLong, $"long:{e.Id}",
                    $"A run has been going for {running.TotalMinutes:0.#} min, longer than expected ({l.TotalMinutes:0.#} min).", now));
            }
        }

        await FlagStalledAsync(db, settings, now, candidates, ct);

        if (candidates.Count == 0)
        {
            return 0;
        }
        var scheduleIds = candidates.Select(c => c.ScheduleId).Distinct().ToList();
        var existing = (await db.Alerts.IgnoreQueryFilters().Where(a => scheduleIds.Contains(a.ScheduleId)).Select(a => new { a.ScheduleId, a.Key }).ToListAsync(ct))
            .Select(a => (a.ScheduleId, a.Key)).ToHashSet();
        var fresh = candidates.Where(c => !existing.Contains((c.ScheduleId, c.Key))).DistinctBy(c => (c.ScheduleId, c.Key)).ToList();
        db.Alerts.AddRange(fresh);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException)
        {
            // Another node raised the same alert first: nothing is lost.
            return 0;
        }
        return fresh.Count;
    }

    public static string StalledKeyPrefix(Guid executionId) => $"stalled:{executionId}:";

    /// <summary>
    /// Stalled: a running run that reported progress, whose progress has not moved for longer than its timeout (the
    /// schedule's, else the engine's callback timeout for a run accepted with 202, the delivery timeout otherwise;
    /// per-stage timeouts come with pipelines). Flagged on the run (<see cref="Execution.StalledSince"/>, cleared by the
    /// next move) and raised once per stall. A run that never reports progress is left to the running-too-long alert.
    /// </summary>
    private static async Task FlagStalledAsync(AppDbContext db, ExecutionOptions settings, DateTime now, List<Alert> candidates, CancellationToken ct)
    {
        foreach (var e in await db.Executions.IgnoreQueryFilters().AsNoTracking()
                     .Where(e => e.Status == ExecutionStatus.Running && e.ProgressAt != null && e.ProgressAt >= e.AttemptStartedAt)
                     .Select(e => new { e.Id, e.WorkspaceId, e.ScheduleId, e.ProgressAt, e.ProgressPercent, e.ProgressStage, e.StalledSince, e.AwaitingCallback, e.Schedule!.TimeoutSeconds })
                     .ToListAsync(ct))
        {
            var limit = e.TimeoutSeconds is { } t ? TimeSpan.FromSeconds(t) : e.AwaitingCallback ? settings.DefaultCallbackTimeout : settings.DefaultTimeout;
            var still = now - e.ProgressAt!.Value;
            if (still <= limit)
            {
                continue;
            }
            if (e.StalledSince is null)
            {
                // Only if it has not moved meanwhile: a report that just came in wins.
                await db.Executions.IgnoreQueryFilters().Where(x => x.Id == e.Id && x.ProgressAt == e.ProgressAt && x.StalledSince == null)
                    .ExecuteUpdateAsync(set => set.SetProperty(x => x.StalledSince, now), ct);
            }
            var stage = e.ProgressStage is null ? "" : $" in stage {e.ProgressStage}";
            candidates.Add(New(e.WorkspaceId, e.ScheduleId, AlertKind.Stalled, StalledKeyPrefix(e.Id) + e.ProgressAt.Value.Ticks,
                $"A run is stalled at {e.ProgressPercent} %{stage}: no progress for {still.TotalMinutes:0.#} min (timeout {limit.TotalMinutes:0.#} min).", now));
        }
    }

    private static Alert New(Guid workspaceId, Guid scheduleId, AlertKind kind, string key, string message, DateTime now) => new()
    {
        Id = Guid.CreateVersion7(),
        WorkspaceId = workspaceId,
        ScheduleId = scheduleId,
        Kind = kind,
        Key = key.Length > 128 ? key[..128] : key,
        Message = message.Length > 500 ? message[..500] : message,
        CreatedAt = now,
    };
}

public static class AlertEndpoints
{
    public static IServiceCollection AddAlertFeature(this IServiceCollection services)
    {
        services.AddScoped<AlertService>();
        services.AddScoped<AlertEvaluator>();
        return services;
    }

    public static void MapAlertEndpoints(this IEndpointRouteBuilder api)
    {
        var alerts = api.MapGroup("/alerts").WithTags("Alerts");
        alerts.MapGet("", (Guid? scheduleId, AlertService service, CancellationToken ct) => service.ListOpenAsync(scheduleId, ct))
            .Describe("Alerts_List", "List open alerts", "Open alerts of the workspace (or of one schedule: scheduleId), newest first.");
        alerts.MapPost("/{id:guid}/dismiss", async (Guid id, AlertService service, CancellationToken ct) =>
        {
            await service.DismissAsync(id, ct);
            return TypedResults.NoContent();
        }).Describe("Alerts_Dismiss", "Dismiss an alert", "Dismiss an alert; it is raised again if its condition returns.");
    }
}
