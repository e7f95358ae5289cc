namespace Scheduling.Web.Features.Executions.Progress;

/// <summary>
/// Tells this node's open pages that a run's progress changed, so they redraw at once instead of at their next poll.
/// In-process only: a report handled by another node reaches these pages through their polling (every few seconds
/// while a running run is visible), so nothing depends on this for correctness (decision 0022).
/// </summary>
public sealed class ExecutionProgressNotifier
{
    /// <summary>(workspace id, execution id) of the run whose progress changed. Handlers must not block: marshal to the circuit.</summary>
    public event Action<Guid, Guid>? Changed;

    public void Publish(Guid workspaceId, Guid executionId)
    {
        foreach (var handler in Changed?.GetInvocationList() ?? [])
        {
            try
            {
                ((Action<Guid, Guid>)handler)(workspaceId, executionId);
            }
            catch (Exception ex) when (ex is ObjectDisposedException or InvalidOperationException)
            {
                // A page going away while it is told: the others still hear it.
            }
        }
    }
}
