using System.Net;
using System.Text;
using System.Text.Json;
using Scheduling.Web.Data;
using Scheduling.Web.Tests.Infrastructure;

namespace Scheduling.Web.Tests.Schedules;

/// <summary>
/// Dates at or past the ends of the calendar (found by fuzzing: each was a 500) are a 400 naming the field, in the
/// preview and in schedule create and update: they all go through the same local date-time parsing and expansion.
/// </summary>
public class OutOfRangeDateTests : IAsyncLifetime
{
    private AppFactory _app = null!;
    private HttpClient _client = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _app = await AppFactory.StartAsync(DatabaseProvider.Sqlite);
        _client = await Session.RegisterAsync(_app, "fuzzer@example.com");
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();

    public static TheoryData<string, string, string> Previews => new()
    {
        { "FREQ=DAILY", "-2026-12-20T09:00", "dtstart" },
        { "FREQ=DAILY", "0000-01-01T09:00", "dtstart" },
        { "FREQ=DAILY", "-0001-01-01T09:00", "dtstart" },
        { "FREQ=DAILY", "10000-01-01T09:00", "dtstart" },
        { "FREQ=DAILY", "9999-12-31T23:59", "dtstart" },
        { "FREQ=MINUTELY", "9999-12-31T23:59", "dtstart" },
        { "FREQ=DAILY;INTERVAL=2147483647", "2026-01-01T09:00", "rrule" },
        { "FREQ=DAILY;COUNT=2147483647", "2026-01-01T09:00", "rrule" },
        { "FREQ=DAILY;COUNT=99999999999", "2026-01-01T09:00", "rrule" },
        { "FREQ=DAILY;UNTIL=99991231T235959Z", "9999-12-30T09:00", "dtstart" },
    };

    [Theory]
    [MemberData(nameof(Previews))]
    public async Task Preview_OutOfRange_Is400NamingTheField(string rrule, string dtstart, string field)
    {
        var body = JsonSerializer.Serialize(new { rrule, dtstart, timezone = "America/New_York", count = 50 });

        var response = await _client.PostAsync("/api/v1/recurrence/preview", new StringContent(body, Encoding.UTF8, "application/json"), Ct);

        await AssertNamesAsync(response, field);
    }

    [Theory]
    [InlineData("{\"rrule\":\"FREQ=DAILY\",\"dtstart\":\"2026-01-01T09:00\",\"timezone\":\"UTC\",\"exdates\":[\"-2026-12-20T09:00\"]}", "exdates[0]")]
    [InlineData("{\"rrule\":\"FREQ=DAILY\",\"dtstart\":\"2026-01-01T09:00\",\"timezone\":\"UTC\",\"exdates\":[\"10000-01-01T09:00\"]}", "exdates[0]")]
    [InlineData("{\"cron\":\"0 9 * * *\",\"dtstart\":\"9999-12-31T23:59\",\"timezone\":\"Pacific/Kiritimati\"}", "dtstart")]
    public async Task Preview_OutOfRangeExdateOrCronStart_Is400NamingTheField(string body, string field)
    {
        var response = await _client.PostAsync("/api/v1/recurrence/preview", new StringContent(body, Encoding.UTF8, "application/json"), Ct);

        await AssertNamesAsync(response, field);
    }

    [Theory]
    [InlineData("FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=31", "9997-12-31T23:00", "America/New_York", new[] { "9997-12-31T23:00:00", "9998-12-31T23:00:00" })]
    [InlineData("FREQ=YEARLY;INTERVAL=1000", "2026-01-01T09:00", "UTC",
        new[] { "2026-01-01T09:00:00", "3026-01-01T09:00:00", "4026-01-01T09:00:00", "5026-01-01T09:00:00", "6026-01-01T09:00:00", "7026-01-01T09:00:00", "8026-01-01T09:00:00", "9026-01-01T09:00:00" })]
    [InlineData("FREQ=DAILY;UNTIL=00010103T000000Z", "0001-01-01T00:00", "Asia/Tokyo", new[] { "0001-01-02T00:00:00", "0001-01-03T00:00:00" })]
    public async Task Preview_RuleReachingTheEndsOfTime_EndsThere(string rrule, string dtstart, string timezone, string[] expected)
    {
        var body = JsonSerializer.Serialize(new { rrule, dtstart, timezone, count = 20 });

        var response = await _client.PostAsync("/api/v1/recurrence/preview", new StringContent(body, Encoding.UTF8, "application/json"), Ct);

        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {text}");
        var locals = JsonDocument.Parse(text).RootElement.GetProperty("occurrences").EnumerateArray().Select(o => o.GetProperty("local").GetString());
        Assert.Equal(expected, locals);
    }

    public static TheoryData<string, string> Schedules => new()
    {
        { "{\"scheduleType\":\"once\",\"scheduledAt\":\"-2026-12-20T09:00\"}", "scheduledAt" },
        { "{\"scheduleType\":\"once\",\"scheduledAt\":\"9999-12-31T23:59\"}", "scheduledAt" },
        { "{\"recurrence\":{\"rrule\":\"FREQ=DAILY\",\"start\":\"-2026-12-20T09:00\"}}", "recurrence.start" },
        { "{\"recurrence\":{\"rrule\":\"FREQ=DAILY\",\"start\":\"9999-12-31T23:59\"}}", "recurrence.start" },
        { "{\"recurrence\":{\"rrule\":\"FREQ=DAILY;COUNT=2147483647\",\"start\":\"2026-01-01T09:00\"}}", "recurrence.rrule" },
        { "{\"recurrence\":{\"rrule\":\"FREQ=DAILY\",\"start\":\"2026-01-01T09:00\",\"exdates\":[\"0000-01-01T09:00\"]}}", "recurrence.exdates[0]" },
        { "{\"recurrence\":{\"rrule\":\"FREQ=DAILY\",\"start\":\"2026-01-01T09:00\",\"moves\":[{\"from\":\"2026-01-02T09:00\",\"to\":\"10000-01-01T09:00\"}]}}", "recurrence.moves[0].to" },
        { "{\"recurrence\":{\"frequency\":\"daily\",\"timesOfDay\":[\"09:00\"],\"until\":\"-2026-12-20\",\"start\":\"2026-01-01T09:00\"}}", "recurrence.until" },
        { "{\"recurrence\":{\"frequency\":\"daily\",\"timesOfDay\":[\"09:00\"],\"interval\":2147483647,\"start\":\"2026-01-01T09:00\"}}", "recurrence.interval" },
        { "{\"recurrence\":{\"frequency\":\"daily\",\"timesOfDay\":[\"09:00\"],\"count\":2147483647,\"start\":\"2026-01-01T09:00\"}}", "recurrence.count" },
        { "{\"recurrence\":{\"rrule\":\"FREQ=DAILY\",\"start\":\"2026-01-01T09:00\",\"blackoutDates\":[\"-2026-12-20\"]}}", "recurrence.blackoutDates[0]" },
    };

    [Theory]
    [MemberData(nameof(Schedules))]
    public async Task CreateAndUpdate_OutOfRange_Is400NamingTheField(string timing, string field)
    {
        var json = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(timing)!;
        var input = new Dictionary<string, object?> { ["name"] = "Edge", ["jobType"] = "publish", ["timezone"] = "UTC" };
        foreach (var (key, value) in json)
        {
            input[key] = value;
        }

        var created = await _client.PostAsync("/api/v1/schedules", new StringContent(JsonSerializer.Serialize(input), Encoding.UTF8, "application/json"), Ct);
        await AssertNamesAsync(created, field);

        var good = await _client.PostAsync("/api/v1/schedules", new StringContent(
            """{"name":"Good","jobType":"publish","timezone":"UTC","recurrence":{"rrule":"FREQ=DAILY","start":"2026-01-01T09:00"}}""", Encoding.UTF8, "application/json"), Ct);
        Assert.Equal(HttpStatusCode.Created, good.StatusCode);
        var id = JsonDocument.Parse(await good.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("id").GetGuid();
        var updated = await _client.PutAsync($"/api/v1/schedules/{id}", new StringContent(JsonSerializer.Serialize(input), Encoding.UTF8, "application/json"), Ct);
        await AssertNamesAsync(updated, field);
    }

    private static async Task AssertNamesAsync(HttpResponseMessage response, string field)
    {
        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{(int)response.StatusCode}: {text}");
        Assert.True(JsonDocument.Parse(text).RootElement.GetProperty("errors").TryGetProperty(field, out _), text);
    }
}
