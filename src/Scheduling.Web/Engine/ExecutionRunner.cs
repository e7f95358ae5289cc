using Hangfire;
using Hangfire.Server;
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
    ExecutionLedger ledger,
    Operations.EngineMetrics metrics,
    IOptionsMonitor<ExecutionOptions> options,
    TimeProvider clock,
    ILogger<ExecutionRunner> logger)
{
    /// <param name="job">Hangfire's context of the job carrying the run (null when called directly).</param>
    [RunJobName("Run")]
    public async Task RunAsync(Guid executionId, PerformContext? job, CancellationToken cancellationToken)
    {
        using var _ = ledger.JobRunning();
        // At the workspace's concurrency limit the worker may wait a little for a place (decision 0035): on several nodes,
        // whose workers outnumber the limit, refusing the run cost a recheck job and a release for most runs of a burst.
        await RunOneAsync(new StartRequest(executionId, job?.BackgroundJob?.Id, MayWait: true), cancellationToken);
    }

    /// <summary>
    /// Runs falling due together (decision 0033), asked for all at once (decision 0042): the ledger decides them in one
    /// batch, and those that start run side by side. Runs at their workspace's concurrency limit come back unchanged and
    /// ask again once the others ran, so a job takes no more places than are free and a burst that the limit does not
    /// hold back starts in one round instead of one run after another. When none of a round found a place, the next run
    /// waits for one as a single run would. One run's failure is its own. A run this job does not reach (its node died) is
    /// pending with this job's id or none, and the node watch or the recovery sweep hands it over again.
    /// </summary>
    [RunJobName("Run")]
    public async Task RunBatchAsync(Guid[] executionIds, PerformContext? job, CancellationToken cancellationToken)
    {
        using var _ = ledger.JobRunning();
        List<Guid> remaining = [.. executionIds.Distinct()];
        var jobId = job?.BackgroundJob?.Id;
        // How many runs the next round asks for: all at first, then twice as many as found a place last time, so that at
        // a limit that holds the workspace back the job asks for about one place at a time, as a job of one run would.
        var window = remaining.Count;
        while (remaining.Count > 0)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (window == 1 || remaining.Count == 1)
            {
                await RunCaughtAsync(new StartRequest(remaining[0], jobId, MayWait: true), cancellationToken);
                remaining.RemoveAt(0);
                window = 2;
                continue;
            }
            var round = remaining.Take(window).ToList();
            var full = await Task.WhenAll(round.Select(id => RunCaughtAsync(new StartRequest(id, jobId, BackIfFull: true), cancellationToken)));
            remaining = [.. round.Where((_, i) => full[i]), .. remaining.Skip(round.Count)];
            window = Math.Max(1, 2 * full.Count(noPlace => !noPlace));
        }
    }

    /// <summary><see cref="RunOneAsync"/> for a run of a batch: true when it found no place and asks again.</summary>
    private async Task<bool> RunCaughtAsync(StartRequest request, CancellationToken cancellationToken)
    {
        try
        {
            return await RunOneAsync(request, cancellationToken);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            logger.LogError(ex, "Execution {ExecutionId} of a batch failed in the engine; the recovery sweep hands it over again.", request.ExecutionId);
            return false;
        }
    }

    /// <summary>Starts the run if the ledger says so, delivers it and records the outcome; true when it found no place.</summary>
    private async Task<bool> RunOneAsync(StartRequest request, CancellationToken cancellationToken)
    {
        // The ledger loads the run with its schedule and targets and decides, with the other runs of its batch,
        // whether it starts now (limits, overlap, its time), waits, ends, or is not this job's to run.
        using var runScope = logger.BeginScope(new Dictionary<string, object> { ["ExecutionId"] = request.ExecutionId });
        var decision = await ledger.StartAsync(request, cancellationToken);
        if (decision is not StartDecision.Started started)
        {
            return decision is StartDecision.NoPlace;
        }
        var settings = options.CurrentValue;
        var execution = started.Execution;
        var schedule = execution.Schedule!;
        using var scheduleScope = logger.BeginScope(new Dictionary<string, object> { ["ScheduleId"] = schedule.Id });
        if (execution.Attempts == 1 && execution.AttemptStartedAt is { } firstStart)
        {
            metrics.RunStarted(schedule.JobType, firstStart - execution.ScheduledFor);
        }

        var timeout = schedule.TimeoutSeconds is { } seconds ? TimeSpan.FromSeconds(seconds) : settings.DefaultTimeout;
        var attemptStarted = clock.GetUtcNow().UtcDateTime;
        HandlerOutcome outcome;
        try
        {
            outcome = await handlers.For(schedule.JobType).HandleAsync(new JobRunContext(execution, schedule, execution.Attempts, timeout, started.Targets, started.Episode, started.Pipeline), cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            logger.LogError(ex, "Handler of execution {ExecutionId} threw.", execution.Id);
            outcome = new HandlerOutcome.Failed([], null, $"The handler failed: {ex.Message}", Retryable: true);
        }
        await ApplyAsync(execution, outcome, attemptStarted, settings, cancellationToken);
        return false;
    }

    /// <summary>An accepted (202) execution whose integration never called back fails its attempt.</summary>
    [RunJobName("Callback deadline of")]
    public async Task CallbackTimeoutAsync(Guid executionId)
    {
        await using var db = await contexts.CreateDbContextAsync();
        var execution = await db.Executions.IgnoreQueryFilters().AsNoTracking().Include(e => e.Schedule).FirstOrDefaultAsync(e => e.Id == executionId);
        var now = clock.GetUtcNow().UtcDateTime;
        if (execution is not { Status: ExecutionStatus.Running, AwaitingCallback: true } || execution.CallbackDeadline > now.AddSeconds(1))
        {
            return;
        }
        var error = $"No callback within the timeout (deadline {execution.CallbackDeadline:u}).";
        await ApplyAsync(execution, new HandlerOutcome.Failed([], execution.Result, error, Retryable: true), execution.AttemptStartedAt ?? execution.StartedAt ?? now, options.CurrentValue, CancellationToken.None);
    }

    /// <summary>
    /// Applies a handler's (or a callback's) outcome to the running <paramref name="execution"/> (updated in place):
    /// completion, waiting for a callback, retry or failure. False when the run no longer runs that attempt (a
    /// callback and its timeout at once): the other one was recorded, this one is not.
    /// </summary>
    internal async Task<bool> ApplyAsync(Execution execution, HandlerOutcome outcome, DateTime attemptStarted, ExecutionOptions settings, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var schedule = execution.Schedule!;
        var attemptStatus = outcome switch
        {
            HandlerOutcome.Completed or HandlerOutcome.Held => ExecutionStatus.Completed,
            HandlerOutcome.Accepted => ExecutionStatus.Running,
            _ => ExecutionStatus.Failed,
        };
        // A hold reached without delivering anything (its production done before) is no attempt to record.
        IReadOnlyList<DeliveryCall> calls = outcome.Calls.Count > 0 || outcome is HandlerOutcome.Held ? outcome.Calls : [new DeliveryCall(null, null, null, null, null, (outcome as HandlerOutcome.Failed)?.Error, now - attemptStarted, false)];
        var attempts = calls.Select(call => new ExecutionAttempt
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
        }).ToList();
        var result = outcome.Result ?? execution.Result;

        // What the attempt's end makes of the run (the fields that go with it are the transition owner's).
        RunOutcome end;
        switch (outcome)
        {
            case HandlerOutcome.Completed:
                end = RunOutcome.Ended(execution, ExecutionStatus.Completed, null, result, now);
                break;
            case HandlerOutcome.Accepted:
                var wait = schedule.TimeoutSeconds is { } seconds ? TimeSpan.FromSeconds(seconds) : settings.DefaultCallbackTimeout;
                // The deadline check is the job that carries the run from now on (the recovery sweep looks at it).
                end = RunOutcome.WaitingForCallback(execution, now + wait, queue.ScheduleCallbackTimeout(execution.Id, wait), result);
                break;
            case HandlerOutcome.Held held:
                // The job exists before the row says so (at a time rounded up: never early); if the commit is lost, the job
                // finds the run still running its attempt and leaves it to the recovery sweep.
                end = RunOutcome.HeldForPublishing(execution, held.Until, queue.ScheduleAt(execution.Id, execution.Priority, held.Until), result);
                break;
            case HandlerOutcome.Failed failed:
                var policy = new RetryPolicy(schedule.RetryStrategy, Math.Max(0, schedule.RetryMaxAttempts - 1),
                    TimeSpan.FromSeconds(schedule.RetryBaseDelaySeconds), TimeSpan.FromSeconds(schedule.RetryMaxDelaySeconds), JitterRatio: 0.1);
                // A run held for publishing started once more to publish: that start is not a retry.
                var tries = execution.Attempts - (execution.PublishAt is not null && execution.Attempts > 1 ? 1 : 0);
                end = failed.Retryable && (failed.RetryDelay ?? policy.GetDelay(tries, Random.Shared)) is { } delay
                    ? RunOutcome.RetryAfter(execution, failed.Error, delay, queue.Schedule(execution.Id, execution.Priority, delay), result, now)
                    : RunOutcome.Ended(execution, ExecutionStatus.Failed, failed.Error, result, now);
                break;
            default:
                throw new InvalidOperationException($"Unknown handler outcome {outcome.GetType().Name}.");
        }
        end.ApplyTo(execution);
        if (!await ledger.RecordAsync(end, attempts, ct))
        {
            return false;
        }
        if (end.Finished)
        {
            metrics.RunReached(schedule.JobType, end.Status);
        }
        else if (end.WaitReason == Core.Scheduling.WaitReason.RetryBackoff)
        {
            metrics.RunReached(schedule.JobType, "retrying");
        }
        return true;
    }

    // What a receiver sends back is kept as text: cut to size, and a NUL (which PostgreSQL cannot store, and which
    // would fail the ledger's whole group commit) becomes U+FFFD.
    private static string? Clip(string? value, int max)
    {
        var clipped = value is null || value.Length <= max ? value : value[..max];
        return clipped?.Replace('\0', '\uFFFD');
    }
}
