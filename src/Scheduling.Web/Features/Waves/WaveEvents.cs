using Microsoft.EntityFrameworkCore;
using Scheduling.Core.Common;
using Scheduling.Core.Scheduling;
using Scheduling.Web.Data;
using Scheduling.Web.Features.Events;
using Scheduling.Web.Features.Executions;

namespace Scheduling.Web.Features.Waves;

/// <summary>
/// <c>wave.completed</c> (lifecycle events, issue 12): when the run of a wave's last open item ends, the wave as
/// <c>GET /api/v1/waves/{id}</c> returns it, written in that run's own transaction. An item is open while its schedule is
/// not cancelled and its latest run has not finished. A failed item retried by hand completes the wave again when its
/// new run ends (a second event, with the new outcome). Reads nothing while no workspace has a subscription.
/// </summary>
public sealed class WaveEvents(LifecycleOutbox events) : IRunTransitionObserver
{
    private static readonly HashSet<string> Finished =
        [ExecutionStatus.Completed.ToWire(), ExecutionStatus.Failed.ToWire(), ExecutionStatus.Skipped.ToWire(), ExecutionStatus.Cancelled.ToWire()];

    /// <summary>
    /// Ends written together: one query for the waves of all of them (not one per run, on the engine's hot path), and one
    /// event a wave even when several of its items end together. A run created already finished (a missed one) is not in
    /// the database yet: its wave completes with the next end.
    /// </summary>
    public async Task OnTransitionsAsync(AppDbContext db, IReadOnlyList<RunTransition> transitions, CancellationToken ct)
    {
        var ended = transitions.Where(t => t.From is not null && t.To is { } to && Finished.Contains(to.ToWire())).Select(t => t.ExecutionId).Distinct().ToList();
        if (ended.Count == 0 || !await events.AnyWantedAsync(db, ct))
        {
            return;
        }
        var waves = await db.Executions.IgnoreQueryFilters().Where(e => ended.Contains(e.Id))
            .Join(db.ChannelPosts.IgnoreQueryFilters(), e => e.ScheduleId, p => p.ScheduleId, (e, p) => new { p.WaveId, e.WorkspaceId })
            .Where(i => i.WaveId != null)
            .Distinct()
            .ToListAsync(ct);
        foreach (var item in waves.OrderBy(i => i.WaveId))
        {
            await CompleteIfDoneAsync(db, item.WaveId!.Value, item.WorkspaceId, ct);
        }
    }

    public Task OnTransitionAsync(AppDbContext db, RunTransition transition, CancellationToken ct) => OnTransitionsAsync(db, [transition], ct);

    private async Task CompleteIfDoneAsync(AppDbContext db, Guid waveId, Guid workspaceId, CancellationToken ct)
    {
        if (!await events.IsWantedAsync(db, workspaceId, ct))
        {
            return;
        }
        var wave = await WaveService.ForEventAsync(db, waveId, ct);
        if (wave is null || wave.Items.Any(i => i.Status != ScheduleStatus.Cancelled && (i.Execution is null || !Finished.Contains(i.Execution.Status))))
        {
            return;
        }
        await events.AddNowAsync(db, workspaceId, EventTypes.WaveCompleted, waveId, wave, ct);
    }
}
