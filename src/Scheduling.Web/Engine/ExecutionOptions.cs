using System.ComponentModel.DataAnnotations;

namespace Scheduling.Web.Engine;

/// <summary><c>Execution:*</c> settings of the Hangfire engine.</summary>
public sealed class ExecutionOptions
{
    public const string Section = "Execution";

    /// <summary>Hangfire worker threads on this node.</summary>
    [Range(1, 500, ErrorMessage = "Setting 'Execution:WorkerCount' must be between 1 and 500.")]
    public int WorkerCount { get; set; } = 50;

    /// <summary>This node's name: the Hangfire server name and the X-Scheduling-Node header of webhooks.</summary>
    public string NodeName { get; set; } = $"{Environment.MachineName}:{Environment.ProcessId}";

    /// <summary>Run a Hangfire server in this process (false: a web-only node).</summary>
    public bool RunServer { get; set; } = true;

    /// <summary>The embedded default's Hangfire storage: "memory" (the product). "sqlite" only in a measurement build (decision 0030).</summary>
    public string EmbeddedJobStorage { get; set; } = "memory";

    /// <summary>
    /// How often Hangfire moves due scheduled jobs (runs claimed ahead, retries) to their queues; its default of
    /// 15 s is far too coarse for the lag target.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:05:00", ErrorMessage = "Setting 'Execution:SchedulePollingInterval' must be between 00:00:00.100 and 00:05:00.")]
    public TimeSpan SchedulePollingInterval { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// How often an idle Hangfire worker asks a shared (PostgreSQL, SQL Server) storage for a job. Each ask is a
    /// transaction, so 50 idle workers at 200 ms made ~250 commits a second per node (the lead of issue 15); a job
    /// enqueued on this node wakes one of its workers at once anyway, so this only bounds how soon a job enqueued by
    /// another node is noticed when this node's workers are idle. The in-memory storage beside SQLite ignores it.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:01:00", ErrorMessage = "Setting 'Execution:QueuePollInterval' must be between 00:00:00.050 and 00:01:00.")]
    public TimeSpan QueuePollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How often the dispatcher looks for due schedules (it loops at once while a pass is full).</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:01:00", ErrorMessage = "Setting 'Execution:DispatchInterval' must be between 00:00:00.050 and 00:01:00.")]
    public TimeSpan DispatchInterval { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// How far ahead of their time runs are claimed: their rows exist and Hangfire holds them as scheduled jobs
    /// when they fall due, so a burst due in one second does not wait for its claims (0: claim when due).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:01:00", ErrorMessage = "Setting 'Execution:DispatchLookahead' must be between 00:00:00 and 00:01:00.")]
    public TimeSpan DispatchLookahead { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Schedules claimed per dispatch transaction.</summary>
    [Range(1, 5000, ErrorMessage = "Setting 'Execution:DispatchBatchSize' must be between 1 and 5000.")]
    public int DispatchBatchSize { get; set; } = 200;

    /// <summary>
    /// At most this many runs falling due at the same moment go to Hangfire as one job, delivered side by side by its
    /// worker (1: one job per run). A job costs a shared storage some thirty round trips (create, fetch, two state
    /// changes with their locks, counters), which bounded a burst on PostgreSQL to ~200 runs a second (decisions 0033,
    /// 0047). Only a burst larger than the node's workers is batched, into as few jobs as this allows; a handful of runs
    /// keeps a job each, named after its run in the dashboard. A node that dies strands its jobs' runs until the node
    /// watch hands them over (after the node timeout), however many a job carries. Unset on the embedded default it is
    /// <see cref="EmbeddedRunsPerJob"/>: a job costs Hangfire's memory storage no round trip, and smaller jobs spread a
    /// burst's places over more askers.
    /// </summary>
    [Range(1, 100, ErrorMessage = "Setting 'Execution:RunsPerJob' must be between 1 and 100.")]
    public int RunsPerJob { get; set; } = 100;

    /// <summary><see cref="RunsPerJob"/> on the embedded default (SQLite, Hangfire in memory) when not set.</summary>
    public const int EmbeddedRunsPerJob = 16;

    /// <summary>Run the dispatcher on this node (false: execute only).</summary>
    public bool RunDispatcher { get; set; } = true;

    /// <summary>An occurrence claimed later than this after its time counts as missed.</summary>
    public TimeSpan MissedRunGrace { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How far back run_all catches up after downtime; older missed runs are recorded as skipped.</summary>
    public TimeSpan CatchUpWindow { get; set; } = TimeSpan.FromDays(1);

    /// <summary>How often stranded executions are looked for (also once at start-up).</summary>
    public TimeSpan RecoveryInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Runs of one workspace in progress at once; more wait.</summary>
    [Range(1, 10_000, ErrorMessage = "Setting 'Execution:WorkspaceConcurrencyLimit' must be between 1 and 10000.")]
    public int WorkspaceConcurrencyLimit { get; set; } = 50;

    /// <summary>Runs one workspace may start per UTC day; more wait for the next day.</summary>
    [Range(1, 10_000_000, ErrorMessage = "Setting 'Execution:WorkspaceDailyQuota' must be between 1 and 10000000.")]
    public int WorkspaceDailyQuota { get; set; } = 100_000;

    /// <summary>Runs one workspace may start per minute; more wait.</summary>
    [Range(1, 1_000_000, ErrorMessage = "Setting 'Execution:WorkspaceRatePerMinute' must be between 1 and 1000000.")]
    public int WorkspaceRatePerMinute { get; set; } = 6000;

    /// <summary>Timeout of one delivery when the schedule sets none.</summary>
    public TimeSpan DefaultTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long an integration that answered 202 has to call back when the schedule sets no timeout.</summary>
    public TimeSpan DefaultCallbackTimeout { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Allow webhook targets on loopback, private and link-local addresses (tests, local setups).</summary>
    public bool AllowPrivateNetworkTargets { get; set; }

    /// <summary>Consecutive failed runs that raise an alert.</summary>
    [Range(1, 100, ErrorMessage = "Setting 'Execution:AlertFailureThreshold' must be between 1 and 100.")]
    public int AlertFailureThreshold { get; set; } = 3;

    /// <summary>A due run not started after this raises an "overdue" alert.</summary>
    public TimeSpan AlertOverdueAfter { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How often alert conditions are evaluated.</summary>
    public TimeSpan AlertEvaluationInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How often this node tells the others it is alive (Hangfire's server heartbeat), and how often the node watch looks.
    /// A dead node's runs are taken over between <see cref="NodeTimeout"/> minus one interval and plus one after its
    /// death (its last beat came up to an interval before it; the watch looks once an interval).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:01:00", ErrorMessage = "Setting 'Execution:HeartbeatInterval' must be between 00:00:01 and 00:01:00.")]
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>
    /// A node silent this long is dead: its server is removed and its runs are taken over by the others. Five missed
    /// heartbeats: a live node under load is not taken for dead, and a dead node's runs come back within about 20 s.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:05", "00:30:00", ErrorMessage = "Setting 'Execution:NodeTimeout' must be between 00:00:05 and 00:30:00.")]
    public TimeSpan NodeTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Finished runs (and their attempts) older than this are pruned by the history-retention job.</summary>
    [Range(typeof(TimeSpan), "1.00:00:00", "3650.00:00:00", ErrorMessage = "Setting 'Execution:HistoryRetention' must be between 1.00:00:00 and 3650.00:00:00 (days.hours:minutes:seconds).")]
    public TimeSpan HistoryRetention { get; set; } = TimeSpan.FromDays(180);

    /// <summary>When the history-retention job runs (Hangfire cron, in UTC).</summary>
    [Required(ErrorMessage = "Setting 'Execution:HistoryRetentionCron' is required.")]
    public string HistoryRetentionCron { get; set; } = "30 3 * * *";

    /// <summary>The queue of the recurring maintenance jobs (recovery sweep, alerts, retention), served before the runs' queues.</summary>
    public const string MaintenanceQueue = "maintenance";

    /// <summary>Queues of runs in the order workers serve them: urgent first, FIFO within one.</summary>
    public static readonly string[] Queues = ["urgent", "high", "default", "low"];

    /// <summary>Every queue a node's Hangfire server serves, in the order it serves them.</summary>
    public static readonly string[] ServerQueues = [MaintenanceQueue, .. Queues];

    public static string QueueOf(Scheduling.Core.Scheduling.SchedulePriority priority) => priority switch
    {
        Scheduling.Core.Scheduling.SchedulePriority.Urgent => "urgent",
        Scheduling.Core.Scheduling.SchedulePriority.High => "high",
        Scheduling.Core.Scheduling.SchedulePriority.Low => "low",
        _ => "default",
    };
}
