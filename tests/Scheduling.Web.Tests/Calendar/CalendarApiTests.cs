using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using NodaTime;
using Scheduling.Core.Recurrence;
using Scheduling.Web.Data;
using Scheduling.Web.Features.Executions;
using Scheduling.Web.Features.Schedules;
using Scheduling.Web.Features.Workspaces;
using Scheduling.Web.Tests.Infrastructure;
using static Scheduling.Web.Tests.Calendar.CalendarScenario;

namespace Scheduling.Web.Tests.Calendar;

/// <summary>GET /api/v1/schedules/calendar against the engine's own expansion, on SQLite and PostgreSQL.</summary>
public class CalendarApiTests
{
    private static readonly DateTimeOffset March2030 = new(2030, 3, 1, 0, 0, 0, TimeSpan.Zero);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>What the dispatcher will claim: the rule from the schedule's next run on, in [start, end).</summary>
    private static IEnumerable<(Guid, DateTime)> EngineOccurrences(Schedule schedule, DateTime start, DateTime end) =>
        ScheduleTiming.FromSchedule(schedule).Set!
            .OccurrencesAfter(Instant.FromDateTimeUtc(schedule.NextRunAt!.Value), inclusive: true)
            .Select(o => o.Instant.ToDateTimeUtc())
            .SkipWhile(t => t < start)
            .TakeWhile(t => t < end)
            .Select(t => (schedule.Id, t));

    private static (DateTime Start, DateTime End) Window(string zoneId, int year, int month, int firstDay, int lastDay)
    {
        var zone = DateTimeZoneProviders.Tzdb[zoneId];
        return (zone.AtStartOfDay(new LocalDate(year, month, firstDay)).ToDateTimeUtc(), zone.AtStartOfDay(new LocalDate(year, month, lastDay).PlusDays(1)).ToDateTimeUtc());
    }

    private static JsonElement Single(IEnumerable<JsonElement> items, Guid scheduleId, string scheduledFor) =>
        Assert.Single(items, i => i.GetProperty("scheduleId").GetGuid() == scheduleId && i.GetProperty("scheduledFor").GetString() == scheduledFor);

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task DstWeeks_NewYorkAndSydney_AreTheEngineExpansionMergedWithRecordedRuns(DatabaseProvider provider)
    {
        await using var s = await StartAsync(provider, March2030);
        var ny = await s.CreateAsync(Daily("NY show", "America/New_York", "02:30", "2030-03-01T00:00:00", titleTemplate: "Show {date} #{run}"));
        var sydney = await s.CreateAsync(Daily("Sydney show", "Australia/Sydney", "02:30", "2030-03-01T00:00:00", jobType: "export"));
        var completed = await s.RecordRunAsync(ny, "2030-03-08T07:30:00Z", ExecutionStatus.Completed);
        var failed = await s.RecordRunAsync(ny, "2030-03-11T06:30:00Z", ExecutionStatus.Failed);
        var manual = await s.RecordManualRunAsync(ny, "2030-03-09T15:00:00Z", ExecutionStatus.Completed);
        var sydneyRun = await s.RecordRunAsync(sydney, "2030-04-06T15:30:00Z", ExecutionStatus.Completed);

        // New York springs forward on Sunday 10 March 2030.
        var week = await s.CalendarAsync("startDate=2030-03-07&endDate=2030-03-13&timezone=America/New_York&groupBy=week");
        var items = Items(week).ToList();
        var (start, end) = Window("America/New_York", 2030, 3, 7, 13);
        var expected = EngineOccurrences(ny, start, end).Concat(EngineOccurrences(sydney, start, end)).Append((ny.Id, Utc("2030-03-09T15:00:00Z")));
        Assert.Equal(expected.Order(), items.Select(i => (i.GetProperty("scheduleId").GetGuid(), Utc(i.GetProperty("scheduledFor").GetString()!))).Order());
        Assert.Equal(["2030-03-07", "2030-03-08", "2030-03-09", "2030-03-10", "2030-03-11", "2030-03-12", "2030-03-13"],
            week.GetProperty("days").EnumerateArray().Select(d => d.GetProperty("date").GetString()));
        Assert.Equal(items.Count, week.GetProperty("totalExecutions").GetInt32());
        Assert.Equal("America/New_York", week.GetProperty("timezone").GetString());

        var gap = Single(items, ny.Id, "2030-03-10T07:30:00Z");
        Assert.Equal(("2030-03-10T03:30:00", "planned", "planned", "Show 2030-03-10 #10", "video_generation"),
            (gap.GetProperty("local").GetString(), gap.GetProperty("kind").GetString(), gap.GetProperty("status").GetString(), gap.GetProperty("title").GetString(), gap.GetProperty("jobType").GetString()));
        Assert.Equal(JsonValueKind.Null, gap.GetProperty("executionId").ValueKind);
        var ran = Single(items, ny.Id, "2030-03-08T07:30:00Z");
        Assert.Equal(("executed", "completed", completed, "2030-03-08T02:30:00"),
            (ran.GetProperty("kind").GetString(), ran.GetProperty("status").GetString(), ran.GetProperty("executionId").GetGuid(), ran.GetProperty("local").GetString()));
        var afterGap = Single(items, ny.Id, "2030-03-11T06:30:00Z");
        Assert.Equal(("executed", "failed", failed, "2030-03-11T02:30:00"),
            (afterGap.GetProperty("kind").GetString(), afterGap.GetProperty("status").GetString(), afterGap.GetProperty("executionId").GetGuid(), afterGap.GetProperty("local").GetString()));
        var runNow = Single(items, ny.Id, "2030-03-09T15:00:00Z");
        Assert.Equal(("executed", manual, "2030-03-09T10:00:00"), (runNow.GetProperty("kind").GetString(), runNow.GetProperty("executionId").GetGuid(), runNow.GetProperty("local").GetString()));
        var march9 = week.GetProperty("days")[2];
        Assert.Equal(march9.GetProperty("executions").GetArrayLength(), march9.GetProperty("totalCount").GetInt32());

        // Sydney falls back on Sunday 7 April 2030: 02:30 happens twice and runs once, at the earlier (AEDT).
        var autumn = await s.CalendarAsync("startDate=2030-04-04&endDate=2030-04-10&timezone=Australia/Sydney");
        var autumnItems = Items(autumn).ToList();
        (start, end) = Window("Australia/Sydney", 2030, 4, 4, 10);
        Assert.Equal(EngineOccurrences(ny, start, end).Concat(EngineOccurrences(sydney, start, end)).Order(),
            autumnItems.Select(i => (i.GetProperty("scheduleId").GetGuid(), Utc(i.GetProperty("scheduledFor").GetString()!))).Order());
        var ambiguous = Single(autumnItems, sydney.Id, "2030-04-06T15:30:00Z");
        Assert.Equal(("2030-04-07T02:30:00", "executed", sydneyRun), (ambiguous.GetProperty("local").GetString(), ambiguous.GetProperty("kind").GetString(), ambiguous.GetProperty("executionId").GetGuid()));
        Assert.Equal("2030-04-08T02:30:00", Single(autumnItems, sydney.Id, "2030-04-07T16:30:00Z").GetProperty("local").GetString());
        Assert.All(autumn.GetProperty("days").EnumerateArray(), day =>
            Assert.Single(day.GetProperty("executions").EnumerateArray(), i => i.GetProperty("scheduleId").GetGuid() == sydney.Id));

        // Sydney springs forward on Sunday 6 October 2030: 02:30 does not exist and runs at 03:30 AEDT.
        var spring = Items(await s.CalendarAsync("startDate=2030-10-05&endDate=2030-10-07&timezone=Australia/Sydney")).ToList();
        (start, end) = Window("Australia/Sydney", 2030, 10, 5, 7);
        Assert.Equal(EngineOccurrences(sydney, start, end).Select(o => o.Item2), spring.Where(i => i.GetProperty("scheduleId").GetGuid() == sydney.Id).Select(i => Utc(i.GetProperty("scheduledFor").GetString()!)));
        Assert.Equal("2030-10-06T03:30:00", Single(spring, sydney.Id, "2030-10-05T16:30:00Z").GetProperty("local").GetString());
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task GroupBy_MonthCountsEveryDayWithoutItems_WeekListsThemLikeDay(DatabaseProvider provider)
    {
        await using var s = await StartAsync(provider, March2030);
        var ny = await s.CreateAsync(Daily("NY show", "America/New_York", "09:00", "2030-03-05T00:00:00", exdates: ["2030-03-12T09:00:00"]));
        await s.CreateAsync(new { name = "Weekly", jobType = "publish", timezone = "Europe/Paris", recurrence = new { rrule = "FREQ=WEEKLY;BYDAY=MO,FR;BYHOUR=18;BYMINUTE=0", start = "2030-03-01T00:00:00" } });
        await s.RecordRunAsync(ny, "2030-03-06T14:00:00Z", ExecutionStatus.Completed);

        const string range = "startDate=2030-03-01&endDate=2030-03-31&timezone=America/New_York";
        var day = await s.CalendarAsync(range + "&groupBy=day");
        var week = await s.CalendarAsync(range + "&groupBy=week");
        var month = await s.CalendarAsync(range + "&groupBy=month");

        Assert.Equal(31, month.GetProperty("days").GetArrayLength());
        Assert.All(month.GetProperty("days").EnumerateArray(), d => Assert.False(d.TryGetProperty("executions", out _)));
        Assert.Equal(day.GetProperty("days").EnumerateArray().Select(d => d.GetProperty("totalCount").GetInt32()),
            month.GetProperty("days").EnumerateArray().Select(d => d.GetProperty("totalCount").GetInt32()));
        Assert.Equal(day.GetProperty("totalExecutions").GetInt32(), month.GetProperty("totalExecutions").GetInt32());
        Assert.Equal(day.GetRawText(), week.GetRawText());
        // Days without anything are present with 0 (a month grid needs every cell).
        Assert.Equal(1, month.GetProperty("days")[0].GetProperty("totalCount").GetInt32()); // 1 March: the Friday run only
        Assert.Equal(0, month.GetProperty("days")[1].GetProperty("totalCount").GetInt32());
        // 27 daily runs from 5 March (one skipped, still shown as skipped) + 9 Mondays and Fridays.
        Assert.Equal(27 + 9, day.GetProperty("totalExecutions").GetInt32());
        var skipped = Single(Items(day), ny.Id, "2030-03-12T13:00:00Z");
        Assert.Equal(("skipped", "skipped"), (skipped.GetProperty("kind").GetString(), skipped.GetProperty("status").GetString()));
    }

    public static TheoryData<string, string> BadQueries => new()
    {
        { "endDate=2030-03-31", "startDate" },
        { "startDate=2030-02-30&endDate=2030-03-31", "startDate" },
        { "startDate=2030-03-01&endDate=tomorrow", "endDate" },
        { "startDate=2030-03-10&endDate=2030-03-09", "endDate" },
        { "startDate=2030-01-01&endDate=2031-01-02", "endDate" },
        { "startDate=2030-03-01&endDate=2030-03-31&timezone=Mars/Olympus", "timezone" },
        { "startDate=2030-03-01&endDate=2030-03-31&groupBy=year", "groupBy" },
        { "startDate=2030-03-01&endDate=2030-03-31&jobType=podcast", "jobType" },
        { "startDate=2030-03-01&endDate=2030-03-31&status=done", "status" },
        { "startDate=2030-03-01&endDate=2030-03-31&priority=9", "priority" },
        { "startDate=2030-03-01&endDate=2030-03-31&includeCompleted=maybe", "includeCompleted" },
        { "startDate=9999-12-31&endDate=9999-12-31", "startDate" },
    };

    [Theory]
    [MemberData(nameof(BadQueries))]
    public async Task BadInput_Returns400ProblemNamingTheField(string query, string field)
    {
        await using var s = await StartAsync(DatabaseProvider.Sqlite, March2030);

        var response = await s.Client.GetAsync("/api/v1/schedules/calendar?" + query, Ct);

        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{(int)response.StatusCode}: {text}");
        Assert.StartsWith("application/problem+json", response.Content.Headers.ContentType?.ToString(), StringComparison.Ordinal);
        Assert.True(JsonDocument.Parse(text).RootElement.GetProperty("errors").TryGetProperty(field, out _), $"no error for '{field}' in {text}");
    }

    [Fact]
    public async Task MaximumRange_366DaysInclusive_IsAccepted()
    {
        await using var s = await StartAsync(DatabaseProvider.Sqlite, March2030);
        await s.CreateAsync(Daily("Daily", "UTC", "12:00", "2030-03-01T00:00:00"));

        var year = await s.CalendarAsync("startDate=2030-03-01&endDate=2031-03-01&timezone=UTC&groupBy=month");

        Assert.Equal(366, year.GetProperty("days").GetArrayLength());
        Assert.Equal(366, year.GetProperty("totalExecutions").GetInt32());
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task Filters_JobTypeStatusPriority_AndCancelledSchedulesOnlyWhenAsked(DatabaseProvider provider)
    {
        await using var s = await StartAsync(provider, March2030);
        var video = await s.CreateAsync(Daily("Video", "UTC", "10:00", "2030-03-01T00:00:00"));
        var export = await s.CreateAsync(Daily("Export", "UTC", "11:00", "2030-03-01T00:00:00", jobType: "export"));
        await s.RecordRunAsync(export, "2030-03-02T11:00:00Z", ExecutionStatus.Completed);
        (await s.Client.PostAsync($"/api/v1/schedules/{export.Id}/cancel", null, Ct)).EnsureSuccessStatusCode();
        const string range = "startDate=2030-03-01&endDate=2030-03-03&timezone=UTC";

        async Task<string[]> Names(string filter) =>
            [.. Items(await s.CalendarAsync(range + filter)).Select(i => $"{i.GetProperty("scheduleName").GetString()} {i.GetProperty("scheduledFor").GetString()![..10]}")];

        // A cancelled schedule plans nothing more; what it ran stays in its history.
        Assert.Equal(["Video 2030-03-01", "Video 2030-03-02", "Video 2030-03-03"], await Names(""));
        Assert.Equal(["Video 2030-03-01", "Video 2030-03-02", "Export 2030-03-02", "Video 2030-03-03"], await Names("&includeCancelled=true"));
        Assert.Equal(["Export 2030-03-02"], await Names("&includeCancelled=true&jobType=export"));
        Assert.Equal(["Export 2030-03-02"], await Names("&status=cancelled"));
        Assert.Equal(3, (await Names("&status=active&priority=normal")).Length);
        Assert.Empty(await Names("&priority=urgent"));
        Assert.Empty(await Names("&includeCompleted=true&jobType=newsletter"));
        Assert.Equal(video.Id, Items(await s.CalendarAsync(range)).First().GetProperty("scheduleId").GetGuid());
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task Workspaces_AnotherWorkspaceSeesNothing_AManagerReads_TheProfileZoneIsTheDefault(DatabaseProvider provider)
    {
        await using var s = await StartAsync(provider, March2030);
        var schedule = await s.CreateAsync(Daily("Daily", "Europe/Paris", "09:00", "2030-03-01T00:00:00"));
        using var other = await Session.RegisterAsync(s.App, "outsider@example.com");
        const string range = "startDate=2030-03-01&endDate=2030-03-02";

        var outsider = await s.CalendarAsync(range, other);
        Assert.Equal(0, outsider.GetProperty("totalExecutions").GetInt32());
        Assert.Equal("UTC", outsider.GetProperty("timezone").GetString());

        (await s.Client.PutAsJsonAsync("/api/v1/me", new { timeZone = "Asia/Tokyo" }, Ct)).EnsureSuccessStatusCode();
        var mine = await s.CalendarAsync(range);
        Assert.Equal("Asia/Tokyo", mine.GetProperty("timezone").GetString());
        // 09:00 Paris (CET) = 08:00Z = 17:00 in Tokyo.
        Assert.Equal("2030-03-01T17:00:00", Items(mine).First().GetProperty("local").GetString());

        await using (var db = await s.NewDbContextAsync())
        {
            var manager = await db.Users.SingleAsync(u => u.Email == "outsider@example.com", Ct);
            db.WorkspaceMembers.Add(new WorkspaceMember { Id = Guid.NewGuid(), WorkspaceId = schedule.WorkspaceId, UserId = manager.Id, Role = WorkspaceRole.Manager, JoinedAt = DateTime.UtcNow });
            manager.CurrentWorkspaceId = schedule.WorkspaceId;
            await db.SaveChangesAsync(Ct);
        }
        var managerView = await s.CalendarAsync(range + "&timezone=Europe/Paris", other);
        Assert.Equal(2, managerView.GetProperty("totalExecutions").GetInt32());
        Assert.All(Items(managerView), i => Assert.Equal(schedule.Id, i.GetProperty("scheduleId").GetGuid()));
        // A feed is a read-only view: a Manager subscribes to the workspace's calendar too (and cannot edit it).
        var feed = await other.PostAsJsonAsync("/api/v1/calendar/feeds", new { name = "Manager's phone" }, Ct);
        Assert.Equal(HttpStatusCode.Created, feed.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await other.PostAsJsonAsync("/api/v1/schedules", Daily("Nope", "UTC", "09:00", "2030-03-01T00:00:00"), Ct)).StatusCode);
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task Moves_OfTheSchedule_ShowAsMovedWithTheirOriginalInstant(DatabaseProvider provider)
    {
        await using var s = await StartAsync(provider, March2030);
        var schedule = await s.CreateAsync(new
        {
            name = "Moved",
            jobType = "publish",
            timezone = "Europe/Paris",
            recurrence = new
            {
                rrule = "FREQ=DAILY;BYHOUR=9;BYMINUTE=0",
                start = "2030-03-01T00:00:00",
                moves = new[] { new { from = "2030-03-03T09:00:00", to = "2030-03-03T15:30:00" } },
            },
        });

        var items = Items(await s.CalendarAsync("startDate=2030-03-02&endDate=2030-03-04&timezone=Europe/Paris")).ToList();

        Assert.Equal(["planned", "moved", "planned"], items.Select(i => i.GetProperty("kind").GetString()));
        var moved = Single(items, schedule.Id, "2030-03-03T14:30:00Z");
        Assert.Equal(("2030-03-03T15:30:00", "2030-03-03T08:00:00Z", "planned"),
            (moved.GetProperty("local").GetString(), moved.GetProperty("originalScheduledFor").GetString(), moved.GetProperty("status").GetString()));
        Assert.Equal(JsonValueKind.Null, items[0].GetProperty("originalScheduledFor").ValueKind);
    }
}
