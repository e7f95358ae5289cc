using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Scheduling.Core.Scheduling;
using Scheduling.Web.Data;
using Scheduling.Web.Engine;
using Scheduling.Web.Tests.Api;
using Scheduling.Web.Tests.Infrastructure;

namespace Scheduling.Web.Tests.Approval;

/// <summary>Approval before scheduling, through the API, on SQLite and PostgreSQL: roles, transitions, review history, the dispatcher.</summary>
public class ApprovalTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>An Owner's workspace with approval on, a Creator and a Manager in it.</summary>
    private sealed record Team(AppFactory App, WorkspaceFixtures Owner, HttpClient Creator, HttpClient Manager) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => App.DisposeAsync();
    }

    private static async Task<Team> StartAsync(DatabaseProvider provider)
    {
        var app = await AppFactory.StartAsync(provider);
        var owner = await WorkspaceFixtures.CreateAsync(app, "owner@example.com");
        var on = await owner.Bearer.PutAsJsonAsync($"/api/v1/workspaces/{owner.WorkspaceId}", new { name = "Studio", requireApproval = true }, Ct);
        Assert.True(on.IsSuccessStatusCode, await on.Content.ReadAsStringAsync(Ct));
        Assert.True((await on.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("requireApproval").GetBoolean());
        var (_, creator) = await owner.JoinAsync("creator@example.com", "creator");
        var (_, manager) = await owner.JoinAsync("manager@example.com", "manager");
        return new Team(app, owner, creator, manager);
    }

    private static async Task<JsonElement> OkAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private static Task<HttpResponseMessage> PostAsync(HttpClient client, string path, object? body = null) =>
        client.PostAsJsonAsync(path, body ?? new { }, Ct);

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task CreatorsBulkCreate_MakesDrafts_TooNotAWayAroundTheReview(DatabaseProvider provider)
    {
        await using var team = await StartAsync(provider);
        var result = await OkAsync(await PostAsync(team.Creator, "/api/v1/schedules/bulk", new
        {
            schedules = new[] { WorkspaceFixtures.Schedule("Bulk one"), WorkspaceFixtures.Schedule("Bulk two") },
        }));
        var ids = result.GetProperty("results").EnumerateArray().Select(r => r.GetProperty("id").GetGuid()).ToList();

        Assert.Equal(2, ids.Count);
        foreach (var id in ids)
        {
            var schedule = await team.Owner.Bearer.GetFromJsonAsync<JsonElement>($"/api/v1/schedules/{id}", Ct);
            Assert.Equal("draft", schedule.GetProperty("status").GetString());
            Assert.Equal(JsonValueKind.Null, schedule.GetProperty("nextRunAt").ValueKind);
        }
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task CreatorsSchedule_IsADraft_SubmittedRejectedResubmittedApproved_WithItsHistory(DatabaseProvider provider)
    {
        await using var team = await StartAsync(provider);
        var created = await OkAsync(await PostAsync(team.Creator, "/api/v1/schedules", WorkspaceFixtures.Schedule("Launch teaser")));
        var id = created.GetProperty("id").GetGuid();
        Assert.Equal("draft", created.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, created.GetProperty("nextRunAt").ValueKind);

        // A draft is not approved straight away, and nobody but an Owner or Admin approves.
        Assert.Equal(HttpStatusCode.Conflict, (await PostAsync(team.Owner.Bearer, $"/api/v1/schedules/{id}/approve")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await PostAsync(team.Manager, $"/api/v1/schedules/{id}/submit")).StatusCode);
        var submitted = await OkAsync(await PostAsync(team.Creator, $"/api/v1/schedules/{id}/submit", new { comment = "Ready" }));
        Assert.Equal("in_review", submitted.GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.Forbidden, (await PostAsync(team.Creator, $"/api/v1/schedules/{id}/approve")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await PostAsync(team.Manager, $"/api/v1/schedules/{id}/approve")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await PostAsync(team.Manager, $"/api/v1/schedules/{id}/reject", new { comment = "no" })).StatusCode);
        // Nor does resuming make it run.
        Assert.Equal(HttpStatusCode.Conflict, (await PostAsync(team.Creator, $"/api/v1/schedules/{id}/resume")).StatusCode);

        // A rejection says why.
        var noReason = await PostAsync(team.Owner.Bearer, $"/api/v1/schedules/{id}/reject", new { comment = " " });
        Assert.Equal(HttpStatusCode.BadRequest, noReason.StatusCode);
        Assert.True((await noReason.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("errors").TryGetProperty("comment", out _));
        var rejected = await OkAsync(await PostAsync(team.Owner.Bearer, $"/api/v1/schedules/{id}/reject", new { comment = "Use the new thumbnail format." }));
        Assert.Equal("draft", rejected.GetProperty("status").GetString());

        await OkAsync(await PostAsync(team.Creator, $"/api/v1/schedules/{id}/submit"));
        var queue = await team.Manager.GetFromJsonAsync<JsonElement>("/api/v1/reviews", Ct);
        Assert.Equal(1, queue.GetProperty("total").GetInt32());
        Assert.Equal(id, queue.GetProperty("items")[0].GetProperty("schedule").GetProperty("id").GetGuid());
        Assert.False(queue.GetProperty("items")[0].GetProperty("wasApproved").GetBoolean());
        Assert.Equal(1, (await team.Creator.GetFromJsonAsync<JsonElement>("/api/v1/reviews/count", Ct)).GetProperty("waiting").GetInt32());

        var approved = await OkAsync(await PostAsync(team.Owner.Bearer, $"/api/v1/schedules/{id}/approve"));
        Assert.Equal("active", approved.GetProperty("status").GetString());
        Assert.NotEqual(JsonValueKind.Null, approved.GetProperty("nextRunAt").ValueKind);

        var history = (await team.Manager.GetFromJsonAsync<JsonElement>($"/api/v1/schedules/{id}", Ct)).GetProperty("reviews");
        Assert.Equal(["submitted", "rejected", "submitted", "approved"], history.EnumerateArray().Select(r => r.GetProperty("decision").GetString()).ToArray());
        Assert.Equal("Use the new thumbnail format.", history[1].GetProperty("comment").GetString());
        Assert.Equal("owner@example.com", history[1].GetProperty("userEmail").GetString());
        Assert.Equal("creator@example.com", history[0].GetProperty("userEmail").GetString());
        Assert.Equal(0, (await team.Creator.GetFromJsonAsync<JsonElement>("/api/v1/reviews/count", Ct)).GetProperty("waiting").GetInt32());
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task CreatorsEditOfAnApprovedSchedule_GoesBackToReview_UnlessOnlyNameOrDescriptionChanged(DatabaseProvider provider)
    {
        await using var team = await StartAsync(provider);
        var id = (await OkAsync(await PostAsync(team.Creator, "/api/v1/schedules", WorkspaceFixtures.Schedule("Weekly")))).GetProperty("id").GetGuid();
        await OkAsync(await PostAsync(team.Creator, $"/api/v1/schedules/{id}/submit"));
        await OkAsync(await PostAsync(team.Owner.Bearer, $"/api/v1/schedules/{id}/approve"));

        var renamed = new Dictionary<string, object?>
        {
            ["name"] = "Weekly (renamed)", ["description"] = "Now with words", ["jobType"] = "video_generation", ["jobConfig"] = new { format = "mp4" },
            ["scheduleType"] = "recurring", ["timezone"] = "America/New_York",
            ["recurrence"] = new { rrule = "FREQ=WEEKLY;BYDAY=MO,TH;BYHOUR=9;BYMINUTE=0", start = "2030-01-01T00:00:00" },
            ["priority"] = "high", ["retry"] = new { maxAttempts = 3, strategy = "exponential", baseDelaySeconds = 10, maxDelaySeconds = 600 },
        };
        var afterRename = await OkAsync(await team.Creator.PutAsJsonAsync($"/api/v1/schedules/{id}", renamed, Ct));
        Assert.Equal("active", afterRename.GetProperty("status").GetString());
        Assert.NotEqual(JsonValueKind.Null, afterRename.GetProperty("nextRunAt").ValueKind);

        renamed["jobConfig"] = new { format = "webm" };
        var afterChange = await OkAsync(await team.Creator.PutAsJsonAsync($"/api/v1/schedules/{id}", renamed, Ct));
        Assert.Equal("in_review", afterChange.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, afterChange.GetProperty("nextRunAt").ValueKind);

        // The queue shows what changed since the approval: the config, and the name and description.
        var item = (await team.Owner.Bearer.GetFromJsonAsync<JsonElement>("/api/v1/reviews", Ct)).GetProperty("items")[0];
        Assert.True(item.GetProperty("wasApproved").GetBoolean());
        var fields = item.GetProperty("changes").EnumerateArray().Select(c => c.GetProperty("field").GetString()).ToHashSet();
        Assert.Equal(new HashSet<string?> { "jobConfig", "name", "description" }, fields);

        // An Admin's (or Owner's) own edit does not need approval.
        renamed["jobConfig"] = new { format = "mov" };
        await OkAsync(await PostAsync(team.Owner.Bearer, $"/api/v1/schedules/{id}/approve"));
        var byOwner = await OkAsync(await team.Owner.Bearer.PutAsJsonAsync($"/api/v1/schedules/{id}", renamed, Ct));
        Assert.Equal("active", byOwner.GetProperty("status").GetString());
        var history = (await team.Owner.Bearer.GetFromJsonAsync<JsonElement>($"/api/v1/schedules/{id}", Ct)).GetProperty("reviews");
        Assert.Equal(["submitted", "approved", "returned", "approved"], history.EnumerateArray().Select(r => r.GetProperty("decision").GetString()).ToArray());
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task Dispatcher_NeverRunsDraftsOrSchedulesInReview_AndRunNowRefusesThem(DatabaseProvider provider)
    {
        await using var team = await StartAsync(provider);
        var draft = (await OkAsync(await PostAsync(team.Creator, "/api/v1/schedules", WorkspaceFixtures.Schedule("Draft")))).GetProperty("id").GetGuid();
        var inReview = (await OkAsync(await PostAsync(team.Creator, "/api/v1/schedules", WorkspaceFixtures.Schedule("In review")))).GetProperty("id").GetGuid();
        await OkAsync(await PostAsync(team.Creator, $"/api/v1/schedules/{inReview}/submit"));
        Assert.Equal(HttpStatusCode.Conflict, (await PostAsync(team.Creator, $"/api/v1/schedules/{draft}/run")).StatusCode);

        await using var scope = team.App.Services.CreateAsyncScope();
        await using var db = await scope.ServiceProvider.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync(Ct);
        // Even with a next run that is due (as an older version of the app might have left), they are not claimed.
        var due = DateTime.UtcNow.AddMinutes(-1);
        await db.Schedules.IgnoreQueryFilters().Where(s => s.Id == draft || s.Id == inReview).ExecuteUpdateAsync(set => set.SetProperty(s => s.NextRunAt, due), Ct);
        await scope.ServiceProvider.GetRequiredService<Dispatcher>().DispatchDueAsync(Ct);

        Assert.Equal(0, await db.Executions.IgnoreQueryFilters().CountAsync(e => e.ScheduleId == draft || e.ScheduleId == inReview, Ct));
        var statuses = await db.Schedules.IgnoreQueryFilters().Where(s => s.Id == draft || s.Id == inReview).Select(s => s.Status).ToListAsync(Ct);
        Assert.Equal([ScheduleStatus.Draft, ScheduleStatus.InReview], statuses.Order());
    }

    [Fact]
    public async Task WithoutTheSetting_CreatorsSchedulesAreActive_AndOnlyOwnersAndAdminsChangeIt()
    {
        await using var app = await AppFactory.StartAsync(DatabaseProvider.Sqlite);
        var owner = await WorkspaceFixtures.CreateAsync(app, "owner@example.com");
        var (_, creator) = await owner.JoinAsync("creator@example.com", "creator");
        Assert.Equal(HttpStatusCode.Forbidden, (await creator.PutAsJsonAsync($"/api/v1/workspaces/{owner.WorkspaceId}", new { name = "Mine", requireApproval = false }, Ct)).StatusCode);
        var created = await OkAsync(await PostAsync(creator, "/api/v1/schedules", WorkspaceFixtures.Schedule("Free")));
        Assert.Equal("active", created.GetProperty("status").GetString());
        // A rename leaves the setting as it was.
        var renamed = await OkAsync(await owner.Bearer.PutAsJsonAsync($"/api/v1/workspaces/{owner.WorkspaceId}", new { name = "Renamed" }, Ct));
        Assert.False(renamed.GetProperty("requireApproval").GetBoolean());
    }
}
