using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Scheduling.Web.Data;
using Scheduling.Web.Tests.Calendar;
using Scheduling.Web.Tests.Infrastructure;
using static Scheduling.Web.Tests.Channels.ChannelApi;

namespace Scheduling.Web.Tests.Channels;

/// <summary>Add to queue and the queue view (crowded week, DST in both directions) and .ics blackout import, on SQLite and PostgreSQL.</summary>
public class ChannelQueueTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<JsonElement> AddAsync(HttpClient client, Guid channelId, object? body = null)
    {
        var (status, created) = await SendAsync(client, HttpMethod.Post, $"/api/v1/channels/{channelId}/queue", body ?? new { });
        Assert.True(status == HttpStatusCode.Created, $"{(int)status}: {created}");
        return created;
    }

    private static (string?, string) Slot(JsonElement schedule) => (schedule.GetProperty("scheduledAt").GetString(), schedule.GetProperty("nextRunAt").GetString()!);

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task CrowdedWeek_FillsTheNextFreeSlots_RespectingGapMaximumBlackoutsAndWhatIsThere(DatabaseProvider provider)
    {
        // Monday 4 March 2030, 10:00 in New York (EST); DST starts on Sunday 10 March.
        await using var s = await CalendarScenario.StartAsync(provider, new DateTimeOffset(2030, 3, 4, 15, 0, 0, TimeSpan.Zero));
        const string NewYork = "America/New_York";
        var channel = await CreateChannelAsync(s.Client, new
        {
            name = "Blog",
            platform = "blog",
            timezone = NewYork,
            postingTimes = Grid(Weekdays, "09:00", "13:00", "18:00"),
            minGapMinutes = 240,
            maxPerDay = 2,
            blackoutDates = new[] { "2030-03-05" },
        });
        var id = channel.GetProperty("id").GetGuid();
        (await s.Client.PostAsJsonAsync("/api/v1/schedules", Once("Existing", "2030-03-04T13:00:00", NewYork, id), Ct)).EnsureSuccessStatusCode();
        (await s.Client.PostAsJsonAsync("/api/v1/schedules", new
        {
            name = "Daily digest",
            jobType = "publish",
            timezone = NewYork,
            channelId = id,
            recurrence = new { rrule = "FREQ=DAILY;BYHOUR=9;BYMINUTE=0", start = "2030-03-07T00:00:00" },
        }, Ct)).EnsureSuccessStatusCode();

        var first = await AddAsync(s.Client, id, new { name = "Post 1", jobType = "export", jobConfig = new { format = "mp4" }, titleTemplate = "Post {date}" });
        Assert.Equal(("Post 1", "export", "mp4", "Post {date}", id), (first.GetProperty("name").GetString(), first.GetProperty("jobType").GetString(),
            first.GetProperty("jobConfig").GetProperty("format").GetString(), first.GetProperty("titleTemplate").GetString(), first.GetProperty("channelId").GetGuid()));
        Assert.Equal(("once", NewYork), (first.GetProperty("scheduleType").GetString(), first.GetProperty("timezone").GetString()));
        var added = new List<(string?, string)> { Slot(first) };
        for (var i = 2; i <= 6; i++)
        {
            added.Add(Slot(await AddAsync(s.Client, id)));
        }
        Assert.Equal(
        [
            ("2030-03-04T18:00:00", "2030-03-04T23:00:00Z"), // Monday: 13:00 taken, 18:00 is 5 h later; then the day is full
            ("2030-03-06T09:00:00", "2030-03-06T14:00:00Z"), // Tuesday is a blackout date
            ("2030-03-06T13:00:00", "2030-03-06T18:00:00Z"), // exactly the 4 h gap
            ("2030-03-07T13:00:00", "2030-03-07T18:00:00Z"), // Wednesday full; Thursday 09:00 is the daily digest's
            ("2030-03-08T13:00:00", "2030-03-08T18:00:00Z"),
            ("2030-03-11T13:00:00", "2030-03-11T17:00:00Z"), // no weekend slots; Monday in EDT
        ], added);

        var queue = await s.Client.GetFromJsonAsync<JsonElement>($"/api/v1/channels/{id}/queue?days=7", Ct);
        var entries = queue.GetProperty("entries").EnumerateArray()
            .Select(e => (e.GetProperty("local").GetString(), e.GetProperty("isSlot").GetBoolean(), e.GetProperty("name").GetString())).ToList();
        Assert.Equal(
        [
            ("2030-03-04T13:00:00", false, "Existing"),
            ("2030-03-04T18:00:00", false, "Post 1"),
            ("2030-03-06T09:00:00", false, "Blog · 2030-03-06 09:00"),
            ("2030-03-06T13:00:00", false, "Blog · 2030-03-06 13:00"),
            ("2030-03-06T18:00:00", true, null),
            ("2030-03-07T09:00:00", false, "Daily digest"),
            ("2030-03-07T13:00:00", false, "Blog · 2030-03-07 13:00"),
            ("2030-03-07T18:00:00", true, null),
            ("2030-03-08T09:00:00", false, "Daily digest"),
            ("2030-03-08T13:00:00", false, "Blog · 2030-03-08 13:00"),
            ("2030-03-08T18:00:00", true, null),
            ("2030-03-09T09:00:00", false, "Daily digest"),
            ("2030-03-10T09:00:00", false, "Daily digest"),
            ("2030-03-11T09:00:00", false, "Daily digest"),
        ], entries);
        Assert.Equal(HttpStatusCode.BadRequest, (await SendAsync(s.Client, HttpMethod.Get, $"/api/v1/channels/{id}/queue?days=0")).Status);

        // The list card shows the next three posts.
        var card = (await s.Client.GetFromJsonAsync<JsonElement>("/api/v1/channels", Ct)).GetProperty("items")[0];
        Assert.Equal(["Existing", "Post 1", "Blog · 2030-03-06 09:00"], card.GetProperty("nextPosts").EnumerateArray().Select(p => p.GetProperty("name").GetString()));

        // contentId is reserved for the content library; a channel without posting times has no queue.
        var (status, problem) = await SendAsync(s.Client, HttpMethod.Post, $"/api/v1/channels/{id}/queue", new { contentId = Guid.NewGuid() });
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.True(problem.GetProperty("errors").TryGetProperty("contentId", out _));
        var empty = (await CreateChannelAsync(s.Client, new { name = "No grid", platform = "other", timezone = "UTC" })).GetProperty("id").GetGuid();
        Assert.Equal(HttpStatusCode.Conflict, (await SendAsync(s.Client, HttpMethod.Post, $"/api/v1/channels/{empty}/queue", new { })).Status);
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task AcrossDstChanges_SlotsResolveLikeTheEngine(DatabaseProvider provider)
    {
        // Saturday 9 March 2030, 12:00 EST: at 02:00 on Sunday New York springs forward (02:30 does not exist).
        await using var s = await CalendarScenario.StartAsync(provider, new DateTimeOffset(2030, 3, 9, 17, 0, 0, TimeSpan.Zero));
        var spring = (await CreateChannelAsync(s.Client, new { name = "Spring", platform = "youtube", timezone = "America/New_York", postingTimes = Grid(EveryDay, "02:30", "09:00") }))
            .GetProperty("id").GetGuid();
        Assert.Equal(("2030-03-10T03:30:00", "2030-03-10T07:30:00Z"), Slot(await AddAsync(s.Client, spring)));
        Assert.Equal(("2030-03-10T09:00:00", "2030-03-10T13:00:00Z"), Slot(await AddAsync(s.Client, spring)));
        Assert.Equal(("2030-03-11T02:30:00", "2030-03-11T06:30:00Z"), Slot(await AddAsync(s.Client, spring)));

        // Saturday 2 November 2030, 12:00 EDT: on Sunday 01:30 happens twice; the slot is the first (EDT), once.
        s.Clock.SetUtcNow(new DateTimeOffset(2030, 11, 2, 16, 0, 0, TimeSpan.Zero));
        Assert.Equal(HttpStatusCode.Redirect, (await Session.SignInAsync(s.Client, "planner@example.com")).StatusCode); // months later: the cookie expired
        var fall = (await CreateChannelAsync(s.Client, new { name = "Fall", platform = "youtube", timezone = "America/New_York", postingTimes = Grid(EveryDay, "01:30", "09:00") }))
            .GetProperty("id").GetGuid();
        Assert.Equal(("2030-11-03T01:30:00", "2030-11-03T05:30:00Z"), Slot(await AddAsync(s.Client, fall)));
        Assert.Equal(("2030-11-03T09:00:00", "2030-11-03T14:00:00Z"), Slot(await AddAsync(s.Client, fall)));
        var queue = await s.Client.GetFromJsonAsync<JsonElement>($"/api/v1/channels/{fall}/queue?days=2", Ct);
        Assert.Equal(["2030-11-03T05:30:00Z", "2030-11-03T14:00:00Z", "2030-11-04T06:30:00Z", "2030-11-04T14:00:00Z"],
            queue.GetProperty("entries").EnumerateArray().Select(e => e.GetProperty("utc").GetString()));
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task IcsImport_AllDayEventsBecomeBlackouts_ReimportReplaces_BadFileIs400(DatabaseProvider provider)
    {
        // Tuesday 5 March 2030, 12:00 UTC.
        await using var s = await CalendarScenario.StartAsync(provider, new DateTimeOffset(2030, 3, 5, 12, 0, 0, TimeSpan.Zero));
        var id = (await CreateChannelAsync(s.Client, new
        {
            name = "Newsletter",
            platform = "newsletter",
            timezone = "Europe/Paris",
            postingTimes = Grid(EveryDay, "09:00"),
            blackoutDates = new[] { "2030-03-09" },
        })).GetProperty("id").GetGuid();
        var ics = await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "Channels", "us-holidays-2030.ics"), Ct);

        // A token caller sends the file itself; the timed meeting is not a blackout, the two-day break is two.
        using var bearer = s.App.CreateBearerClient(await Session.CreateTokenAsync(s.Client));
        var response = await bearer.PostAsync($"/api/v1/channels/{id}/blackouts/import", new StringContent(ics, Encoding.UTF8, "text/calendar"), Ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync(Ct));
        var imported = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal(["2030-01-01", "2030-03-06", "2030-03-07", "2030-07-04", "2030-12-25"],
            imported.GetProperty("importedBlackoutDates").EnumerateArray().Select(d => d.GetString()));

        // Wednesday and Thursday are imported blackouts; Saturday a typed one.
        var queued = await AddAsync(s.Client, id);
        Assert.Equal("2030-03-08T09:00:00", queued.GetProperty("scheduledAt").GetString());
        Assert.Equal("2030-03-10T09:00:00", (await AddAsync(s.Client, id)).GetProperty("scheduledAt").GetString());

        // The browser sends JSON; a re-import replaces the imported dates and keeps the typed ones.
        const string one = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Test//EN\r\nBEGIN:VEVENT\r\nUID:x@example.com\r\nDTSTAMP:20300101T000000Z\r\nDTSTART;VALUE=DATE:20300501\r\nDTEND;VALUE=DATE:20300502\r\nSUMMARY:May Day\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
        var (status, again) = await SendAsync(s.Client, HttpMethod.Post, $"/api/v1/channels/{id}/blackouts/import", new { ics = one });
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(1, again.GetProperty("imported").GetInt32());
        var channel = await s.Client.GetFromJsonAsync<JsonElement>($"/api/v1/channels/{id}", Ct);
        Assert.Equal(["2030-05-01"], channel.GetProperty("importedBlackoutDates").EnumerateArray().Select(d => d.GetString()));
        Assert.Equal(["2030-03-09"], channel.GetProperty("blackoutDates").EnumerateArray().Select(d => d.GetString()));

        (status, var problem) = await SendAsync(s.Client, HttpMethod.Post, $"/api/v1/channels/{id}/blackouts/import", new { ics = "not a calendar" });
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.True(problem.GetProperty("errors").TryGetProperty("body", out _));
        response = await bearer.PostAsync($"/api/v1/channels/{id}/blackouts/import", new StringContent("BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART;VALUE=DATE:2030XX01\r\n", Encoding.UTF8, "text/calendar"), Ct);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(["2030-05-01"], (await s.Client.GetFromJsonAsync<JsonElement>($"/api/v1/channels/{id}", Ct)).GetProperty("importedBlackoutDates").EnumerateArray().Select(d => d.GetString()));
    }
}
