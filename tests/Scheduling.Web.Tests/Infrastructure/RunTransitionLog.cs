using System.Collections.Concurrent;
using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Scheduling.Web.Data;
using Scheduling.Web.Features.Executions;

namespace Scheduling.Web.Tests.Infrastructure;

/// <summary>
/// Every run transition the app commits, in order (an <see cref="IRunTransitionObserver"/>): "nothing happened" is then
/// a fact to check at once, not a pause to sit out. Every change of a run's state goes through the transition owner.
/// A transition made in a transaction counts once that transaction commits (the log is also the contexts' transaction
/// interceptor, <see cref="Engine.EngineHost"/> adds it): a ledger batch that fails is rolled back and its items are
/// written again one by one, and an observer that only remembered would have seen those transitions twice.
/// </summary>
public sealed class RunTransitionLog : DbTransactionInterceptor, IRunTransitionObserver
{
    private readonly ConcurrentQueue<RunTransition> _seen = new();
    private readonly ConcurrentDictionary<Guid, ConcurrentQueue<RunTransition>> _uncommitted = new();

    public IReadOnlyList<RunTransition> All => [.. _seen];

    /// <summary>A mark to compare with later (<see cref="Since"/>).</summary>
    public int Count => _seen.Count;

    public IReadOnlyList<RunTransition> Since(int mark) => [.. _seen.Skip(mark)];

    public Task OnTransitionAsync(AppDbContext db, RunTransition transition, CancellationToken ct)
    {
        if (db.Database.CurrentTransaction is { } transaction)
        {
            _uncommitted.GetOrAdd(transaction.TransactionId, _ => new()).Enqueue(transition);
        }
        else
        {
            _seen.Enqueue(transition);
        }
        return Task.CompletedTask;
    }

    public override void TransactionCommitted(DbTransaction transaction, TransactionEndEventData eventData) => Committed(eventData.TransactionId);

    public override Task TransactionCommittedAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        Committed(eventData.TransactionId);
        return Task.CompletedTask;
    }

    public override void TransactionRolledBack(DbTransaction transaction, TransactionEndEventData eventData) => _uncommitted.TryRemove(eventData.TransactionId, out _);

    public override Task TransactionRolledBackAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        _uncommitted.TryRemove(eventData.TransactionId, out _);
        return Task.CompletedTask;
    }

    private void Committed(Guid transactionId)
    {
        if (_uncommitted.TryRemove(transactionId, out var transitions))
        {
            foreach (var transition in transitions)
            {
                _seen.Enqueue(transition);
            }
        }
    }
}
