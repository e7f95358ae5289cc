using System.Collections.Concurrent;
using System.Data;
using Hangfire.PostgreSql;
using Hangfire.Storage;

namespace Scheduling.Web.Engine;

/// <summary>
/// PostgreSQL's job queue as Hangfire.PostgreSql keeps it, except that one idle worker of a node at a time polls it; the
/// others wait for their turn in memory (decision 0048). Each idle worker polled on its own, every QueuePollInterval: fifty
/// workers on each of two nodes made a hundred transactions a second on an idle database, and in a burst that CPU was the
/// lag. A job enqueued on this node still wakes the polling worker at once (Hangfire.PostgreSql signals its queues in the
/// process), and a worker that takes a job hands the turn on, so the next one fetches straight away and a queue of jobs is
/// drained one fetch after the other; a job enqueued on another node is seen within one poll interval, as before.
/// Hangfire.SqlServer does the same for its queues (a semaphore per queue set), so both shared storages poll alike.
/// </summary>
public sealed class SinglePollerJobQueueProvider(PostgreSqlStorage storage, PostgreSqlStorageOptions options) : IPersistentJobQueueProvider
{
    private readonly PostgreSqlJobQueueProvider _inner = new(storage, options);
    // A kernel-style semaphore, not a SemaphoreSlim: the workers wait for their turn for seconds, and SemaphoreSlim spins
    // before it blocks, which on a node's busy cores was 4 % of its CPU in a burst (a profile, docs/performance.md).
    private readonly ConcurrentDictionary<string, Semaphore> _turns = new();

    /// <summary>Serves <paramref name="queues"/> of <paramref name="storage"/> with one polling worker per node.</summary>
    public static void Install(PostgreSqlStorage storage, PostgreSqlStorageOptions options, IEnumerable<string> queues) =>
        storage.QueueProviders.Add(new SinglePollerJobQueueProvider(storage, options), queues);

    public IPersistentJobQueue GetJobQueue() => new Queue(_inner.GetJobQueue(), this);

    public IPersistentJobQueueMonitoringApi GetJobQueueMonitoringApi() => new Unlisted(_inner.GetJobQueueMonitoringApi());

    private Semaphore TurnOf(string[] queues) =>
        _turns.GetOrAdd(string.Join('\n', queues.Order(StringComparer.Ordinal)), _ => new Semaphore(1, 1));

    private sealed class Queue(IPersistentJobQueue inner, SinglePollerJobQueueProvider provider) : IPersistentJobQueue
    {
        public IFetchedJob Dequeue(string[] queues, CancellationToken cancellationToken)
        {
            var turn = provider.TurnOf(queues);
            if (WaitHandle.WaitAny([turn, cancellationToken.WaitHandle]) != 0)
            {
                throw new OperationCanceledException(cancellationToken);
            }
            try
            {
                // Fetches at once, then waits for a local enqueue or the poll interval, until a job comes.
                return inner.Dequeue(queues, cancellationToken);
            }
            finally
            {
                turn.Release();
            }
        }

        public void Enqueue(IDbConnection connection, string queue, string jobId) => inner.Enqueue(connection, queue, jobId);
    }

    /// <summary>
    /// The default provider already lists every queue of the database (its monitoring reads the table); listed here too,
    /// the dashboard would show each queue twice. A queue asked for by name is answered.
    /// </summary>
    private sealed class Unlisted(IPersistentJobQueueMonitoringApi inner) : IPersistentJobQueueMonitoringApi
    {
        public IEnumerable<string> GetQueues() => [];

        public IEnumerable<long> GetEnqueuedJobIds(string queue, int from, int perPage) => inner.GetEnqueuedJobIds(queue, from, perPage);

        public IEnumerable<long> GetFetchedJobIds(string queue, int from, int perPage) => inner.GetFetchedJobIds(queue, from, perPage);

        public EnqueuedAndFetchedCountDto GetEnqueuedAndFetchedCount(string queue) => inner.GetEnqueuedAndFetchedCount(queue);
    }
}
