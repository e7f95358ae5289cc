using System.ComponentModel.DataAnnotations;

namespace Scheduling.Web.Execution;

/// <summary><c>Execution:*</c> settings of the Hangfire engine.</summary>
public sealed class ExecutionOptions
{
    public const string Section = "Execution";

    /// <summary>Hangfire worker threads on this node.</summary>
    [Range(1, 500, ErrorMessage = "Setting 'Execution:WorkerCount' must be between 1 and 500.")]
    public int WorkerCount { get; set; } = 20;

    /// <summary>Run a Hangfire server in this process (false: a web-only node).</summary>
    public bool RunServer { get; set; } = true;

    /// <summary>How often Hangfire looks for delayed jobs and retries (its default of 15 s is too coarse).</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:05:00", ErrorMessage = "Setting 'Execution:SchedulePollingInterval' must be between 00:00:00.100 and 00:05:00.")]
    public TimeSpan SchedulePollingInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Queues in the order workers serve them: urgent first, FIFO within one.</summary>
    public static readonly string[] Queues = ["urgent", "high", "default", "low"];
}
