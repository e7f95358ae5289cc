using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Scheduling.Web.Data;
using Scheduling.Web.Features.Executions;

namespace Scheduling.Web.Engine;

/// <summary>
/// Prunes finished runs (with their attempts, by cascade) older than <see cref="ExecutionOptions.HistoryRetention"/>,
/// in batches so that no transaction holds the table for long. Runs still pending or running are never touched.
/// </summary>
public sealed class HistoryRetention(IDbContextFactory<AppDbContext> contexts, IOptionsMonitor<ExecutionOptions> options, TimeProvider clock, ILogger<HistoryRetention> logger)
{
    public const int BatchSize = 1000;

    /// <returns>How many runs were pruned.</returns>
    public async Task<int> PruneAsync(CancellationToken ct = default)
    {
        var cutoff = clock.GetUtcNow().UtcDateTime - options.CurrentValue.HistoryRetention;
        var pruned = 0;
        while (!ct.IsCancellationRequested)
        {
            await using var db = await contexts.CreateDbContextAsync(ct);
            var batch = await db.Executions.IgnoreQueryFilters()
                .Where(e => e.CompletedAt != null && e.CompletedAt < cutoff
                    && (e.Status == ExecutionStatus.Completed || e.Status == ExecutionStatus.Failed || e.Status == ExecutionStatus.Skipped || e.Status == ExecutionStatus.Cancelled))
                .OrderBy(e => e.CompletedAt)
                .Select(e => e.Id)
                .Take(BatchSize)
                .ToListAsync(ct);
            if (batch.Count == 0)
            {
                break;
            }
            await using (var transaction = await db.Database.BeginTransactionAsync(ct))
            {
                await db.ExecutionAttempts.IgnoreQueryFilters().Where(a => batch.Contains(a.ExecutionId)).ExecuteDeleteAsync(ct);
                await db.ExecutionStages.IgnoreQueryFilters().Where(s => batch.Contains(s.ExecutionId)).ExecuteDeleteAsync(ct);
                pruned += await db.Executions.IgnoreQueryFilters().Where(e => batch.Contains(e.Id)).ExecuteDeleteAsync(ct);
                await transaction.CommitAsync(ct);
            }
            if (batch.Count < BatchSize)
            {
                break;
            }
        }
        if (pruned > 0)
        {
            logger.LogInformation("History retention pruned {Runs} run(s) finished before {Cutoff:u}.", pruned, cutoff);
        }
        return pruned;
    }
}
