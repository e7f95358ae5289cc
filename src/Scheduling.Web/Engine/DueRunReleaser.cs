using Microsoft.Extensions.Options;
using Scheduling.Core.Scheduling;

namespace Scheduling.Web.Engine;

/// <summary>
/// Holds the runs this node's dispatcher claimed ahead of their time and hands them to Hangfire the moment
/// they fall due. Hangfire's own delayed jobs would do it too, but its scheduler moves them to their queues
/// one by one on a polling thread: a burst of two thousand runs due in one second would then start over
/// two seconds or more. If this node stops, the held runs are pending rows without a job, and the recovery
/// sweep hands them over (at start-up, or on another node after its settling time).
/// </summary>
public sealed class DueRunReleaser(ExecutionQueue queue, IOptionsMonitor<ExecutionOptions> options, TimeProvider clock, ILogger<DueRunReleaser> logger) : BackgroundService
{
    /// <summary>Runs due later than this are left to Hangfire's delayed jobs (durable on shared storage, shown in its dashboard).</summary>
    public static readonly TimeSpan HoldAtMost = TimeSpan.FromSeconds(30);

    private const int HandOverParallelism = 8;
    private const int ParallelFrom = 16;

    private readonly PriorityQueue<(Guid Id, SchedulePriority Priority), (DateTime Due, int Rank)> _held = new();
    private readonly Lock _gate = new();
    private CancellationTokenSource _wake = new();

    /// <summary>Runs held now (for the status page).</summary>
    public int Held
    {
        get
        {
            lock (_gate)
            {
                return _held.Count;
            }
        }
    }

    /// <summary>
    /// Hands a run to Hangfire for <paramref name="startUtc"/>: held here when due now or within <see cref="HoldAtMost"/>
    /// (one due now is released at once, with the others due, in jobs of several runs and a few jobs at a time: a
    /// dispatcher's batch of runs already due enqueued one job after the other took seconds on a shared storage),
    /// else a delayed job. Returns the Hangfire job id, or null while it is held.
    /// </summary>
    public string? HandOver(Guid executionId, SchedulePriority priority, DateTime startUtc)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        if (startUtc - now <= HoldAtMost)
        {
            Hold(executionId, priority, startUtc);
            return null;
        }
        return queue.ScheduleAt(executionId, priority, startUtc);
    }

    public void Hold(Guid executionId, SchedulePriority priority, DateTime dueUtc)
    {
        CancellationTokenSource wake;
        lock (_gate)
        {
            // Urgent first among runs due at the same instant.
            _held.Enqueue((executionId, priority), (dueUtc, -(int)priority));
            wake = _wake;
        }
        wake.Cancel();
    }

    /// <summary>
    /// The jobs that carry <paramref name="due"/> (in due order, urgent first): one per run while the node's workers
    /// outnumber the runs, else runs of one priority in as few jobs as <see cref="ExecutionOptions.RunsPerJob"/> allows,
    /// the runs spread evenly over them (decisions 0033, 0047): a job costs a shared storage some thirty round trips,
    /// and its runs are delivered side by side, so more jobs buy no speed.
    /// </summary>
    internal static List<(Guid[] Ids, SchedulePriority Priority)> Carriers(IReadOnlyList<(Guid Id, SchedulePriority Priority)> due, ExecutionOptions settings)
    {
        var jobs = (due.Count + settings.RunsPerJob - 1) / settings.RunsPerJob;
        var size = due.Count <= settings.WorkerCount ? 1 : (due.Count + jobs - 1) / jobs;
        if (size == 1)
        {
            return [.. due.Select(run => (new[] { run.Id }, run.Priority))];
        }
        var carriers = new List<(Guid[] Ids, SchedulePriority Priority)>();
        foreach (var priority in due.GroupBy(run => run.Priority))
        {
            carriers.AddRange(priority.Chunk(size).Select(chunk => (chunk.Select(run => run.Id).ToArray(), priority.Key)));
        }
        // Urgent work first: its jobs are created (and so fetched, queue by queue) before the others'.
        return [.. carriers.OrderByDescending(carrier => carrier.Priority)];
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var due = new List<(Guid Id, SchedulePriority Priority)>();
            TimeSpan wait;
            CancellationTokenSource wake;
            lock (_gate)
            {
                var now = clock.GetUtcNow().UtcDateTime;
                while (_held.TryPeek(out var run, out var at) && at.Due <= now)
                {
                    _held.Dequeue();
                    due.Add(run);
                }
                wait = _held.TryPeek(out _, out var next) ? next.Due - now : Timeout.InfiniteTimeSpan;
                if (_wake.IsCancellationRequested)
                {
                    // Not disposed: a Hold on another thread may have taken it before this lock and cancel it after
                    // (Cancel on a disposed source throws). It has no timer, so nothing leaks.
                    _wake = new CancellationTokenSource();
                }
                wake = _wake;
            }
            // A few at a time: on a shared storage each job is a round trip or more to the database (~4 ms on
            // PostgreSQL), and until its job exists a run lives only in this node's memory, so a burst handed over one
            // by one leaves most of it there for seconds, out of reach of the other nodes if this one dies.
            var carriers = Carriers(due, options.CurrentValue);
            Parallel.ForEach(carriers, new ParallelOptions { MaxDegreeOfParallelism = carriers.Count < ParallelFrom ? 1 : HandOverParallelism }, carrier =>
            {
                try
                {
                    queue.EnqueueBatch(carrier.Ids, carrier.Priority);
                }
                catch (Exception ex)
                {
                    // Not lost: the rows stay pending without a job, and the recovery sweep hands them over.
                    logger.LogWarning(ex, "Could not hand {Count} run(s) to Hangfire, the first {ExecutionId}; the recovery sweep will.", carrier.Ids.Length, carrier.Ids[0]);
                }
            });
            if (due.Count > 0)
            {
                continue;
            }
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, wake.Token);
            try
            {
                await Task.Delay(wait, clock, linked.Token);
            }
            catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
            {
                // A run was held: look again.
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
