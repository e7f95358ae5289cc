using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Scheduling.Web.Data;
using Scheduling.Web.Features.Executions;
using Scheduling.Web.Tests.Infrastructure;

namespace Scheduling.Web.Tests.Engine;

/// <summary>
/// Backfill (POST /api/v1/schedules/{id}/backfill) end to end: the real dispatcher, ledger and Hangfire workers deliver
/// to a loopback integration that holds each response a little, so two runs in flight at once would show. SQLite always;
/// PostgreSQL too when SCHEDULING_TEST_POSTGRES names a server.
/// </summary>
public class BackfillTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task HourlyScheduleOverThePastHours_DeliversEachOccurrenceOnce_InOrder_OneAtATime_AndARepeatCreatesNothing(DatabaseProvider provider)
    {
        SkipWithoutServer(provider);
        var transitions = new RunTransitionLog();
        await using var host = await EngineHost.StartAsync(provider, transitions: transitions);
        await using var receiver = await HoldingWebhookReceiver.StartAsync();
        receiver.Respond("backfill", TimeSpan.FromMilliseconds(150));

        // Hourly at hh:mm, from 3 h 30 min ago (the next planned run is half an hour away, out of the test's way);
        // the second occurrence is an exception (skipped).
        var minute = Floor(DateTime.UtcNow);
        var start = minute.AddHours(-3).AddMinutes(-30);
        var scheduleId = await CreateHourlyAsync(host.Client, receiver.Url("backfill"), start, exdates: [start.AddHours(1)]);
        var before = await host.Client.GetFromJsonAsync<JsonElement>($"/api/v1/schedules/{scheduleId}", Ct);
        var from = start.AddMinutes(-10);
        var expected = new[] { 0, 2, 3 }.Select(h => start.AddHours(h)).ToList();

        // A dry run counts and lists, and writes nothing: no run is created or changed (every run is, through the
        // transition owner, within the request), so nothing can run later either.
        var mark = transitions.Count;
        var (dryStatus, dry) = await BackfillAsync(host.Client, scheduleId, from, minute, dryRun: true);
        Assert.Equal(HttpStatusCode.OK, dryStatus);
        Assert.True(dry.GetProperty("dryRun").GetBoolean());
        Assert.Equal(3, dry.GetProperty("total").GetInt32());
        Assert.Equal(3, dry.GetProperty("created").GetInt32());
        Assert.Equal(0, dry.GetProperty("alreadyRecorded").GetInt32());
        Assert.Equal(0, dry.GetProperty("leftToSchedule").GetInt32());
        Assert.Equal(expected, Instants(dry.GetProperty("occurrences")));
        Assert.Empty(dry.GetProperty("executionIds").EnumerateArray());
        Assert.Empty(transitions.Since(mark));
        Assert.Equal(0, (await host.ExecutionsOfAsync(scheduleId)).GetArrayLength());
        Assert.Empty(receiver.Requests);

        var (status, result) = await BackfillAsync(host.Client, scheduleId, from, minute);
        Assert.Equal(HttpStatusCode.Accepted, status);
        Assert.Equal(3, result.GetProperty("created").GetInt32());
        Assert.Equal(expected, Instants(result.GetProperty("occurrences")));
        var ids = result.GetProperty("executionIds").EnumerateArray().Select(e => e.GetGuid()).ToList();
        Assert.Equal(3, ids.Count);

        JsonElement runs;
        try
        {
            runs = await Eventually.GetAsync(() => host.ExecutionsOfAsync(scheduleId),
                list => list.GetArrayLength() == 3 && list.EnumerateArray().All(e => e.GetProperty("status").GetString() == "completed"),
                TimeSpan.FromSeconds(30), "the three backfilled runs to complete");
        }
        catch (TimeoutException timeout)
        {
            throw new TimeoutException($"{timeout.Message}\n{await host.EngineStateAsync(scheduleId)}", timeout);
        }
        await QuiescentAsync(host, scheduleId);

        // Planned runs (not manual), one per occurrence, delivered once each in occurrence order, never two at once.
        var byTime = runs.EnumerateArray().OrderBy(e => e.GetProperty("scheduledFor").GetDateTime()).ToList();
        Assert.Equal(expected, byTime.Select(e => e.GetProperty("scheduledFor").GetDateTime().ToUniversalTime()));
        Assert.Equal(ids, byTime.Select(e => e.GetProperty("id").GetGuid()));
        Assert.All(byTime, e => Assert.False(e.GetProperty("isManual").GetBoolean()));
        var requests = receiver.On("backfill").OrderBy(r => r.ArrivedSeq).ToList();
        var timeline = string.Join("\n", requests.Select(r => $"{r.Json.GetProperty("scheduledFor")} arrived #{r.ArrivedSeq}, answered #{r.AnsweredSeq}"));
        Assert.True(ids.SequenceEqual(requests.Select(r => r.ExecutionId)), $"expected each run once, in order:\n{timeline}");
        Assert.Equal(expected, requests.Select(r => r.Json.GetProperty("scheduledFor").GetDateTime().ToUniversalTime()));
        Assert.All(requests, r => Assert.False(r.Json.GetProperty("isManual").GetBoolean()));
        Assert.Equal(1, receiver.MaxInFlight("backfill"));
        for (var i = 1; i < requests.Count; i++)
        {
            Assert.True(requests[i].ArrivedSeq > requests[i - 1].AnsweredSeq, $"run {i} arrived before run {i - 1} was answered:\n{timeline}");
        }

        // The schedule's own plan is untouched: same next run, no run counted.
        var after = await host.Client.GetFromJsonAsync<JsonElement>($"/api/v1/schedules/{scheduleId}", Ct);
        Assert.Equal(before.GetProperty("nextRunAt").GetDateTime(), after.GetProperty("nextRunAt").GetDateTime());
        Assert.Equal(0, after.GetProperty("runCount").GetInt32());

        // Again over the same range: everything is already recorded, nothing runs twice (no run created or reopened; a
        // job handed over again for a finished run would find nothing to do).
        mark = transitions.Count;
        var (againStatus, again) = await BackfillAsync(host.Client, scheduleId, from, minute);
        Assert.Equal(HttpStatusCode.Accepted, againStatus);
        Assert.Equal(0, again.GetProperty("created").GetInt32());
        Assert.Equal(3, again.GetProperty("alreadyRecorded").GetInt32());
        Assert.Empty(again.GetProperty("executionIds").EnumerateArray());
        Assert.Empty(transitions.Since(mark));
        await QuiescentAsync(host, scheduleId);
        Assert.Equal(3, receiver.On("backfill").Count);
        Assert.Equal(3, (await host.ExecutionsOfAsync(scheduleId)).GetArrayLength());
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task OccurrencesRecordedAsSkipped_RunAgainWithTheirExecution_InOrderWithTheMissingOnes_UnlessLeftOut(DatabaseProvider provider)
    {
        SkipWithoutServer(provider);
        var transitions = new RunTransitionLog();
        await using var host = await EngineHost.StartAsync(provider, transitions: transitions);
        await using var receiver = await HoldingWebhookReceiver.StartAsync();
        receiver.Respond("skipped", TimeSpan.FromMilliseconds(100));

        // Hourly from 3 h 30 min ago: the first occurrence was skipped (the app was down), the second ran, the third has no run.
        var minute = Floor(DateTime.UtcNow);
        var start = minute.AddHours(-3).AddMinutes(-30);
        var scheduleId = await CreateHourlyAsync(host.Client, receiver.Url("skipped"), start);
        var skippedId = (await host.RecordRunAsync(scheduleId, start, ExecutionStatus.Skipped, "Missed while the app was down (missed-run policy: skip).")).Id;
        await host.RecordRunAsync(scheduleId, start.AddHours(1), ExecutionStatus.Completed);
        var from = start.AddMinutes(-10);
        var to = start.AddHours(2).AddMinutes(10);

        // Left out: only the missing one, the skipped one counts as recorded.
        var (_, without) = await BackfillAsync(host.Client, scheduleId, from, to, dryRun: true, includeSkipped: false);
        Assert.Equal(1, without.GetProperty("created").GetInt32());
        Assert.Equal(1, without.GetProperty("skipped").GetInt32());
        Assert.Equal(2, without.GetProperty("alreadyRecorded").GetInt32());
        Assert.Equal(1, without.GetProperty("toRun").GetInt32());
        Assert.Equal([start.AddHours(2)], Instants(without.GetProperty("occurrences")));

        // By default the skipped one runs again, in occurrence order with the missing one.
        var (_, dry) = await BackfillAsync(host.Client, scheduleId, from, to, dryRun: true);
        Assert.Equal(1, dry.GetProperty("created").GetInt32());
        Assert.Equal(1, dry.GetProperty("skipped").GetInt32());
        Assert.Equal(1, dry.GetProperty("alreadyRecorded").GetInt32());
        Assert.Equal(2, dry.GetProperty("toRun").GetInt32());
        Assert.Equal([start, start.AddHours(2)], Instants(dry.GetProperty("occurrences")));
        Assert.Equal("skipped", Status(await host.ExecutionAsync(skippedId)));

        var (status, result) = await BackfillAsync(host.Client, scheduleId, from, to);
        Assert.Equal(HttpStatusCode.Accepted, status);
        var ids = result.GetProperty("executionIds").EnumerateArray().Select(e => e.GetGuid()).ToList();
        Assert.Equal(2, ids.Count);
        // The skipped run keeps its execution: the integration sees the same idempotency key it would have seen.
        Assert.Equal(skippedId, ids[0]);
        foreach (var id in ids)
        {
            await host.WaitForAsync(id, e => Status(e) == "completed", "a backfilled run to complete");
        }
        await QuiescentAsync(host, scheduleId);

        var requests = receiver.On("skipped").OrderBy(r => r.ArrivedSeq).ToList();
        Assert.Equal(ids, requests.Select(r => r.ExecutionId));
        Assert.Equal(skippedId.ToString(), requests[0].IdempotencyKey);
        Assert.Equal([start, start.AddHours(2)], requests.Select(r => r.Json.GetProperty("scheduledFor").GetDateTime().ToUniversalTime()));
        Assert.True(requests[1].ArrivedSeq > requests[0].AnsweredSeq, "the second run arrived before the first was answered");
        var rerun = await host.ExecutionAsync(skippedId);
        Assert.Equal(1, rerun.GetProperty("attempts").GetInt32());
        Assert.Equal(JsonValueKind.Null, rerun.GetProperty("reason").ValueKind);

        // Everything in the range has run now: a repeat runs nothing (creates or reopens no run).
        var mark = transitions.Count;
        var (_, again) = await BackfillAsync(host.Client, scheduleId, from, to);
        Assert.Equal(0, again.GetProperty("toRun").GetInt32());
        Assert.Equal(3, again.GetProperty("alreadyRecorded").GetInt32());
        Assert.Empty(transitions.Since(mark));
        await QuiescentAsync(host, scheduleId);
        Assert.Equal(2, receiver.On("skipped").Count);
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task BadRequests_AreProblemDetailsNamingTheField_NeverA500(DatabaseProvider provider)
    {
        SkipWithoutServer(provider);
        await using var app = await AppFactory.StartAsync(provider);
        var owner = await Session.RegisterAsync(app, "backfiller@example.com");
        var outsider = await Session.RegisterAsync(app, "elsewhere@example.com");
        var manager = await Session.RegisterAsync(app, "watcher@example.com");
        var invite = await (await owner.PostAsJsonAsync("/api/v1/workspace/invitations", new { email = "watcher@example.com", role = "manager" }, Ct)).Content.ReadFromJsonAsync<JsonElement>(Ct);
        (await manager.PostAsync($"/api/v1/invitations/{invite.GetProperty("acceptUrl").GetString()!.Split('/').Last()}/accept", null, Ct)).EnsureSuccessStatusCode();

        var minute = Floor(DateTime.UtcNow);
        var start = minute.AddDays(-60).AddMinutes(-30);
        var id = await CreateHourlyAsync(owner, "https://example.com/hook", start);
        var cancelled = await CreateHourlyAsync(owner, "https://example.com/hook", start);
        (await owner.PostAsync($"/api/v1/schedules/{cancelled}/cancel", null, Ct)).EnsureSuccessStatusCode();
        var url = $"/api/v1/schedules/{id}/backfill";
        var from = Iso(minute.AddHours(-6));
        var to = Iso(minute);

        var cases = new (string Name, HttpClient Client, string Url, string Body, HttpStatusCode Status, string? Field)[]
        {
            ("from = to", owner, url, Json(to, to), HttpStatusCode.BadRequest, "to"),
            ("from after to", owner, url, Json(to, from), HttpStatusCode.BadRequest, "to"),
            ("to in the future", owner, url, Json(from, Iso(DateTime.UtcNow.AddHours(1))), HttpStatusCode.BadRequest, "to"),
            ("dry run, to in the future", owner, url, Json(from, Iso(DateTime.UtcNow.AddHours(1)), dryRun: true), HttpStatusCode.BadRequest, "to"),
            ("more than 1000 runs", owner, url, Json(Iso(minute.AddDays(-50)), to), HttpStatusCode.BadRequest, "to"),
            ("from missing", owner, url, $$"""{"to":"{{to}}"}""", HttpStatusCode.BadRequest, "from"),
            ("to missing", owner, url, $$"""{"from":"{{from}}"}""", HttpStatusCode.BadRequest, "to"),
            ("no offset", owner, url, Json("2026-01-01T00:00:00", to), HttpStatusCode.BadRequest, "from"),
            ("not a date", owner, url, Json(from, "yesterday"), HttpStatusCode.BadRequest, "to"),
            ("dryRun not a boolean", owner, url, $$"""{"from":"{{from}}","to":"{{to}}","dryRun":"yes"}""", HttpStatusCode.BadRequest, "dryRun"),
            ("includeSkipped not a boolean", owner, url, $$"""{"from":"{{from}}","to":"{{to}}","includeSkipped":1}""", HttpStatusCode.BadRequest, "includeSkipped"),
            ("unreadable JSON", owner, url, "{\"from\":", HttpStatusCode.BadRequest, null),
            ("cancelled schedule", owner, $"/api/v1/schedules/{cancelled}/backfill", Json(from, to), HttpStatusCode.Conflict, null),
            ("cancelled schedule, dry run", owner, $"/api/v1/schedules/{cancelled}/backfill", Json(from, to, dryRun: true), HttpStatusCode.Conflict, null),
            ("unknown schedule", owner, $"/api/v1/schedules/{Guid.NewGuid()}/backfill", Json(from, to), HttpStatusCode.NotFound, null),
            ("another workspace", outsider, url, Json(from, to), HttpStatusCode.NotFound, null),
            ("another workspace, dry run", outsider, url, Json(from, to, dryRun: true), HttpStatusCode.NotFound, null),
            ("manager", manager, url, Json(from, to), HttpStatusCode.Forbidden, null),
        };
        foreach (var (name, client, path, body, expectedStatus, field) in cases)
        {
            using var content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");
            var response = await client.PostAsync(path, content, Ct);
            var text = await response.Content.ReadAsStringAsync(Ct);
            Assert.True(response.StatusCode == expectedStatus, $"{name}: {(int)response.StatusCode} {text}");
            Assert.True(response.Content.Headers.ContentType?.MediaType == "application/problem+json", $"{name}: {response.Content.Headers.ContentType} {text}");
            var problem = JsonDocument.Parse(text).RootElement;
            Assert.Equal((int)expectedStatus, problem.GetProperty("status").GetInt32());
            Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("detail").GetString()), $"{name}: no detail in {text}");
            if (field is not null)
            {
                Assert.True(problem.TryGetProperty("errors", out var errors) && errors.TryGetProperty(field, out _), $"{name}: expected an error on {field}: {text}");
            }
        }

        // A manager may look (a dry run only reads), and nothing was created by any of the above.
        var (previewStatus, preview) = await BackfillAsync(manager, id, minute.AddHours(-6), minute, dryRun: true);
        Assert.Equal(HttpStatusCode.OK, previewStatus);
        Assert.Equal(6, preview.GetProperty("created").GetInt32());
        var executions = await owner.GetFromJsonAsync<JsonElement>($"/api/v1/schedules/{id}/executions", Ct);
        Assert.Equal(0, executions.GetProperty("total").GetInt32());

        // At most 1000 runs: exactly 1000 is fine, one more is refused with a message saying so.
        var thousandth = minute.AddMinutes(-30).AddHours(-999);
        var (limitStatus, limit) = await BackfillAsync(owner, id, thousandth, minute, dryRun: true);
        Assert.Equal(HttpStatusCode.OK, limitStatus);
        Assert.Equal(1000, limit.GetProperty("total").GetInt32());
        Assert.Equal(50, limit.GetProperty("occurrences").GetArrayLength());
        var over = await owner.PostAsJsonAsync(url, new { from = Iso(thousandth.AddHours(-1)), to = Iso(minute), dryRun = true }, Ct);
        Assert.Equal(HttpStatusCode.BadRequest, over.StatusCode);
        Assert.Contains("at most 1000", (await over.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("errors").GetProperty("to")[0].GetString(), StringComparison.Ordinal);
    }

    private static void SkipWithoutServer(DatabaseProvider provider) =>
        Assert.SkipWhen(provider == DatabaseProvider.PostgreSql && string.IsNullOrEmpty(Environment.GetEnvironmentVariable(PostgreSqlTestDatabase.EnvironmentVariable)),
            $"PostgreSQL: set {PostgreSqlTestDatabase.EnvironmentVariable} (./test.sh does) to run this case.");

    /// <summary>Hourly (UTC) from a past start: the past occurrences are not run by the schedule itself.</summary>
    private static async Task<Guid> CreateHourlyAsync(HttpClient client, string webhookUrl, DateTime start, IReadOnlyList<DateTime>? exdates = null)
    {
        var response = await client.PostAsJsonAsync("/api/v1/schedules", new
        {
            name = "Hourly report",
            jobType = "export",
            timezone = "UTC",
            recurrence = new
            {
                rrule = "FREQ=HOURLY",
                start = Local(start),
                exdates = (exdates ?? []).Select(Local).ToList(),
            },
            webhookUrl,
        }, Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.Created, text);
        return JsonDocument.Parse(text).RootElement.GetProperty("id").GetGuid();
    }

    private static async Task<(HttpStatusCode Status, JsonElement Body)> BackfillAsync(HttpClient client, Guid scheduleId, DateTime from, DateTime to, bool dryRun = false, bool? includeSkipped = null)
    {
        var response = await client.PostAsJsonAsync($"/api/v1/schedules/{scheduleId}/backfill", new { from = Iso(from), to = Iso(to), dryRun, includeSkipped }, Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.IsSuccessStatusCode, text);
        return (response.StatusCode, JsonDocument.Parse(text).RootElement);
    }

    /// <summary>Waits until no run of the schedule is open and Hangfire has no job left (waiting runs recheck by delayed jobs).</summary>
    private static async Task QuiescentAsync(EngineHost host, Guid scheduleId)
    {
        var monitoring = host.App.Services.GetRequiredService<Hangfire.JobStorage>().GetMonitoringApi();
        await Eventually.GetAsync(async () =>
            {
                var open = (await host.ExecutionsOfAsync(scheduleId)).EnumerateArray().Count(e => e.GetProperty("status").GetString() is "pending" or "running");
                return (open, jobs: monitoring.ProcessingCount() + monitoring.Queues().Sum(q => q.Length));
            },
            state => state.open == 0 && state.jobs == 0, TimeSpan.FromSeconds(30), "the engine to be idle");
    }

    private static string? Status(JsonElement execution) => execution.GetProperty("status").GetString();

    private static List<DateTime> Instants(JsonElement array) => [.. array.EnumerateArray().Select(e => e.GetDateTime().ToUniversalTime())];

    private static DateTime Floor(DateTime utc) => new(utc.Ticks - utc.Ticks % TimeSpan.TicksPerMinute, DateTimeKind.Utc);

    private static string Iso(DateTime utc) => utc.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static string Local(DateTime utc) => utc.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture);

    private static string Json(string from, string to, bool dryRun = false) => $$"""{"from":"{{from}}","to":"{{to}}","dryRun":{{(dryRun ? "true" : "false")}}}""";
}
