using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Scheduling.Core.Scheduling;
using Scheduling.Web.Data;
using Scheduling.Web.Features.Executions;
using Scheduling.Web.Tests.Engine;
using Scheduling.Web.Tests.Infrastructure;

namespace Scheduling.Web.Tests.Pipelines;

/// <summary>Produce now, publish later (issue 14): the publishing stages wait for the run's publish time.</summary>
public class PublishLaterTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly object[] RenderThenUpload =
    [
        new { key = "render", name = "Render", stopOnFailure = true, publishing = false },
        new { key = "upload", name = "Upload", stopOnFailure = true, publishing = true },
    ];

    private static string[] Actions(WebhookReceiver receiver, string path) =>
        [.. receiver.On(path).Select(r => r.Json.GetProperty("action").GetString()!)];

    private static async Task<Guid> RunOfAsync(EngineHost host, Guid scheduleId) =>
        (await Eventually.GetAsync(() => host.ExecutionsOfAsync(scheduleId), list => list.GetArrayLength() > 0, TimeSpan.FromSeconds(30), "the run to be claimed"))
            .EnumerateArray().First().GetProperty("id").GetGuid();

    private static string Utc(DateTime value) => value.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task AProducedRun_IsHeldUntilItsPublishTime_AndMovingItPublishesOnce_WithoutProducingAgain(DatabaseProvider provider)
    {
        await using var host = await EngineHost.StartAsync(provider);
        var scheduleId = await host.CreateOnceAsync("later", new { pipeline = new { stages = RenderThenUpload }, publishAt = "+1d" }, jobType: "video_generation");
        var runId = await RunOfAsync(host, scheduleId);

        var held = await host.WaitForAsync(runId, e => e.GetProperty("readyToPublish").GetBoolean(), "the run to be produced and held");
        Assert.Equal("pending", held.GetProperty("status").GetString());
        Assert.Contains("ready, publishes at", held.GetProperty("reason").GetString(), StringComparison.Ordinal);
        // A calendar day after the occurrence (UTC here): production ran, publishing waits.
        Assert.Equal(held.GetProperty("scheduledFor").GetDateTime().AddDays(1), held.GetProperty("publishAt").GetDateTime());
        Assert.Equal(["render"], Actions(host.Receiver, "later"));
        var details = await host.Client.GetFromJsonAsync<JsonElement>($"/api/v1/executions/{runId}", Ct);
        var states = details.GetProperty("stages").EnumerateArray().Select(s => s.GetProperty("state").GetString()).ToList();
        Assert.Equal(["completed", "pending"], states);

        // Moved to two seconds from now: it publishes then, and production is not delivered again.
        var moveTo = DateTime.UtcNow.AddSeconds(2);
        var move = await host.Client.PutAsJsonAsync($"/api/v1/executions/{runId}/publish-at", new { at = Utc(moveTo) }, Ct);
        Assert.Equal(HttpStatusCode.OK, move.StatusCode);
        var moved = await move.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.True(Math.Abs((moved.GetProperty("publishAt").GetDateTime() - moveTo).TotalMilliseconds) < 5);

        var done = await host.WaitForAsync(runId, e => e.GetProperty("status").GetString() == "completed", "the moved run to publish");
        Assert.Equal(["render", "upload"], Actions(host.Receiver, "later"));
        Assert.True(host.Receiver.On("later")[1].ReceivedAt >= moveTo, "Published before its time.");
        Assert.Equal($"{runId}:upload", host.Receiver.On("later")[1].IdempotencyKey);
        var publish = done.GetProperty("result").GetProperty("publish");
        Assert.Equal(JsonValueKind.Null, publish.GetProperty("lateBySeconds").ValueKind);

        // Over: its time no longer moves.
        var again = await host.Client.PutAsJsonAsync($"/api/v1/executions/{runId}/publish-at", new { at = Utc(DateTime.UtcNow.AddHours(1)) }, Ct);
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task PublishNow_AfterAMoveLater_PublishesAtOnce(DatabaseProvider provider)
    {
        await using var host = await EngineHost.StartAsync(provider);
        var scheduleId = await host.CreateOnceAsync("now", new { pipeline = new { stages = RenderThenUpload }, publishAt = "+2d@12:00" }, jobType: "video_generation");
        var runId = await RunOfAsync(host, scheduleId);
        await host.WaitForAsync(runId, e => e.GetProperty("readyToPublish").GetBoolean(), "the run to be produced and held");

        var later = await host.Client.PutAsJsonAsync($"/api/v1/executions/{runId}/publish-at", new { at = Utc(DateTime.UtcNow.AddHours(1)) }, Ct);
        Assert.Equal(HttpStatusCode.OK, later.StatusCode);
        Assert.True((await later.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("readyToPublish").GetBoolean());
        // Now (a time in the past is now): the upload goes at once.
        var now = await host.Client.PutAsJsonAsync($"/api/v1/executions/{runId}/publish-at", new { at = Utc(DateTime.UtcNow.AddMinutes(-1)) }, Ct);
        Assert.Equal(HttpStatusCode.OK, now.StatusCode);
        await host.WaitForAsync(runId, e => e.GetProperty("status").GetString() == "completed", "the run to publish now");
        Assert.Equal(["render", "upload"], Actions(host.Receiver, "now"));
    }

    [Fact]
    public async Task ProductionFinishingAfterThePublishTime_PublishesAtOnce_AndTheRunRecordsTheDelay()
    {
        await using var host = await EngineHost.StartAsync();
        // "+0d@00:00": midnight of the occurrence's own day, long past when production ends.
        var scheduleId = await host.CreateOnceAsync("late", new { pipeline = new { stages = RenderThenUpload }, publishAt = "+0d@00:00" }, jobType: "video_generation");

        var details = await host.WaitForExecutionAsync(scheduleId, "completed", "failed");

        Assert.Equal("completed", details.GetProperty("execution").GetProperty("status").GetString());
        Assert.Equal(["render", "upload"], Actions(host.Receiver, "late"));
        var publish = details.GetProperty("execution").GetProperty("result").GetProperty("publish");
        Assert.Equal(details.GetProperty("execution").GetProperty("scheduledFor").GetDateTime().Date, publish.GetProperty("at").GetDateTime());
        Assert.True(publish.GetProperty("lateBySeconds").GetInt64() > 60);
        // Never held: one start.
        Assert.Equal(1, details.GetProperty("execution").GetProperty("attempts").GetInt32());
    }

    /// <summary>
    /// The process stops between production and publishing (the in-memory job that would bring the run back is lost with
    /// it). The next life's recovery sweep hands the held run over at its publish time: publishing happens once, then.
    /// </summary>
    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task ARestart_BetweenProductionAndPublishing_PublishesOnce_AtItsTime(DatabaseProvider provider)
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var database = await TestDatabase.CreateAsync(provider);
        Guid runId;
        await using (var first = new AppFactory(database, EngineHost.FastSettings(), ownsDatabase: false))
        {
            first.StartServer();
            var client = await Session.RegisterAsync(first, "publish-restart@example.com");
            var response = await client.PostAsJsonAsync("/api/v1/schedules", new
            {
                name = "Produce, stop, publish",
                jobType = "video_generation",
                scheduledAt = TimeZoneInfo.ConvertTimeBySystemTimeZoneId(DateTime.UtcNow.AddSeconds(2), "Europe/Paris").ToString("yyyy-MM-dd'T'HH:mm:ss.fff", CultureInfo.InvariantCulture),
                timezone = "Europe/Paris",
                webhookUrl = receiver.Url("restart"),
                pipeline = new { stages = RenderThenUpload },
                publishAt = "+2d@12:00",
            }, Ct);
            Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync(Ct));
            var run = await Eventually.GetAsync(async () =>
            {
                await using var db = ReliabilityTests.Open(database);
                return await db.Executions.IgnoreQueryFilters().AsNoTracking().FirstOrDefaultAsync(Ct);
            }, e => e is { WaitReason: WaitReason.PublishAt }, TimeSpan.FromSeconds(30), "the run to be produced and held");
            runId = run!.Id;
            // Two Paris days later at 12:00 local, whatever the offset.
            var paris = NodaTime.DateTimeZoneProviders.Tzdb["Europe/Paris"];
            var expected = PublishTime.Parse("+2d@12:00").Value!.Resolve(NodaTime.Instant.FromDateTimeUtc(DateTime.SpecifyKind(run.ScheduledFor, DateTimeKind.Utc)), paris);
            Assert.Equal(expected.ToDateTimeUtc(), run.PublishAt);
            Assert.Equal(run.PublishAt, run.NotBefore);
        }
        Assert.Equal(["render"], Actions(receiver, "restart"));

        // Time passes while the app is down: the publish time is three seconds after the next start.
        var publishAt = DateTime.UtcNow.AddSeconds(3);
        await using (var db = ReliabilityTests.Open(database))
        {
            await db.Executions.IgnoreQueryFilters().Where(e => e.Id == runId)
                // Its carrier is lost with the in-memory job storage; on PostgreSQL, Hangfire's would keep a job for the old time.
                .ExecuteUpdateAsync(set => set.SetProperty(e => e.PublishAt, publishAt).SetProperty(e => e.NotBefore, publishAt).SetProperty(e => e.HangfireJobId, (string?)null), Ct);
        }

        await using var second = new AppFactory(database, EngineHost.FastSettings(), ownsDatabase: false);
        second.StartServer();
        var done = await Eventually.GetAsync(async () =>
        {
            await using var db = ReliabilityTests.Open(database);
            // A record, so that a timeout says where the run stands.
            return await db.Executions.IgnoreQueryFilters().AsNoTracking().Where(e => e.Id == runId)
                .Select(e => new RunState(e.Status, e.WaitReason, e.Attempts, e.Reason, e.HangfireJobId, e.NotBefore)).SingleAsync(Ct);
        }, e => e.Status == ExecutionStatus.Completed, TimeSpan.FromSeconds(30), "the held run to publish after the restart");

        Assert.Equal(["render", "upload"], Actions(receiver, "restart"));
        Assert.True(receiver.On("restart")[1].ReceivedAt >= publishAt.AddMilliseconds(-5), "Published before its time.");
        Assert.Equal(2, done.Attempts);
    }

    private sealed record RunState(ExecutionStatus Status, WaitReason WaitReason, int Attempts, string? Reason, string? Job, DateTime? NotBefore);

    [Fact]
    public async Task PublishAt_IsCheckedWhenSaved_400sNameTheField_AndAGoodOneIsShownInWords()
    {
        await using var host = await EngineHost.StartAsync();
        var at = DateTime.UtcNow.AddDays(3);
        object Once(string publishAt, string jobType = "video_generation") => new
        {
            name = "Publish check", jobType, scheduleType = "once", timezone = "Europe/Paris",
            scheduledAt = at.ToString("yyyy-MM-dd'T'HH:mm", CultureInfo.InvariantCulture), publishAt,
        };
        async Task<string> RefusedAsync(object body)
        {
            var response = await host.Client.PostAsJsonAsync("/api/v1/schedules", body, Ct);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            var problem = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
            return string.Join(" ", problem.GetProperty("errors").GetProperty("publishAt").EnumerateArray().Select(m => m.GetString()));
        }

        Assert.Contains("not an offset", await RefusedAsync(Once("+2x")), StringComparison.Ordinal);
        Assert.Contains("before production", await RefusedAsync(Once(at.AddDays(-1).ToString("yyyy-MM-dd'T'HH:mm", CultureInfo.InvariantCulture))), StringComparison.Ordinal);
        Assert.Contains("runs one stage", await RefusedAsync(Once("+1d", jobType: "export")), StringComparison.Ordinal);
        Assert.Contains("offset after its occurrence", await RefusedAsync(new
        {
            name = "Daily", jobType = "newsletter", timezone = "UTC", recurrence = new { frequency = "daily", timesOfDay = new[] { "09:00" } },
            publishAt = "2030-01-01T12:00",
        }), StringComparison.Ordinal);

        var created = await host.Client.PostAsJsonAsync("/api/v1/schedules", Once(" +2D@9:00 "), Ct);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var view = await created.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal("+2d@09:00", view.GetProperty("publishAt").GetString());
        Assert.Equal("publishes 2 days later at 09:00", view.GetProperty("publishAtDescription").GetString());
    }

    /// <summary>
    /// publishAt is checked against the pipeline the schedule will run: the workspace's, when it has one for the job type;
    /// and that pipeline may not lose its last publishing stage (edit or reset) while schedules that publish later run it.
    /// </summary>
    [Fact]
    public async Task PublishAt_FollowsTheWorkspacesPipeline_WhichCannotLoseItsPublishingStage_WhileSchedulesHoldForIt()
    {
        await using var host = await EngineHost.StartAsync();
        var client = host.Client;
        var at = DateTime.UtcNow.AddDays(3).ToString("yyyy-MM-dd'T'HH:mm", CultureInfo.InvariantCulture);
        object Once(string name, string jobType) => new { name, jobType, scheduleType = "once", timezone = "Europe/Paris", scheduledAt = at, publishAt = "+1d" };
        object Stages(bool publishing) => new
        {
            stages = new object[]
            {
                new { key = "render", name = "Render", stopOnFailure = true, publishing = false },
                new { key = "upload", name = "Upload", stopOnFailure = true, publishing },
            },
        };

        // Captions run one stage by default: a workspace pipeline with a publishing stage lets them publish later.
        Assert.Equal(HttpStatusCode.BadRequest, (await client.PostAsJsonAsync("/api/v1/schedules", Once("Captions", "caption_generation"), Ct)).StatusCode);
        var set = await client.PutAsJsonAsync("/api/v1/workspace/pipelines/caption_generation", Stages(publishing: true), Ct);
        Assert.Equal(HttpStatusCode.OK, set.StatusCode);
        var captions = await client.PostAsJsonAsync("/api/v1/schedules", Once("Captions", "caption_generation"), Ct);
        Assert.Equal(HttpStatusCode.Created, captions.StatusCode);

        // Now that a schedule holds for it, neither an edit without a publishing stage nor a reset to the one-stage default is taken.
        var unmarked = await client.PutAsJsonAsync("/api/v1/workspace/pipelines/caption_generation", Stages(publishing: false), Ct);
        Assert.Equal(HttpStatusCode.Conflict, unmarked.StatusCode);
        Assert.Contains("'Captions'", (await unmarked.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Conflict, (await client.DeleteAsync("/api/v1/workspace/pipelines/caption_generation", Ct)).StatusCode);
        var kept = await client.GetFromJsonAsync<JsonElement>("/api/v1/workspace/pipelines/caption_generation", Ct);
        Assert.True(kept.GetProperty("stages")[1].GetProperty("publishing").GetBoolean());

        // A workspace video pipeline with nothing marked publishing: a new schedule's publishAt is refused, naming that pipeline.
        Assert.Equal(HttpStatusCode.OK, (await client.PutAsJsonAsync("/api/v1/workspace/pipelines/video_generation", Stages(publishing: false), Ct)).StatusCode);
        var refused = await client.PostAsJsonAsync("/api/v1/schedules", Once("Video", "video_generation"), Ct);
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        var message = (await refused.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("errors").GetProperty("publishAt")[0].GetString();
        Assert.Contains("workspace's pipeline for video_generation", message, StringComparison.Ordinal);
        // A pipeline of its own with a publishing stage still works.
        var own = await client.PostAsJsonAsync("/api/v1/schedules", new
        {
            name = "Video", jobType = "video_generation", scheduleType = "once", timezone = "Europe/Paris", scheduledAt = at, publishAt = "+1d",
            pipeline = Stages(publishing: true),
        }, Ct);
        Assert.Equal(HttpStatusCode.Created, own.StatusCode);

        // Once the captions schedule no longer publishes later, the caption pipeline may change.
        var view = await captions.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync($"/api/v1/schedules/{view.GetProperty("id").GetGuid()}/cancel", null, Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.DeleteAsync("/api/v1/workspace/pipelines/caption_generation", Ct)).StatusCode);
    }
}
