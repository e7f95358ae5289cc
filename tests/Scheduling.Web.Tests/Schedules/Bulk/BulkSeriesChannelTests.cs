using System.Net;
using System.Text.Json;
using Scheduling.Web.Data;
using Scheduling.Web.Tests.Calendar;
using Scheduling.Web.Tests.Infrastructure;
using static Scheduling.Web.Tests.Channels.ChannelApi;

namespace Scheduling.Web.Tests.Schedules.Bulk;

/// <summary>Bulk actions and export by channel and by series, series' schedules in bulk (decision 0025), and the bulk change of channel.</summary>
public class BulkSeriesChannelTests
{
    // Monday 2030-03-04, 06:00 UTC: the posts below are later this week.
    private static readonly DateTimeOffset Now = new(2030, 3, 4, 6, 0, 0, TimeSpan.Zero);
    private const string Paris = "Europe/Paris";

    private static Task<JsonElement> ChannelAsync(HttpClient client, string mode) => CreateChannelAsync(client, new
    {
        name = "Shorts",
        platform = "tiktok",
        timezone = Paris,
        postingTimes = Grid(EveryDay, "09:00", "10:00", "18:00"),
        minGapMinutes = 120,
        maxPerDay = 3,
        conflictMode = mode,
    });

    private static async Task<Guid> CreateAsync(HttpClient client, object body)
    {
        var (status, created) = await SendAsync(client, HttpMethod.Post, "/api/v1/schedules", body);
        Assert.True(status == HttpStatusCode.Created, created.ToString());
        return created.GetProperty("id").GetGuid();
    }

    private static async Task<string> StatusOfAsync(HttpClient client, string path) =>
        (await SendAsync(client, HttpMethod.Get, path)).Body.GetProperty("status").GetString()!;

    private static async Task<Guid?> ChannelOfAsync(HttpClient client, Guid schedule) =>
        (await SendAsync(client, HttpMethod.Get, $"/api/v1/schedules/{schedule}")).Body.GetProperty("channelId") is { ValueKind: JsonValueKind.String } id ? id.GetGuid() : null;

    private static async Task<string[]> ExportedNamesAsync(HttpClient client, string query)
    {
        var (status, body) = await SendAsync(client, HttpMethod.Get, $"/api/v1/schedules/export?format=json&{query}");
        Assert.True(status == HttpStatusCode.OK, body.ToString());
        return [.. body.GetProperty("schedules").EnumerateArray().Select(s => s.GetProperty("name").GetString()!).Order()];
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task FiltersByChannelAndSeries_SelectTheirSchedules_AndASeriesFollowsItsScheduleInBulk(DatabaseProvider provider)
    {
        await using var s = await CalendarScenario.StartAsync(provider, Now);
        var channelId = (await ChannelAsync(s.Client, "warn")).GetProperty("id").GetGuid();
        var onChannel = await CreateAsync(s.Client, Once("On the channel", "2030-03-05T09:00:00", Paris, channelId));
        var elsewhere = await CreateAsync(s.Client, new { name = "Elsewhere", jobType = "publish", scheduledAt = "2030-03-05T09:00:00", timezone = Paris });
        var (status, series) = await SendAsync(s.Client, HttpMethod.Post, "/api/v1/schedules/series", Series.SeriesApiTests.Daily());
        Assert.True(status == HttpStatusCode.Created, series.ToString());
        var seriesId = series.GetProperty("id").GetGuid();
        var seriesSchedule = series.GetProperty("scheduleId").GetGuid();

        Assert.Equal(["On the channel"], await ExportedNamesAsync(s.Client, $"channelId={channelId}"));
        Assert.Equal(["Night Tales"], await ExportedNamesAsync(s.Client, $"seriesId={seriesId}"));
        Assert.Empty(await ExportedNamesAsync(s.Client, $"seriesId={Guid.NewGuid()}"));
        (status, _) = await SendAsync(s.Client, HttpMethod.Get, "/api/v1/schedules/export?format=json&channelId=nope");
        Assert.Equal(HttpStatusCode.BadRequest, status);

        (status, var result) = await SendAsync(s.Client, HttpMethod.Post, "/api/v1/schedules/bulk/pause", new { filter = new { channelId } });
        Assert.True(status == HttpStatusCode.OK, result.ToString());
        Assert.Equal(1, result.GetProperty("totalCount").GetInt32());
        Assert.Equal("paused", await StatusOfAsync(s.Client, $"/api/v1/schedules/{onChannel}"));
        Assert.Equal("active", await StatusOfAsync(s.Client, $"/api/v1/schedules/{elsewhere}"));

        // A series' schedule paused, resumed, cancelled in bulk: the series follows in the same transaction.
        (status, result) = await SendAsync(s.Client, HttpMethod.Post, "/api/v1/schedules/bulk/pause", new { filter = new { seriesId } });
        Assert.True(status == HttpStatusCode.OK, result.ToString());
        Assert.Equal(seriesSchedule, result.GetProperty("results")[0].GetProperty("id").GetGuid());
        Assert.Equal("paused", await StatusOfAsync(s.Client, $"/api/v1/schedules/series/{seriesId}"));
        (status, result) = await SendAsync(s.Client, HttpMethod.Post, "/api/v1/schedules/bulk/resume", new { filter = new { seriesId } });
        Assert.True(status == HttpStatusCode.OK, result.ToString());
        Assert.Equal("active", await StatusOfAsync(s.Client, $"/api/v1/schedules/series/{seriesId}"));

        // Its definition and its deletion are the series': a 409 naming it, and nothing changes (not even the others).
        (status, var problem) = await SendAsync(s.Client, HttpMethod.Post, "/api/v1/schedules/bulk/update", new { filter = new { seriesId }, changes = new { priority = "high" } });
        Assert.Equal(HttpStatusCode.Conflict, status);
        Assert.Contains("series 'Night Tales'", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Contains($"/series/{seriesId}", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        (status, problem) = await SendAsync(s.Client, HttpMethod.Post, "/api/v1/schedules/bulk/delete", new { ids = new[] { elsewhere, seriesSchedule } });
        Assert.Equal(HttpStatusCode.Conflict, status);
        Assert.Contains("series 'Night Tales'", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal("active", await StatusOfAsync(s.Client, $"/api/v1/schedules/{elsewhere}"));

        (status, result) = await SendAsync(s.Client, HttpMethod.Post, "/api/v1/schedules/bulk/cancel", new { ids = new[] { seriesSchedule, elsewhere } });
        Assert.True(status == HttpStatusCode.OK, result.ToString());
        (_, series) = await SendAsync(s.Client, HttpMethod.Get, $"/api/v1/schedules/series/{seriesId}");
        Assert.Equal("cancelled", series.GetProperty("status").GetString());
        Assert.All(series.GetProperty("episodes").EnumerateArray(), e => Assert.Equal("draft", e.GetProperty("status").GetString()));
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite, "block")]
    [InlineData(DatabaseProvider.Sqlite, "warn")]
    [InlineData(DatabaseProvider.PostgreSql, "block")]
    [InlineData(DatabaseProvider.PostgreSql, "warn")]
    public async Task BulkChangeOfChannel_AppliesTheChannelsRules_BlockRefusesAllNamingTheSchedule_WarnAnswersWarnings(DatabaseProvider provider, string mode)
    {
        await using var s = await CalendarScenario.StartAsync(provider, Now);
        var channelId = (await ChannelAsync(s.Client, mode)).GetProperty("id").GetGuid();
        await CreateAsync(s.Client, Once("Post A", "2030-03-05T09:00:00", Paris, channelId));
        var fine = await CreateAsync(s.Client, new { name = "Post C", jobType = "publish", scheduledAt = "2030-03-06T09:00:00", timezone = Paris });
        // An hour after Post A: closer than the channel's 120-minute gap.
        var close = await CreateAsync(s.Client, new { name = "Post B", jobType = "publish", scheduledAt = "2030-03-05T10:00:00", timezone = Paris });

        var (status, body) = await SendAsync(s.Client, HttpMethod.Post, "/api/v1/schedules/bulk/update", new { ids = new[] { fine, close }, changes = new { channelId } });
        if (mode == "block")
        {
            Assert.True(status == HttpStatusCode.Conflict, body.ToString());
            var detail = body.GetProperty("detail").GetString()!;
            Assert.Contains($"'Post B' ({close})", detail, StringComparison.Ordinal);
            Assert.Contains("'Post A'", detail, StringComparison.Ordinal);
            // All or nothing: the one that fitted did not move either.
            Assert.Null(await ChannelOfAsync(s.Client, fine));
            Assert.Null(await ChannelOfAsync(s.Client, close));
        }
        else
        {
            Assert.True(status == HttpStatusCode.OK, body.ToString());
            var results = body.GetProperty("results").EnumerateArray().ToList();
            Assert.True(results[0].GetProperty("warnings").ValueKind is JsonValueKind.Null or JsonValueKind.Undefined);
            Assert.Contains("min_gap", results[1].GetProperty("warnings").EnumerateArray().Select(w => w.GetProperty("code").GetString()));
            Assert.Equal(channelId, await ChannelOfAsync(s.Client, fine));
            Assert.Equal(channelId, await ChannelOfAsync(s.Client, close));

            (status, body) = await SendAsync(s.Client, HttpMethod.Post, "/api/v1/schedules/bulk/update", new { filter = new { channelId }, changes = new { removeChannel = true } });
            Assert.True(status == HttpStatusCode.OK, body.ToString());
            Assert.Equal(3, body.GetProperty("totalCount").GetInt32());
            Assert.Null(await ChannelOfAsync(s.Client, close));
        }

        (status, body) = await SendAsync(s.Client, HttpMethod.Post, "/api/v1/schedules/bulk/update", new { ids = new[] { fine }, changes = new { channelId = Guid.NewGuid() } });
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.True(body.GetProperty("errors").TryGetProperty("changes.channelId", out _), body.ToString());
        (status, body) = await SendAsync(s.Client, HttpMethod.Post, "/api/v1/schedules/bulk/update", new { ids = new[] { fine }, changes = new { channelId, removeChannel = true } });
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.True(body.GetProperty("errors").TryGetProperty("changes.removeChannel", out _), body.ToString());
    }
}
