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
            api.Select(i => (Utc(i.GetProperty("scheduledFor").GetString()!), i.GetProperty("title").GetString()!, i.GetProperty("kind").GetString() == "skipped")).Order(),
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
