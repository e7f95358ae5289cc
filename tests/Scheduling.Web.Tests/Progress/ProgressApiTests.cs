using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Scheduling.Web.Data;
using Scheduling.Web.Features.Events;
using Scheduling.Web.Features.Pipelines;
using Scheduling.Web.Tests.Api;
using Scheduling.Web.Tests.Events;
using Scheduling.Web.Tests.Infrastructure;

namespace Scheduling.Web.Tests.Progress;

/// <summary>POST/GET /api/v1/executions/{id}/progress as an integration meets it, on SQLite and PostgreSQL.</summary>
public class ProgressApiTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task AReport_WhileAccepted_IsStored_MonotonicPerStage_ResetByANewStage_AndRefusedAfterTheEnd(DatabaseProvider provider)
    {
        await using var scenario = await ProgressScenario.StartAsync(provider);
        // Before the run starts: not running, refused.
        var early = await scenario.ReportAsync(new { percent = 5 });
        Assert.Equal(HttpStatusCode.Conflict, early.StatusCode);
        await scenario.StartRunAsync(accepted: true);
        Assert.True((await scenario.RunAsync()).GetProperty("awaitingCallback").GetBoolean());
        Assert.Equal(JsonValueKind.Null, (await scenario.RunAsync()).GetProperty("progress").ValueKind);

        var first = await scenario.ReportOkAsync(new { percent = 10, stage = "script", message = "Writing the script" });
        Assert.True(first.GetProperty("accepted").GetBoolean());
        Assert.Equal(10, first.GetProperty("progress").GetProperty("percent").GetInt32());
        var progress = (await scenario.RunAsync()).GetProperty("progress");
        Assert.Equal(10, progress.GetProperty("percent").GetInt32());
        Assert.Equal("script", progress.GetProperty("stage").GetString());
        Assert.Equal("Writing the script", progress.GetProperty("message").GetString());
        Assert.False(progress.GetProperty("stalled").GetBoolean());

        // A lower percent in the same stage (out of order) is ignored: 200, not accepted, the stored value returned.
        scenario.Clock.Advance(TimeSpan.FromSeconds(1));
        var lower = await scenario.ReportOkAsync(new { percent = 5, stage = "script", message = "late" });
        Assert.False(lower.GetProperty("accepted").GetBoolean());
        Assert.Equal(10, lower.GetProperty("progress").GetProperty("percent").GetInt32());
        Assert.Equal("Writing the script", lower.GetProperty("progress").GetProperty("message").GetString());

        var higher = await scenario.ReportOkAsync(new { percent = 40, stage = "script" });
        Assert.True(higher.GetProperty("accepted").GetBoolean());
        // A new stage starts again from any percent.
        var next = await scenario.ReportOkAsync(new { percent = 5, stage = "assets", message = "Picking clips" });
        Assert.True(next.GetProperty("accepted").GetBoolean());
        Assert.Equal(5, (await scenario.RunAsync()).GetProperty("progress").GetProperty("percent").GetInt32());
        Assert.Equal("assets", (await scenario.RunAsync()).GetProperty("progress").GetProperty("stage").GetString());

        var history = await scenario.HistoryAsync();
        Assert.Equal("assets", history.GetProperty("latest").GetProperty("stage").GetString());
        Assert.Equal(new[] { 5, 40, 10 }, history.GetProperty("history").EnumerateArray().Select(h => h.GetProperty("percent").GetInt32()));
        Assert.Equal(new[] { "assets", "script", "script" }, history.GetProperty("history").EnumerateArray().Select(h => h.GetProperty("stage").GetString()));

        // The integration calls back: the run is over and takes no more progress (409 problem), its last progress kept.
        (await scenario.Owner.Bearer.PostAsJsonAsync($"/api/v1/executions/{scenario.RunId}/complete", new { result = new { ok = true } }, Ct)).EnsureSuccessStatusCode();
        var after = await scenario.ReportAsync(new { percent = 100, stage = "assets" });
        Assert.Equal(HttpStatusCode.Conflict, after.StatusCode);
        Assert.Equal("application/problem+json", after.Content.Headers.ContentType?.MediaType);
        Assert.Contains("completed, not running", await after.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        Assert.Equal(5, (await scenario.RunAsync()).GetProperty("progress").GetProperty("percent").GetInt32());
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task BadInput_Is400NamingTheField_AnotherWorkspacesRunIs404_AndAManagerIs403(DatabaseProvider provider)
    {
        await using var scenario = await ProgressScenario.StartAsync(provider);
        await scenario.StartRunAsync(accepted: false);
        foreach (var (body, field) in new (object Body, string Field)[]
        {
            (new { stage = "script" }, "percent"),
            (new { percent = -1 }, "percent"),
            (new { percent = 101 }, "percent"),
            (new { percent = 10, stage = new string('s', 65) }, "stage"),
            (new { percent = 10, stage = "a\u0000b" }, "stage"),
            (new { percent = 10, message = new string('m', 501) }, "message"),
            (new { percent = 10, message = "nul \u0000 inside" }, "message"),
        })
        {
            var response = await scenario.ReportAsync(body);
            var text = await response.Content.ReadAsStringAsync(Ct);
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{JsonSerializer.Serialize(body)}: {(int)response.StatusCode} {text}");
            Assert.True(JsonDocument.Parse(text).RootElement.GetProperty("errors").TryGetProperty(field, out _), text);
        }
        // 64 characters of stage and 500 of message are fine; nothing above was stored.
        var edge = await scenario.ReportOkAsync(new { percent = 0, stage = new string('s', 64), message = new string('m', 500) });
        Assert.True(edge.GetProperty("accepted").GetBoolean());
        Assert.Single((await scenario.HistoryAsync()).GetProperty("history").EnumerateArray());

        var other = await WorkspaceFixtures.CreateAsync(scenario.App, "other@example.com");
        Assert.Equal(HttpStatusCode.NotFound, (await scenario.ReportAsync(new { percent = 50 }, other.Bearer)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await other.Bearer.GetAsync($"/api/v1/executions/{scenario.RunId}/progress", Ct)).StatusCode);

        var (_, manager) = await scenario.Owner.JoinAsync("manager@example.com", "manager");
        Assert.Equal(HttpStatusCode.Forbidden, (await scenario.ReportAsync(new { percent = 50 }, manager)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await manager.GetAsync($"/api/v1/executions/{scenario.RunId}/progress", Ct)).StatusCode);
        Assert.Equal(0, (await scenario.RunAsync()).GetProperty("progress").GetProperty("percent").GetInt32());
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task APipelineRun_TakesProgressOnlyForItsStages_AndAReportWithoutAStageIsForTheStageInFlight(DatabaseProvider provider)
    {
        await using var scenario = await ProgressScenario.StartAsync(provider);
        await scenario.StartRunAsync(accepted: true);
        await using (var db = await scenario.App.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync(Ct))
        {
            // The stages as the pipeline handler writes them when the run starts: script done, render in flight.
            var (position, workspace) = (0, scenario.Owner.WorkspaceId);
            foreach (var (key, state) in new[] { ("script", StageState.Completed), ("render", StageState.Running), ("upload", StageState.Pending) })
            {
                db.ExecutionStages.Add(new ExecutionStage { WorkspaceId = workspace, ExecutionId = scenario.RunId, Position = position++, Key = key, Name = key, State = state });
            }
            await db.SaveChangesAsync(Ct);
        }

        var unknown = await scenario.ReportAsync(new { percent = 10, stage = "encoding" });
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        var problem = await unknown.Content.ReadFromJsonAsync<JsonElement>(Ct);
        var why = problem.GetProperty("errors").GetProperty("stage")[0].GetString();
        Assert.Contains("'encoding' is not a stage of this run's pipeline; its stages are script, render, upload", why, StringComparison.Ordinal);
        Assert.Equal(JsonValueKind.Null, (await scenario.RunAsync()).GetProperty("progress").ValueKind);

        var inFlight = await scenario.ReportOkAsync(new { percent = 30, message = "Frame 300 of 1000" });
        Assert.Equal("render", inFlight.GetProperty("progress").GetProperty("stage").GetString());
        var spelled = await scenario.ReportOkAsync(new { percent = 40, stage = "RENDER" });
        Assert.True(spelled.GetProperty("accepted").GetBoolean());
        Assert.Equal("render", spelled.GetProperty("progress").GetProperty("stage").GetString());
        var upload = await scenario.ReportOkAsync(new { percent = 5, stage = "upload" });
        Assert.Equal("upload", upload.GetProperty("progress").GetProperty("stage").GetString());
    }

    [Fact]
    public async Task TheHistory_KeepsTheLast50Reports()
    {
        await using var scenario = await ProgressScenario.StartAsync(DatabaseProvider.Sqlite);
        await scenario.StartRunAsync();
        for (var percent = 0; percent < 55; percent++)
        {
            Assert.True((await scenario.ReportOkAsync(new { percent })).GetProperty("accepted").GetBoolean());
        }
        var history = (await scenario.HistoryAsync()).GetProperty("history").EnumerateArray().Select(h => h.GetProperty("percent").GetInt32()).ToList();
        Assert.Equal(Enumerable.Range(5, 50).Reverse(), history);
        await using var db = await scenario.App.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync(Ct);
        Assert.Equal(50, await db.ExecutionProgress.IgnoreQueryFilters().CountAsync(p => p.ExecutionId == scenario.RunId, Ct));
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task ProgressEvents_AreThrottledPerRun_TheFirstAnd100PercentAlwaysSent(DatabaseProvider provider)
    {
        await using var scenario = await ProgressScenario.StartAsync(provider, new() { ["Events:ProgressThrottle"] = "00:00:10", ["Execution:AllowPrivateNetworkTargets"] = "true" });
        await LifecycleEventTests.SubscribeAsync(scenario.Owner.Bearer, "http://127.0.0.1:9/events", EventTypes.ExecutionProgress);
        await scenario.StartRunAsync();

        await scenario.ReportOkAsync(new { percent = 10, stage = "render" });           // first: sent
        scenario.Clock.Advance(TimeSpan.FromSeconds(2));
        await scenario.ReportOkAsync(new { percent = 20, stage = "render" });           // throttled
        await scenario.ReportOkAsync(new { percent = 15, stage = "render" });           // ignored (lower): never an event
        scenario.Clock.Advance(TimeSpan.FromSeconds(5));
        await scenario.ReportOkAsync(new { percent = 30, stage = "render" });           // 7 s after the first: throttled
        scenario.Clock.Advance(TimeSpan.FromSeconds(4));
        await scenario.ReportOkAsync(new { percent = 40, stage = "render" });           // 11 s: sent
        await scenario.ReportOkAsync(new { percent = 100, stage = "render" });          // 100 %: always sent

        await using var db = await scenario.App.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync(Ct);
        var events = await db.LifecycleEvents.IgnoreQueryFilters().Where(e => e.Type == EventTypes.ExecutionProgress && e.SubjectId == scenario.RunId)
            .OrderBy(e => e.Id).ToListAsync(Ct);
        Assert.Equal(new[] { 10, 40, 100 }, events.Select(e => JsonDocument.Parse(e.Data!).RootElement.GetProperty("progress").GetProperty("percent").GetInt32()));
        Assert.All(events, e => Assert.Equal(scenario.Owner.WorkspaceId, e.WorkspaceId));
        Assert.Equal("running", JsonDocument.Parse(events[0].Data!).RootElement.GetProperty("status").GetString());
        Assert.Contains(EventTypes.ExecutionProgress, EventTypes.Known);
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task ARunWhoseProgressDoesNotMove_PastItsTimeout_IsFlaggedStalled_AndUnflaggedWhenItMoves(DatabaseProvider provider)
    {
        // The schedule sets no timeout: a run accepted with 202 is measured against the callback timeout.
        await using var scenario = await ProgressScenario.StartAsync(provider, new() { ["Execution:DefaultCallbackTimeout"] = "00:05:00" });
        await scenario.StartRunAsync(accepted: true);
        // No progress reported yet: not this alert's business (running too long covers it).
        scenario.Clock.Advance(TimeSpan.FromMinutes(10));
        await scenario.EvaluateAlertsAsync();
        Assert.Empty(await StalledAlertsAsync(scenario));

        await scenario.ReportOkAsync(new { percent = 30, stage = "assemble", message = "Rendering" });
        scenario.Clock.Advance(TimeSpan.FromMinutes(4));
        // The same percent again (a new message only) is not a move.
        await scenario.ReportOkAsync(new { percent = 30, stage = "assemble", message = "Still rendering" });
        await scenario.EvaluateAlertsAsync();
        Assert.False((await scenario.RunAsync()).GetProperty("progress").GetProperty("stalled").GetBoolean());
        Assert.Empty(await StalledAlertsAsync(scenario));

        scenario.Clock.Advance(TimeSpan.FromMinutes(2)); // 6 min without a move, timeout 5
        Assert.Equal(1, await scenario.EvaluateAlertsAsync());
        var progress = (await scenario.RunAsync()).GetProperty("progress");
        Assert.True(progress.GetProperty("stalled").GetBoolean());
        Assert.Equal("Still rendering", progress.GetProperty("message").GetString());
        var alert = Assert.Single(await StalledAlertsAsync(scenario));
        Assert.Contains("stalled at 30 % in stage assemble", alert.GetProperty("message").GetString(), StringComparison.Ordinal);
        // Evaluated again (every interval, on every node): raised once.
        scenario.Clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(0, await scenario.EvaluateAlertsAsync());
        Assert.Single(await StalledAlertsAsync(scenario));

        // It moves: unflagged, and its alert is over.
        await scenario.ReportOkAsync(new { percent = 31, stage = "assemble" });
        Assert.False((await scenario.RunAsync()).GetProperty("progress").GetProperty("stalled").GetBoolean());
        Assert.Empty(await StalledAlertsAsync(scenario));
        await scenario.EvaluateAlertsAsync();
        Assert.Empty(await StalledAlertsAsync(scenario));

        // Stalls again later: a new alert for the new stall.
        scenario.Clock.Advance(TimeSpan.FromMinutes(6));
        Assert.Equal(1, await scenario.EvaluateAlertsAsync());
        Assert.True((await scenario.RunAsync()).GetProperty("progress").GetProperty("stalled").GetBoolean());
        Assert.Single(await StalledAlertsAsync(scenario));
    }

    private static async Task<JsonElement[]> StalledAlertsAsync(ProgressScenario scenario) =>
        [.. (await scenario.Owner.Bearer.GetFromJsonAsync<JsonElement[]>("/api/v1/alerts", Ct))!.Where(a => a.GetProperty("kind").GetString() == "stalled")];
}
