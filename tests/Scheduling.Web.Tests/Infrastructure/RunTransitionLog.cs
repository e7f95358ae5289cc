using System.Collections.Concurrent;
using Scheduling.Web.Data;
using Scheduling.Web.Features.Executions;

namespace Scheduling.Web.Tests.Infrastructure;

/// <summary>
/// Every run transition the app writes, in order (an <see cref="IRunTransitionObserver"/>): "nothing happened" is then
/// a fact to check at once, not a pause to sit out. Every change of a run's state goes through the transition owner.
/// </summary>
public sealed class RunTransitionLog : IRunTransitionObserver
{
    private readonly ConcurrentQueue<RunTransition> _seen = new();

    public IReadOnlyList<RunTransition> All => [.. _seen];

    /// <summary>A mark to compare with later (<see cref="Since"/>).</summary>
    public int Count => _seen.Count;

    public IReadOnlyList<RunTransition> Since(int mark) => [.. _seen.Skip(mark)];

    public Task OnTransitionAsync(AppDbContext db, RunTransition transition, CancellationToken ct)
    {
        _seen.Enqueue(transition);
        return Task.CompletedTask;
    }
}
