using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Scheduling.Core.Scheduling;
using Scheduling.Web.Data;
using Scheduling.Web.Engine;
using Scheduling.Web.Features.Executions;
using Scheduling.Web.Features.Workspaces;
using Scheduling.Web.Tests.Infrastructure;
using static Scheduling.Web.Tests.Calendar.CalendarScenario;

namespace Scheduling.Web.Tests.Calendar;

/// <summary>
/// One-occurrence edits (skip, move, restore) and "this and following" (split) through the API, on SQLite and
/// PostgreSQL: the calendar, /next and the dispatcher honour them, across New York's spring-forward week.
/// </summary>
public class OccurrenceEditTests
{
    private static readonly DateTimeOffset March2030 = new(2030, 3, 1, 0, 0, 0, TimeSpan.Zero);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<(HttpStatusCode Status, JsonElement Body)> PostAsync(HttpClient client, string path, object body)
    {
        var response = await client.PostAsJsonAsync(path, body, Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);
        return (response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    private static async Task<JsonElement> OkAsync(HttpClient client, string path, object body)
    {
        var (status, json) = await PostAsync(client, path, body);
        Assert.True(status == HttpStatusCode.OK, $"{(int)status}: {json}");
        return json;
    }

    private static JsonElement Item(IEnumerable<JsonElement> items, Guid scheduleId, string scheduledFor) =>
        Assert.Single(items, i => i.GetProperty("scheduleId").GetGuid() == scheduleId && i.GetProperty("scheduledFor").GetString() == scheduledFor);

    private static async Task<List<string>> NextAsync(CalendarScenario s, Guid id, int count)
    {
        var next = await s.Client.GetFromJsonAsync<JsonElement>($"/api/v1/schedules/{id}/next?count={count}", Ct);
        return [.. next.GetProperty("occurrences").EnumerateArray().Select(o => o.GetProperty("utc").GetDateTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'"))];
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task SkipMoveRestore_AcrossNewYorksSpringForwardWeek_ShowInTheCalendarAndNext(DatabaseProvider provider)
    {
        await using var s = await StartAsync(provider, March2030);
        var show = await s.CreateAsync(Daily("NY show", "America/New_York", "02:30", "2030-03-01T00:00:00"));
        var path = $"/api/v1/schedules/{show.Id}/occurrences";

        // Saturday 9 March 02:30 EST is skipped; Monday 11 March 02:30 EDT moves to 10:00 the same day.
        var skipped = await OkAsync(s.Client, path + "/skip", new { occurrence = "2030-03-09T07:30:00Z" });
        Assert.Equal(show.Version + 1, skipped.GetProperty("version").GetInt32());
        var moveResponse = await s.Client.PostAsJsonAsync(path + "/move", new { occurrence = "2030-03-11T06:30:00Z", to = "2030-03-11T10:00" }, Ct);
        Assert.Equal(HttpStatusCode.OK, moveResponse.StatusCode);
        Assert.Equal($"\"{show.Version + 2}\"", moveResponse.Headers.ETag?.Tag);

        var week = Items(await s.CalendarAsync("startDate=2030-03-07&endDate=2030-03-13&timezone=America/New_York")).ToList();
        var skip = Item(week, show.Id, "2030-03-09T07:30:00Z");
        Assert.Equal(("skipped", "skipped"), (skip.GetProperty("kind").GetString(), skip.GetProperty("status").GetString()));
        var moved = Item(week, show.Id, "2030-03-11T14:00:00Z");
        Assert.Equal(("moved", "2030-03-11T06:30:00Z", "2030-03-11T10:00:00"),
            (moved.GetProperty("kind").GetString(), moved.GetProperty("originalScheduledFor").GetString(), moved.GetProperty("local").GetString()));
        Assert.DoesNotContain(week, i => i.GetProperty("scheduledFor").GetString() == "2030-03-11T06:30:00Z");
        // Sunday 10 March: 02:30 does not exist, it runs at 03:30 EDT and says so; no other day was shifted.
        var gap = Item(week, show.Id, "2030-03-10T07:30:00Z");
        Assert.Equal(("2030-03-10T03:30:00", true), (gap.GetProperty("local").GetString(), gap.GetProperty("dstShifted").GetBoolean()));
        Assert.Single(week, i => i.GetProperty("dstShifted").GetBoolean());

        var next = await NextAsync(s, show.Id, 12);
        Assert.Contains("2030-03-11T14:00:00Z", next);
        Assert.DoesNotContain("2030-03-09T07:30:00Z", next);
        Assert.DoesNotContain("2030-03-11T06:30:00Z", next);

        // Restore both: the planned times come back (the moved one named by its original or by its new time).
        await OkAsync(s.Client, path + "/restore", new { occurrence = "2030-03-09T07:30:00Z" });
        var restored = await OkAsync(s.Client, path + "/restore", new { occurrence = "2030-03-11T14:00:00Z" });
        Assert.Equal(show.Version + 4, restored.GetProperty("version").GetInt32());
        Assert.Empty(restored.GetProperty("recurrence").GetProperty("exdates").EnumerateArray());
        Assert.Empty(restored.GetProperty("recurrence").GetProperty("moves").EnumerateArray());
        week = Items(await s.CalendarAsync("startDate=2030-03-07&endDate=2030-03-13&timezone=America/New_York")).ToList();
        Assert.Equal("planned", Item(week, show.Id, "2030-03-09T07:30:00Z").GetProperty("kind").GetString());
        Assert.Equal("planned", Item(week, show.Id, "2030-03-11T06:30:00Z").GetProperty("kind").GetString());
        Assert.Equal(7, week.Count);
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task Dispatcher_RecordsASkippedOccurrenceAsSkipped_AndRunsAMovedOneOnceAtItsNewTime(DatabaseProvider provider)
    {
        await using var s = await StartAsync(provider, March2030);
        // Overlap allowed: whatever the job does meanwhile, no run is skipped for overlapping the one before.
        var show = await s.CreateAsync(new
        {
            name = "NY show",
            jobType = "video_generation",
            timezone = "America/New_York",
            overlapPolicy = "allow",
            recurrence = new { rrule = "FREQ=DAILY;BYHOUR=2;BYMINUTE=30", start = "2030-03-08T00:00:00" },
        });
        var path = $"/api/v1/schedules/{show.Id}/occurrences";
        await OkAsync(s.Client, path + "/skip", new { occurrence = "2030-03-09T07:30:00Z" });
        await OkAsync(s.Client, path + "/move", new { occurrence = "2030-03-11T06:30:00Z", to = "2030-03-11T10:00:00" });

        // The dispatcher passes at each time the schedule (or a moved or skipped occurrence) falls due, and once at the old time of the moved one.
        foreach (var at in new[] { "2030-03-08T07:30:00Z", "2030-03-09T07:30:00Z", "2030-03-10T07:30:00Z", "2030-03-11T06:30:00Z", "2030-03-11T14:00:00Z" })
        {
            s.Clock.SetUtcNow(new DateTimeOffset(Utc(at), TimeSpan.Zero));
            using var scope = s.App.Services.CreateScope();
            await scope.ServiceProvider.GetRequiredService<Dispatcher>().DispatchDueAsync(Ct);
        }

        await using var db = await s.NewDbContextAsync();
        var runs = await db.Executions.IgnoreQueryFilters().Where(e => e.ScheduleId == show.Id).OrderBy(e => e.ScheduledFor).ToListAsync(Ct);
        Assert.Equal([Utc("2030-03-08T07:30:00Z"), Utc("2030-03-09T07:30:00Z"), Utc("2030-03-10T07:30:00Z"), Utc("2030-03-11T14:00:00Z")], runs.Select(r => r.ScheduledFor));
        var skip = runs[1];
        Assert.Equal((ExecutionStatus.Skipped, MissedRunPlanner.SkippedByHandReason), (skip.Status, skip.Reason));
        Assert.All(runs.Where(r => r != skip), r => Assert.NotEqual(ExecutionStatus.Skipped, r.Status));
        var schedule = await db.Schedules.IgnoreQueryFilters().SingleAsync(x => x.Id == show.Id, Ct);
        Assert.Equal(3, schedule.RunCount);
        Assert.Equal(Utc("2030-03-12T06:30:00Z"), schedule.NextRunAt);

        // The calendar shows the recorded skip as a skipped execution and the moved run where it ran.
        var week = Items(await s.CalendarAsync("startDate=2030-03-08&endDate=2030-03-11&timezone=America/New_York")).ToList();
        Assert.Equal("skipped", Item(week, show.Id, "2030-03-09T07:30:00Z").GetProperty("status").GetString());
        Assert.Equal(runs[3].Id, Item(week, show.Id, "2030-03-11T14:00:00Z").GetProperty("executionId").GetGuid());
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task Errors_UnknownIs404_PastIs400_OntoAnotherRunIs409_AManagerIs403(DatabaseProvider provider)
    {
        await using var s = await StartAsync(provider, March2030);
        var show = await s.CreateAsync(Daily("Paris show", "Europe/Paris", "09:00", "2030-02-25T00:00:00"));
        var path = $"/api/v1/schedules/{show.Id}/occurrences";

        Assert.Equal(HttpStatusCode.NotFound, (await PostAsync(s.Client, path + "/skip", new { occurrence = "2030-03-05T08:30:00Z" })).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await PostAsync(s.Client, $"/api/v1/schedules/{Guid.NewGuid()}/occurrences/skip", new { occurrence = "2030-03-05T08:00:00Z" })).Status);

        var (status, problem) = await PostAsync(s.Client, path + "/skip", new { occurrence = "2030-02-27T08:00:00Z" });
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.True(problem.GetProperty("errors").TryGetProperty("occurrence", out _), problem.ToString());
        (status, problem) = await PostAsync(s.Client, path + "/restore", new { occurrence = "2030-02-27T08:00:00Z" });
        Assert.Equal(HttpStatusCode.BadRequest, status);
        (status, problem) = await PostAsync(s.Client, path + "/move", new { occurrence = "2030-03-05T08:00:00Z", to = "2030-02-28T12:00" });
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.True(problem.GetProperty("errors").TryGetProperty("to", out _), problem.ToString());
        (status, problem) = await PostAsync(s.Client, path + "/move", new { occurrence = "2030-03-05T08:00:00Z", to = "not a time" });
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.True(problem.GetProperty("errors").TryGetProperty("to", out _), problem.ToString());
        (status, problem) = await PostAsync(s.Client, path + "/skip", new { occurrence = "2030-03-05 08:00" });
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.True(problem.GetProperty("errors").TryGetProperty("occurrence", out _), problem.ToString());

        // Onto Wednesday's own 09:00: the rule already runs then, and the answer says when.
        (status, problem) = await PostAsync(s.Client, path + "/move", new { occurrence = "2030-03-05T08:00:00Z", to = "2030-03-06T09:00" });
        Assert.Equal(HttpStatusCode.Conflict, status);
        Assert.Contains("2030-03-06T09:00:00", problem.GetProperty("detail").GetString());

        using var other = await Session.RegisterAsync(s.App, "manager@example.com");
        await using (var db = await s.NewDbContextAsync())
        {
            var manager = await db.Users.SingleAsync(u => u.Email == "manager@example.com", Ct);
            db.WorkspaceMembers.Add(new WorkspaceMember { Id = Guid.NewGuid(), WorkspaceId = show.WorkspaceId, UserId = manager.Id, Role = WorkspaceRole.Manager, JoinedAt = DateTime.UtcNow });
            manager.CurrentWorkspaceId = show.WorkspaceId;
            await db.SaveChangesAsync(Ct);
        }
        Assert.Equal(HttpStatusCode.Forbidden, (await PostAsync(other, path + "/skip", new { occurrence = "2030-03-05T08:00:00Z" })).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await PostAsync(other, $"/api/v1/schedules/{show.Id}/split", new { from = "2030-03-05T08:00:00Z", schedule = Daily("x", "Europe/Paris", "10:00", "2030-03-05T00:00:00") })).Status);
        await using (var db = await s.NewDbContextAsync())
        {
            var unchanged = await db.Schedules.IgnoreQueryFilters().Include(x => x.Exceptions).SingleAsync(x => x.Id == show.Id, Ct);
            Assert.Equal((show.Version, 0), (unchanged.Version, unchanged.Exceptions.Count));
        }
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task Split_EndsTheScheduleBeforeTheOccurrence_AndStartsTheNewOneThere_Linked(DatabaseProvider provider)
    {
        await using var s = await StartAsync(provider, March2030);
        var show = await s.CreateAsync(new
        {
            name = "Paris show",
            jobType = "video_generation",
            timezone = "Europe/Paris",
            recurrence = new { rrule = "FREQ=DAILY;COUNT=60;BYHOUR=9;BYMINUTE=0", start = "2030-03-01T00:00:00" },
        });
        var ran = await s.RecordRunAsync(show, "2030-03-01T08:00:00Z", ExecutionStatus.Completed);

        // From Tuesday 5 March on, the show is at 10:00 instead of 09:00.
        var response = await s.Client.PostAsJsonAsync($"/api/v1/schedules/{show.Id}/split",
            new { from = "2030-03-05T08:00:00Z", schedule = new { name = "Paris show at ten", jobType = "video_generation", timezone = "Europe/Paris", recurrence = new { rrule = "FREQ=DAILY;BYHOUR=10;BYMINUTE=0" } } }, Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.Created, text);
        var split = JsonDocument.Parse(text).RootElement;
        var ended = split.GetProperty("ended");
        var started = split.GetProperty("started");
        var startedId = started.GetProperty("id").GetGuid();
        Assert.Equal(($"/api/v1/schedules/{startedId}"), response.Headers.Location?.OriginalString);
        Assert.Equal((startedId, show.Id), (ended.GetProperty("splitIntoId").GetGuid(), started.GetProperty("splitFromId").GetGuid()));
        Assert.Equal(show.Version + 1, ended.GetProperty("version").GetInt32());
        Assert.DoesNotContain("COUNT", ended.GetProperty("recurrence").GetProperty("rrule").GetString());
        Assert.Contains("UNTIL=20300305T075959Z", ended.GetProperty("recurrence").GetProperty("rrule").GetString());
        // The new rule starts at the occurrence's wall time (09:00); its first run is at 10:00 that day.
        Assert.Equal("2030-03-05T09:00:00", started.GetProperty("recurrence").GetProperty("start").GetString());

        Assert.Equal(["2030-03-01T08:00:00Z", "2030-03-02T08:00:00Z", "2030-03-03T08:00:00Z", "2030-03-04T08:00:00Z"], await NextAsync(s, show.Id, 10));
        Assert.Equal("2030-03-05T09:00:00Z", (await NextAsync(s, startedId, 1)).Single());
        var days = Items(await s.CalendarAsync("startDate=2030-03-01&endDate=2030-03-07&timezone=Europe/Paris")).ToList();
        Assert.Equal(ran, Item(days, show.Id, "2030-03-01T08:00:00Z").GetProperty("executionId").GetGuid());
        Assert.Equal(4, days.Count(i => i.GetProperty("scheduleId").GetGuid() == show.Id));
        Assert.Equal(["2030-03-05T09:00:00Z", "2030-03-06T09:00:00Z", "2030-03-07T09:00:00Z"],
            days.Where(i => i.GetProperty("scheduleId").GetGuid() == startedId).Select(i => i.GetProperty("scheduledFor").GetString()));

        // Not an occurrence of the rule: 404; already split: 409.
        var again = new { from = "2030-03-06T08:00:00Z", schedule = Daily("Again", "Europe/Paris", "11:00", "2030-03-06T00:00:00") };
        Assert.Equal(HttpStatusCode.NotFound, (await PostAsync(s.Client, $"/api/v1/schedules/{startedId}/split", new { from = "2030-03-06T08:00:00Z", schedule = again.schedule })).Status);
        Assert.Equal(HttpStatusCode.Conflict, (await PostAsync(s.Client, $"/api/v1/schedules/{show.Id}/split", new { from = "2030-03-03T08:00:00Z", schedule = again.schedule })).Status);
    }
}
