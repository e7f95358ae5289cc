using Hangfire;
using Hangfire.Common;
using Hangfire.States;
using Scheduling.Core.Scheduling;

namespace Scheduling.Web.Engine;

/// <summary>Hands executions to Hangfire on the queue of their priority; the argument is only the id.</summary>
public sealed class ExecutionQueue(IBackgroundJobClient jobs)
{
    public string Enqueue(Guid executionId, SchedulePriority priority) =>
        jobs.Create(Job.FromExpression<ExecutionRunner>(runner => runner.RunAsync(executionId, null, CancellationToken.None)), new EnqueuedState(ExecutionOptions.QueueOf(priority)));

    /// <summary>
    /// Runs falling due together, carried by one job on the queue of their (common) priority (decision 0033); a single
    /// run gets the plain job that names it.
    /// </summary>
    public string EnqueueBatch(Guid[] executionIds, SchedulePriority priority) => executionIds.Length == 1
        ? Enqueue(executionIds[0], priority)
        : jobs.Create(Job.FromExpression<ExecutionRunner>(runner => runner.RunBatchAsync(executionIds, null, CancellationToken.None)), new EnqueuedState(ExecutionOptions.QueueOf(priority)));

    /// <summary>Runs the execution again after <paramref name="delay"/> (retries, waits for limits or overlap).</summary>
    public string Schedule(Guid executionId, SchedulePriority priority, TimeSpan delay) =>
        jobs.Create(
            Job.FromExpression<ExecutionRunner>(runner => runner.RunAsync(executionId, null, CancellationToken.None), ExecutionOptions.QueueOf(priority)),
            new ScheduledState(delay));

    /// <summary>
    /// Runs the execution at <paramref name="atUtc"/> or up to a second later: Hangfire keeps the time of a
    /// delayed job in whole seconds, so the time is rounded up (a run must never start early).
    /// </summary>
    public string ScheduleAt(Guid executionId, SchedulePriority priority, DateTime atUtc)
    {
        var second = TimeSpan.TicksPerSecond;
        var roundedUp = new DateTime((atUtc.Ticks + second - 1) / second * second, DateTimeKind.Utc);
        return jobs.Create(
            Job.FromExpression<ExecutionRunner>(runner => runner.RunAsync(executionId, null, CancellationToken.None), ExecutionOptions.QueueOf(priority)),
            new ScheduledState(roundedUp));
    }

    /// <summary>Checks an accepted (202) execution at its callback deadline.</summary>
    public string ScheduleCallbackTimeout(Guid executionId, TimeSpan delay) =>
        jobs.Create(Job.FromExpression<ExecutionRunner>(runner => runner.CallbackTimeoutAsync(executionId)), new ScheduledState(delay));
}
