using Microsoft.EntityFrameworkCore;
using Scheduling.Web.Data;

namespace Scheduling.Web.Features.Executions;

public static class ExecutionReopen
{
    /// <summary>
    /// Puts a finished run back to pending to run again, keeping its id (and so the idempotency key the integration
    /// sees): a retry, a skipped run run after all, a backfill. Compare-and-set on the status it was seen in, so of two
    /// requests at once one reopens it; handing it to Hangfire is the caller's. <paramref name="enqueuedAt"/>, when
    /// given, replaces the time it was first handed over. Returns whether it was reopened.
    /// </summary>
    public static async Task<bool> ReopenAsync(this AppDbContext db, Guid id, ExecutionStatus seenAs, string? reason, DateTime? enqueuedAt = null) =>
        await db.Executions.Where(e => e.Id == id && e.Status == seenAs).ExecuteUpdateAsync(set => set
            .SetProperty(e => e.Status, ExecutionStatus.Pending)
            .SetProperty(e => e.Reason, reason)
            .SetProperty(e => e.CompletedAt, (DateTime?)null)
            .SetProperty(e => e.NotBefore, (DateTime?)null)
            .SetProperty(e => e.HangfireJobId, (string?)null)
            .SetProperty(e => e.EnqueuedAt, e => enqueuedAt ?? e.EnqueuedAt), CancellationToken.None) == 1;

    /// <summary>Records the job that carries a reopened (or new) run, unless the engine already gave it one.</summary>
    public static Task RecordJobAsync(this AppDbContext db, Guid id, string jobId) =>
        db.Executions.Where(e => e.Id == id && e.HangfireJobId == null)
            .ExecuteUpdateAsync(set => set.SetProperty(e => e.HangfireJobId, jobId), CancellationToken.None);
}
