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

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task CreatorsSeries_IsADraftUntilApproved_ThenStartsAtItsFirstOpenEpisode(DatabaseProvider provider)
    {
        var clock = new FakeTimeProvider(Now);
        await using var app = await AppFactory.StartAsync(provider, services: s => s.AddSingleton<TimeProvider>(clock));
        var owner = await WorkspaceFixtures.CreateAsync(app, "owner@example.com");
        await SendAsync(owner.Bearer, HttpMethod.Put, $"/api/v1/workspaces/{owner.WorkspaceId}", new { name = "Studio", requireApproval = true }, HttpStatusCode.OK);
        var (_, creator) = await owner.JoinAsync("creator@example.com", "creator");

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
}
