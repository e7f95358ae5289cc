using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Scheduling.Web.Data;
using Scheduling.Web.Tests.Calendar;
using Scheduling.Web.Tests.Infrastructure;
using static Scheduling.Web.Tests.Channels.ChannelApi;

namespace Scheduling.Web.Tests.Series;

/// <summary>
/// A series' underlying schedule belongs to the series (decision 0025): edits through the schedule API are refused with
/// a 409 naming the series; pausing, resuming or cancelling it moves the series too. And the episodes page on the server.
/// </summary>
public class SeriesScheduleTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    // Before the series' start (2030-03-08): the dispatcher is off anyway.
    private static readonly DateTimeOffset Now = new(2030, 3, 5, 12, 0, 0, TimeSpan.Zero);

    private static async Task<(Guid SeriesId, Guid ScheduleId)> CreateSeriesAsync(HttpClient client, int count = 5, string name = "Night Tales")
    {
        var (status, series) = await SendAsync(client, HttpMethod.Post, "/api/v1/schedules/series", SeriesApiTests.Daily(name, count));
        Assert.True(status == HttpStatusCode.Created, series.ToString());
        return (series.GetProperty("id").GetGuid(), series.GetProperty("scheduleId").GetGuid());
    }

    private static string SeriesStatus(JsonElement series) => series.GetProperty("status").GetString()!;

    private static void AssertNamesSeries(HttpStatusCode status, JsonElement problem, Guid seriesId)
    {
        Assert.True(status == HttpStatusCode.Conflict, $"{status}: {problem}");
        Assert.Equal("Part of a series", problem.GetProperty("title").GetString());
        Assert.Contains("'Night Tales'", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        var series = problem.GetProperty("series");
        Assert.Equal(seriesId, series.GetProperty("id").GetGuid());
        Assert.Equal($"/series/{seriesId}", series.GetProperty("page").GetString());
        Assert.Equal($"/api/v1/schedules/series/{seriesId}", series.GetProperty("href").GetString());
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task SeriesSchedule_RefusesEditsDeleteOccurrenceEditsRunNowAndBackfill_NamingTheSeries(DatabaseProvider provider)
    {
        await using var s = await CalendarScenario.StartAsync(provider, Now);
        var (seriesId, scheduleId) = await CreateSeriesAsync(s.Client);

        var (status, schedule) = await SendAsync(s.Client, HttpMethod.Get, $"/api/v1/schedules/{scheduleId}");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(seriesId, schedule.GetProperty("partOfSeries").GetProperty("id").GetGuid());

        var edit = new { name = "Hijacked", jobType = "publish", scheduleType = "recurring", timezone = "UTC", recurrence = new { frequency = "daily", timesOfDay = new[] { "03:00" } } };
        (status, var problem) = await SendAsync(s.Client, HttpMethod.Put, $"/api/v1/schedules/{scheduleId}", edit);
        AssertNamesSeries(status, problem, seriesId);
        (status, problem) = await SendAsync(s.Client, HttpMethod.Delete, $"/api/v1/schedules/{scheduleId}");
        AssertNamesSeries(status, problem, seriesId);
        (status, problem) = await SendAsync(s.Client, HttpMethod.Post, $"/api/v1/schedules/{scheduleId}/occurrences/skip", new { occurrence = "2030-03-09T14:00:00Z" });
        AssertNamesSeries(status, problem, seriesId);
        // A manual run would release no episode, and a backfill could release one skipped by hand: both refused.
        (status, problem) = await SendAsync(s.Client, HttpMethod.Post, $"/api/v1/schedules/{scheduleId}/run", new { });
        AssertNamesSeries(status, problem, seriesId);
        (status, problem) = await SendAsync(s.Client, HttpMethod.Post, $"/api/v1/schedules/{scheduleId}/backfill", new { from = "2030-03-01T00:00:00Z", to = "2030-03-05T00:00:00Z", dryRun = true });
        AssertNamesSeries(status, problem, seriesId);
        (status, problem) = await SendAsync(s.Client, HttpMethod.Post, $"/api/v1/schedules/{scheduleId}/backfill", new { from = "2030-03-01T00:00:00Z", to = "2030-03-05T00:00:00Z" });
        AssertNamesSeries(status, problem, seriesId);
        (_, var runs) = await SendAsync(s.Client, HttpMethod.Get, $"/api/v1/schedules/{scheduleId}/executions");
        Assert.Equal(0, runs.GetProperty("total").GetInt32());

        // Nothing changed: same schedule, same series and episodes.
        (_, schedule) = await SendAsync(s.Client, HttpMethod.Get, $"/api/v1/schedules/{scheduleId}");
        Assert.Equal("Night Tales", schedule.GetProperty("name").GetString());
        (_, var series) = await SendAsync(s.Client, HttpMethod.Get, $"/api/v1/schedules/series/{seriesId}");
        Assert.Equal(5, series.GetProperty("episodes").EnumerateArray().Count(e => e.GetProperty("status").GetString() == "scheduled"));

        // An ordinary schedule is still edited as before.
        (status, var plain) = await SendAsync(s.Client, HttpMethod.Post, "/api/v1/schedules", edit with { });
        Assert.Equal(HttpStatusCode.Created, status);
        (status, _) = await SendAsync(s.Client, HttpMethod.Put, $"/api/v1/schedules/{plain.GetProperty("id").GetGuid()}", edit);
        Assert.Equal(HttpStatusCode.OK, status);
        (_, plain) = await SendAsync(s.Client, HttpMethod.Get, $"/api/v1/schedules/{plain.GetProperty("id").GetGuid()}");
        Assert.Equal(JsonValueKind.Null, plain.GetProperty("partOfSeries").ValueKind);

        // The list knows the series too, and filters by it.
        (status, var listed) = await SendAsync(s.Client, HttpMethod.Get, $"/api/v1/schedules?seriesId={seriesId}");
        Assert.Equal(HttpStatusCode.OK, status);
        var only = Assert.Single(listed.GetProperty("items").EnumerateArray());
        Assert.Equal(scheduleId, only.GetProperty("id").GetGuid());
        Assert.Equal("Night Tales", only.GetProperty("partOfSeries").GetProperty("name").GetString());
        (_, listed) = await SendAsync(s.Client, HttpMethod.Get, "/api/v1/schedules?sort=name");
        var rows = listed.GetProperty("items").EnumerateArray().ToDictionary(r => r.GetProperty("id").GetGuid());
        Assert.Equal(2, rows.Count);
        Assert.Equal(seriesId, rows[scheduleId].GetProperty("partOfSeries").GetProperty("id").GetGuid());
        Assert.Equal(JsonValueKind.Null, rows[plain.GetProperty("id").GetGuid()].GetProperty("partOfSeries").ValueKind);
        (_, listed) = await SendAsync(s.Client, HttpMethod.Get, $"/api/v1/schedules?seriesId={Guid.NewGuid()}");
        Assert.Equal(0, listed.GetProperty("total").GetInt32());
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task PauseResumeCancel_FromEitherSide_KeepSeriesAndScheduleInStep(DatabaseProvider provider)
    {
        await using var s = await CalendarScenario.StartAsync(provider, Now);
        var (seriesId, scheduleId) = await CreateSeriesAsync(s.Client);

        // The series' own pause and resume still work.
        var (status, series) = await SendAsync(s.Client, HttpMethod.Post, $"/api/v1/schedules/series/{seriesId}/pause");
        Assert.True(status == HttpStatusCode.OK, series.ToString());
        Assert.Equal("paused", SeriesStatus(series));
        (_, var schedule) = await SendAsync(s.Client, HttpMethod.Get, $"/api/v1/schedules/{scheduleId}");
        Assert.Equal("paused", schedule.GetProperty("status").GetString());
        (status, series) = await SendAsync(s.Client, HttpMethod.Post, $"/api/v1/schedules/series/{seriesId}/resume");
        Assert.True(status == HttpStatusCode.OK, series.ToString());
        Assert.Equal("active", SeriesStatus(series));

        // From the schedule's side: the series follows.
        (status, _) = await SendAsync(s.Client, HttpMethod.Post, $"/api/v1/schedules/{scheduleId}/pause", new { note = "holiday" });
        Assert.Equal(HttpStatusCode.OK, status);
        (_, series) = await SendAsync(s.Client, HttpMethod.Get, $"/api/v1/schedules/series/{seriesId}");
        Assert.Equal("paused", SeriesStatus(series));
        (status, _) = await SendAsync(s.Client, HttpMethod.Post, $"/api/v1/schedules/{scheduleId}/resume", new { runMissed = false });
        Assert.Equal(HttpStatusCode.OK, status);
        (_, series) = await SendAsync(s.Client, HttpMethod.Get, $"/api/v1/schedules/series/{seriesId}");
        Assert.Equal("active", SeriesStatus(series));
        // Resumed from the schedule without runMissed, the first episode is still the next run: no episode is dropped.
        (_, schedule) = await SendAsync(s.Client, HttpMethod.Get, $"/api/v1/schedules/{scheduleId}");
        Assert.Equal(series.GetProperty("episodes")[0].GetProperty("scheduledFor").GetDateTime(), schedule.GetProperty("nextRunAt").GetDateTime());

        (status, _) = await SendAsync(s.Client, HttpMethod.Post, $"/api/v1/schedules/{scheduleId}/cancel");
        Assert.Equal(HttpStatusCode.OK, status);
        (_, series) = await SendAsync(s.Client, HttpMethod.Get, $"/api/v1/schedules/series/{seriesId}");
        Assert.Equal("cancelled", SeriesStatus(series));
        Assert.All(series.GetProperty("episodes").EnumerateArray(), e => Assert.Equal("draft", e.GetProperty("status").GetString()));
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task Episodes_PageOnTheServer_FilterByStatus_AndJumpToAnEpisode_OfAThousand(DatabaseProvider provider)
    {
        await using var s = await CalendarScenario.StartAsync(provider, Now);
        var (seriesId, _) = await CreateSeriesAsync(s.Client, count: 1000);
        var path = $"/api/v1/schedules/series/{seriesId}/episodes";

        var (status, page) = await SendAsync(s.Client, HttpMethod.Get, $"{path}?page=2&pageSize=25");
        Assert.True(status == HttpStatusCode.OK, page.ToString());
        Assert.Equal((1000, 2, 25), (page.GetProperty("total").GetInt32(), page.GetProperty("page").GetInt32(), page.GetProperty("pageSize").GetInt32()));
        Assert.Equal(Enumerable.Range(26, 25), page.GetProperty("items").EnumerateArray().Select(e => e.GetProperty("number").GetInt32()));
        Assert.Equal("Night Tales #26: Tuesday", page.GetProperty("items")[0].GetProperty("title").GetString());

        (status, _) = await SendAsync(s.Client, HttpMethod.Put, $"/api/v1/schedules/series/{seriesId}/episodes/700", new { skip = true });
        Assert.Equal(HttpStatusCode.OK, status);
        (_, page) = await SendAsync(s.Client, HttpMethod.Get, $"{path}?status=skipped");
        Assert.Equal(1, page.GetProperty("total").GetInt32());
        Assert.Equal(700, page.GetProperty("items")[0].GetProperty("number").GetInt32());
        (_, page) = await SendAsync(s.Client, HttpMethod.Get, $"{path}?status=scheduled&pageSize=100&page=10");
        Assert.Equal(999, page.GetProperty("total").GetInt32());
        Assert.Equal(99, page.GetProperty("items").GetArrayLength());

        // The page holding episode 530 (of 25 a page: 526..550), whatever page was asked.
        (_, page) = await SendAsync(s.Client, HttpMethod.Get, $"{path}?containing=530&pageSize=25&page=1");
        Assert.Equal(22, page.GetProperty("page").GetInt32());
        Assert.Equal(526, page.GetProperty("items")[0].GetProperty("number").GetInt32());
        // With a filter, the first matching episode at or after it.
        (_, page) = await SendAsync(s.Client, HttpMethod.Get, $"{path}?status=skipped&containing=3");
        Assert.Equal(700, page.GetProperty("items")[0].GetProperty("number").GetInt32());

        foreach (var (query, field) in new[] { ("pageSize=0", "pageSize"), ("pageSize=101", "pageSize"), ("page=0", "page"), ("status=aired", "status"), ("containing=0", "containing") })
        {
            (status, var problem) = await SendAsync(s.Client, HttpMethod.Get, $"{path}?{query}");
            Assert.True(status == HttpStatusCode.BadRequest, $"{query}: {status} {problem}");
            Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"{query}: {problem}");
        }
        (status, _) = await SendAsync(s.Client, HttpMethod.Get, $"/api/v1/schedules/series/{Guid.NewGuid()}/episodes");
        Assert.Equal(HttpStatusCode.NotFound, status);
    }
}
