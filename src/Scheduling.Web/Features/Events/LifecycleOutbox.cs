using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Scheduling.Core.Scheduling;
using Scheduling.Web.Data;
using Scheduling.Web.Features.Executions;
using Scheduling.Web.Features.Schedules;

namespace Scheduling.Web.Features.Events;

/// <summary>
/// Which workspaces have an event subscription, cached for a few seconds: the engine asks for every transition and
/// must not pay a query each time. Changes on this node take effect at once (<see cref="Invalidate"/>); another node's
/// new subscription is seen within <see cref="Freshness"/>, so its first events may be a few seconds after it was made.
/// </summary>
public sealed class SubscriptionDirectory(TimeProvider clock)
{
    public static readonly TimeSpan Freshness = TimeSpan.FromSeconds(5);

    private sealed record Snapshot(HashSet<Guid> Workspaces, DateTime TakenAt);

    private volatile Snapshot? _snapshot;

    public async ValueTask<bool> AnyAsync(AppDbContext db, CancellationToken ct) => (await GetAsync(db, ct)).Workspaces.Count > 0;

    public async ValueTask<bool> HasAsync(AppDbContext db, Guid workspaceId, CancellationToken ct) => (await GetAsync(db, ct)).Workspaces.Contains(workspaceId);

    public void Invalidate() => _snapshot = null;

    private async ValueTask<Snapshot> GetAsync(AppDbContext db, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        if (_snapshot is { } snapshot && now - snapshot.TakenAt < Freshness && now >= snapshot.TakenAt)
        {
            return snapshot;
        }
        var ids = await db.EventSubscriptions.IgnoreQueryFilters().Select(s => s.WorkspaceId).Distinct().ToListAsync(ct);
        var fresh = new Snapshot([.. ids], now);
        _snapshot = fresh;
        return fresh;
    }
}

/// <summary>
/// Writes lifecycle events into the outbox (<see cref="LifecycleEvent"/>) inside the transaction of the change they
/// describe: schedule changes from the schedule and approval services, run transitions as an
/// <see cref="IRunTransitionObserver"/> of <see cref="RunTransitions"/>. Nothing is written for a workspace without a subscription.
/// </summary>
public sealed class LifecycleOutbox(SubscriptionDirectory directory, TimeProvider clock) : IRunTransitionObserver
{
    /// <summary>A run's own event is written before those of the observers that follow from it (series, waves).</summary>
    public int Order => -1;

    /// <summary>Whether the workspace has a subscription (cached): callers that must load rows to describe them ask first.</summary>
    public ValueTask<bool> IsWantedAsync(AppDbContext db, Guid workspaceId, CancellationToken ct = default) => directory.HasAsync(db, workspaceId, ct);

    /// <summary>Whether any workspace has a subscription (cached): observers skip their reads while none has.</summary>
    public ValueTask<bool> AnyWantedAsync(AppDbContext db, CancellationToken ct = default) => directory.AnyAsync(db, ct);

    /// <summary>A schedule event; the row joins <paramref name="db"/>'s change tracker and commits with the caller's SaveChanges.</summary>
    public async Task AddScheduleEventAsync(AppDbContext db, Guid workspaceId, string type, ScheduleView schedule, CancellationToken ct = default)
    {
        if (!await directory.HasAsync(db, workspaceId, ct))
        {
            return;
        }
        db.LifecycleEvents.Add(new LifecycleEvent
        {
            EventId = Guid.CreateVersion7(),
            WorkspaceId = workspaceId,
            Type = type,
            SubjectId = schedule.Id,
            OccurredAt = clock.GetUtcNow().UtcDateTime,
            Data = JsonSerializer.Serialize(schedule, EventTypes.Json),
        });
    }

    /// <summary>A run event that is not a transition (execution.progress), with its data; joins <paramref name="db"/>'s change tracker.</summary>
    public async Task<bool> AddExecutionEventAsync(AppDbContext db, Guid workspaceId, string type, ExecutionView run, CancellationToken ct = default)
    {
        if (!await directory.HasAsync(db, workspaceId, ct))
        {
            return false;
        }
        db.LifecycleEvents.Add(new LifecycleEvent
        {
            EventId = Guid.CreateVersion7(),
            WorkspaceId = workspaceId,
            Type = type,
            SubjectId = run.Id,
            OccurredAt = clock.GetUtcNow().UtcDateTime,
            Data = JsonSerializer.Serialize(run, EventTypes.Json),
        });
        return true;
    }

    /// <summary>
    /// An event whose data the caller describes, written at once by one INSERT in the caller's transaction (the engine's
    /// writes have no SaveChanges of their own). Nothing is written for a workspace without a subscription.
    /// </summary>
    public async Task AddNowAsync(AppDbContext db, Guid workspaceId, string type, Guid subjectId, object data, CancellationToken ct = default)
    {
        if (!await directory.HasAsync(db, workspaceId, ct))
        {
            return;
        }
        var eventId = Guid.CreateVersion7();
        var now = clock.GetUtcNow().UtcDateTime;
        var json = JsonSerializer.Serialize(data, EventTypes.Json);
        await db.Database.ExecuteSqlAsync($"""
            INSERT INTO "LifecycleEvents" ("EventId", "WorkspaceId", "Type", "SubjectId", "OccurredAt", "FannedOut", "Data")
            VALUES ({eventId}, {workspaceId}, {type}, {subjectId}, {now}, {false}, {json})
            """, ct);
    }

    /// <summary>The event a run transition means, if any (a wait, an interruption or a withdrawal means none).</summary>
    public static string? EventOf(RunTransition t) => (t.From, t.To) switch
    {
        (ExecutionStatus.Pending, ExecutionStatus.Running) => EventTypes.ExecutionStarted,
        (ExecutionStatus.Running, ExecutionStatus.Completed) => EventTypes.ExecutionCompleted,
        (ExecutionStatus.Running, ExecutionStatus.Failed) => EventTypes.ExecutionFailed,
        (ExecutionStatus.Running, ExecutionStatus.Pending) when t.WaitReason == WaitReason.RetryBackoff => EventTypes.ExecutionRetrying,
        (null or ExecutionStatus.Pending, ExecutionStatus.Skipped) => EventTypes.ExecutionSkipped,
        _ => null,
    };

    /// <summary>Runs created together: those created already finished (skipped) get their event, joining the caller's SaveChanges.</summary>
    public async Task OnCreatedAsync(AppDbContext db, IReadOnlyCollection<Execution> runs, CancellationToken ct)
    {
        foreach (var run in runs)
        {
            if (EventOf(RunTransitions.Created(run)) is { } type && await directory.HasAsync(db, run.WorkspaceId, ct))
            {
                db.LifecycleEvents.Add(new LifecycleEvent
                {
                    EventId = Guid.CreateVersion7(), WorkspaceId = run.WorkspaceId, Type = type, SubjectId = run.Id, OccurredAt = clock.GetUtcNow().UtcDateTime,
                });
            }
        }
    }

    /// <summary>
    /// The events of transitions written together (a ledger batch of up to a few hundred starts or ends) in one statement,
    /// not one each (decision 0043). No read first: each run's workspace comes from its row, and a workspace without a
    /// subscription gets no row. The data (the run as the API shows it) is filled in by the fan-out, off the engine's path.
    /// Runs being created come through <see cref="OnCreatedAsync"/>.
    /// </summary>
    public async Task OnTransitionsAsync(AppDbContext db, IReadOnlyList<RunTransition> transitions, CancellationToken ct)
    {
        var events = transitions.Where(t => t.From is not null).Select(t => (t.ExecutionId, Type: EventOf(t))).Where(e => e.Type is not null).ToList();
        if (events.Count == 0 || !await directory.AnyAsync(db, ct))
        {
            return;
        }
        var now = clock.GetUtcNow().UtcDateTime;
        // Three parameters a row: SQL Server takes at most 2,100 in a statement.
        foreach (var chunk in events.Chunk(500))
        {
            var sql = new StringBuilder("""
                INSERT INTO "LifecycleEvents" ("EventId", "WorkspaceId", "Type", "SubjectId", "OccurredAt", "FannedOut")
                SELECT v."EventId", e."WorkspaceId", v."Type", e."Id", {0}, {1}
                FROM (
                """);
            var args = new List<object> { now, false };
            for (var i = 0; i < chunk.Length; i++)
            {
                var n = args.Count;
                sql.Append(i == 0 ? "SELECT " : " UNION ALL SELECT ")
                    .Append($"{{{n}}} AS \"EventId\", {{{n + 1}}} AS \"Type\", {{{n + 2}}} AS \"ExecutionId\", {i} AS \"Ord\"");
                args.AddRange([Guid.CreateVersion7(), chunk[i].Type!, chunk[i].ExecutionId]);
            }
            // In the batch's order (the outbox's Id is the delivery order), and only for workspaces with a subscription.
            sql.Append("""
                ) v
                JOIN "Executions" e ON e."Id" = v."ExecutionId"
                WHERE EXISTS (SELECT 1 FROM "EventSubscriptions" s WHERE s."WorkspaceId" = e."WorkspaceId")
                ORDER BY v."Ord"
                """);
            await db.Database.ExecuteSqlRawAsync(sql.ToString(), args, ct);
        }
    }

    public Task OnTransitionAsync(AppDbContext db, RunTransition transition, CancellationToken ct) => OnTransitionsAsync(db, [transition], ct);
}
