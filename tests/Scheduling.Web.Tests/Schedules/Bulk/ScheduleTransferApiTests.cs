using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Scheduling.Web.Data;
using Scheduling.Web.Tests.Infrastructure;

namespace Scheduling.Web.Tests.Schedules.Bulk;

/// <summary>Export and import (CSV and JSON) through the API, on SQLite and PostgreSQL.</summary>
public class ScheduleTransferApiTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private const string Header = "name,jobType,timezone,scheduledAt,rrule,start,priority";

    private static StringContent Csv(string text) => new(text, Encoding.UTF8, "text/csv");

    private static async Task<HttpClient> BearerAsync(AppFactory app, string email) =>
        app.CreateBearerClient(await Session.CreateTokenAsync(await Session.RegisterAsync(app, email)));

    private static async Task<List<JsonElement>> ListAsync(HttpClient client) =>
        [.. (await client.GetFromJsonAsync<JsonElement>("/api/v1/schedules?pageSize=200&sort=name", Ct)).GetProperty("items").EnumerateArray()];

    [Theory]
    [InlineData(DatabaseProvider.Sqlite, "csv")]
    [InlineData(DatabaseProvider.Sqlite, "json")]
    [InlineData(DatabaseProvider.PostgreSql, "csv")]
    [InlineData(DatabaseProvider.PostgreSql, "json")]
    public async Task ExportThenImportIntoAnotherWorkspace_RecreatesTheSameSchedules_WithTheSameNextRuns(DatabaseProvider provider, string format)
    {
        await using var app = await AppFactory.StartAsync(provider);
        var source = await BearerAsync(app, "source@example.com");
        var target = await BearerAsync(app, "target@example.com");
        await BulkScheduleApiTests.CreateManyAsync(source,
        [
            Schedules.ScheduleApiTests.Weekly("=HYPERLINK(\"http://evil\") weekly"),
            new { name = "Cron, \"quoted\"", description = "line one\nline two", jobType = "newsletter", timezone = "Europe/London", recurrence = new { cron = "0 8 * * 1-5", start = "2030-06-03T00:00", exdates = new[] { "2030-06-04T08:00:00" } } },
            new
            {
                name = "-Moved and blacked out",
                jobType = "caption_generation",
                jobConfig = new { lang = "de", nested = new { a = 1 } },
                timezone = "Europe/Paris",
                recurrence = new { rrule = "FREQ=DAILY;BYHOUR=9;BYMINUTE=0", start = "2030-05-01T00:00", moves = new[] { new { from = "2030-05-03T09:00:00", to = "2030-05-03T15:00:00" } }, blackoutDates = new[] { "2030-05-02" } },
                maxRuns = 10,
                webhookUrl = "https://example.com/hook",
                titleTemplate = "Episode {run}",
                // Its own pipeline goes along (a JSON cell in the CSV).
                pipeline = new { stages = new object[] { new { key = "render", timeoutSeconds = 600 }, new { key = "upload", publishing = true } } },
                // And its publish time ("+..." is written behind a quote mark in the CSV, and read back either way).
                publishAt = "+2d@12:00",
            },
            BulkScheduleApiTests.Once("@once", "2030-03-10T02:30:00", timezone: "America/New_York"),
        ]);

        var export = await source.GetAsync($"/api/v1/schedules/export?format={format}", Ct);
        Assert.Equal(HttpStatusCode.OK, export.StatusCode);
        Assert.Equal(format == "csv" ? "text/csv" : "application/json", export.Content.Headers.ContentType?.MediaType);
        Assert.Contains($"schedules-", export.Content.Headers.ContentDisposition?.FileName ?? "", StringComparison.Ordinal);
        var file = await export.Content.ReadAsStringAsync(Ct);
        if (format == "csv")
        {
            // Formula-like cells are written behind a quote mark, so a spreadsheet shows them as text.
            Assert.Contains("'=HYPERLINK", file, StringComparison.Ordinal);
            Assert.Contains("'-Moved", file, StringComparison.Ordinal);
            Assert.Contains("'@once", file, StringComparison.Ordinal);
            Assert.Contains("'+2d@12:00", file, StringComparison.Ordinal);
            Assert.StartsWith("name,description,jobType,", file, StringComparison.Ordinal);
        }

        var imported = await target.PostAsync($"/api/v1/schedules/import?format={format}", format == "csv" ? Csv(file) : new StringContent(file, Encoding.UTF8, "application/json"), Ct);
        Assert.True(imported.StatusCode == HttpStatusCode.Created, await imported.Content.ReadAsStringAsync(Ct));

        var before = await ListAsync(source);
        Assert.Equal(1, before.Count(s => s.GetProperty("pipeline").ValueKind == JsonValueKind.Object));
        Assert.Equal(1, before.Count(s => s.GetProperty("publishAt").ValueKind == JsonValueKind.String));
        var after = await ListAsync(target);
        Assert.Equal(4, after.Count);
        foreach (var (a, b) in before.Zip(after))
        {
            Assert.NotEqual(a.GetProperty("id").GetGuid(), b.GetProperty("id").GetGuid());
            foreach (var field in new[] { "name", "description", "jobType", "scheduleType", "scheduledAt", "timezone", "priority", "maxRuns", "missedPolicy", "overlapPolicy", "timeoutSeconds", "jitterSeconds", "webhookUrl", "titleTemplate", "nextRunAt", "nextRunLocal", "summary", "publishAt" })
            {
                Assert.Equal(a.GetProperty(field).ToString(), b.GetProperty(field).ToString());
            }
            Assert.Equal(a.GetProperty("jobConfig").GetRawText(), b.GetProperty("jobConfig").GetRawText());
            Assert.Equal(a.GetProperty("retry").GetRawText(), b.GetProperty("retry").GetRawText());
            Assert.Equal(a.GetProperty("recurrence").GetRawText(), b.GetProperty("recurrence").GetRawText());
            Assert.Equal(a.GetProperty("pipeline").GetRawText(), b.GetProperty("pipeline").GetRawText());
            var id = (a.GetProperty("id").GetGuid(), b.GetProperty("id").GetGuid());
            var nextA = await source.GetStringAsync($"/api/v1/schedules/{id.Item1}/next?count=5", Ct);
            var nextB = await target.GetStringAsync($"/api/v1/schedules/{id.Item2}/next?count=5", Ct);
            Assert.Equal(nextA, nextB);
        }
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task ImportCsv_DryRunAnswersEachRowWithItsErrors_RealImportIsAllOrNothing_ThenTheFixedFileImports(DatabaseProvider provider)
    {
        await using var app = await AppFactory.StartAsync(provider);
        var client = await BearerAsync(app, "importer@example.com");
        var bad = $"""
            {Header}
            Morning tip,publish,Europe/Paris,2030-01-01T09:00,,,high
            Broken,video_making,Mars/Olympus,2030-01-01T09:00,,,
            Daily,newsletter,America/New_York,,FREQ=DAILY;BYHOUR=25,2030-01-01T00:00,
            """;

        var dry = await client.PostAsync("/api/v1/schedules/import?format=csv&dryRun=true", Csv(bad), Ct);
        Assert.True(dry.StatusCode == HttpStatusCode.OK, await dry.Content.ReadAsStringAsync(Ct));
        var preview = await dry.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.True(preview.GetProperty("dryRun").GetBoolean());
        Assert.Equal(3, preview.GetProperty("totalCount").GetInt32());
        Assert.Equal(1, preview.GetProperty("validCount").GetInt32());
        var rows = preview.GetProperty("rows").EnumerateArray().ToList();
        Assert.True(rows[0].GetProperty("valid").GetBoolean());
        Assert.Equal("2030-01-01T08:00:00Z", rows[0].GetProperty("nextRunAt").GetString());
        var errors = preview.GetProperty("errors").EnumerateArray().Select(e => (Row: e.GetProperty("row").GetInt32(), Column: e.GetProperty("column").GetString())).ToList();
        Assert.Contains((2, "jobType"), errors);
        Assert.Contains((2, "timezone"), errors);
        Assert.Contains((3, "rrule"), errors);
        Assert.DoesNotContain(errors, e => e.Row == 1);
        Assert.Empty(await ListAsync(client));

        var refused = await client.PostAsync("/api/v1/schedules/import?format=csv", Csv(bad), Ct);
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        var problem = await refused.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.True(problem.GetProperty("errors").TryGetProperty("rows[2].timezone", out _));
        Assert.Equal(2, problem.GetProperty("errorCount").GetInt32());
        Assert.Empty(await ListAsync(client));

        var fixedFile = bad.Replace("video_making,Mars/Olympus", "video_generation,Europe/Berlin", StringComparison.Ordinal).Replace("BYHOUR=25", "BYHOUR=7", StringComparison.Ordinal);
        var done = await client.PostAsync("/api/v1/schedules/import?format=csv", Csv(fixedFile), Ct);
        Assert.True(done.StatusCode == HttpStatusCode.Created, await done.Content.ReadAsStringAsync(Ct));
        Assert.All((await done.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("rows").EnumerateArray(), r => Assert.NotEqual(JsonValueKind.Null, r.GetProperty("id").ValueKind));
        Assert.Equal(["Broken", "Daily", "Morning tip"], (await ListAsync(client)).Select(s => s.GetProperty("name").GetString()));
    }

    [Fact]
    public async Task Import_LimitsAndUnreadableFiles_Are400NamingTheProblem()
    {
        await using var app = await AppFactory.StartAsync(DatabaseProvider.Sqlite);
        var client = await BearerAsync(app, "limits@example.com");
        var row = "Tip,publish,Europe/Paris,2030-01-01T09:00,,,";
        var tooMany = Header + "\n" + string.Join("\n", Enumerable.Repeat(row, 10_001));

        async Task<JsonElement> ProblemAsync(HttpContent content, string query = "format=csv&dryRun=true")
        {
            var response = await client.PostAsync($"/api/v1/schedules/import?{query}", content, Ct);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            return await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
        }

        Assert.Contains("10,000", (await ProblemAsync(Csv(tooMany))).GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Contains("unknownColumn", (await ProblemAsync(Csv("name,unknownColumn\nx,y"))).GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Contains("timezone", (await ProblemAsync(Csv("name,jobType\nx,publish"))).GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.True((await ProblemAsync(Csv(Header), "format=xml")).GetProperty("errors").TryGetProperty("format", out _));
        Assert.True((await ProblemAsync(new StringContent("{\"schedules\": 5}", Encoding.UTF8, "application/json"), "format=json")).GetProperty("errors").TryGetProperty("schedules", out _));
        Assert.True((await ProblemAsync(new StringContent(new string('x', 17 * 1024 * 1024), Encoding.UTF8, "text/csv"))).GetProperty("errors").TryGetProperty("body", out _));
        var exactlyTheLimit = await client.PostAsync("/api/v1/schedules/import?format=csv&dryRun=true", Csv(Header + "\n" + string.Join("\n", Enumerable.Repeat(row, 10_000))), Ct);
        Assert.Equal(HttpStatusCode.OK, exactlyTheLimit.StatusCode);
        Assert.Equal(10_000, (await exactlyTheLimit.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("validCount").GetInt32());
    }

    [Fact]
    public async Task TheSampleCsvOfTheImportDialog_ImportsWithoutErrors()
    {
        await using var app = await AppFactory.StartAsync(DatabaseProvider.Sqlite);
        var client = await BearerAsync(app, "sample@example.com");
        var sample = await app.CreateClient().GetStringAsync(Scheduling.Web.Features.Schedules.Bulk.ScheduleImportDialog.SampleUrl, Ct);

        var dry = await client.PostAsync("/api/v1/schedules/import?format=csv&dryRun=true", Csv(sample), Ct);

        var preview = await dry.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.True(preview.GetProperty("totalCount").GetInt32() >= 3);
        Assert.Equal(0, preview.GetProperty("errorCount").GetInt32());
    }
}
