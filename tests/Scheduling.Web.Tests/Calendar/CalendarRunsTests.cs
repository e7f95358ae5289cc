using System.Text;
using Microsoft.EntityFrameworkCore;
using Scheduling.Web.Data;
using Scheduling.Web.Features.Calendar;
using Scheduling.Web.Features.Executions;
using Scheduling.Web.Tests.Infrastructure;
using static Scheduling.Web.Tests.Calendar.CalendarScenario;

namespace Scheduling.Web.Tests.Calendar;

/// <summary>The calendar's read of the runs in a range (by hand on SQLite, EF Core elsewhere) answers what EF Core reads.</summary>
public class CalendarRunsTests
{
    private static readonly DateTimeOffset March2030 = new(2030, 3, 1, 0, 0, 0, TimeSpan.Zero);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task Read_IsWhatEfCoreReads_RangeEndsWorkspaceStatusesFractionsTitles(DatabaseProvider provider)
    {
        await using var s = await StartAsync(provider, March2030);
        var mine = await s.CreateAsync(Daily("Mine", "Europe/Paris", "09:00", "2030-03-01T00:00:00"));
        using var outsider = await Session.RegisterAsync(s.App, "outsider@example.com");
        var theirs = await s.CreateAsync(Daily("Theirs", "UTC", "09:00", "2030-03-01T00:00:00"), outsider);

        var from = Utc("2030-03-02T00:00:00Z");
        var to = Utc("2030-03-09T00:00:00Z");
        await s.RecordRunAsync(mine, "2030-03-01T23:59:59Z", ExecutionStatus.Completed); // before the range
        var atStart = await s.RecordRunAsync(mine, "2030-03-02T00:00:00Z", ExecutionStatus.Completed);
        var statuses = new List<Guid>();
        foreach (var (status, day) in Enum.GetValues<ExecutionStatus>().Select((status, i) => (status, i + 3)))
        {
            statuses.Add(await s.RecordRunAsync(mine, $"2030-03-0{day}T08:00:00Z", status));
        }
        var manual = await s.RecordManualRunAsync(mine, "2030-03-05T10:11:12.123456Z", ExecutionStatus.Running);
        var halfSecond = await s.RecordManualRunAsync(mine, "2030-03-05T10:11:13.5Z", ExecutionStatus.Pending);
        await s.RecordRunAsync(mine, "2030-03-09T00:00:00Z", ExecutionStatus.Pending); // the end is excluded
        await s.RecordRunAsync(theirs, "2030-03-04T09:00:00Z", ExecutionStatus.Completed); // another workspace
        await using (var db = await s.NewDbContextAsync())
        {
            var run = await db.Executions.IgnoreQueryFilters().SingleAsync(e => e.Id == manual, Ct);
            run.Title = "Épisode 7 · ünïcode ✓";
            await db.SaveChangesAsync(Ct);
        }

        await using var read = await s.NewDbContextAsync();
        var expected = await read.Executions.IgnoreQueryFilters().AsNoTracking()
            .Where(e => e.WorkspaceId == mine.WorkspaceId && e.ScheduledFor >= from && e.ScheduledFor < to)
            .Select(e => new CalendarRunRow(e.Id, e.ScheduleId, e.ScheduledFor, e.IsManual, e.Status, e.Title))
            .ToListAsync(Ct);
        var withTitles = await CalendarRuns.ReadAsync(read, mine.WorkspaceId, from, to, CalendarRunColumns.ItemsWithTitles, Ct);
        var withoutTitles = await CalendarRuns.ReadAsync(read, mine.WorkspaceId, from, to, CalendarRunColumns.Items, Ct);
        var counting = await CalendarRuns.ReadAsync(read, mine.WorkspaceId, from, to, CalendarRunColumns.Counting, Ct);

        Assert.Equal(new[] { atStart, manual, halfSecond }.Concat(statuses).Order(), expected.Select(r => r.Id).Order());
        Assert.Equal(expected.OrderBy(r => r.Id), withTitles.OrderBy(r => r.Id));
        Assert.Equal(expected.Select(r => r with { Title = null }).OrderBy(r => r.Id), withoutTitles.OrderBy(r => r.Id));
        Assert.Equal(expected.Select(r => (r.ScheduleId, r.ScheduledFor, r.IsManual)).Order(), counting.Select(r => (r.ScheduleId, r.ScheduledFor, r.IsManual)).Order());
        Assert.All(counting, r => Assert.Equal((Guid.Empty, null), (r.Id, r.Title)));
        Assert.All(withTitles.Concat(counting), r => Assert.Equal(DateTimeKind.Utc, r.ScheduledFor.Kind));
        Assert.Equal(Utc("2030-03-05T10:11:12.123456Z"), withTitles.Single(r => r.Id == manual).ScheduledFor);
        Assert.Equal("Épisode 7 · ünïcode ✓", withTitles.Single(r => r.Id == manual).Title);
    }

    [Theory]
    [InlineData("2030-03-05 10:11:12", "2030-03-05T10:11:12.0000000Z")]
    [InlineData("2030-03-05 10:11:12.5", "2030-03-05T10:11:12.5000000Z")]
    [InlineData("2030-03-05 10:11:12.1234567", "2030-03-05T10:11:12.1234567Z")]
    [InlineData("2030-03-05T10:11:12.01", "2030-03-05T10:11:12.0100000Z")]
    [InlineData("2028-02-29 23:59:59.9999999", "2028-02-29T23:59:59.9999999Z")]
    [InlineData("2030-03-05 10:11:12+02:00", "2030-03-05T08:11:12.0000000Z")] // another shape: the general parser
    [InlineData("2030-03-05", "2030-03-05T00:00:00.0000000Z")]
    public void ParseDateTime_ReadsEfCoreTextAndFallsBackForOtherShapes(string stored, string expected)
    {
        var parsed = CalendarRuns.ParseDateTime(Encoding.UTF8.GetBytes(stored));

        Assert.Equal(DateTimeKind.Utc, parsed.Kind);
        Assert.Equal(expected, parsed.ToString("O", System.Globalization.CultureInfo.InvariantCulture));
    }

    [Theory]
    [InlineData("2030-02-30 10:11:12")]
    [InlineData("2030-03-05 25:11:12")]
    [InlineData("not a date")]
    public void ParseDateTime_RejectsWhatIsNoInstant(string stored) =>
        Assert.Throws<FormatException>(() => CalendarRuns.ParseDateTime(Encoding.UTF8.GetBytes(stored)));

    [Fact]
    public void ParseGuid_ReadsTextInEitherCaseAndSixteenByteBlobs()
    {
        var id = Guid.NewGuid();

        Assert.Equal(id, CalendarRuns.ParseGuid(Encoding.UTF8.GetBytes(id.ToString("D").ToUpperInvariant())));
        Assert.Equal(id, CalendarRuns.ParseGuid(Encoding.UTF8.GetBytes(id.ToString("D"))));
        Assert.Equal(id, CalendarRuns.ParseGuid(id.ToByteArray()));
        Assert.Throws<FormatException>(() => CalendarRuns.ParseGuid(Encoding.UTF8.GetBytes(id.ToString("D")[..30])));
    }
}
