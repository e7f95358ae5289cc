using System.Text.Json;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Scheduling.Web.Data;
using Scheduling.Web.Engine;
using Scheduling.Web.Features.Executions;

namespace Scheduling.Web.Features.Events;

/// <summary>The JSON a subscription receives.</summary>
public sealed record EventEnvelope(Guid Id, string Type, DateTime OccurredAt, Guid WorkspaceId, JsonElement? Data);

/// <summary>
/// One pass of the delivery loop. (1) Fan-out: new outbox rows are claimed by a compare-and-set on
/// <see cref="LifecycleEvent.FannedOut"/> and become one <see cref="EventDelivery"/> per matching subscription (unique,
/// whichever node does it). (2) Delivery: a subscription with due deliveries is leased by a compare-and-set on
/// <see cref="EventSubscription.LeaseUntil"/>; the holder sends them one after the other in event order, and stops at the
/// first failure (retried with backoff, so later events wait behind it) until the retry window ends and it is marked
/// failed. A failure is saved as it happens, successes in groups (at most 50 or 1 s): after a crash the rows say what
/// is left, and a delivery not yet marked is sent again with its event id (at least once).
/// </summary>
public sealed class EventDeliverer(
    IDbContextFactory<AppDbContext> contexts,
    WebhookDelivery delivery,
    IDataProtectionProvider protection,
    IOptionsMonitor<EventDeliveryOptions> options,
    IOptionsMonitor<ExecutionOptions> engine,
    TimeProvider clock,
    ILogger<EventDeliverer> logger)
{
    public const int FanOutBatch = 500;
    public const int SendBatch = 100;
    /// <summary>Delivered marks are saved every <see cref="SaveEvery"/> deliveries or <see cref="SaveAfter"/>, whichever comes first.</summary>
    public const int SaveEvery = 50;
    public static readonly TimeSpan SaveAfter = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan Lease = TimeSpan.FromSeconds(60);
    public static readonly TimeSpan FirstBackoff = TimeSpan.FromSeconds(10);
    public static readonly TimeSpan MaxBackoff = TimeSpan.FromHours(1);

    private readonly IDataProtector _protector = EventSubscriptionService.CreateProtector(protection);

    private DateTime Now => clock.GetUtcNow().UtcDateTime;
    private string Node => engine.CurrentValue.NodeName;

    /// <summary>
    /// One pass; true when more is waiting. <paramref name="yieldNow"/> (the engine's burst, decision 0044) is asked between
    /// steps and deliveries: the pass stops there, with what it sent marked, and says more is waiting.
    /// </summary>
    public async Task<bool> RunOnceAsync(CancellationToken ct = default, Func<bool>? yieldNow = null)
    {
        var fanned = await FanOutAsync(ct);
        if (yieldNow?.Invoke() == true)
        {
            return true;
        }
        var sent = await DeliverDueAsync(ct, yieldNow);
        return fanned >= FanOutBatch || sent;
    }

    /// <summary>The wait after the n-th failed attempt: 10 s, 20 s, 40 s ... at most an hour.</summary>
    public static TimeSpan Backoff(int attempts) =>
        TimeSpan.FromTicks(Math.Min(MaxBackoff.Ticks, FirstBackoff.Ticks * (1L << Math.Clamp(attempts - 1, 0, 20))));

    public async Task<int> FanOutAsync(CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var events = await db.LifecycleEvents.IgnoreQueryFilters().Where(e => !e.FannedOut).OrderBy(e => e.Id).Take(FanOutBatch).ToListAsync(ct);
        if (events.Count == 0)
        {
            return 0;
        }
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var ids = events.Select(e => e.Id).ToList();
        // The claim: another node fanning out the same rows meanwhile makes the counts differ; it has them, this pass stops.
        if (await db.LifecycleEvents.IgnoreQueryFilters().Where(e => ids.Contains(e.Id) && !e.FannedOut)
                .ExecuteUpdateAsync(set => set.SetProperty(e => e.FannedOut, true), ct) != ids.Count)
        {
            return 0;
        }
        var workspaces = events.Select(e => e.WorkspaceId).Distinct().ToList();
        var subscriptions = await db.EventSubscriptions.IgnoreQueryFilters().AsNoTracking().Where(s => workspaces.Contains(s.WorkspaceId))
            .Select(s => new { s.Id, s.WorkspaceId, s.Events, s.CreatedAt }).ToListAsync(ct);
        await FillRunDataAsync(db, events, ct);
        var now = Now;
        foreach (var e in events)
        {
            e.FannedOut = true;
            foreach (var s in subscriptions.Where(s => s.WorkspaceId == e.WorkspaceId && s.CreatedAt <= e.OccurredAt && EventTypes.Matches(s.Events, e.Type)))
            {
                db.EventDeliveries.Add(new EventDelivery
                {
                    Id = Guid.CreateVersion7(), WorkspaceId = e.WorkspaceId, SubscriptionId = s.Id, EventId = e.Id, Status = EventDeliveryStatus.Pending,
                    CreatedAt = now, FirstAttemptAt = now, NextAttemptAt = now,
                });
            }
        }
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        return events.Count;
    }

    /// <summary>
    /// Run events are written by the engine without their data (one INSERT on its hot path): here they get the run as the
    /// API returns it, with the status the event reports (the row may have moved on since).
    /// </summary>
    private static async Task FillRunDataAsync(AppDbContext db, List<LifecycleEvent> events, CancellationToken ct)
    {
        var missing = events.Where(e => e.Data is null).ToList();
        if (missing.Count == 0)
        {
            return;
        }
        var runIds = missing.Select(e => e.SubjectId).Distinct().ToList();
        var runs = await db.Executions.IgnoreQueryFilters().AsNoTracking().Where(e => runIds.Contains(e.Id))
            .Join(db.Schedules.IgnoreQueryFilters(), e => e.ScheduleId, s => s.Id, (e, s) => new { Execution = e, s.Name })
            .ToDictionaryAsync(r => r.Execution.Id, ct);
        foreach (var e in missing)
        {
            if (runs.TryGetValue(e.SubjectId, out var run))
            {
                var view = ExecutionService.ToView(run.Execution, run.Name);
                view = StatusOf(e.Type) is { } status ? view with { Status = status } : view;
                e.Data = JsonSerializer.Serialize(view, EventTypes.Json);
            }
            else
            {
                // The run is gone (its schedule was deleted): say what is known.
                e.Data = JsonSerializer.Serialize(new { id = e.SubjectId }, EventTypes.Json);
            }
        }
    }

    private static ExecutionStatus? StatusOf(string type) => type switch
    {
        EventTypes.ExecutionStarted => ExecutionStatus.Running,
        EventTypes.ExecutionCompleted => ExecutionStatus.Completed,
        EventTypes.ExecutionFailed => ExecutionStatus.Failed,
        EventTypes.ExecutionSkipped => ExecutionStatus.Skipped,
        EventTypes.ExecutionRetrying => ExecutionStatus.Pending,
        _ => null,
    };

    /// <summary>Sends the due deliveries of every subscription this node can lease; true when any was sent.</summary>
    public async Task<bool> DeliverDueAsync(CancellationToken ct = default, Func<bool>? yieldNow = null)
    {
        var now = Now;
        List<Guid> candidates;
        await using (var db = await contexts.CreateDbContextAsync(ct))
        {
            candidates = await db.EventSubscriptions.IgnoreQueryFilters()
                .Where(s => (s.LeaseUntil == null || s.LeaseUntil < now)
                    && db.EventDeliveries.IgnoreQueryFilters().Any(d => d.SubscriptionId == s.Id && d.Status == EventDeliveryStatus.Pending && d.NextAttemptAt <= now))
                .Select(s => s.Id).ToListAsync(ct);
        }
        var any = false;
        foreach (var id in candidates)
        {
            if (yieldNow?.Invoke() == true)
            {
                return true;
            }
            any |= await DeliverSubscriptionAsync(id, yieldNow, ct);
        }
        return any;
    }

    private async Task<bool> DeliverSubscriptionAsync(Guid subscriptionId, Func<bool>? yieldNow, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var node = Node;
        var leaseUntil = Now + Lease;
        var now = Now;
        if (await db.EventSubscriptions.IgnoreQueryFilters().Where(s => s.Id == subscriptionId && (s.LeaseUntil == null || s.LeaseUntil < now))
                .ExecuteUpdateAsync(set => set.SetProperty(s => s.LeaseOwner, node).SetProperty(s => s.LeaseUntil, leaseUntil), ct) != 1)
        {
            return false; // another node has it
        }
        var sent = false;
        try
        {
            var subscription = await db.EventSubscriptions.IgnoreQueryFilters().AsNoTracking().FirstAsync(s => s.Id == subscriptionId, ct);
            var secret = _protector.Unprotect(subscription.ProtectedSecret);
            var url = new Uri(subscription.Url);
            var queue = await db.EventDeliveries.IgnoreQueryFilters().Include(d => d.Event)
                .Where(d => d.SubscriptionId == subscriptionId && d.Status == EventDeliveryStatus.Pending)
                .OrderBy(d => d.EventId).Take(SendBatch).ToListAsync(ct);
            var settings = options.CurrentValue;
            // Deliveries are marked in groups (a transaction per delivery was most of the loop's cost); a failure is saved
            // at once. A crash before a group is saved sends its events again: at least once, with the same event ids.
            var unsaved = 0;
            var savedAt = Now;
            async Task SaveAsync()
            {
                if (unsaved > 0)
                {
                    await db.SaveChangesAsync(ct);
                    unsaved = 0;
                    savedAt = Now;
                }
            }
            foreach (var d in queue)
            {
                if (d.NextAttemptAt > Now)
                {
                    break; // the head of the line waits for its retry, and the rest behind it
                }
                if (sent && yieldNow?.Invoke() == true)
                {
                    break; // the rest follow the burst, in order
                }
                if (leaseUntil - Now < settings.Timeout * 2)
                {
                    leaseUntil = Now + Lease;
                    if (await db.EventSubscriptions.IgnoreQueryFilters().Where(s => s.Id == subscriptionId && s.LeaseOwner == node)
                            .ExecuteUpdateAsync(set => set.SetProperty(s => s.LeaseUntil, leaseUntil), ct) != 1)
                    {
                        await SaveAsync();
                        return sent;
                    }
                }
                var e = d.Event!;
                var body = Serialize(e);
                var response = await delivery.PostAsync(url, body, e.EventId.ToString(), secret, settings.Timeout, ct, e.Type);
                sent = true;
                var at = Now;
                d.Attempts++;
                d.LastAttemptAt = at;
                d.ResponseStatus = response.Status;
                d.Response = response.Body is { Length: > WebhookDelivery.MaxKeptResponse } text ? text[..WebhookDelivery.MaxKeptResponse] : response.Body;
                d.Error = response.Error is { Length: > 1000 } error ? error[..1000] : response.Error;
                if (response.IsSuccess)
                {
                    d.Status = EventDeliveryStatus.Delivered;
                    d.DeliveredAt = at;
                }
                else if (response.Refused || at - d.FirstAttemptAt >= settings.RetryWindow)
                {
                    // Refused by the SSRF policy (it will not change), or retried for the whole window: failed, shown, redeliverable.
                    d.Status = EventDeliveryStatus.Failed;
                }
                else
                {
                    d.NextAttemptAt = at + Backoff(d.Attempts);
                }
                if (d.Status != EventDeliveryStatus.Delivered)
                {
                    logger.LogDebug("Event {EventId} to subscription {SubscriptionId}: attempt {Attempt} failed ({Error}); now {Status}.",
                        e.EventId, subscriptionId, d.Attempts, d.Error, d.Status);
                }
                unsaved++;
                if (d.Status != EventDeliveryStatus.Delivered || unsaved >= SaveEvery || Now - savedAt >= SaveAfter)
                {
                    await SaveAsync();
                }
                if (d.Status == EventDeliveryStatus.Pending)
                {
                    break; // in order: nothing passes a delivery waiting to be retried
                }
            }
            await SaveAsync();
            return sent;
        }
        finally
        {
            await db.EventSubscriptions.IgnoreQueryFilters().Where(s => s.Id == subscriptionId && s.LeaseOwner == node)
                .ExecuteUpdateAsync(set => set.SetProperty(s => s.LeaseOwner, (string?)null).SetProperty(s => s.LeaseUntil, (DateTime?)null), CancellationToken.None);
        }
    }

    /// <summary>
    /// The envelope as <see cref="EventEnvelope"/> serialises, written directly: the stored data is our own JSON, copied
    /// in as it is rather than parsed into a document and written out again for every delivery.
    /// </summary>
    public static string Serialize(LifecycleEvent e)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(256 + (e.Data?.Length ?? 0));
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("id", e.EventId);
            writer.WriteString("type", e.Type);
            writer.WriteString("occurredAt", e.OccurredAt);
            writer.WriteString("workspaceId", e.WorkspaceId);
            writer.WritePropertyName("data");
            if (e.Data is null)
            {
                writer.WriteNullValue();
            }
            else
            {
                writer.WriteRawValue(e.Data, skipInputValidation: true);
            }
            writer.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}

/// <summary>
/// Runs the event delivery loop on this node (our own loop, like the dispatcher's). While the node's engine is in a burst
/// it holds events back, for at most <see cref="EventDeliveryOptions.YieldToBurstAtMost"/> (decision 0044): a burst's runs
/// are late by what they share, and its events are not late by much when sent right after it.
/// </summary>
public sealed class EventDeliveryService(IServiceScopeFactory scopes, EngineActivity engine, IOptionsMonitor<EventDeliveryOptions> options, TimeProvider clock,
    ILogger<EventDeliveryService> logger)
    : PeriodicService(scopes, clock, logger)
{
    /// <summary>How often the loop looks whether a burst is over while it holds events back.</summary>
    public static readonly TimeSpan BurstLookEvery = TimeSpan.FromMilliseconds(100);

    // Only the loop touches these: since when the current burst holds events back, and whether it does now.
    private DateTime? _burstSince;
    private bool _holding;

    protected override TimeSpan Interval => _holding ? BurstLookEvery : options.CurrentValue.DeliveryInterval;

    protected override Task<bool> RunOnceAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        if (ShouldHold())
        {
            return Task.FromResult(false);
        }
        return services.GetRequiredService<EventDeliverer>().RunOnceAsync(cancellationToken, ShouldHold);
    }

    /// <summary>True while the engine is in a burst that began to hold events less than the allowed time ago.</summary>
    private bool ShouldHold()
    {
        if (!engine.InBurst)
        {
            _burstSince = null;
            return _holding = false;
        }
        var now = Clock.GetUtcNow().UtcDateTime;
        _burstSince ??= now;
        return _holding = now - _burstSince.Value < options.CurrentValue.YieldToBurstAtMost;
    }
}
