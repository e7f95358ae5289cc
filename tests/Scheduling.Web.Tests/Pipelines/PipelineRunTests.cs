using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Scheduling.Web.Data;
using Scheduling.Web.Features.Executions;
using Scheduling.Web.Features.Pipelines;
using Scheduling.Web.Tests.Engine;
using Scheduling.Web.Tests.Infrastructure;

namespace Scheduling.Web.Tests.Pipelines;

/// <summary>Pipelines as a user meets them: stages set through the API, delivered to a loopback receiver, results read back.</summary>
public class PipelineRunTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static object Stage(string key, string? target = null, bool stopOnFailure = true, bool publishing = false, object? retry = null) =>
        new { key, name = key.ToUpperInvariant(), target, stopOnFailure, publishing, retry };

    private static string[] Actions(WebhookReceiver receiver, string path) =>
        [.. receiver.On(path).Select(r => r.Json.GetProperty("action").GetString()!)];

    private static JsonElement StageOf(JsonElement details, string key) =>
        details.GetProperty("stages").EnumerateArray().Single(s => s.GetProperty("key").GetString() == key);

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task WorkspacePipeline_DeliversEachStageInOrder_WithPreviousResults_AndStoresEachStagesResult(DatabaseProvider provider)
    {
        await using var host = await EngineHost.StartAsync(provider);
        var put = await host.Client.PutAsJsonAsync("/api/v1/workspace/pipelines/export", new { stages = new[] { Stage("fetch"), Stage("render"), Stage("deliver", publishing: true) } }, Ct);
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);

        var id = await host.CreateOnceAsync("ordered");
        var details = await host.WaitForExecutionAsync(id, "completed");

        var received = host.Receiver.On("ordered");
        Assert.Equal(["fetch", "render", "deliver"], Actions(host.Receiver, "ordered"));
        var executionId = details.GetProperty("execution").GetProperty("id").GetGuid();
        Assert.Equal([$"{executionId}:fetch", $"{executionId}:render", $"{executionId}:deliver"], received.Select(r => r.IdempotencyKey));
        Assert.All(received, r => Assert.False(string.IsNullOrEmpty(r.Signature)));
        // Each stage gets the results of the stages before it, by key, in order.
        Assert.Empty(received[0].Json.GetProperty("previousResults").EnumerateObject());
        Assert.Equal(["fetch", "render"], received[2].Json.GetProperty("previousResults").EnumerateObject().Select(p => p.Name));
        Assert.Equal("/ordered", received[2].Json.GetProperty("previousResults").GetProperty("render").GetProperty("path").GetString());
        // The existing envelope fields stay.
        Assert.Equal(id, received[0].Json.GetProperty("scheduleId").GetGuid());

        var stages = details.GetProperty("stages").EnumerateArray().ToList();
        Assert.Equal(["fetch", "render", "deliver"], stages.Select(s => s.GetProperty("key").GetString()));
        Assert.All(stages, s =>
        {
            Assert.Equal("completed", s.GetProperty("state").GetString());
            Assert.Equal(1, s.GetProperty("attempts").GetInt32());
            Assert.Equal(200, s.GetProperty("responseStatus").GetInt32());
            Assert.Contains("\"action\":", s.GetProperty("request").GetString(), StringComparison.Ordinal);
            Assert.True(s.GetProperty("durationMs").GetInt64() >= 0);
        });
        Assert.True(StageOf(details, "deliver").GetProperty("publishing").GetBoolean());
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task FailedStage_StopsTheChain_AndRetryResumesAtIt_WithoutDeliveringCompletedStagesAgain(DatabaseProvider provider)
    {
        await using var host = await EngineHost.StartAsync(provider);
        host.Receiver.Respond("flaky", [400, 200]);
        var id = await host.CreateOnceAsync("resume", new
        {
            pipeline = new { stages = new[] { Stage("first"), Stage("second", target: host.Receiver.Url("flaky")), Stage("third") } },
        });

        var failed = await host.WaitForExecutionAsync(id, "failed");
        Assert.Contains("second", failed.GetProperty("execution").GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal("completed", StageOf(failed, "first").GetProperty("state").GetString());
        Assert.Equal("failed", StageOf(failed, "second").GetProperty("state").GetString());
        Assert.Equal(400, StageOf(failed, "second").GetProperty("responseStatus").GetInt32());
        Assert.Equal("not_run", StageOf(failed, "third").GetProperty("state").GetString());
        Assert.Equal(["first"], Actions(host.Receiver, "resume"));

        var executionId = failed.GetProperty("execution").GetProperty("id").GetGuid();
        var retry = await host.Client.PostAsync($"/api/v1/executions/{executionId}/retry", null, Ct);
        Assert.True(retry.IsSuccessStatusCode, await retry.Content.ReadAsStringAsync(Ct));
        await host.WaitForAsync(executionId, e => e.GetProperty("status").GetString() == "completed", "the retried run to complete");

        // The completed stage was not delivered again; the failed one was, with the same key, and the chain went on.
        Assert.Equal(["first", "third"], Actions(host.Receiver, "resume"));
        Assert.Equal([$"{executionId}:second", $"{executionId}:second"], host.Receiver.On("flaky").Select(r => r.IdempotencyKey));
        Assert.Equal(["first"], host.Receiver.On("flaky")[1].Json.GetProperty("previousResults").EnumerateObject().Select(p => p.Name));
        var done = await host.Client.GetFromJsonAsync<JsonElement>($"/api/v1/executions/{executionId}", Ct);
        Assert.Equal(1, StageOf(done, "first").GetProperty("attempts").GetInt32());
        Assert.Equal(2, StageOf(done, "second").GetProperty("attempts").GetInt32());
        Assert.All(done.GetProperty("stages").EnumerateArray(), s => Assert.Equal("completed", s.GetProperty("state").GetString()));
    }

    [Fact]
    public async Task StageWithoutStopOnFailure_Fails_AndTheChainContinues()
    {
        await using var host = await EngineHost.StartAsync();
        host.Receiver.Respond("optional", [400]);
        var id = await host.CreateOnceAsync("continues", new
        {
            pipeline = new { stages = new[] { Stage("first"), Stage("optional", target: host.Receiver.Url("optional"), stopOnFailure: false), Stage("last") } },
        });

        var details = await host.WaitForExecutionAsync(id, "completed", "failed");

        Assert.Equal("completed", details.GetProperty("execution").GetProperty("status").GetString());
        Assert.Equal(["first", "last"], Actions(host.Receiver, "continues"));
        Assert.Equal("failed", StageOf(details, "optional").GetProperty("state").GetString());
        Assert.Equal("completed", StageOf(details, "last").GetProperty("state").GetString());
        Assert.Equal(["first"], host.Receiver.On("continues")[1].Json.GetProperty("previousResults").EnumerateObject().Select(p => p.Name));
    }

    [Fact]
    public async Task StageRetryPolicy_DeliversTheStageAgain_WithTheSameKey()
    {
        await using var host = await EngineHost.StartAsync();
        host.Receiver.Respond("shaky", [503, 200]);
        var id = await host.CreateOnceAsync("retried", new
        {
            pipeline = new { stages = new[] { Stage("first"), Stage("shaky", target: host.Receiver.Url("shaky"), retry: new { attempts = 2, backoffSeconds = 1 }) } },
        });

        var details = await host.WaitForExecutionAsync(id, "completed", "failed");

        Assert.Equal("completed", details.GetProperty("execution").GetProperty("status").GetString());
        Assert.Equal(["first"], Actions(host.Receiver, "retried"));
        var executionId = details.GetProperty("execution").GetProperty("id").GetGuid();
        Assert.Equal([$"{executionId}:shaky", $"{executionId}:shaky"], host.Receiver.On("shaky").Select(r => r.IdempotencyKey));
        Assert.Equal(2, StageOf(details, "shaky").GetProperty("attempts").GetInt32());
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task TestMode_SkipsThePublishingStage_OfTheVideoDefault(DatabaseProvider provider)
    {
        await using var host = await EngineHost.StartAsync(provider);
        var id = await host.CreateOnceAsync("video-test", new { jobConfig = new { testMode = true } }, jobType: "video_generation");

        var details = await host.WaitForExecutionAsync(id, "completed");

        Assert.Equal(["script", "assets", "assemble", "thumbnail", "metadata"], Actions(host.Receiver, "video-test"));
        Assert.Equal("skipped_test_mode", StageOf(details, "upload").GetProperty("state").GetString());
        Assert.Equal(0, StageOf(details, "upload").GetProperty("attempts").GetInt32());
        Assert.True(details.GetProperty("execution").GetProperty("result").GetProperty("actions").GetProperty("upload").GetProperty("skipped").GetBoolean());
    }

    [Fact]
    public async Task PlainOneStagePipeline_IsDeliveredAsBefore_OnePostWithoutAction()
    {
        await using var host = await EngineHost.StartAsync();
        var id = await host.CreateOnceAsync("plain");

        var details = await host.WaitForExecutionAsync(id, "completed");

        var single = Assert.Single(host.Receiver.On("plain"));
        Assert.Equal(JsonValueKind.Null, single.Json.GetProperty("action").ValueKind);
        Assert.False(single.Json.TryGetProperty("previousResults", out _));
        Assert.Equal(details.GetProperty("execution").GetProperty("id").GetString(), single.IdempotencyKey);
        Assert.Empty(details.GetProperty("stages").EnumerateArray());
    }

    /// <summary>
    /// kill -9 in the middle of a stage: the first life completed stage one and had stage two in flight when it died. The
    /// next life's recovery sweep re-delivers stage two with the same Idempotency-Key and never stage one.
    /// </summary>
    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task Crash_MidStage_RecoveryRedeliversTheStageInFlight_NeverACompletedOne(DatabaseProvider provider)
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var database = await TestDatabase.CreateAsync(provider);
        var settings = EngineHost.FastSettings();
        settings["Execution:RunServer"] = "false";
        Guid executionId;
        await using (var first = new AppFactory(database, settings, ownsDatabase: false))
        {
            first.StartServer();
            var client = await Session.RegisterAsync(first, "crash-stage@example.com");
            var response = await client.PostAsJsonAsync("/api/v1/schedules", new
            {
                name = "Crash mid-stage",
                jobType = "video_generation",
                scheduledAt = DateTime.UtcNow.AddSeconds(1).ToString("yyyy-MM-dd'T'HH:mm:ss.fff", System.Globalization.CultureInfo.InvariantCulture),
                timezone = "UTC",
                webhookUrl = receiver.Url("crash"),
                pipeline = new { stages = new[] { Stage("one"), Stage("two"), Stage("three") } },
            }, Ct);
            Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync(Ct));
            var execution = await Eventually.GetAsync(async () =>
            {
                await using var db = ReliabilityTests.Open(database);
                return await db.Executions.IgnoreQueryFilters().FirstOrDefaultAsync(Ct);
            }, e => e is not null, what: "the dispatcher to claim the run");
            executionId = execution!.Id;

            // What the dying process left: the run running, stage one completed, stage two's POST in flight.
            await using var crashed = ReliabilityTests.Open(database);
            var run = await crashed.Executions.IgnoreQueryFilters().SingleAsync(e => e.Id == executionId, Ct);
            run.Status = ExecutionStatus.Running;
            run.Attempts = 1;
            run.StartedAt = run.AttemptStartedAt = DateTime.UtcNow;
            ExecutionStage Row(int position, string key, StageState state, int attempts, string? result = null) => new()
            {
                Id = Guid.CreateVersion7(), WorkspaceId = run.WorkspaceId, ExecutionId = run.Id, Position = position, Key = key, Name = key,
                StopOnFailure = true, State = state, Attempts = attempts, BudgetUsed = attempts, Result = result,
            };
            crashed.ExecutionStages.AddRange(
                Row(0, "one", StageState.Completed, 1, """{"script":"kept"}"""),
                Row(1, "two", StageState.Running, 1),
                Row(2, "three", StageState.Pending, 0));
            await crashed.SaveChangesAsync(Ct);
        }
        Assert.Empty(receiver.Received);

        await using var second = new AppFactory(database, EngineHost.FastSettings(), ownsDatabase: false);
        second.StartServer();
        await Eventually.GetAsync(async () =>
        {
            await using var db = ReliabilityTests.Open(database);
            return await db.Executions.IgnoreQueryFilters().AsNoTracking().SingleAsync(e => e.Id == executionId, Ct);
        }, e => e.Status == ExecutionStatus.Completed, TimeSpan.FromSeconds(30), "the interrupted run to complete");

        Assert.Equal(["two", "three"], Actions(receiver, "crash"));
        Assert.Equal($"{executionId}:two", receiver.On("crash")[0].IdempotencyKey);
        Assert.Equal("kept", receiver.On("crash")[0].Json.GetProperty("previousResults").GetProperty("one").GetProperty("script").GetString());
        await using var after = ReliabilityTests.Open(database);
        var stages = await after.ExecutionStages.IgnoreQueryFilters().AsNoTracking().Where(s => s.ExecutionId == executionId).OrderBy(s => s.Position).ToListAsync(Ct);
        Assert.All(stages, s => Assert.Equal(StageState.Completed, s.State));
        Assert.Equal([1, 2, 1], stages.Select(s => s.Attempts));
    }
}
