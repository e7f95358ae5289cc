using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Scheduling.Core.Common;
using Scheduling.Core.Scheduling;
using Scheduling.Web.Data;
using Scheduling.Web.Engine;

namespace Scheduling.Web.Features.Pipelines;

/// <summary>
/// The default job handler: runs the run's pipeline, each stage its own signed POST with <c>action</c> = the stage's key and
/// <c>previousResults</c> (the earlier stages' response bodies by key), under the Idempotency-Key "execution id:stage key".
/// A plain one-stage pipeline is delivered as it always was (<see cref="WebhookHandler"/>: one POST, a 202 waits for a callback).
/// <para>
/// Stage state lives in <see cref="ExecutionStage"/> rows (never the run's status: that is RunTransitions'), written before
/// and after each POST in their own short transactions. So a run that is started again (a retry, a stage's own retry, the
/// recovery sweep after the process died) resumes at the first stage not completed: a stage found <c>running</c> was in
/// flight and is delivered again with the same key; completed stages are never delivered again and their results are kept.
/// </para>
/// </summary>
public sealed class PipelineHandler(
    IDbContextFactory<AppDbContext> contexts,
    WebhookDelivery delivery,
    WebhookTargets targets,
    WebhookHandler single,
    TimeProvider clock,
    ILogger<PipelineHandler> logger) : IJobHandler
{
    public IReadOnlyCollection<JobType> JobTypes => [];

    public async Task<HandlerOutcome> HandleAsync(JobRunContext context, CancellationToken cancellationToken)
    {
        // The common case, a plain one-stage run the ledger read everything for: no query of its own (the engine's
        // per-run cost under a burst; docs/performance.md, session 8).
        if (context.Pipeline is { HasStageRows: false } preloaded
            && Pipelines.IsPlainSingleStage(PipelineService.ForRun(context.Schedule, preloaded.WorkspaceStagesJson)))
        {
            return await single.HandleAsync(context, cancellationToken);
        }
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var executionId = context.Execution.Id;
        var stages = await db.ExecutionStages.IgnoreQueryFilters().Where(s => s.ExecutionId == executionId).OrderBy(s => s.Position).ToListAsync(cancellationToken);
        if (stages.Count == 0)
        {
            var definition = await PipelineService.ForRunAsync(db, context.Schedule, cancellationToken);
            if (Pipelines.IsPlainSingleStage(definition))
            {
                return await single.HandleAsync(context, cancellationToken);
            }
            stages = [.. definition.Select((s, i) => new ExecutionStage
            {
                Id = Guid.CreateVersion7(),
                WorkspaceId = context.Execution.WorkspaceId,
                ExecutionId = executionId,
                Position = i,
                Key = s.Key!,
                Name = s.Name ?? s.Key!,
                Target = s.Target,
                TimeoutSeconds = s.TimeoutSeconds,
                RetryAttempts = s.Retry?.Attempts,
                RetryBackoffSeconds = s.Retry?.BackoffSeconds,
                StopOnFailure = s.StopOnFailure,
                Publishing = s.Publishing,
                State = StageState.Pending,
            })];
            db.ExecutionStages.AddRange(stages);
            await db.SaveChangesAsync(cancellationToken);
        }

        var (runTarget, secret) = await targets.ResolveAsync(context, cancellationToken);
        using var config = JsonDocument.Parse(context.JobConfig);
        var testMode = config.RootElement.TryGetProperty("testMode", out var flag) && flag.ValueKind == JsonValueKind.True;
        var calls = new List<DeliveryCall>();
        var results = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        JsonElement? previous = null;
        string? failure = null;
        PublishRecord? publish = null;
        var lastDelivered = stages.FindLastIndex(s => !(testMode && s.Publishing));

        for (var i = 0; i < stages.Count; i++)
        {
            var stage = stages[i];
            switch (stage.State)
            {
                case StageState.Completed:
                    previous = Body(stage.Result);
                    results[stage.Key] = previous.Value;
                    continue;
                case StageState.SkippedTestMode:
                    continue;
                case StageState.Failed when !stage.StopOnFailure && Pipelines.RetryDelay(stage, stage.BudgetUsed) is null:
                    // It gave up and did not stop the chain: the run went on without it.
                    continue;
                case StageState.Failed when stage.BudgetUsed >= (stage.RetryAttempts ?? int.MaxValue):
                    // A failed run retried by hand: the stage gets a new retry budget.
                    stage.BudgetUsed = 0;
                    break;
            }
            if (failure is not null)
            {
                stage.State = StageState.NotRun;
                continue;
            }
            if (testMode && stage.Publishing)
            {
                stage.State = StageState.SkippedTestMode;
                stage.CompletedAt = clock.GetUtcNow().UtcDateTime;
                await db.SaveChangesAsync(cancellationToken);
                continue;
            }

            // Produce now, publish later: the first publishing stage waits for the run's publish time (decision 0031).
            if (stage.Publishing && stage.Attempts == 0 && !stages.Take(i).Any(s => s.Publishing && s.Attempts > 0) && await PublishTimeAsync(db, context, cancellationToken) is { } publishAt)
            {
                var now = clock.GetUtcNow().UtcDateTime;
                if (publishAt > now + PublishTolerance)
                {
                    await db.SaveChangesAsync(cancellationToken);
                    return new HandlerOutcome.Held(calls, Summary(stages, testMode, new PublishRecord(publishAt, null, null)), publishAt);
                }
                // Its time came (it was held), or production finished after it: publishing goes now, and a late one says by how much.
                var late = now - publishAt > LateAfter ? (long?)(now - publishAt).TotalSeconds : null;
                publish = new PublishRecord(publishAt, now, late);
                if (late is not null)
                {
                    logger.LogInformation("Execution {ExecutionId} publishes {Seconds} s after its publish time: production finished late.", executionId, late);
                }
            }

            var target = stage.Target is { } own ? new Uri(own) : runTarget;
            if (target is null)
            {
                return new HandlerOutcome.Failed(calls, Summary(stages, testMode, publish),
                    $"No webhook URL for stage {stage.Key}: set one on the stage, the schedule or a workspace endpoint for {context.Schedule.JobType.ToWire()} in Settings.", Retryable: false);
            }

            // In flight, durably, before the POST: if the process dies now, the recovery sweep's new start finds it here.
            stage.State = StageState.Running;
            stage.Attempts++;
            stage.BudgetUsed++;
            stage.StartedAt = clock.GetUtcNow().UtcDateTime;
            stage.CompletedAt = null;
            await db.SaveChangesAsync(cancellationToken);

            var body = WebhookDelivery.Serialize(WebhookHandler.Envelope(context, stage.Key, previous) with { PreviousResults = Snapshot(results) });
            var timeout = stage.TimeoutSeconds is { } seconds ? TimeSpan.FromSeconds(seconds) : context.Timeout;
            var response = await delivery.PostAsync(target, body, $"{executionId}:{stage.Key}", secret, timeout, cancellationToken);
            calls.Add(new DeliveryCall(stage.Key, target.ToString(), body, response.Status, response.Body, response.Error, response.Duration, response.IsSuccess));

            using var result = JsonDocument.Parse(WebhookHandler.ResultJson(response));
            var responseBody = result.RootElement.GetProperty("body").Clone();
            stage.CompletedAt = clock.GetUtcNow().UtcDateTime;
            stage.DurationMs = (long)response.Duration.TotalMilliseconds;
            stage.Request = Clip(body, 16_384);
            stage.ResponseStatus = response.Status;
            stage.Response = Clip(response.Body, WebhookDelivery.MaxKeptResponse);
            var raw = responseBody.GetRawText();
            stage.Result = raw.Length <= 16_384 ? raw : JsonSerializer.Serialize(Clip(raw, 16_384));
            stage.Error = response.IsSuccess ? null : Clip(response.Error ?? "Delivery failed.", 4000);
            stage.State = response.IsSuccess ? StageState.Completed : StageState.Failed;
            await db.SaveChangesAsync(cancellationToken);

            if (response.IsSuccess)
            {
                previous = responseBody;
                results[stage.Key] = responseBody;
                if (response.IsAccepted && i == lastDelivered)
                {
                    // The last stage took the work: the run waits for the integration's callback, as a one-stage run does.
                    return new HandlerOutcome.Accepted(calls, Summary(stages, testMode, publish));
                }
                continue;
            }

            var error = $"Stage {stage.Key} failed: {response.Error}";
            if (stage.RetryAttempts is not null)
            {
                // The stage's own policy decides; its next try is the run's next attempt, which resumes here.
                if (response.IsRetryable && Pipelines.RetryDelay(stage, stage.BudgetUsed) is { } delay)
                {
                    return new HandlerOutcome.Failed(calls, Summary(stages, testMode, publish), error, Retryable: true) { RetryDelay = delay };
                }
                if (!stage.StopOnFailure)
                {
                    continue;
                }
                failure = error;
                continue;
            }
            if (!stage.StopOnFailure)
            {
                continue;
            }
            // The schedule's retry policy decides (the runner); the rest wait as they are and run on the retry.
            if (response.IsRetryable)
            {
                return new HandlerOutcome.Failed(calls, Summary(stages, testMode, publish), error, Retryable: true);
            }
            failure = error;
        }
        if (failure is not null)
        {
            await db.SaveChangesAsync(cancellationToken);
            logger.LogInformation("Pipeline of execution {ExecutionId} stopped: {Error}", executionId, failure);
            return new HandlerOutcome.Failed(calls, Summary(stages, testMode, publish), failure, Retryable: false);
        }
        return new HandlerOutcome.Completed(calls, Summary(stages, testMode, publish));
    }

    /// <summary>A Hangfire delayed job comes at its time or a little after; one a moment early is not held again.</summary>
    private static readonly TimeSpan PublishTolerance = TimeSpan.FromSeconds(1);

    /// <summary>Publishing later than this after its time is recorded as late (the engine's own lag is less).</summary>
    private static readonly TimeSpan LateAfter = TimeSpan.FromSeconds(60);

    /// <summary>In the run's result: when publishing was due, when it went, and how late (production finished after its time).</summary>
    private sealed record PublishRecord(DateTime At, DateTime? StartedAt, long? LateBySeconds);

    /// <summary>
    /// The run's publish time: its own (held before, or moved by someone), else its schedule's rule for its occurrence,
    /// written on the run so the calendar, the run page and a move see the same time. Null: publishing follows production.
    /// </summary>
    private async Task<DateTime?> PublishTimeAsync(AppDbContext db, JobRunContext context, CancellationToken ct)
    {
        var execution = context.Execution;
        var id = execution.Id;
        var own = await db.Executions.IgnoreQueryFilters().Where(e => e.Id == id).Select(e => e.PublishAt).FirstOrDefaultAsync(ct);
        if (own is { } moved)
        {
            return moved;
        }
        if (context.Schedule.PublishAt is not { } text || PublishTime.Parse(text).Value is not { } rule
            || NodaTime.DateTimeZoneProviders.Tzdb.GetZoneOrNull(context.Schedule.TimeZone) is not { } zone)
        {
            return null;
        }
        var at = rule.Resolve(NodaTime.Instant.FromDateTimeUtc(DateTime.SpecifyKind(execution.ScheduledFor, DateTimeKind.Utc)), zone).ToDateTimeUtc();
        // Written only if nobody set one meanwhile (a move): then theirs is the run's time.
        return await db.Executions.IgnoreQueryFilters().Where(e => e.Id == id && e.PublishAt == null).ExecuteUpdateAsync(set => set.SetProperty(e => e.PublishAt, at), ct) == 1
            ? at
            : await db.Executions.IgnoreQueryFilters().Where(e => e.Id == id).Select(e => e.PublishAt).FirstOrDefaultAsync(ct) ?? at;
    }

    private static JsonElement Body(string? result)
    {
        using var document = JsonDocument.Parse(result ?? "null");
        return document.RootElement.Clone();
    }

    private static JsonElement Snapshot(Dictionary<string, JsonElement> results) => JsonSerializer.SerializeToElement(results);

    /// <summary>The run's result: each stage's outcome by key (as the newsletter's <c>actions</c> always were).</summary>
    private static string Summary(List<ExecutionStage> stages, bool testMode, PublishRecord? publish)
    {
        var actions = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var stage in stages)
        {
            actions[stage.Key] = stage.State switch
            {
                StageState.SkippedTestMode => new { skipped = true, state = "skipped_test_mode", reason = $"Test mode: {stage.Key} skipped." },
                StageState.Completed or StageState.Failed => new { state = stage.State.ToWire(), status = stage.ResponseStatus, body = Body(stage.Result) },
                _ => new { state = stage.State.ToWire() },
            };
        }
        return publish is null
            ? JsonSerializer.Serialize(new { testMode, actions }, JsonSerializerOptions.Web)
            : JsonSerializer.Serialize(new { testMode, actions, publish }, JsonSerializerOptions.Web);
    }

    private static string? Clip(string? value, int max)
    {
        var clipped = value is null || value.Length <= max ? value : value[..max];
        return clipped?.Replace('\0', '\uFFFD');
    }
}
