namespace Scheduling.Web.Engine;

/// <summary>
/// Whether this node's engine is in a burst (decision 0044). The ledger notes each batch it commits and the dispatcher each claim; work that can wait
/// (the lifecycle event delivery loop) yields while a burst lasts, so that the burst's runs do not share the database's
/// writer and the cores with the delivery of their own events. Which runs start when is never decided here.
/// </summary>
public sealed class EngineActivity(TimeProvider clock)
{
    /// <summary>A ledger batch or a claim of this many runs means a burst (one run at a time makes batches of one or two).</summary>
    public const int BurstBatch = 8;

    /// <summary>The burst is over this long after its last large batch, or its last request kept for a place.</summary>
    public static readonly TimeSpan QuietAfter = TimeSpan.FromMilliseconds(300);

    private long _burstSeenAt = long.MinValue;

    /// <summary>The ledger committed (or the dispatcher claimed) <paramref name="requests"/> together, and the ledger keeps <paramref name="waitingForAPlace"/> at a concurrency limit.</summary>
    public void NoteBatch(int requests, int waitingForAPlace)
    {
        if (requests >= BurstBatch || waitingForAPlace > 0)
        {
            Interlocked.Exchange(ref _burstSeenAt, clock.GetUtcNow().UtcTicks);
        }
    }

    public bool InBurst
    {
        get
        {
            var seen = Interlocked.Read(ref _burstSeenAt);
            return seen != long.MinValue && clock.GetUtcNow().UtcTicks - seen < QuietAfter.Ticks;
        }
    }
}
