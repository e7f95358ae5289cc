using Scheduling.Core.Scheduling;
using Scheduling.Web.Features.Executions;
using Scheduling.Web.Features.Schedules;

namespace Scheduling.Web.Engine;

/// <summary>What a handler gets for one attempt of one execution.</summary>
/// <param name="Targets">The workspace's delivery settings when the runner loaded them with the run (null: look them up).</param>
/// <param name="Episode">The episode of a series the run releases, if any.</param>
public sealed record JobRunContext(
    Execution Execution, Schedule Schedule, int Attempt, TimeSpan Timeout, PreloadedTargets? Targets = null, EpisodeRun? Episode = null, PreloadedPipeline? Pipeline = null)
{
    /// <summary>The job config delivered: the episode's own, else the schedule's.</summary>
    public string JobConfig => Episode?.JobConfig ?? Schedule.JobConfig;
}

/// <summary>The workspace's endpoint for the run's job type and its protected webhook secret (either may be missing).</summary>
public sealed record PreloadedTargets(string? WorkspaceEndpoint, string? ProtectedSecret, ChannelTarget? Channel = null, EnvelopeWave? Wave = null);

/// <summary>
/// Read with the run in the ledger's batch, so that a plain run needs no query of its own before its POST: whether it
/// has stage rows already (a run resumed) and its workspace's pipeline for the job type (null: none).
/// </summary>
public sealed record PreloadedPipeline(bool HasStageRows, string? WorkspaceStagesJson);

/// <summary>The channel of the run's schedule: named in the envelope; its webhook URL wins over the workspace endpoint.</summary>
public sealed record ChannelTarget(Guid Id, string Name, string Platform, string? WebhookUrl);

/// <summary>One call a handler made (a webhook POST, one action of a pipeline), kept as an attempt row.</summary>
public sealed record DeliveryCall(string? Action, string? Target, string? Request, int? ResponseStatus, string? Response, string? Error, TimeSpan Duration, bool Succeeded);

public abstract record HandlerOutcome(IReadOnlyList<DeliveryCall> Calls, string? Result)
{
    /// <summary>Done.</summary>
    public sealed record Completed(IReadOnlyList<DeliveryCall> Calls, string? Result) : HandlerOutcome(Calls, Result);

    /// <summary>The integration took the work (202): it calls back when done.</summary>
    public sealed record Accepted(IReadOnlyList<DeliveryCall> Calls, string? Result) : HandlerOutcome(Calls, Result);

    /// <summary>Produced: the publishing stages wait until <paramref name="Until"/> (UTC); the run is held, not ended.</summary>
    public sealed record Held(IReadOnlyList<DeliveryCall> Calls, string? Result, DateTime Until) : HandlerOutcome(Calls, Result);

    /// <summary>The attempt failed; <paramref name="Retryable"/> lets the retry policy try again.</summary>
    public sealed record Failed(IReadOnlyList<DeliveryCall> Calls, string? Result, string Error, bool Retryable) : HandlerOutcome(Calls, Result)
    {
        /// <summary>When the work says how long to wait (a pipeline stage's own retry policy): instead of the schedule's policy.</summary>
        public TimeSpan? RetryDelay { get; init; }
    }
}

/// <summary>Delivers the work of some job types. Adding a job type is adding one of these.</summary>
public interface IJobHandler
{
    /// <summary>The job types handled; empty = the default handler for every other type.</summary>
    IReadOnlyCollection<JobType> JobTypes { get; }

    Task<HandlerOutcome> HandleAsync(JobRunContext context, CancellationToken cancellationToken);
}

/// <summary>Picks the handler of a job type: a specific one, else the default (webhook).</summary>
public sealed class HandlerRegistry(IEnumerable<IJobHandler> handlers)
{
    private readonly IJobHandler[] _handlers = [.. handlers];

    public IJobHandler For(JobType jobType) =>
        _handlers.FirstOrDefault(h => h.JobTypes.Contains(jobType))
        ?? _handlers.FirstOrDefault(h => h.JobTypes.Count == 0)
        ?? throw new InvalidOperationException("No default job handler is registered.");
}
