using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Scheduling.Web.Data;
using Scheduling.Web.Tests.Infrastructure;

namespace Scheduling.Web.Tests.Schedules;

public class RecurrencePreviewTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Preview_Anonymous_ExpandsInTheZoneWithExdatesAcrossDst()
    {
        await using var app = await AppFactory.StartAsync(DatabaseProvider.Sqlite);

        var response = await app.CreateClient().PostAsJsonAsync("/api/v1/recurrence/preview", new
        {
            rrule = "FREQ=WEEKLY;BYDAY=SU",
            dtstart = "2026-03-01T09:00:00",
            timezone = "America/New_York",
            exdates = new[] { "2026-03-08T09:00:00" },
            count = 3,
        }, Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
        var occurrences = body.GetProperty("occurrences").EnumerateArray().ToList();
        Assert.Equal(["2026-03-01T09:00:00", "2026-03-15T09:00:00", "2026-03-22T09:00:00"], occurrences.Select(o => o.GetProperty("local").GetString()));
        // EST (-5) before 8 March, EDT (-4) after.
        Assert.Equal(["2026-03-01T14:00:00Z", "2026-03-15T13:00:00Z", "2026-03-22T13:00:00Z"], occurrences.Select(o => o.GetProperty("utc").GetString()));
        Assert.False(string.IsNullOrEmpty(body.GetProperty("description").GetString()));
    }

    [Theory]
    [InlineData("{\"rrule\":\"FREQ=DAILY\",\"dtstart\":\"2026-03-01T09:00:00\",\"timezone\":\"America/New_York\",\"count\":5000}", "count")]
    [InlineData("{\"rrule\":\"FREQ=DAILY\",\"dtstart\":\"2026-03-01T09:00:00\",\"timezone\":\"Nowhere/Land\"}", "timezone")]
    [InlineData("{\"rrule\":\"FREQ=FORTNIGHTLY\",\"dtstart\":\"2026-03-01T09:00:00\",\"timezone\":\"UTC\"}", "rrule")]
    [InlineData("{\"rrule\":\"FREQ=DAILY\",\"dtstart\":\"2026-13-01T09:00:00\",\"timezone\":\"UTC\"}", "dtstart")]
    [InlineData("{\"cron\":\"* * *\",\"dtstart\":\"2026-03-01T09:00:00\",\"timezone\":\"UTC\"}", "cron")]
    [InlineData("{\"dtstart\":\"2026-03-01T09:00:00\",\"timezone\":\"UTC\"}", "rrule")]
    public async Task Preview_BadInput_Returns400NamingTheField(string body, string field)
    {
        await using var app = await AppFactory.StartAsync(DatabaseProvider.Sqlite);

        var response = await app.CreateClient().PostAsync("/api/v1/recurrence/preview", new StringContent(body, System.Text.Encoding.UTF8, "application/json"), Ct);

        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, text);
        Assert.True(JsonDocument.Parse(text).RootElement.GetProperty("errors").TryGetProperty(field, out _), text);
    }
}
