using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Scheduling.Web.Data;
using Scheduling.Web.Features.Executions;
using Scheduling.Web.Features.Workspaces;
using Scheduling.Web.Tests.Infrastructure;

namespace Scheduling.Web.Tests.Data;

/// <summary>
/// SQLite keeps no statistics unless told to, so it picks indexes by shape alone. The ledger reads, under the write lock
/// and once per batch, the pending runs of the batch's schedules; through the status index that read every pending run
/// of every workspace (docs/performance.md, session 22). These check the plans the migrated schema gives the engine's
/// reads of that shape.
/// </summary>
public class QueryPlanTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task TheLedgersReadOfRunningRunsAndWaitingSiblings_SearchesPendingRunsBySchedule()
    {
        await using var database = await SqliteTestDatabase.CreateMigratedAsync();
        await using var db = new SqliteAppDbContext(DesignTime.Options(DatabaseProvider.Sqlite, database.ConnectionString), new WorkspaceContext());
        List<Guid> workspaceIds = [Guid.NewGuid()], scheduleIds = [Guid.NewGuid(), Guid.NewGuid()], candidates = [Guid.NewGuid()];

        // The shape of ExecutionLedger.DecideAsync's "running and siblings" query.
        var query = db.Executions.IgnoreQueryFilters().AsNoTracking()
            .Where(e => (e.Status == ExecutionStatus.Running && !e.AwaitingCallback && workspaceIds.Contains(e.WorkspaceId))
                || (e.Status == ExecutionStatus.Pending && scheduleIds.Contains(e.ScheduleId) && !candidates.Contains(e.Id)))
            .Select(e => new { e.Id, e.WorkspaceId, e.ScheduleId, e.Status, e.ScheduledFor, e.WaitReason });

        var plan = await PlanAsync(database, query.ToQueryString());

        Assert.Contains(plan, step => step.Contains("IX_Executions_ScheduleId_Status", StringComparison.Ordinal));
        Assert.DoesNotContain(plan, step => step.Contains("(Status=?)", StringComparison.Ordinal));
    }

    [Fact]
    public async Task TheReleaseOfRunsWaitingBehindFinishedOnes_SearchesBySchedule()
    {
        await using var database = await SqliteTestDatabase.CreateMigratedAsync();
        await using var db = new SqliteAppDbContext(DesignTime.Options(DatabaseProvider.Sqlite, database.ConnectionString), new WorkspaceContext());
        List<Guid> finished = [Guid.NewGuid()];

        // The shape of ExecutionLedger.ReleaseWaitingAsync's query.
        var query = db.Executions.IgnoreQueryFilters().AsNoTracking()
            .Where(e => finished.Contains(e.ScheduleId) && e.Status == ExecutionStatus.Pending
                && (e.WaitReason == Core.Scheduling.WaitReason.PreviousRun || e.WaitReason == Core.Scheduling.WaitReason.CatchingUp))
            .Select(e => new { e.Id, e.ScheduleId, e.Priority, e.ScheduledFor });

        var plan = await PlanAsync(database, query.ToQueryString());

        Assert.Contains(plan, step => step.Contains("IX_Executions_ScheduleId_Status", StringComparison.Ordinal));
    }

    /// <summary>
    /// EXPLAIN QUERY PLAN of SQL as EF's <c>ToQueryString</c> writes it for SQLite: its <c>.param set</c> lines become the
    /// command's parameters.
    /// </summary>
    private static async Task<List<string>> PlanAsync(SqliteTestDatabase database, string queryString)
    {
        await using var connection = new SqliteConnection(database.ConnectionString);
        await connection.OpenAsync(Ct);
        await using var command = connection.CreateCommand();
        var sql = new List<string>();
        foreach (var line in queryString.Split('\n'))
        {
            if (line.StartsWith(".param set ", StringComparison.Ordinal))
            {
                var rest = line[".param set ".Length..].TrimEnd('\r');
                var space = rest.IndexOf(' ');
                var value = rest[(space + 1)..];
                command.Parameters.AddWithValue(rest[..space], value.StartsWith('\'') ? value[1..^1].Replace("''", "'") : value);
            }
            else
            {
                sql.Add(line);
            }
        }
        command.CommandText = "EXPLAIN QUERY PLAN " + string.Join('\n', sql).Trim();
        var plan = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(Ct);
        while (await reader.ReadAsync(Ct))
        {
            plan.Add(reader.GetString(3));
        }
        Assert.NotEmpty(plan);
        return plan;
    }
}
