using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Scheduling.Web.Data;
using Scheduling.Web.Tests.Infrastructure;

namespace Scheduling.Web.Tests.Series;

/// <summary>The series API (seed 002) on SQLite and PostgreSQL: shapes, titles, validation, episode edits, extend, pause, cancel.</summary>
public class SeriesApiTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    // 2030-03-05 is a Tuesday, before the US DST change of 2030-03-10.
    private static readonly DateTimeOffset Now = new(2030, 3, 5, 12, 0, 0, TimeSpan.Zero);

    internal static object Daily(string name = "Night Tales", int count = 5, string? template = "{title} #{episode}: {weekday}", string onFailure = "block") => new
    {
        name,
        jobType = "publish",
        template = new { jobConfig = new { voice = "calm" }, titleTemplate = template },
        episodeCount = count,
        recurrence = new { frequency = "daily", timesOfDay = new[] { "09:00" }, start = "2030-03-08T00:00" },
        timezone = "America/New_York",
        onFailure,
    };

    private static async Task<(AppFactory App, HttpClient Client)> StartAsync(DatabaseProvider provider)
    {
        var clock = new FakeTimeProvider(Now);
        var app = await AppFactory.StartAsync(provider, services: s => s.AddSingleton<TimeProvider>(clock));
        return (app, await Session.RegisterAsync(app, "series@example.com"));
    }

    private static async Task<JsonElement> CreateAsync(HttpClient client, object body)
    {
        var response = await client.PostAsJsonAsync("/api/v1/schedules/series", body, Ct);
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync(Ct));
        Assert.StartsWith("/api/v1/schedules/series/", response.Headers.Location!.OriginalString, StringComparison.Ordinal);
        return await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
    }

    private static async Task OkAsync(AppFactory app, HttpResponseMessage response) =>
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{response.StatusCode}: {await response.Content.ReadAsStringAsync(Ct)}\n{app.Logs.Dump()}");

    private static string S(JsonElement e, string name) => e.GetProperty(name).GetString()!;

    [Fact]
    public async Task ASeriesPublishAt_IsItsSchedules_ForEveryEpisode_AndAOneStageJobTypeIsRefused()
    {
        var (app, client) = await StartAsync(DatabaseProvider.Sqlite);
        await using var _ = app;

        var refused = await client.PostAsJsonAsync("/api/v1/schedules/series", new { name = "Plain", jobType = "publish", episodeCount = 3,
            recurrence = new { frequency = "daily", timesOfDay = new[] { "09:00" } }, timezone = "UTC", publishAt = "+1d" }, Ct);
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("publishAt", await refused.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);

        var series = await CreateAsync(client, new { name = "Weekly video", jobType = "video_generation", episodeCount = 4,
            recurrence = new { frequency = "weekly", byDay = new[] { "FR" }, timesOfDay = new[] { "09:00" } }, timezone = "Europe/Paris", publishAt = "+2d@12:00" });
        var schedule = await client.GetFromJsonAsync<JsonElement>($"/api/v1/schedules/{series.GetProperty("scheduleId").GetGuid()}", Ct);
        Assert.Equal("+2d@12:00", S(schedule, "publishAt"));
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task Create_PlansEachEpisodeAtNineInItsZone_AcrossDst_WithRenderedTitles(DatabaseProvider provider)
    {
        var (app, client) = await StartAsync(provider);
        await using var _ = app;

        var series = await CreateAsync(client, Daily());

        Assert.Equal("Night Tales", S(series, "name"));
        Assert.Equal(5, series.GetProperty("episodeCount").GetInt32());
        Assert.Equal(1, series.GetProperty("currentEpisode").GetInt32());
        Assert.Equal("active", S(series, "status"));
        Assert.Equal("block", S(series, "onFailure"));
        var episodes = series.GetProperty("episodes").EnumerateArray().ToList();
        Assert.Equal([1, 2, 3, 4, 5], episodes.Select(e => e.GetProperty("number").GetInt32()));
        Assert.All(episodes, e => Assert.Equal("scheduled", S(e, "status")));
        Assert.All(episodes, e => Assert.Equal(JsonValueKind.Null, e.GetProperty("executionId").ValueKind));
        // 09:00 local every day; the UTC time moves by an hour when DST starts (Sunday 2030-03-10).
        Assert.All(episodes, e => Assert.EndsWith("T09:00:00", S(e, "scheduledForLocal"), StringComparison.Ordinal));
        Assert.Equal(
            ["2030-03-08T14:00:00Z", "2030-03-09T14:00:00Z", "2030-03-10T13:00:00Z", "2030-03-11T13:00:00Z", "2030-03-12T13:00:00Z"],
            episodes.Select(e => e.GetProperty("scheduledFor").GetDateTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture)));
        Assert.Equal(["Night Tales #1: Friday", "Night Tales #2: Saturday", "Night Tales #3: Sunday", "Night Tales #4: Monday", "Night Tales #5: Tuesday"],
            episodes.Select(e => S(e, "title")));
        Assert.Equal(episodes[0].GetProperty("scheduledFor").GetDateTime(), series.GetProperty("nextReleaseAt").GetDateTime());

        var id = series.GetProperty("id").GetGuid();
        var fetched = await client.GetFromJsonAsync<JsonElement>($"/api/v1/schedules/series/{id}", Ct);
        Assert.Equal(5, fetched.GetProperty("episodes").GetArrayLength());

        // The list: paged, with progress; /schedules/series is not taken for a schedule id.
        await CreateAsync(client, Daily("Second", 3));
        var page = await client.GetFromJsonAsync<JsonElement>("/api/v1/schedules/series?pageSize=1&page=2", Ct);
        Assert.Equal(2, page.GetProperty("total").GetInt32());
        var item = Assert.Single(page.GetProperty("items").EnumerateArray());
        Assert.Equal("Night Tales", S(item, "name"));
        Assert.Equal(0, item.GetProperty("releasedCount").GetInt32());
        Assert.Equal(1, item.GetProperty("currentEpisode").GetInt32());

        // The underlying schedule runs every missed episode and queues overlaps (the series' order needs both).
        var schedule = await client.GetFromJsonAsync<JsonElement>($"/api/v1/schedules/{S(series, "scheduleId")}", Ct);
        Assert.Equal(("run_all", "queue_all", 5), (S(schedule, "missedPolicy"), S(schedule, "overlapPolicy"), schedule.GetProperty("maxRuns").GetInt32()));
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task Episodes_EditOne_Skip_Extend_Pause_Resume_AndCancelReturnsTheRestToDraft(DatabaseProvider provider)
    {
        var (app, client) = await StartAsync(provider);
        await using var _ = app;
        var id = (await CreateAsync(client, Daily(count: 3))).GetProperty("id").GetGuid();
        var url = $"/api/v1/schedules/series/{id}";

        var edited = await client.PutAsJsonAsync($"{url}/episodes/2", new { title = "The Storm", jobConfig = new { voice = "loud" } }, Ct);
        await OkAsync(app, edited);
        var episodes = (await edited.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("episodes").EnumerateArray().ToList();
        Assert.Equal(["Night Tales #1: Friday", "The Storm", "Night Tales #3: Sunday"], episodes.Select(e => S(e, "title")));
        Assert.Equal("loud", episodes[1].GetProperty("jobConfig").GetProperty("voice").GetString());
        Assert.Equal(JsonValueKind.Null, episodes[0].GetProperty("jobConfig").ValueKind);

        var skipped = await client.PutAsJsonAsync($"{url}/episodes/3", new { skip = true }, Ct);
        Assert.Equal("skipped", S((await skipped.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("episodes")[2], "status"));

        var extended = await client.PostAsJsonAsync($"{url}/episodes", new { count = 2 }, Ct);
        await OkAsync(app, extended);
        var more = await extended.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal(5, more.GetProperty("episodeCount").GetInt32());
        Assert.Equal(["2030-03-11T09:00:00", "2030-03-12T09:00:00"], more.GetProperty("episodes").EnumerateArray().Skip(3).Select(e => S(e, "scheduledForLocal")));
        Assert.Equal("Night Tales #4: Monday", S(more.GetProperty("episodes")[3], "title"));
        var schedule = await client.GetFromJsonAsync<JsonElement>($"/api/v1/schedules/{S(more, "scheduleId")}", Ct);
        Assert.Equal(5, schedule.GetProperty("maxRuns").GetInt32());

        // The calendar shows each episode under its own title, and the one skipped by hand as skipped, before their runs exist.
        var calendar = await client.GetFromJsonAsync<JsonElement>("/api/v1/schedules/calendar?startDate=2030-03-08&endDate=2030-03-12&timezone=America/New_York", Ct);
        var onCalendar = calendar.GetProperty("days").EnumerateArray().SelectMany(d => d.GetProperty("executions").EnumerateArray())
            .Where(i => S(i, "scheduleId") == S(more, "scheduleId")).OrderBy(i => i.GetProperty("scheduledFor").GetDateTime()).ToList();
        Assert.Equal(["Night Tales #1: Friday", "The Storm", "Night Tales #3: Sunday", "Night Tales #4: Monday", "Night Tales #5: Tuesday"], onCalendar.Select(i => S(i, "title")));
        Assert.Equal(["planned", "planned", "skipped", "planned", "planned"], onCalendar.Select(i => S(i, "kind")));

        var paused = await client.PostAsync($"{url}/pause", null, Ct);
        await OkAsync(app, paused);
        Assert.Equal("paused", S(await paused.Content.ReadFromJsonAsync<JsonElement>(Ct), "status"));
        Assert.Equal("paused", S(await client.GetFromJsonAsync<JsonElement>($"/api/v1/schedules/{S(more, "scheduleId")}", Ct), "status"));
        Assert.Equal(HttpStatusCode.Conflict, (await client.PostAsync($"{url}/pause", null, Ct)).StatusCode);
        Assert.Equal("active", S(await (await client.PostAsync($"{url}/resume", null, Ct)).Content.ReadFromJsonAsync<JsonElement>(Ct), "status"));

        var cancelled = await client.DeleteAsync(url, Ct);
        await OkAsync(app, cancelled);
        var after = await cancelled.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal("cancelled", S(after, "status"));
        Assert.Equal(["draft", "draft", "skipped", "draft", "draft"], after.GetProperty("episodes").EnumerateArray().Select(e => S(e, "status")));
        Assert.Equal(JsonValueKind.Null, after.GetProperty("nextReleaseAt").ValueKind);
        Assert.Equal("cancelled", S(await client.GetFromJsonAsync<JsonElement>($"/api/v1/schedules/{S(more, "scheduleId")}", Ct), "status"));
        Assert.Equal(HttpStatusCode.Conflict, (await client.DeleteAsync(url, Ct)).StatusCode);
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task BadInput_Is400NamingTheField_AndNothingIsCreated(DatabaseProvider provider)
    {
        var (app, client) = await StartAsync(provider);
        await using var _ = app;

        async Task Rejects(object body, string field)
        {
            var response = await client.PostAsJsonAsync("/api/v1/schedules/series", body, Ct);
            var text = await response.Content.ReadAsStringAsync(Ct);
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, text);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.True(JsonDocument.Parse(text).RootElement.GetProperty("errors").TryGetProperty(field, out var _), $"{field} not named in {text}");
        }

        await Rejects(new { name = "No count", jobType = "publish", recurrence = new { preset = "daily_9am" }, timezone = "UTC" }, "episodeCount");
        await Rejects(new { name = "Too many", jobType = "publish", episodeCount = 1001, recurrence = new { preset = "daily_9am" }, timezone = "UTC" }, "episodeCount");
        await Rejects(new { name = "No rule", jobType = "publish", episodeCount = 3, timezone = "UTC" }, "recurrence");
        await Rejects(new { name = "Bad cron", jobType = "publish", episodeCount = 3, recurrence = new { cron = "61 * * * *" }, timezone = "UTC" }, "recurrence.cron");
        await Rejects(new { name = "Bad zone", jobType = "publish", episodeCount = 3, recurrence = new { rrule = "FREQ=DAILY" }, timezone = "Mars/Olympus" }, "timezone");
        await Rejects(new { name = "Bad config", jobType = "publish", episodeCount = 3, template = new { jobConfig = 5 }, recurrence = new { rrule = "FREQ=DAILY" }, timezone = "UTC" }, "template.jobConfig");
        await Rejects(new { name = "Short rule", jobType = "publish", episodeCount = 3, recurrence = new { rrule = "FREQ=DAILY;COUNT=2" }, timezone = "UTC" }, "recurrence");
        await Rejects(new { name = "", jobType = "publish", episodeCount = 3, recurrence = new { rrule = "FREQ=DAILY" }, timezone = "UTC" }, "name");

        var id = (await CreateAsync(client, Daily(count: 2))).GetProperty("id").GetGuid();
        var badEpisode = await client.PutAsJsonAsync($"/api/v1/schedules/series/{id}/episodes/1", new { title = "", jobConfig = "text" }, Ct);
        Assert.Equal(HttpStatusCode.BadRequest, badEpisode.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.PutAsJsonAsync($"/api/v1/schedules/series/{id}/episodes/9", new { title = "x" }, Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.PostAsJsonAsync($"/api/v1/schedules/series/{id}/episodes", new { count = 0 }, Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await client.PostAsync($"/api/v1/schedules/series/{id}/episodes/1/retry", null, Ct)).StatusCode);
        Assert.Equal(1, (await client.GetFromJsonAsync<JsonElement>("/api/v1/schedules/series", Ct)).GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task Preview_ShowsTheFirstEpisodesTitlesAndTimes_WithoutSaving()
    {
        var (app, client) = await StartAsync(DatabaseProvider.Sqlite);
        await using var _ = app;

        var response = await client.PostAsJsonAsync("/api/v1/schedules/series/preview?count=3", Daily(count: 10), Ct);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync(Ct));
        var preview = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);

        Assert.Equal(["Night Tales #1: Friday", "Night Tales #2: Saturday", "Night Tales #3: Sunday"], preview.EnumerateArray().Select(e => S(e, "title")));
        Assert.Equal("2030-03-10T09:00:00", S(preview[2], "local"));
        Assert.Equal(0, (await client.GetFromJsonAsync<JsonElement>("/api/v1/schedules/series", Ct)).GetProperty("total").GetInt32());
        Assert.Equal(0, (await client.GetFromJsonAsync<JsonElement>("/api/v1/schedules", Ct)).GetProperty("total").GetInt32());
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task Calendar_ShowsEachPlannedEpisode_WithItsEpisodeTitle(DatabaseProvider provider)
    {
        var (app, client) = await StartAsync(provider);
        await using var _ = app;
        await CreateAsync(client, Daily(count: 3));

        var response = await client.GetAsync("/api/v1/schedules/calendar?startDate=2030-03-07&endDate=2030-03-13&timezone=America/New_York", Ct);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync(Ct));
        var calendar = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);

        var items = calendar.GetProperty("days").EnumerateArray().SelectMany(d => d.TryGetProperty("executions", out var e) ? e.EnumerateArray() : Enumerable.Empty<JsonElement>()).ToList();
        Assert.Equal(["Night Tales #1: Friday", "Night Tales #2: Saturday", "Night Tales #3: Sunday"], items.Select(i => S(i, "title")));
        Assert.Equal(["2030-03-08T09:00:00", "2030-03-09T09:00:00", "2030-03-10T09:00:00"], items.Select(i => S(i, "local")));
    }
}
