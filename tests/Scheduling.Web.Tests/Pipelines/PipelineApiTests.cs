using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Scheduling.Web.Data;
using Scheduling.Web.Tests.Engine;
using Scheduling.Web.Tests.Infrastructure;

namespace Scheduling.Web.Tests.Pipelines;

/// <summary>The workspace's pipelines and a schedule's own through /api/v1: defaults, edits, reset, and 400s naming the field.</summary>
public class PipelineApiTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<JsonElement> ProblemAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        return (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("errors");
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task Defaults_Edit_AndReset(DatabaseProvider provider)
    {
        await using var app = await AppFactory.StartAsync(provider);
        var client = await Session.RegisterAsync(app, "pipelines@example.com");

        var video = await client.GetFromJsonAsync<JsonElement>("/api/v1/workspace/pipelines/video_generation", Ct);
        Assert.True(video.GetProperty("isDefault").GetBoolean());
        Assert.Equal(["script", "assets", "assemble", "thumbnail", "metadata", "upload"], video.GetProperty("stages").EnumerateArray().Select(s => s.GetProperty("key").GetString()));
        Assert.Equal(["upload"], video.GetProperty("stages").EnumerateArray().Where(s => s.GetProperty("publishing").GetBoolean()).Select(s => s.GetProperty("key").GetString()));
        var newsletter = await client.GetFromJsonAsync<JsonElement>("/api/v1/workspace/pipelines/newsletter", Ct);
        Assert.Equal(["scrape", "generate", "send"], newsletter.GetProperty("stages").EnumerateArray().Select(s => s.GetProperty("key").GetString()));
        var export = await client.GetFromJsonAsync<JsonElement>("/api/v1/workspace/pipelines/export", Ct);
        Assert.Equal(1, export.GetProperty("stages").GetArrayLength());

        var put = await client.PutAsJsonAsync("/api/v1/workspace/pipelines/newsletter", new
        {
            stages = new object[]
            {
                new { key = "scrape", name = "Scrape sources", timeoutSeconds = 60, retry = new { attempts = 3, backoffSeconds = 10 } },
                new { key = "send", name = "Send", publishing = true, stopOnFailure = false },
            },
        }, Ct);
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        var edited = await client.GetFromJsonAsync<JsonElement>("/api/v1/workspace/pipelines/newsletter", Ct);
        Assert.False(edited.GetProperty("isDefault").GetBoolean());
        var first = edited.GetProperty("stages")[0];
        Assert.Equal("Scrape sources", first.GetProperty("name").GetString());
        Assert.Equal(60, first.GetProperty("timeoutSeconds").GetInt32());
        Assert.Equal(3, first.GetProperty("retry").GetProperty("attempts").GetInt32());
        Assert.True(first.GetProperty("stopOnFailure").GetBoolean());
        Assert.False(edited.GetProperty("stages")[1].GetProperty("stopOnFailure").GetBoolean());

        var reset = await client.DeleteAsync("/api/v1/workspace/pipelines/newsletter", Ct);
        Assert.Equal(HttpStatusCode.OK, reset.StatusCode);
        var back = await client.GetFromJsonAsync<JsonElement>("/api/v1/workspace/pipelines/newsletter", Ct);
        Assert.True(back.GetProperty("isDefault").GetBoolean());
        Assert.Equal(3, back.GetProperty("stages").GetArrayLength());
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task BadPipelines_Are400sNamingTheField(DatabaseProvider provider)
    {
        await using var app = await AppFactory.StartAsync(provider);
        var client = await Session.RegisterAsync(app, "bad-pipelines@example.com");

        var errors = await ProblemAsync(await client.PutAsJsonAsync("/api/v1/workspace/pipelines/export", new
        {
            stages = new object[]
            {
                new { key = "a" },
                new { key = "a" },
                new { key = "c", timeoutSeconds = 0 },
                new { key = "Not A Key" },
                new { key = "e", target = "ftp://example.com/x" },
                new { key = "f", retry = new { attempts = 0, backoffSeconds = 10 } },
            },
        }, Ct));
        Assert.True(errors.TryGetProperty("stages[1].key", out _), errors.ToString());
        Assert.True(errors.TryGetProperty("stages[2].timeoutSeconds", out _), errors.ToString());
        Assert.True(errors.TryGetProperty("stages[3].key", out _), errors.ToString());
        Assert.True(errors.TryGetProperty("stages[4].target", out _), errors.ToString());
        Assert.True(errors.TryGetProperty("stages[5].retry.attempts", out _), errors.ToString());
        Assert.False(errors.TryGetProperty("stages[0].key", out _));

        Assert.True((await ProblemAsync(await client.PutAsJsonAsync("/api/v1/workspace/pipelines/export", new { stages = Array.Empty<object>() }, Ct))).TryGetProperty("stages", out _));
        var many = Enumerable.Range(0, 21).Select(i => new { key = $"s{i}" }).ToArray();
        Assert.True((await ProblemAsync(await client.PutAsJsonAsync("/api/v1/workspace/pipelines/export", new { stages = many }, Ct))).TryGetProperty("stages", out _));
        Assert.True((await ProblemAsync(await client.PutAsJsonAsync("/api/v1/workspace/pipelines/no_such_type", new { stages = many }, Ct))).TryGetProperty("jobType", out _));

        // A schedule's own pipeline: the same rules under "pipeline".
        var schedule = await ProblemAsync(await client.PostAsJsonAsync("/api/v1/schedules", new
        {
            name = "Bad pipeline",
            jobType = "export",
            timezone = "UTC",
            scheduledAt = "2031-01-01T09:00:00",
            pipeline = new { stages = new object[] { new { key = "ok" }, new { key = "ok" }, new { key = "late", timeoutSeconds = 100_000 } } },
        }, Ct));
        Assert.True(schedule.TryGetProperty("pipeline.stages[1].key", out _), schedule.ToString());
        Assert.True(schedule.TryGetProperty("pipeline.stages[2].timeoutSeconds", out _), schedule.ToString());
    }

    [Fact]
    public async Task StageTargets_GoThroughTheWebhookTargetPolicy()
    {
        // Private targets refused, as an instance on the internet has them.
        await using var app = await AppFactory.StartAsync(DatabaseProvider.Sqlite, EngineHost.FastSettings(allowPrivate: false));
        var client = await Session.RegisterAsync(app, "ssrf-pipelines@example.com");

        var workspace = await ProblemAsync(await client.PutAsJsonAsync("/api/v1/workspace/pipelines/export", new
        {
            stages = new object[] { new { key = "a" }, new { key = "b", target = "http://127.0.0.1:9/hook" } },
        }, Ct));
        Assert.True(workspace.TryGetProperty("stages[1].target", out _), workspace.ToString());

        var schedule = await ProblemAsync(await client.PostAsJsonAsync("/api/v1/schedules", new
        {
            name = "Private stage",
            jobType = "export",
            timezone = "UTC",
            scheduledAt = "2031-01-01T09:00:00",
            pipeline = new { stages = new object[] { new { key = "a", target = "http://10.0.0.1/hook" } } },
        }, Ct));
        Assert.True(schedule.TryGetProperty("pipeline.stages[0].target", out _), schedule.ToString());

        // Bulk create (and so the import, which goes through it) checks the stage targets too: the item is named, nothing is saved.
        var ok = new { name = "Fine", jobType = "export", timezone = "UTC", scheduledAt = "2031-01-01T09:00:00" };
        var bad = new { name = "Private stage", jobType = "export", timezone = "UTC", scheduledAt = "2031-01-01T10:00:00",
            pipeline = new { stages = new object[] { new { key = "a", target = "http://169.254.169.254/latest/meta-data" } } } };
        var bulk = await client.PostAsJsonAsync("/api/v1/schedules/bulk", new { schedules = new object[] { ok, bad } }, Ct);
        var bulkText = await bulk.Content.ReadAsStringAsync(Ct);
        Assert.True(bulk.StatusCode == HttpStatusCode.BadRequest, bulkText);
        var bulkProblem = JsonDocument.Parse(bulkText).RootElement;
        Assert.True(bulkProblem.GetProperty("errors").TryGetProperty("schedules[1].pipeline.stages[0].target", out _), bulkText);
        Assert.Equal(0, (await client.GetFromJsonAsync<JsonElement>("/api/v1/schedules", Ct)).GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task ACreatorsChangeOfAnApprovedSchedulesPipeline_SendsItBackToReview()
    {
        await using var app = await AppFactory.StartAsync(DatabaseProvider.Sqlite);
        var owner = await Api.WorkspaceFixtures.CreateAsync(app, "owner-pipelines@example.com");
        (await owner.Bearer.PutAsJsonAsync($"/api/v1/workspaces/{owner.WorkspaceId}", new { name = "Studio", requireApproval = true }, Ct)).EnsureSuccessStatusCode();
        var (_, creator) = await owner.JoinAsync("creator-pipelines@example.com", "creator");
        var body = new Dictionary<string, object?>
        {
            ["name"] = "Weekly video", ["jobType"] = "video_generation", ["timezone"] = "UTC",
            ["recurrence"] = new { frequency = "weekly", byDay = new[] { "MO" }, timesOfDay = new[] { "09:00" } },
            ["pipeline"] = new { stages = new object[] { new { key = "render" }, new { key = "upload", publishing = true } } },
        };
        var created = await (await creator.PostAsJsonAsync("/api/v1/schedules", body, Ct)).Content.ReadFromJsonAsync<JsonElement>(Ct);
        var id = created.GetProperty("id").GetGuid();
        (await creator.PostAsJsonAsync($"/api/v1/schedules/{id}/submit", new { }, Ct)).EnsureSuccessStatusCode();
        (await owner.Bearer.PostAsJsonAsync($"/api/v1/schedules/{id}/approve", new { }, Ct)).EnsureSuccessStatusCode();

        // A new name only: it stays approved. A stage added: back to review, the queue naming both changes since the approval.
        body["name"] = "Weekly video (renamed)";
        var renamed = await (await creator.PutAsJsonAsync($"/api/v1/schedules/{id}", body, Ct)).Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal("active", renamed.GetProperty("status").GetString());
        body["pipeline"] = new { stages = new object[] { new { key = "render" }, new { key = "thumbnail" }, new { key = "upload", publishing = true } } };
        var changed = await (await creator.PutAsJsonAsync($"/api/v1/schedules/{id}", body, Ct)).Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal(("in_review", JsonValueKind.Null), (changed.GetProperty("status").GetString(), changed.GetProperty("nextRunAt").ValueKind));
        var queue = await owner.Bearer.GetFromJsonAsync<JsonElement>("/api/v1/reviews", Ct);
        var item = Assert.Single(queue.GetProperty("items").EnumerateArray());
        Assert.Equal(["name", "pipeline"], item.GetProperty("changes").EnumerateArray().Select(c => c.GetProperty("field").GetString()));
    }

    [Fact]
    public async Task ScheduleOverride_IsSavedAndShown_AndNullMeansTheWorkspaces()
    {
        await using var app = await AppFactory.StartAsync(DatabaseProvider.Sqlite);
        var client = await Session.RegisterAsync(app, "override@example.com");
        var body = new Dictionary<string, object?>
        {
            ["name"] = "Own pipeline",
            ["jobType"] = "video_generation",
            ["timezone"] = "UTC",
            ["scheduledAt"] = "2031-01-01T09:00:00",
            ["pipeline"] = new { stages = new object[] { new { key = "render" }, new { key = "upload", publishing = true } } },
        };
        var created = await client.PostAsJsonAsync("/api/v1/schedules", body, Ct);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var view = await created.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal(["render", "upload"], view.GetProperty("pipeline").GetProperty("stages").EnumerateArray().Select(s => s.GetProperty("key").GetString()));

        body["pipeline"] = null;
        var updated = await client.PutAsJsonAsync($"/api/v1/schedules/{view.GetProperty("id").GetGuid()}", body, Ct);
        Assert.Equal(HttpStatusCode.OK, updated.StatusCode);
        Assert.Equal(JsonValueKind.Null, (await updated.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("pipeline").ValueKind);
    }
}
