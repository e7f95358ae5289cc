using Hangfire;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Scheduling.Core.Scheduling;
using Scheduling.Web.Data;
using Scheduling.Web.Features.Executions;

namespace Scheduling.Web.Engine;

/// <summary>
/// Runs one execution (a Hangfire job whose argument is the execution id). Replays are harmless: a
/// finished execution is left alone, and every attempt carries the same idempotency key. Hangfire's
/// own retries are off: the schedule's retry policy decides, and each attempt is recorded.
/// </summary>
[AutomaticRetry(Attempts = 0)]
public sealed class ExecutionRunner(
    IDbContextFactory<AppDbContext> contexts,
    HandlerRegistry handlers,
    ExecutionQueue queue,
    JobStorage storage,
    IOptionsMonitor<ExecutionOptions> options,
    TimeProvider clock,
    ILogger<ExecutionRunner> logger)
{
    public const string WaitingForPreviousRun = "Waiting for the previous run of this schedule to finish.";

    /// <summary>Missed runs caught up by run_all go one after the other, in order, whatever the overlap policy.</summary>
    public const string CatchingUp = "Catching up missed runs in order: waits for the earlier one.";
    private static readonly TimeSpan OverlapRecheck = TimeSpan.FromSeconds(5);

    public async Task RunAsync(Guid executionId, CancellationToken cancellationToken)
    {
        var settings = options.CurrentValue;
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var execution = await db.Executions.IgnoreQueryFilters().Include(e => e.Schedule).FirstOrDefaultAsync(e => e.Id == executionId, cancellationToken);
        if (execution is null || execution.IsFinished || execution.AwaitingCallback)
        {
            return;
        }
        var schedule = execution.Schedule!;
        var now = clock.GetUtcNow().UtcDateTime;
        if (schedule.Status == ScheduleStatus.Cancelled && !execution.IsManual && execution.Status == ExecutionStatus.Pending)
        {
            await FinishAsync(db, execution, ExecutionStatus.Cancelled, "The schedule was cancelled before this run started.", cancellationToken);
            return;
        }

        // Limits first: excess work waits with its reason shown, it is never dropped.
        if (await LimitDelayAsync(db, execution, settings, now, cancellationToken) is { } wait)
        {
            await DeferAsync(db, execution, wait.Delay, wait.Reason, cancellationToken);
            return;
        }

        // The overlap check and the start happen under a lock per schedule, so two workers cannot both start.
        using (storage.GetConnection().AcquireDistributedLock($"scheduling:schedule:{schedule.Id}", TimeSpan.FromSeconds(30)))
        {
            var catchingUp = execution.Reason == CatchingUp;
            var siblings = db.Executions.IgnoreQueryFilters().Where(e => e.ScheduleId == schedule.Id && e.Id != execution.Id);
            var running = await siblings.CountAsync(e => e.Status == ExecutionStatus.Running && !e.AwaitingCallback, cancellationToken);
            var waitingAhead = await siblings.CountAsync(e => e.Status == ExecutionStatus.Pending && e.ScheduledFor < execution.ScheduledFor
                && (catchingUp || e.Reason == WaitingForPreviousRun || e.Reason == CatchingUp), cancellationToken);
            switch (OverlapRules.Decide(catchingUp ? OverlapPolicy.QueueAll : schedule.OverlapPolicy, running, waitingAhead))
            {
                case OverlapDecision.Skip:
                    await FinishAsync(db, execution, ExecutionStatus.Skipped, "Skipped: the previous run of this schedule was still going.", cancellationToken);
                    return;
                case OverlapDecision.Wait:
                    await DeferAsync(db, execution, OverlapRecheck, catchingUp ? CatchingUp : WaitingForPreviousRun, cancellationToken);
                    return;
            }

            // Compare-and-set: two jobs may carry one execution (a release and a recheck, a replay), only one starts it.
            var observedStatus = execution.Status;
            var observedAttempts = execution.Attempts;
            var startedAt = execution.StartedAt ?? now;
            var won = await db.Executions.IgnoreQueryFilters()
                .Where(e => e.Id == execution.Id && e.Status == observedStatus && e.Attempts == observedAttempts)
                .ExecuteUpdateAsync(set => set
                    .SetProperty(e => e.Status, ExecutionStatus.Running)
                    .SetProperty(e => e.Attempts, observedAttempts + 1)
                    .SetProperty(e => e.StartedAt, startedAt)
                    .SetProperty(e => e.Reason, (string?)null)
                    .SetProperty(e => e.NotBefore, (DateTime?)null), cancellationToken);
            if (won == 0)
            {
                return;
            }
            // Keep the tracked entity in step with the row (without writing it again).
            var entry = db.Entry(execution);
            entry.Property(e => e.Status).OriginalValue = entry.Property(e => e.Status).CurrentValue = ExecutionStatus.Running;
            entry.Property(e => e.Attempts).OriginalValue = entry.Property(e => e.Attempts).CurrentValue = observedAttempts + 1;
            entry.Property(e => e.StartedAt).OriginalValue = entry.Property(e => e.StartedAt).CurrentValue = startedAt;
            entry.Property(e => e.Reason).OriginalValue = entry.Property(e => e.Reason).CurrentValue = null;
            entry.Property(e => e.NotBefore).OriginalValue = entry.Property(e => e.NotBefore).CurrentValue = null;
        }

        var timeout = schedule.TimeoutSeconds is { } seconds ? TimeSpan.FromSeconds(seconds) : settings.DefaultTimeout;
        var attemptStarted = clock.GetUtcNow().UtcDateTime;
        HandlerOutcome outcome;
        try
        {
            outcome = await handlers.For(schedule.JobType).HandleAsync(new JobRunContext(execution, schedule, execution.Attempts, timeout), cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            logger.LogError(ex, "Handler of execution {ExecutionId} threw.", execution.Id);
            outcome = new HandlerOutcome.Failed([], null, $"The handler failed: {ex.Message}", Retryable: true);
        }
        await ApplyAsync(db, execution, outcome, attemptStarted, settings, cancellationToken);
    }

    /// <summary>An accepted (202) execution whose integration never called back fails its attempt.</summary>
    public async Task CallbackTimeoutAsync(Guid executionId)
    {
        await using var db = await contexts.CreateDbContextAsync();
        var execution = await db.Executions.IgnoreQueryFilters().Include(e => e.Schedule).FirstOrDefaultAsync(e => e.Id == executionId);
        var now = clock.GetUtcNow().UtcDateTime;
        if (execution is not { Status: ExecutionStatus.Running, AwaitingCallback: true } || execution.CallbackDeadline > now.AddSeconds(1))
        {
            return;
        }
        var error = $"No callback within the timeout (deadline {execution.CallbackDeadline:u}).";
        await ApplyAsync(db, execution, new HandlerOutcome.Failed([], execution.Result, error, Retryable: true), execution.StartedAt ?? now, options.CurrentValue, CancellationToken.None);
    }

    /// <summary>Applies a handler's (or a callback's) outcome: completion, waiting for a callback, retry or failure.</summary>
    internal async Task ApplyAsync(AppDbContext db, Execution execution, HandlerOutcome outcome, DateTime attemptStarted, ExecutionOptions settings, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var schedule = execution.Schedule!;
        var attemptStatus = outcome switch
        {
            HandlerOutcome.Completed => ExecutionStatus.Completed,
            HandlerOutcome.Accepted => ExecutionStatus.Running,
            _ => ExecutionStatus.Failed,
        };
        var calls = outcome.Calls.Count > 0 ? outcome.Calls : [new DeliveryCall(null, null, null, null, null, (outcome as HandlerOutcome.Failed)?.Error, now - attemptStarted, false)];
        foreach (var call in calls)
        {
            db.ExecutionAttempts.Add(new ExecutionAttempt
            {
                Id = Guid.CreateVersion7(),
                WorkspaceId = execution.WorkspaceId,
                ExecutionId = execution.Id,
                Number = execution.Attempts,
                StartedAt = attemptStarted,
                CompletedAt = now,
                Status = call.Succeeded ? (attemptStatus == ExecutionStatus.Running ? ExecutionStatus.Running : ExecutionStatus.Completed) : ExecutionStatus.Failed,
                Action = call.Action,
                Target = Clip(call.Target, 2000),
                Request = Clip(call.Request, 16_384),
                ResponseStatus = call.ResponseStatus,
                Response = Clip(call.Response, WebhookDelivery.MaxKeptResponse),
                Error = Clip(call.Error, 4000),
                DurationMs = (long)call.Duration.TotalMilliseconds,
            });
        }
        execution.Result = outcome.Result ?? execution.Result;

        switch (outcome)
        {
            case HandlerOutcome.Completed:
                execution.AwaitingCallback = false;
                await FinishAsync(db, execution, ExecutionStatus.Completed, null, ct);
                break;
            case HandlerOutcome.Accepted:
                var wait = schedule.TimeoutSeconds is { } seconds ? TimeSpan.FromSeconds(seconds) : settings.DefaultCallbackTimeout;
                execution.AwaitingCallback = true;
                execution.CallbackDeadline = now + wait;
                await db.SaveChangesAsync(ct);
                queue.ScheduleCallbackTimeout(execution.Id, wait);
                break;
            case HandlerOutcome.Failed failed:
                execution.AwaitingCallback = false;
                var policy = new RetryPolicy(schedule.RetryStrategy, Math.Max(0, schedule.RetryMaxAttempts - 1),
                    TimeSpan.FromSeconds(schedule.RetryBaseDelaySeconds), TimeSpan.FromSeconds(schedule.RetryMaxDelaySeconds), JitterRatio: 0.1);
                if (failed.Retryable && policy.GetDelay(execution.Attempts, Random.Shared) is { } delay)
                {
                    execution.Status = ExecutionStatus.Pending;
                    execution.Error = Clip(failed.Error, 4000);
                    await DeferAsync(db, execution, delay, Clip($"Attempt {execution.Attempts} failed ({failed.Error}); retry in {delay.TotalSeconds:0} s.", 500)!, ct);
                }
                else
                {
                    await FinishAsync(db, execution, ExecutionStatus.Failed, failed.Error, ct);
                }
                break;
        }
    }

    private async Task FinishAsync(AppDbContext db, Execution execution, ExecutionStatus status, string? message, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        execution.Status = status;
        execution.CompletedAt = now;
        execution.DurationMs = execution.StartedAt is { } started ? (long)(now - started).TotalMilliseconds : null;
        execution.NotBefore = null;
        if (status == ExecutionStatus.Failed)
        {
            execution.Error = Clip(message, 4000);
            execution.Reason = null;
        }
        else
        {
            execution.Reason = Clip(message, 500);
            if (status == ExecutionStatus.Completed)
            {
                execution.Error = null;
            }
        }
        await db.SaveChangesAsync(ct);
        await ReleaseWaitingAsync(db, execution, ct);
    }

    /// <summary>A run that finished lets the next waiting run of its schedule start at once.</summary>
    private async Task ReleaseWaitingAsync(AppDbContext db, Execution finished, CancellationToken ct)
    {
        var next = await db.Executions.IgnoreQueryFilters()
            .Where(e => e.ScheduleId == finished.ScheduleId && e.Status == ExecutionStatus.Pending && (e.Reason == WaitingForPreviousRun || e.Reason == CatchingUp))
            .OrderBy(e => e.ScheduledFor)
            .Select(e => new { e.Id, e.Priority })
            .FirstOrDefaultAsync(ct);
        if (next is not null)
        {
            queue.Enqueue(next.Id, next.Priority);
        }
    }

    private async Task DeferAsync(AppDbContext db, Execution execution, TimeSpan delay, string reason, CancellationToken ct)
    {
        execution.Reason = reason;
        execution.NotBefore = clock.GetUtcNow().UtcDateTime + delay;
        execution.HangfireJobId = queue.Schedule(execution.Id, execution.Priority, delay);
        await db.SaveChangesAsync(ct);
    }

    private async Task<(TimeSpan Delay, string Reason)?> LimitDelayAsync(AppDbContext db, Execution execution, ExecutionOptions settings, DateTime now, CancellationToken ct)
    {
        var minuteAgo = now.AddMinutes(-1);
        var dayStart = now.Date;
        // One query for the three limits: running now, started this minute, started today.
        var counts = await db.Executions.IgnoreQueryFilters()
            .Where(e => e.WorkspaceId == execution.WorkspaceId && e.Id != execution.Id
                && ((e.Status == ExecutionStatus.Running && !e.AwaitingCallback) || e.StartedAt >= dayStart))
            .GroupBy(_ => 1)
            .Select(g => new
            {
                Running = g.Count(e => e.Status == ExecutionStatus.Running && !e.AwaitingCallback),
                LastMinute = g.Count(e => e.StartedAt >= minuteAgo),
                Today = g.Count(e => e.StartedAt >= dayStart),
            })
            .FirstOrDefaultAsync(ct);
        if (counts is null)
        {
            return null;
        }
        if (counts.Running >= settings.WorkspaceConcurrencyLimit)
        {
            return (TimeSpan.FromSeconds(1), $"Waiting: the workspace runs {settings.WorkspaceConcurrencyLimit} jobs at once (Execution:WorkspaceConcurrencyLimit).");
        }
        if (counts.LastMinute >= settings.WorkspaceRatePerMinute)
        {
            return (TimeSpan.FromSeconds(5), $"Waiting: the workspace starts at most {settings.WorkspaceRatePerMinute} jobs a minute (Execution:WorkspaceRatePerMinute).");
        }
        if (counts.Today >= settings.WorkspaceDailyQuota)
        {
            return (dayStart.AddDays(1) - now, $"Waiting for tomorrow (UTC): the workspace's daily quota of {settings.WorkspaceDailyQuota} runs is used (Execution:WorkspaceDailyQuota).");
        }
        return null;
    }

    private static string? Clip(string? value, int max) => value is null || value.Length <= max ? value : value[..max];
}
