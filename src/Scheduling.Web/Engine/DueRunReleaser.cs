using Scheduling.Core.Scheduling;

namespace Scheduling.Web.Engine;

/// <summary>
/// Holds the runs this node's dispatcher claimed ahead of their time and hands them to Hangfire the moment
/// they fall due. Hangfire's own delayed jobs would do it too, but its scheduler moves them to their queues
/// one by one on a polling thread: a burst of two thousand runs due in one second would then start over
/// two seconds or more. If this node stops, the held runs are pending rows without a job, and the recovery
/// sweep hands them over (at start-up, or on another node after its settling time).
/// </summary>
public sealed class DueRunReleaser(ExecutionQueue queue, TimeProvider clock, ILogger<DueRunReleaser> logger) : BackgroundService
{
    /// <summary>Runs due later than this are left to Hangfire's delayed jobs (durable on shared storage, shown in its dashboard).</summary>
    public static readonly TimeSpan HoldAtMost = TimeSpan.FromSeconds(30);

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
    /// Hands a run to Hangfire for <paramref name="startUtc"/>: enqueued when due, held here when due within
    /// <see cref="HoldAtMost"/>, else a delayed job. Returns the Hangfire job id, or null while it is held.
    /// </summary>
    public string? HandOver(Guid executionId, SchedulePriority priority, DateTime startUtc)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        if (startUtc <= now)
        {
            return queue.Enqueue(executionId, priority);
        }
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
            foreach (var run in due)
            {
                try
                {
                    queue.Enqueue(run.Id, run.Priority);
                }
                catch (Exception ex)
                {
                    // Not lost: the row stays pending without a job, and the recovery sweep hands it over.
                    logger.LogWarning(ex, "Could not hand run {ExecutionId} to Hangfire; the recovery sweep will.", run.Id);
                }
            }
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
