using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Scheduling.Web.Data;
using Scheduling.Web.Features.Calendar;
using Scheduling.Web.Features.Executions;
using Scheduling.Web.Tests.Infrastructure;
using static Scheduling.Web.Tests.Calendar.CalendarScenario;
using IcalCalendar = Ical.Net.Calendar;

namespace Scheduling.Web.Tests.Calendar;

/// <summary>ICS feeds: created with a secret URL, served without sign-in, read back by Ical.Net.</summary>
public class CalendarFeedTests
{
    private static readonly DateTimeOffset Now = new(2030, 3, 20, 12, 0, 0, TimeSpan.Zero);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<JsonElement> CreateFeedAsync(HttpClient client, string name)
    {
        var response = await client.PostAsJsonAsync("/api/v1/calendar/feeds", new { name }, Ct);
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync(Ct));
        return await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task Feed_ParsedBackWithIcalNet_HasEveryOccurrenceOfTheCalendarApi(DatabaseProvider provider)
    {
        await using var s = await StartAsync(provider, Now);
        var ny = await s.CreateAsync(Daily("NY show", "America/New_York", "02:30", "2030-03-01T00:00:00",
            titleTemplate: "Show {date}, part #{run}; live", exdates: ["2030-04-02T02:30:00"]));
        var sydney = await s.CreateAsync(Daily("Sydney recap", "Australia/Sydney", "09:00", "2030-03-01T00:00:00",
            titleTemplate: "Récapitulatif hebdomadaire — {weekday} {day} {month} ☕ un titre assez long pour être plié en plusieurs lignes", jobType: "newsletter"));
        var once = await s.CreateAsync(new { name = "Launch", jobType = "publish", scheduleType = "once", scheduledAt = "2030-05-01T10:00:00", timezone = "Europe/Paris", timeoutSeconds = 3600 });
        await s.RecordRunAsync(ny, "2030-03-10T07:30:00Z", ExecutionStatus.Completed);
        await s.RecordManualRunAsync(sydney, "2030-03-15T18:00:00Z", ExecutionStatus.Failed);
        // One occurrence skipped and one moved by hand (the calendar's one-occurrence edits).
        (await s.Client.PostAsJsonAsync($"/api/v1/schedules/{ny.Id}/occurrences/skip", new { occurrence = "2030-04-05T06:30:00Z" }, Ct)).EnsureSuccessStatusCode();
        (await s.Client.PostAsJsonAsync($"/api/v1/schedules/{ny.Id}/occurrences/move", new { occurrence = "2030-04-06T06:30:00Z", to = "2030-04-06T12:00" }, Ct)).EnsureSuccessStatusCode();

        var feed = await CreateFeedAsync(s.Client, "Phone");
        var url = feed.GetProperty("url").GetString()!;
        Assert.Matches("^http://localhost/api/v1/calendar/feeds/cal_[A-Za-z0-9_-]{40,}\\.ics$", url);
        using var anonymous = s.App.CreateClient();
        var response = await anonymous.GetAsync(url, Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/calendar; charset=utf-8", response.Content.Headers.ContentType?.ToString());
        var text = await response.Content.ReadAsStringAsync(Ct);

        // RFC 5545 framing: CRLF only, no line longer than 75 octets.
        Assert.DoesNotContain("\n", text.Replace("\r\n", "", StringComparison.Ordinal), StringComparison.Ordinal);
        var lines = text.Split("\r\n");
        Assert.All(lines, line => Assert.True(Encoding.UTF8.GetByteCount(line) <= 75, line));
        Assert.Contains(lines, l => l.StartsWith(' '));
        Assert.Equal(["BEGIN:VCALENDAR", "VERSION:2.0"], lines[..2]);
        Assert.Contains("PRODID:-//Scheduling.Web//Content calendar//EN", lines);

        var calendar = IcalCalendar.Load(text)!;
        var events = calendar.Events.ToList();
        // The same range in the calendar API: 30 days back (18 February) to 180 days ahead (16 September), in UTC.
        var api = Items(await s.CalendarAsync("startDate=2030-02-18&endDate=2030-09-16&timezone=UTC&includeCompleted=true")).ToList();
        Assert.True(api.Count > 300, $"only {api.Count} items");
        Assert.Equal(
            api.Select(i => (Utc(i.GetProperty("scheduledFor").GetString()!), i.GetProperty("title").GetString()!, i.GetProperty("status").GetString() == "skipped")).Order(),
            events.Select(e => (e.DtStart!.AsUtc, e.Summary!, e.Status == "CANCELLED")).Order());
        Assert.Equal(events.Count, events.Select(e => e.Uid).Distinct().Count());

        var ran = Assert.Single(events, e => e.Uid == $"{ny.Id:N}-20300310T073000Z@localhost");
        Assert.Equal(("Show 2030-03-10, part #1; live", "CONFIRMED"), (ran.Summary, ran.Status));
        Assert.Contains("Job type: video_generation", ran.Description, StringComparison.Ordinal);
        Assert.Contains("Status: completed", ran.Description, StringComparison.Ordinal);
        Assert.Contains($"http://localhost/schedules/{ny.Id}", ran.Description, StringComparison.Ordinal);
        Assert.Equal(TimeSpan.FromMinutes(30), ran.DtEnd!.AsUtc - ran.DtStart!.AsUtc);
        var skipped = Assert.Single(events, e => e.Uid == $"{ny.Id:N}-20300402T063000Z@localhost");
        Assert.Equal("CANCELLED", skipped.Status);
        var launch = Assert.Single(events, e => e.Summary == "Launch");
        Assert.Equal((new DateTime(2030, 5, 1, 8, 0, 0, DateTimeKind.Utc), TimeSpan.FromHours(1)), (launch.DtStart!.AsUtc, launch.DtEnd!.AsUtc - launch.DtStart.AsUtc));
        Assert.Equal(once.Id.ToString("N"), launch.Uid![..32]);
        Assert.Contains(events, e => e.Summary!.StartsWith("Récapitulatif hebdomadaire — ", StringComparison.Ordinal) && e.Summary.EndsWith("plusieurs lignes", StringComparison.Ordinal));
        Assert.Single(events, e => e.DtStart!.AsUtc == new DateTime(2030, 3, 15, 18, 0, 0, DateTimeKind.Utc));

        // Times are the schedule's wall time with its TZID (a VTIMEZONE for each zone), also on the DST day:
        // 10 March 02:30 does not exist in New York, the run is at 03:30 EDT.
        Assert.Equal(["America/New_York", "Australia/Sydney", "Europe/Paris"], lines.Where(l => l.StartsWith("TZID:", StringComparison.Ordinal)).Select(l => l[5..]));
        Assert.Contains("DTSTART;TZID=America/New_York:20300310T033000", lines);
        Assert.Equal("America/New_York", ran.DtStart.TzId);
        Assert.Equal("Australia/Sydney", events.First(e => e.Summary!.StartsWith("Récapitulatif", StringComparison.Ordinal)).DtStart!.TzId);
        Assert.Contains("DTSTART;TZID=Europe/Paris:20300501T100000", lines);
        Assert.Contains(calendar.TimeZones, tz => tz.TzId == "America/New_York");
        // Skipped by hand: cancelled at its time; moved: the same event (UID of its planned time) at the new time.
        Assert.Equal("CANCELLED", Assert.Single(events, e => e.Uid == $"{ny.Id:N}-20300405T063000Z@localhost").Status);
        var moved = Assert.Single(events, e => e.Uid == $"{ny.Id:N}-20300406T063000Z@localhost");
        Assert.Equal((new DateTime(2030, 4, 6, 16, 0, 0, DateTimeKind.Utc), "CONFIRMED"), (moved.DtStart!.AsUtc, moved.Status));
        Assert.Contains("DTSTART;TZID=America/New_York:20300406T120000", lines);
    }

    [Fact]
    public void IcsWriter_WallTimeWithTzid_ButUtcForTheSecondPassOfAnAmbiguousHour()
    {
        var ny = NodaTime.DateTimeZoneProviders.Tzdb["America/New_York"];

        // 3 November 2030: 01:30 happens at 05:30Z (EDT) and again at 06:30Z (EST); a reader takes the first.
        var text = new IcsWriter()
            .Time("DTSTART", NodaTime.Instant.FromUtc(2030, 11, 3, 5, 30), ny)
            .Time("DTEND", NodaTime.Instant.FromUtc(2030, 11, 3, 6, 30), ny)
            .Time("DUE", NodaTime.Instant.FromUtc(2030, 11, 3, 6, 30), NodaTime.DateTimeZone.Utc)
            .TimeZone(ny, NodaTime.Instant.FromUtc(2030, 3, 1, 0, 0), NodaTime.Instant.FromUtc(2030, 12, 1, 0, 0))
            .ToString();

        var lines = text.Split("\r\n");
        Assert.Equal(["DTSTART;TZID=America/New_York:20301103T013000", "DTEND:20301103T063000Z", "DUE:20301103T063000Z"], lines[..3]);
        // March (EST before 10 March), then EDT from 10 March 02:00 EST, then EST from 3 November 02:00 EDT.
        Assert.Contains("BEGIN:DAYLIGHT\r\nDTSTART:20300310T020000\r\nTZOFFSETFROM:-0500\r\nTZOFFSETTO:-0400\r\nTZNAME:EDT\r\nEND:DAYLIGHT", text, StringComparison.Ordinal);
        Assert.Contains("BEGIN:STANDARD\r\nDTSTART:20301103T020000\r\nTZOFFSETFROM:-0400\r\nTZOFFSETTO:-0500\r\nTZNAME:EST\r\nEND:STANDARD", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Feeds_ListHidesTheSecret_RevokedOrUnknownIs404_NameIsRequired()
    {
        await using var s = await StartAsync(DatabaseProvider.Sqlite, Now);
        await s.CreateAsync(Daily("Daily", "UTC", "12:00", "2030-03-01T00:00:00"));
        var feed = await CreateFeedAsync(s.Client, "Outlook");
        var url = feed.GetProperty("url").GetString()!;
        var token = url[(url.LastIndexOf('/') + 1)..^4];
        using var anonymous = s.App.CreateClient();

        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync(url, Ct)).StatusCode);
        var listText = await s.Client.GetStringAsync("/api/v1/calendar/feeds", Ct);
        var listed = Assert.Single(JsonDocument.Parse(listText).RootElement.EnumerateArray());
        Assert.Equal(("Outlook", feed.GetProperty("id").GetGuid()), (listed.GetProperty("name").GetString(), listed.GetProperty("id").GetGuid()));
        Assert.False(listed.TryGetProperty("url", out _));
        Assert.DoesNotContain(token, listText, StringComparison.Ordinal);
        Assert.NotEqual(JsonValueKind.Null, listed.GetProperty("lastUsedAt").ValueKind);

        Assert.Equal(HttpStatusCode.NoContent, (await s.Client.DeleteAsync($"/api/v1/calendar/feeds/{feed.GetProperty("id").GetGuid()}", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await anonymous.GetAsync(url, Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await anonymous.GetAsync("/api/v1/calendar/feeds/cal_unknown.ics", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await s.Client.DeleteAsync($"/api/v1/calendar/feeds/{feed.GetProperty("id").GetGuid()}", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/v1/calendar/feeds", Ct)).StatusCode);

        var empty = await s.Client.PostAsJsonAsync("/api/v1/calendar/feeds", new { name = " " }, Ct);
        Assert.Equal(HttpStatusCode.BadRequest, empty.StatusCode);
        Assert.True((await empty.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("errors").TryGetProperty("name", out _));
    }

    [Fact]
    public async Task FeedUrl_ManyReadsFromOneAddress_AreRefusedWith429_AndTheEndpointsAreInTheOpenApiDocument()
    {
        await using var s = await StartAsync(DatabaseProvider.Sqlite, Now);
        using var anonymous = s.App.CreateClient();

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 61; i++)
        {
            statuses.Add((await anonymous.GetAsync("/api/v1/calendar/feeds/cal_guess" + i + ".ics", Ct)).StatusCode);
        }

        Assert.All(statuses[..60], status => Assert.Equal(HttpStatusCode.NotFound, status));
        Assert.Equal(HttpStatusCode.TooManyRequests, statuses[60]);
        var openApi = await anonymous.GetStringAsync("/openapi/v1.json", Ct);
        Assert.Contains("\"/api/v1/schedules/calendar\"", openApi, StringComparison.Ordinal);
        Assert.Contains("\"/api/v1/calendar/feeds/{token}.ics\"", openApi, StringComparison.Ordinal);
    }

    [Fact]
    public void IcsWriter_FoldsAt75OctetsWithoutSplittingCharacters_AndEscapesText()
    {
        var summary = string.Concat(Enumerable.Repeat("é☕a", 40)) + ", end; \\ done\nnext";

        var text = new IcsWriter().Text("SUMMARY", summary).ToString();

        var lines = text.Split("\r\n")[..^1];
        Assert.True(lines.Length > 2);
        Assert.All(lines, l => Assert.True(Encoding.UTF8.GetByteCount(l) <= 75, l));
        Assert.All(lines.Skip(1), l => Assert.StartsWith(" ", l, StringComparison.Ordinal));
        var unfolded = string.Concat(lines.Select((l, i) => i == 0 ? l : l[1..]));
        Assert.Equal("SUMMARY:" + string.Concat(Enumerable.Repeat("é☕a", 40)) + "\\, end\\; \\\\ done\\nnext", unfolded);
    }
}
