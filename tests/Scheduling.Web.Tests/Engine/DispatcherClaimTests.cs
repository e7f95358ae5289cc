using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Scheduling.Core.Scheduling;
using Scheduling.Web.Data;
using Scheduling.Web.Engine;
using Scheduling.Web.Features.Executions;
using Scheduling.Web.Features.Schedules;
using Scheduling.Web.Tests.Infrastructure;

namespace Scheduling.Web.Tests.Engine;

/// <summary>
/// How the dispatcher claims (decision 0039): a pass takes a batch of due schedules in one round trip of compare-and-sets,
/// and on PostgreSQL several nodes take disjoint batches, skipping the rows another node's claim holds.
/// </summary>
public class DispatcherClaimTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    // 2030-03-08 is a Friday, before the US DST change: 09:00 in New York is 14:00 UTC.
    private static readonly DateTime Due = new(2030, 3, 8, 14, 0, 0, DateTimeKind.Utc);

    private static readonly Dictionary<string, string?> NoLoops = new()
    {
        ["Execution:RunDispatcher"] = "false",
        ["Execution:RunServer"] = "false",
    };

    [Fact]
    public async Task OnPostgreSql_APassSkipsTheSchedulesAnotherNodeHolds_AndTakesTheRest()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(Due.AddSeconds(-2), TimeSpan.Zero));
        await using var app = await AppFactory.StartAsync(DatabaseProvider.PostgreSql, NoLoops, s => s.AddSingleton<TimeProvider>(clock));
        var client = await Session.RegisterAsync(app, "claims@example.com");
        var ids = await AddDueAsync(app, client, 10);
        var held = ids.Take(4).ToList();

        // Another node's claim in progress: its transaction holds four of the due rows.
        await using var other = ReliabilityTests.Open(app.Database);
        await using var otherClaim = await other.Database.BeginTransactionAsync(Ct);
        var locked = await other.Schedules.FromSql($"SELECT * FROM \"Schedules\" WHERE \"Id\" = ANY({held.ToArray()}) FOR UPDATE").IgnoreQueryFilters().CountAsync(Ct);
        Assert.Equal(4, locked);

        // Without skipping, this pass would wait for that transaction (and then find nothing left to claim).
        var first = await DispatchAsync(app).WaitAsync(TimeSpan.FromSeconds(20), Ct);
        Assert.Equal(6, first);
        var runs = await RunsAsync(app);
        Assert.Equal(ids.Except(held).Order(), runs.Keys.Order());

        await otherClaim.RollbackAsync(Ct);
        Assert.Equal(4, await DispatchAsync(app));
        runs = await RunsAsync(app);
        Assert.Equal(ids.Order(), runs.Keys.Order());
        Assert.All(runs.Values, count => Assert.Equal(1, count));
        Assert.Equal(0, await DispatchAsync(app));
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task OnePass_ClaimsManySchedulesAtOnce_AndLinksTheSeriesEpisodeAmongThem(DatabaseProvider provider)
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2030, 3, 5, 12, 0, 0, TimeSpan.Zero));
        await using var app = await AppFactory.StartAsync(provider, NoLoops, s => s.AddSingleton<TimeProvider>(clock));
        var client = await Session.RegisterAsync(app, "claims@example.com");
        var created = await client.PostAsJsonAsync("/api/v1/schedules/series", Series.SeriesApiTests.Daily(count: 3), Ct);
        Assert.True(created.IsSuccessStatusCode, await created.Content.ReadAsStringAsync(Ct));
        var series = await created.Content.ReadFromJsonAsync<JsonElement>(Ct);
        var seriesSchedule = series.GetProperty("scheduleId").GetGuid();
        var ones = await AddDueAsync(app, client, 5);

        clock.SetUtcNow(new DateTimeOffset(Due.AddSeconds(-2), TimeSpan.Zero));
        Assert.Equal(6, await DispatchAsync(app));

        await using var db = ReliabilityTests.Open(app.Database);
        var runs = await db.Executions.IgnoreQueryFilters().AsNoTracking().ToListAsync(Ct);
        Assert.Equal(6, runs.Count);
        Assert.All(runs, r => Assert.Equal((Due, ExecutionStatus.Pending), (r.ScheduledFor, r.Status)));
        var episodeRun = Assert.Single(runs, r => r.ScheduleId == seriesSchedule);
        var episode = await db.SeriesEpisodes.IgnoreQueryFilters().AsNoTracking().SingleAsync(e => e.Number == 1, Ct);
        Assert.Equal(episodeRun.Id, episode.ExecutionId);
        Assert.Equal(episode.Title, episodeRun.Title);

        var schedules = await db.Schedules.IgnoreQueryFilters().AsNoTracking().ToDictionaryAsync(s => s.Id, Ct);
        Assert.All(ones, id => Assert.Equal((ScheduleStatus.Completed, (DateTime?)null, 1, (DateTime?)Due),
            (schedules[id].Status, schedules[id].NextRunAt, schedules[id].RunCount, schedules[id].LastRunAt)));
        Assert.Equal((ScheduleStatus.Active, (DateTime?)Due.AddDays(1), 1), (schedules[seriesSchedule].Status, schedules[seriesSchedule].NextRunAt, schedules[seriesSchedule].RunCount));
    }

    private static async Task<int> DispatchAsync(AppFactory app)
    {
        using var scope = app.Services.CreateScope();
        return await scope.ServiceProvider.GetRequiredService<Dispatcher>().DispatchDueAsync(Ct);
    }

    private static async Task<Dictionary<Guid, int>> RunsAsync(AppFactory app)
    {
        await using var db = ReliabilityTests.Open(app.Database);
        return await db.Executions.IgnoreQueryFilters().AsNoTracking().GroupBy(e => e.ScheduleId).ToDictionaryAsync(g => g.Key, g => g.Count(), Ct);
    }

    /// <summary>One-time schedules of the caller's workspace due at <see cref="Due"/>, written straight to the database.</summary>
    private static async Task<List<Guid>> AddDueAsync(AppFactory app, HttpClient client, int count)
    {
        var workspaceId = (await client.GetFromJsonAsync<JsonElement>("/api/v1/me", Ct)).GetProperty("currentWorkspaceId").GetGuid();
        await using var db = ReliabilityTests.Open(app.Database);
        return await BurstSchedules.AddAtAsync(db, workspaceId, count, Due);
    }
}

/// <summary>
/// The locking clause each server gets on the dispatcher's and the ledger's queries as EF writes them (SQL Server cannot run here: its text is
/// checked instead, so a change in EF's SQL that the rewrite no longer matches shows).
/// </summary>
public class RowLocksTests
{
    private static string Rewritten(DatabaseProvider provider, System.Data.Common.DbCommand command, bool ledger = false)
    {
        using var db = provider == DatabaseProvider.SqlServer
            ? (AppDbContext)new SqlServerAppDbContext(DesignTime.Options(provider), new Features.Workspaces.WorkspaceContext())
            : new PostgreSqlAppDbContext(DesignTime.Options(provider), new Features.Workspaces.WorkspaceContext());
        var (query, tag) = ledger
            ? (ExecutionLedger.LockedTallies(db, [Guid.NewGuid(), Guid.NewGuid()]).ToQueryString(), RowLocks.Wait)
            : (Dispatcher.DueSchedules(db, DateTime.UtcNow, 200).TagWith(RowLocks.SkipLocked).Select(s => s.Id).ToQueryString(), RowLocks.SkipLocked);
        // ToQueryString puts the parameters' declarations first; the command EF runs starts with the tag.
        command.CommandText = query[query.IndexOf("-- " + tag, StringComparison.Ordinal)..];
        RowLocks.Instance.ReaderExecuting(command, null!, default);
        return command.CommandText;
    }

    [Fact]
    public void TheLedger_LocksItsWorkspacesTallies_WaitingForHeldOnes_InOneOrder()
    {
        var sqlServer = Rewritten(DatabaseProvider.SqlServer, new Microsoft.Data.SqlClient.SqlCommand(), ledger: true);
        Assert.Contains("FROM [WorkspaceStartTallies] AS [w] WITH (UPDLOCK, ROWLOCK)", sqlServer, StringComparison.Ordinal);
        Assert.DoesNotContain("READPAST", sqlServer, StringComparison.Ordinal);
        Assert.Contains("ORDER BY [w].[WorkspaceId]", sqlServer, StringComparison.Ordinal);

        var postgres = Rewritten(DatabaseProvider.PostgreSql, new Npgsql.NpgsqlCommand(), ledger: true).Replace("\r", "", StringComparison.Ordinal);
        Assert.EndsWith("ORDER BY w.\"WorkspaceId\"\nFOR UPDATE", postgres, StringComparison.Ordinal);
    }

    [Fact]
    public void SqlServer_LocksTheSchedulesRowsOnly_SkippingHeldOnes()
    {
        var text = Rewritten(DatabaseProvider.SqlServer, new Microsoft.Data.SqlClient.SqlCommand());
        Assert.Contains("FROM [Schedules] AS [s] WITH (UPDLOCK, READPAST, ROWLOCK)", text, StringComparison.Ordinal);
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(text, "READPAST"));
        Assert.Contains("TOP(", text, StringComparison.Ordinal);
    }

    [Fact]
    public void PostgreSql_LocksTheReturnedRows_SkippingHeldOnes()
    {
        var text = Rewritten(DatabaseProvider.PostgreSql, new Npgsql.NpgsqlCommand());
        Assert.EndsWith("LIMIT @p\nFOR UPDATE SKIP LOCKED", text.Replace("\r", "", StringComparison.Ordinal), StringComparison.Ordinal);
    }

    [Fact]
    public void AnUntaggedQuery_IsLeftAsWritten()
    {
        using var command = new Npgsql.NpgsqlCommand("SELECT 1");
        RowLocks.Instance.ReaderExecuting(command, null!, default);
        Assert.Equal("SELECT 1", command.CommandText);
    }
}
