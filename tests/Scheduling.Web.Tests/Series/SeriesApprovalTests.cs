using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Scheduling.Web.Data;
using Scheduling.Web.Tests.Api;
using Scheduling.Web.Tests.Infrastructure;

namespace Scheduling.Web.Tests.Series;

/// <summary>A Creator's series in a workspace that requires approval: a draft until approved, then its first open episode (overdue ones catch up).</summary>
public class SeriesApprovalTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    // Tuesday 5 March 2030; the series' first episode is Friday 8 March, 09:00 New York (14:00 UTC).
    private static readonly DateTimeOffset Now = new(2030, 3, 5, 12, 0, 0, TimeSpan.Zero);

    private static async Task<JsonElement> SendAsync(HttpClient client, HttpMethod method, string path, object? body, HttpStatusCode expected)
    {
        using var response = await client.SendAsync(new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) }, Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == expected, $"{method} {path}: {(int)response.StatusCode} {text}");
        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>A workspace that requires approval, its Owner, and a Creator in it.</summary>
    private static async Task<(WorkspaceFixtures Owner, HttpClient Creator)> StudioAsync(AppFactory app)
    {
        var owner = await WorkspaceFixtures.CreateAsync(app, "owner@example.com");
        await SendAsync(owner.Bearer, HttpMethod.Put, $"/api/v1/workspaces/{owner.WorkspaceId}", new { name = "Studio", requireApproval = true }, HttpStatusCode.OK);
        var (_, creator) = await owner.JoinAsync("creator@example.com", "creator");
        return (owner, creator);
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task CreatorsSeries_IsADraftUntilApproved_ThenStartsAtItsFirstOpenEpisode(DatabaseProvider provider)
    {
        var clock = new FakeTimeProvider(Now);
        await using var app = await AppFactory.StartAsync(provider, services: s => s.AddSingleton<TimeProvider>(clock));
        var (owner, creator) = await StudioAsync(app);

        var series = await SendAsync(creator, HttpMethod.Post, "/api/v1/schedules/series", SeriesApiTests.Daily(), HttpStatusCode.Created);
        var seriesId = series.GetProperty("id").GetGuid();
        var scheduleId = series.GetProperty("scheduleId").GetGuid();
        Assert.Equal("draft", series.GetProperty("approval").GetString());
        var schedule = await SendAsync(creator, HttpMethod.Get, $"/api/v1/schedules/{scheduleId}", null, HttpStatusCode.OK);
        Assert.Equal(("draft", JsonValueKind.Null), (schedule.GetProperty("status").GetString(), schedule.GetProperty("nextRunAt").ValueKind));

        await SendAsync(creator, HttpMethod.Post, $"/api/v1/schedules/{scheduleId}/submit", new { }, HttpStatusCode.OK);
        Assert.Equal("in_review", (await SendAsync(creator, HttpMethod.Get, $"/api/v1/schedules/series/{seriesId}", null, HttpStatusCode.OK)).GetProperty("approval").GetString());
        await SendAsync(creator, HttpMethod.Post, $"/api/v1/schedules/{scheduleId}/approve", new { }, HttpStatusCode.Forbidden);

        // Approved a day after its first episode was due: that episode goes out first (episodes are released in order).
        clock.SetUtcNow(new DateTimeOffset(2030, 3, 9, 12, 0, 0, TimeSpan.Zero));
        var approved = await SendAsync(owner.Bearer, HttpMethod.Post, $"/api/v1/schedules/{scheduleId}/approve", new { }, HttpStatusCode.OK);
        Assert.Equal(("active", "2030-03-08T14:00:00Z"), (approved.GetProperty("status").GetString(), approved.GetProperty("nextRunAt").GetString()));
        var after = await SendAsync(creator, HttpMethod.Get, $"/api/v1/schedules/series/{seriesId}", null, HttpStatusCode.OK);
        Assert.Equal(JsonValueKind.Null, after.GetProperty("approval").ValueKind);

        // An Owner's series needs no approval.
        var own = await SendAsync(owner.Bearer, HttpMethod.Post, "/api/v1/schedules/series", SeriesApiTests.Daily("Owner's tales"), HttpStatusCode.Created);
        Assert.Equal(JsonValueKind.Null, own.GetProperty("approval").ValueKind);
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task ACreatorsChangeToAnApprovedSeries_ItsContentOrMoreEpisodes_SendsItBackToReview_ASkipOrAnOwnersChangeDoesNot(DatabaseProvider provider)
    {
        var clock = new FakeTimeProvider(Now);
        await using var app = await AppFactory.StartAsync(provider, new Dictionary<string, string?> { ["Execution:RunDispatcher"] = "false" },
            services: s => s.AddSingleton<TimeProvider>(clock));
        var (owner, creator) = await StudioAsync(app);
        var series = await SendAsync(creator, HttpMethod.Post, "/api/v1/schedules/series", SeriesApiTests.Daily(), HttpStatusCode.Created);
        var seriesId = series.GetProperty("id").GetGuid();
        var scheduleId = series.GetProperty("scheduleId").GetGuid();
        await SendAsync(creator, HttpMethod.Post, $"/api/v1/schedules/{scheduleId}/submit", new { }, HttpStatusCode.OK);
        await SendAsync(owner.Bearer, HttpMethod.Post, $"/api/v1/schedules/{scheduleId}/approve", new { }, HttpStatusCode.OK);
        async Task<(string? Approval, string Status, JsonValueKind Next, string? LastReview)> StateAsync()
        {
            var view = await SendAsync(creator, HttpMethod.Get, $"/api/v1/schedules/series/{seriesId}", null, HttpStatusCode.OK);
            var schedule = await SendAsync(creator, HttpMethod.Get, $"/api/v1/schedules/{scheduleId}", null, HttpStatusCode.OK);
            var reviews = schedule.GetProperty("reviews").EnumerateArray().OrderBy(r => r.GetProperty("at").GetDateTime()).ToList();
            return (view.GetProperty("approval").GetString(), schedule.GetProperty("status").GetString()!, schedule.GetProperty("nextRunAt").ValueKind,
                reviews.Count == 0 ? null : $"{reviews[^1].GetProperty("decision").GetString()}: {reviews[^1].GetProperty("comment").GetString()}");
        }
        var approved = await StateAsync();
        Assert.Equal((null, "active", JsonValueKind.String), (approved.Approval, approved.Status, approved.Next));
        Assert.StartsWith("approved", approved.LastReview, StringComparison.Ordinal);

        // Skipping an episode sends less: it stays approved.
        await SendAsync(creator, HttpMethod.Put, $"/api/v1/schedules/series/{seriesId}/episodes/5", new { skip = true }, HttpStatusCode.OK);
        Assert.Equal((null, "active"), await StateAsync() is var s1 ? (s1.Approval, s1.Status) : default);

        // A new title for episode 2 is new content: back to review, nothing planned until approved again.
        clock.Advance(TimeSpan.FromMinutes(1));
        await SendAsync(creator, HttpMethod.Put, $"/api/v1/schedules/series/{seriesId}/episodes/2", new { title = "A better title" }, HttpStatusCode.OK);
        Assert.Equal(("in_review", "in_review", JsonValueKind.Null, "returned: Episode 2 changed after approval."), await StateAsync());

        clock.Advance(TimeSpan.FromMinutes(1));
        await SendAsync(owner.Bearer, HttpMethod.Post, $"/api/v1/schedules/{scheduleId}/approve", new { }, HttpStatusCode.OK);
        // The Owner's own change needs no review.
        await SendAsync(owner.Bearer, HttpMethod.Put, $"/api/v1/schedules/series/{seriesId}/episodes/3", new { jobConfig = new { voice = "warm" } }, HttpStatusCode.OK);
        Assert.Equal((null, "active"), await StateAsync() is var s2 ? (s2.Approval, s2.Status) : default);

        // More episodes are more to go out: back to review.
        clock.Advance(TimeSpan.FromMinutes(1));
        await SendAsync(creator, HttpMethod.Post, $"/api/v1/schedules/series/{seriesId}/episodes", new { count = 2 }, HttpStatusCode.OK);
        Assert.Equal(("in_review", "in_review", JsonValueKind.Null, "returned: 2 episode(s) added after approval."), await StateAsync());
    }
}
