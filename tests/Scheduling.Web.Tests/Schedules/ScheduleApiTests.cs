using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Scheduling.Web.Data;
using Scheduling.Web.Tests.Infrastructure;

namespace Scheduling.Web.Tests.Schedules;

/// <summary>The schedules API end to end, on a real database; dates are in 2030 so "the future" holds.</summary>
public class ScheduleApiTests : IAsyncLifetime
{
    private AppFactory _app = null!;
    private HttpClient _client = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _app = await AppFactory.StartAsync(DatabaseProvider.Sqlite);
        _client = await Session.RegisterAsync(_app, "creator@example.com");
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();

    internal static object Weekly(string name = "Weekly show") => new
    {
        name,
        jobType = "video_generation",
        jobConfig = new { format = "mp4" },
        scheduleType = "recurring",
        timezone = "America/New_York",
        recurrence = new { rrule = "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH;BYHOUR=9;BYMINUTE=0", start = "2030-01-01T00:00:00" },
        priority = "high",
        missedPolicy = "run_all",
        overlapPolicy = "queue_one",
        retry = new { maxAttempts = 3, strategy = "exponential", baseDelaySeconds = 10, maxDelaySeconds = 600 },
        timeoutSeconds = 900,
        jitterSeconds = 45,
    };

    private async Task<JsonElement> CreateAsync(object body)
    {
        var response = await _client.PostAsJsonAsync("/api/v1/schedules", body, Ct);
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync(Ct));
        return await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
    }

    [Fact]
    public async Task Create_RecurringRrule_Returns201WithEveryFieldAndNextRunInUtcAndLocal()
    {
        var created = await CreateAsync(Weekly());

        Assert.Equal("active", created.GetProperty("status").GetString());
        Assert.Equal("video_generation", created.GetProperty("jobType").GetString());
        Assert.Equal("mp4", created.GetProperty("jobConfig").GetProperty("format").GetString());
        Assert.Equal("high", created.GetProperty("priority").GetString());
        Assert.Equal("run_all", created.GetProperty("missedPolicy").GetString());
        Assert.Equal("queue_one", created.GetProperty("overlapPolicy").GetString());
        Assert.Equal("exponential", created.GetProperty("retry").GetProperty("strategy").GetString());
        Assert.Equal(900, created.GetProperty("timeoutSeconds").GetInt32());
        Assert.Equal(45, created.GetProperty("jitterSeconds").GetInt32());
        // 2030-01-03 is the first Thursday on or after the start: 09:00 EST = 14:00Z.
        Assert.Equal("2030-01-03T14:00:00Z", created.GetProperty("nextRunAt").GetString());
        Assert.Equal("2030-01-03T09:00:00", created.GetProperty("nextRunLocal").GetString());
        var recurrence = created.GetProperty("recurrence");
        Assert.Contains("FREQ=WEEKLY", recurrence.GetProperty("rrule").GetString(), StringComparison.Ordinal);
        Assert.Contains("Every 2 weeks", recurrence.GetProperty("description").GetString(), StringComparison.Ordinal);
        Assert.Equal(created.GetProperty("id").GetGuid(), (await _client.GetFromJsonAsync<JsonElement>($"/api/v1/schedules/{created.GetProperty("id").GetGuid()}", Ct)).GetProperty("id").GetGuid());
    }

    [Fact]
    public async Task Create_OnceInsideSpringForwardGap_RunsAtTheShiftedInstant()
    {
        // New York springs forward on 2030-03-10: 02:30 does not exist and moves to 03:30 EDT (07:30Z).
        var created = await CreateAsync(new { name = "Gap", jobType = "export", scheduleType = "once", scheduledAt = "2030-03-10T02:30:00", timezone = "America/New_York" });

        Assert.Equal("2030-03-10T07:30:00Z", created.GetProperty("nextRunAt").GetString());
        Assert.Equal("2030-03-10T03:30:00", created.GetProperty("nextRunLocal").GetString());
        Assert.Equal("2030-03-10T02:30:00", created.GetProperty("scheduledAt").GetString());
    }

    [Fact]
    public async Task Create_CronPresetAndStructuredForms_AllBecomeOneRuleModel()
    {
        var cron = await CreateAsync(new { name = "Cron", jobType = "newsletter", timezone = "Europe/London", recurrence = new { cron = "0 8 * * 1-5", start = "2030-06-03T00:00" } });
        var preset = await CreateAsync(new { name = "Preset", jobType = "publish", timezone = "Europe/London", recurrence = new { preset = "last_friday", start = "2030-06-01T00:00" } });
        var structured = await CreateAsync(new
        {
            name = "Structured",
            jobType = "script_generation",
            timezone = "Asia/Kolkata",
            recurrence = new { frequency = "monthly", byDay = new[] { "2TU" }, timesOfDay = new[] { "18:30" }, count = 6, start = "2030-01-01T00:00" },
        });

        Assert.Equal("recurring", cron.GetProperty("scheduleType").GetString());
        Assert.Equal("0 8 * * 1-5", cron.GetProperty("recurrence").GetProperty("cron").GetString());
        Assert.Equal("2030-06-03T08:00:00", cron.GetProperty("nextRunLocal").GetString());
        Assert.Equal("2030-06-03T07:00:00Z", cron.GetProperty("nextRunAt").GetString());
        Assert.Equal("2030-06-28T", preset.GetProperty("nextRunLocal").GetString()![..11]);
        Assert.Equal("2030-01-08T18:30:00", structured.GetProperty("nextRunLocal").GetString());
        Assert.Equal("2030-01-08T13:00:00Z", structured.GetProperty("nextRunAt").GetString());
    }

    [Fact]
    public async Task Create_StructuredListsRepeatingValues_KeepsOneOfEach_AndTooManyValuesAre400()
    {
        // The fuzzer found this: 5,000 repeats of one BYSETPOS value saved a rule the text parser could not read back (500).
        var repeated = await CreateAsync(new
        {
            name = "Repeats",
            jobType = "newsletter",
            timezone = "UTC",
            recurrence = new { frequency = "monthly", byDay = new[] { "MO" }, bySetPos = Enumerable.Repeat(1, 5000).ToArray(), timesOfDay = new[] { "09:00" }, start = "2030-01-01T00:00" },
        });
        Assert.Contains("BYSETPOS=1;", repeated.GetProperty("recurrence").GetProperty("rrule").GetString() + ";");
        Assert.Equal("2030-01-07T09:00:00", repeated.GetProperty("nextRunLocal").GetString());

        var tooLong = await _client.PostAsJsonAsync("/api/v1/schedules", new
        {
            name = "Every position",
            jobType = "newsletter",
            timezone = "UTC",
            recurrence = new { frequency = "yearly", bySetPos = Enumerable.Range(1, 366).Concat(Enumerable.Range(1, 366).Select(p => -p)).ToArray(), timesOfDay = new[] { "09:00" }, start = "2030-01-01T00:00" },
        }, Ct);
        var body = await tooLong.Content.ReadAsStringAsync(Ct);
        Assert.True(tooLong.StatusCode == HttpStatusCode.BadRequest, body);
        Assert.Contains("longer than 2000 characters", body);
    }

    [Fact]
    public async Task Next_WithExdatesAndMoves_ListsPlannedRunsInLocalAndUtc()
    {
        var created = await CreateAsync(new
        {
            name = "Daily",
            jobType = "caption_generation",
            timezone = "Europe/Paris",
            recurrence = new
            {
                rrule = "FREQ=DAILY;BYHOUR=9;BYMINUTE=0",
                start = "2030-05-01T00:00",
                exdates = new[] { "2030-05-02T09:00:00" },
                moves = new[] { new { from = "2030-05-03T09:00:00", to = "2030-05-03T15:00:00" } },
            },
        });

        var next = await _client.GetFromJsonAsync<JsonElement>($"/api/v1/schedules/{created.GetProperty("id").GetGuid()}/next?count=3", Ct);

        var occurrences = next.GetProperty("occurrences").EnumerateArray().ToList();
        Assert.Equal(["2030-05-01T09:00:00", "2030-05-03T15:00:00", "2030-05-04T09:00:00"], occurrences.Select(o => o.GetProperty("local").GetString()));
        Assert.Equal(["2030-05-01T07:00:00Z", "2030-05-03T13:00:00Z", "2030-05-04T07:00:00Z"], occurrences.Select(o => o.GetProperty("utc").GetString()));
        Assert.True(occurrences[1].GetProperty("moved").GetBoolean());
    }

    [Fact]
    public async Task StatusChanges_FollowTheStateMachine_InvalidTransitionsAre409()
    {
        var id = (await CreateAsync(Weekly())).GetProperty("id").GetGuid();

        var paused = await (await _client.PostAsJsonAsync($"/api/v1/schedules/{id}/pause", new { note = "Holiday break" }, Ct)).Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal("paused", paused.GetProperty("status").GetString());
        Assert.Equal("Holiday break", paused.GetProperty("pauseNote").GetString());
        Assert.Equal("2030-01-03T14:00:00Z", paused.GetProperty("nextRunAt").GetString());
        Assert.Equal(HttpStatusCode.Conflict, (await _client.PostAsync($"/api/v1/schedules/{id}/pause", null, Ct)).StatusCode);

        var resumed = await (await _client.PostAsJsonAsync($"/api/v1/schedules/{id}/resume", new { runMissed = false }, Ct)).Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal("active", resumed.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, resumed.GetProperty("pauseNote").ValueKind);

        var cancelled = await (await _client.PostAsync($"/api/v1/schedules/{id}/cancel", null, Ct)).Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal("cancelled", cancelled.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, cancelled.GetProperty("nextRunAt").ValueKind);
        var resumeCancelled = await _client.PostAsync($"/api/v1/schedules/{id}/resume", null, Ct);
        Assert.Equal(HttpStatusCode.Conflict, resumeCancelled.StatusCode);
        Assert.Contains("cancelled", (await resumeCancelled.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Conflict, (await _client.PutAsJsonAsync($"/api/v1/schedules/{id}", Weekly(), Ct)).StatusCode);
        Assert.Empty((await _client.GetFromJsonAsync<JsonElement>($"/api/v1/schedules/{id}/next", Ct)).GetProperty("occurrences").EnumerateArray());
    }

    [Fact]
    public async Task UpdateCloneDelete_KeepNextRunRightAndRemoveOnlyTheTarget()
    {
        var id = (await CreateAsync(Weekly())).GetProperty("id").GetGuid();

        var updated = await (await _client.PutAsJsonAsync($"/api/v1/schedules/{id}", new
        {
            name = "Renamed",
            jobType = "export",
            timezone = "Europe/London",
            recurrence = new { rrule = "FREQ=DAILY;BYHOUR=7;BYMINUTE=15", start = "2030-07-01T00:00" },
        }, Ct)).Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal("Renamed", updated.GetProperty("name").GetString());
        Assert.Equal("2030-07-01T06:15:00Z", updated.GetProperty("nextRunAt").GetString());

        var cloneResponse = await _client.PostAsJsonAsync($"/api/v1/schedules/{id}/clone", new { name = "Copy" }, Ct);
        Assert.Equal(HttpStatusCode.Created, cloneResponse.StatusCode);
        var clone = await cloneResponse.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.NotEqual(id, clone.GetProperty("id").GetGuid());
        Assert.Equal("Copy", clone.GetProperty("name").GetString());
        Assert.Equal(updated.GetProperty("recurrence").GetProperty("rrule").GetString(), clone.GetProperty("recurrence").GetProperty("rrule").GetString());

        Assert.Equal(HttpStatusCode.NoContent, (await _client.DeleteAsync($"/api/v1/schedules/{id}", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _client.GetAsync($"/api/v1/schedules/{id}", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _client.GetAsync($"/api/v1/schedules/{clone.GetProperty("id").GetGuid()}", Ct)).StatusCode);
    }

    [Fact]
    public async Task List_FiltersSearchSortAndPages_WithATotal()
    {
        for (var i = 1; i <= 5; i++)
        {
            await CreateAsync(Weekly($"Episode {i}"));
        }
        await CreateAsync(new { name = "Newsletter", jobType = "newsletter", timezone = "UTC", recurrence = new { cron = "0 6 * * *" }, priority = "urgent" });

        var page = await _client.GetFromJsonAsync<JsonElement>("/api/v1/schedules?search=episode&sort=-name&page=2&pageSize=2", Ct);
        var urgent = await _client.GetFromJsonAsync<JsonElement>("/api/v1/schedules?priority=urgent&jobType=newsletter&status=active", Ct);

        Assert.Equal(5, page.GetProperty("total").GetInt32());
        Assert.Equal(["Episode 3", "Episode 2"], page.GetProperty("items").EnumerateArray().Select(s => s.GetProperty("name").GetString()));
        Assert.Equal("Newsletter", Assert.Single(urgent.GetProperty("items").EnumerateArray()).GetProperty("name").GetString());
    }

    [Fact]
    public async Task PatternsAndTimezones_ListPresetsAndIanaZones()
    {
        var patterns = await _client.GetFromJsonAsync<JsonElement>("/api/v1/schedules/patterns", Ct);
        var zones = await _client.GetFromJsonAsync<string[]>("/api/v1/schedules/timezones", Ct);

        Assert.True(patterns.GetArrayLength() >= 9);
        Assert.All(patterns.EnumerateArray(), p => Assert.StartsWith("FREQ=", p.GetProperty("rrule").GetString(), StringComparison.Ordinal));
        Assert.Contains("America/New_York", zones!);
        Assert.Contains("Asia/Kolkata", zones!);
    }

    public static TheoryData<string, string, string> BadSchedules => new()
    {
        { "POST", "{not json", "body" },
        { "POST", "{\"name\":\"x\",\"jobType\":\"dancing\",\"timezone\":\"UTC\",\"scheduledAt\":\"2030-01-01T09:00\"}", "jobType" },
        { "POST", "{\"name\":\"x\",\"jobType\":\"export\",\"timezone\":\"Mars/Base\",\"scheduledAt\":\"2030-01-01T09:00\"}", "timezone" },
        { "POST", "{\"name\":\"x\",\"jobType\":\"export\",\"timezone\":\"UTC\",\"scheduledAt\":\"2030-02-30T09:00\"}", "scheduledAt" },
        { "POST", "{\"name\":\"x\",\"jobType\":\"export\",\"timezone\":\"UTC\",\"scheduledAt\":\"2001-01-01T09:00\"}", "scheduledAt" },
        { "POST", "{\"name\":\"\",\"jobType\":\"export\",\"timezone\":\"UTC\",\"scheduledAt\":\"2030-01-01T09:00\"}", "name" },
        { "POST", "{\"name\":\"x\",\"jobType\":\"export\",\"timezone\":\"UTC\",\"scheduledAt\":\"2030-01-01T09:00\",\"jobConfig\":[1,2]}", "jobConfig" },
        { "POST", "{\"name\":\"x\",\"jobType\":\"export\",\"timezone\":\"UTC\",\"scheduledAt\":\"2030-01-01T09:00\",\"priority\":\"asap\"}", "priority" },
        { "POST", "{\"name\":\"x\",\"jobType\":\"export\",\"timezone\":\"UTC\",\"scheduledAt\":\"2030-01-01T09:00\",\"priority\":3}", "priority" },
        { "POST", "{\"name\":\"x\",\"jobType\":\"export\",\"timezone\":\"UTC\",\"recurrence\":{\"rrule\":\"FREQ=SOMETIMES\"}}", "recurrence.rrule" },
        { "POST", "{\"name\":\"x\",\"jobType\":\"export\",\"timezone\":\"UTC\",\"recurrence\":{\"rrule\":\"FREQ=DAILY;INTERVAL=0\"}}", "recurrence.rrule" },
        { "POST", "{\"name\":\"x\",\"jobType\":\"export\",\"timezone\":\"UTC\",\"recurrence\":{\"cron\":\"61 * * * *\"}}", "recurrence.cron" },
        { "POST", "{\"name\":\"x\",\"jobType\":\"export\",\"timezone\":\"UTC\",\"recurrence\":{\"frequency\":\"weekly\",\"interval\":-1}}", "recurrence.interval" },
        { "POST", "{\"name\":\"x\",\"jobType\":\"export\",\"timezone\":\"UTC\",\"recurrence\":{\"frequency\":\"weekly\",\"byDay\":[\"XX\"]}}", "recurrence.byDay" },
        { "POST", "{\"name\":\"x\",\"jobType\":\"export\",\"timezone\":\"UTC\",\"recurrence\":{\"frequency\":\"monthly\",\"byMonthDay\":[32]}}", "recurrence.byMonthDay" },
        { "POST", "{\"name\":\"x\",\"jobType\":\"export\",\"timezone\":\"UTC\",\"recurrence\":{\"frequency\":\"daily\",\"count\":0}}", "recurrence.count" },
        { "POST", "{\"name\":\"x\",\"jobType\":\"export\",\"timezone\":\"UTC\",\"recurrence\":{\"rrule\":\"FREQ=DAILY;COUNT=2\",\"start\":\"2001-01-01T09:00\"}}", "recurrence" },
        { "POST", "{\"name\":\"x\",\"jobType\":\"export\",\"timezone\":\"UTC\",\"recurrence\":{\"preset\":\"whenever\"}}", "recurrence.preset" },
        { "POST", "{\"name\":\"x\",\"jobType\":\"export\",\"timezone\":\"UTC\",\"recurrence\":{\"rrule\":\"FREQ=DAILY\",\"cron\":\"* * * * *\"}}", "recurrence.rrule" },
        { "POST", "{\"name\":\"x\",\"jobType\":\"export\",\"timezone\":\"UTC\",\"recurrence\":{\"rrule\":\"FREQ=DAILY\",\"exdates\":[\"yesterday\"]}}", "recurrence.exdates[0]" },
        { "POST", "{\"name\":\"x\",\"jobType\":\"export\",\"timezone\":\"UTC\",\"scheduledAt\":\"2030-01-01T09:00\",\"retry\":{\"maxAttempts\":1000}}", "retry.maxAttempts" },
        { "POST", "{\"name\":\"x\",\"jobType\":\"export\",\"timezone\":\"UTC\",\"scheduledAt\":\"2030-01-01T09:00\",\"webhookUrl\":\"ftp://example.com\"}", "webhookUrl" },
        { "POST", "{\"name\":\"x\",\"jobType\":\"export\",\"timezone\":\"UTC\",\"scheduledAt\":\"2030-01-01T09:00\",\"maxRuns\":0}", "maxRuns" },
        { "POST", "{\"name\":\"x\",\"jobType\":\"export\",\"timezone\":\"UTC\",\"scheduledAt\":\"2030-01-01T09:00\",\"jitterSeconds\":-1}", "jitterSeconds" },
        { "POST", "{\"name\":\"x\",\"jobType\":\"export\",\"timezone\":\"UTC\",\"scheduledAt\":\"2030-01-01T09:00\",\"jitterSeconds\":3601}", "jitterSeconds" },
        { "POST", "{\"name\":\"x\",\"jobType\":\"export\",\"timezone\":\"UTC\",\"scheduledAt\":\"2030-01-01T09:00\",\"jitterSeconds\":\"soon\"}", "jitterSeconds" },
        { "POST", "{\"name\":\"x\",\"jobType\":\"export\",\"timezone\":\"UTC\",\"scheduledAt\":\"2030-01-01T09:00\",\"maxRuns\":99999999999999}", "maxRuns" },
        { "POST", "{\"name\":\"x\",\"jobType\":\"export\",\"timezone\":\"UTC\"}", "scheduledAt" },
        { "GET", "?pageSize=100000", "pageSize" },
        { "GET", "?sort=colour", "sort" },
        { "GET", "?status=sleeping", "status" },
    };

    [Theory]
    [MemberData(nameof(BadSchedules))]
    public async Task Create_OrList_BadInput_Returns400NamingTheField(string method, string payload, string field)
    {
        var response = method == "GET"
            ? await _client.GetAsync("/api/v1/schedules" + payload, Ct)
            : await _client.PostAsync("/api/v1/schedules", new StringContent(payload, Encoding.UTF8, "application/json"), Ct);

        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{(int)response.StatusCode}: {text}");
        var problem = JsonDocument.Parse(text).RootElement;
        Assert.True(problem.GetProperty("errors").EnumerateObject().Any(e => e.Name.StartsWith(field, StringComparison.Ordinal)), $"no error for '{field}' in {text}");
    }

    [Theory]
    [InlineData("GET", "/api/v1/schedules/00000000-0000-0000-0000-000000000042", 404)]
    [InlineData("POST", "/api/v1/schedules/00000000-0000-0000-0000-000000000042/pause", 404)]
    [InlineData("GET", "/api/v1/schedules/00000000-0000-0000-0000-000000000042/next?count=5", 404)]
    [InlineData("GET", "/api/v1/schedules/not-a-guid", 404)]
    public async Task UnknownIds_Return404ProblemDetails(string method, string path, int expected)
    {
        var response = await _client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path), Ct);

        Assert.Equal(expected, (int)response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1001)]
    public async Task Next_AbsurdCount_Returns400(int count)
    {
        var id = (await CreateAsync(Weekly())).GetProperty("id").GetGuid();

        var response = await _client.GetAsync($"/api/v1/schedules/{id}/next?count={count}", Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }
}
