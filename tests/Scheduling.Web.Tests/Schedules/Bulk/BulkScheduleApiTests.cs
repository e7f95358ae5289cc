using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Scheduling.Web.Data;
using Scheduling.Web.Tests.Infrastructure;

namespace Scheduling.Web.Tests.Schedules.Bulk;

/// <summary>Bulk create and the bulk actions through the API, on SQLite and PostgreSQL: all or nothing, filters, limits.</summary>
public class BulkScheduleApiTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    internal static object Once(string? name, string at, object? jobConfig = null, string timezone = "Europe/Paris") => new
    {
        name,
        jobType = "publish",
        jobConfig,
        scheduledAt = at,
        timezone,
    };

    internal static object Daily(string name, string priority = "normal", string jobType = "publish") => new
    {
        name,
        jobType,
        priority,
        timezone = "America/New_York",
        recurrence = new { rrule = "FREQ=DAILY;BYHOUR=9;BYMINUTE=0", start = "2030-01-01T00:00:00" },
    };

    internal static async Task<List<Guid>> CreateManyAsync(HttpClient client, IEnumerable<object> schedules)
    {
        var response = await client.PostAsJsonAsync("/api/v1/schedules/bulk", new { schedules }, Ct);
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync(Ct));
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
        return [.. body.GetProperty("results").EnumerateArray().Select(r => r.GetProperty("id").GetGuid())];
    }

    private static async Task<JsonElement> GetAsync(HttpClient client, Guid id) => await client.GetFromJsonAsync<JsonElement>($"/api/v1/schedules/{id}", Ct);

    private static async Task<int> TotalAsync(HttpClient client, string query = "") =>
        (await client.GetFromJsonAsync<JsonElement>($"/api/v1/schedules?pageSize=1{query}", Ct)).GetProperty("total").GetInt32();

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task BulkCreate_NamesItemsByPatternFromTheirFirstRun_AndMergesSharedConfigUnderTheirOwn(DatabaseProvider provider)
    {
        await using var app = await AppFactory.StartAsync(provider);
        var client = await Session.RegisterAsync(app, "bulk@example.com");

        var response = await client.PostAsJsonAsync("/api/v1/schedules/bulk", new
        {
            schedules = new[]
            {
                Once(null, "2030-01-01T09:00:00"),
                Once(null, "2030-01-04T09:00:00", new { lang = "fr" }),
                Once("Own name", "2030-01-05T09:00:00"),
            },
            sharedConfig = new { format = "mp4", lang = "en" },
            namingPattern = "Tip #{n}: {weekday} {date}",
        }, Ct);

        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync(Ct));
        var result = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal(3, result.GetProperty("totalCount").GetInt32());
        Assert.Equal(3, result.GetProperty("successCount").GetInt32());
        Assert.Equal(0, result.GetProperty("failureCount").GetInt32());
        var ids = result.GetProperty("results").EnumerateArray().Select(r => r.GetProperty("id").GetGuid()).ToList();
        var first = await GetAsync(client, ids[0]);
        var second = await GetAsync(client, ids[1]);
        Assert.Equal("Tip #1: Tuesday 2030-01-01", first.GetProperty("name").GetString());
        Assert.Equal("Tip #2: Friday 2030-01-04", second.GetProperty("name").GetString());
        Assert.Equal("Own name", (await GetAsync(client, ids[2])).GetProperty("name").GetString());
        Assert.Equal("en", first.GetProperty("jobConfig").GetProperty("lang").GetString());
        Assert.Equal("fr", second.GetProperty("jobConfig").GetProperty("lang").GetString());
        Assert.Equal("mp4", second.GetProperty("jobConfig").GetProperty("format").GetString());
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task BulkCreate_OneBadItemOf500_WritesNothing_AndAnswersEveryItemWithItsFieldErrors(DatabaseProvider provider)
    {
        await using var app = await AppFactory.StartAsync(provider);
        var client = await Session.RegisterAsync(app, "atomic@example.com");
        var items = Enumerable.Range(0, 500).Select(i => i == 317 ? Once($"Item {i}", "2030-02-01T09:00:00", timezone: "Mars/Olympus") : Once($"Item {i}", "2030-02-01T09:00:00")).ToArray();

        var response = await client.PostAsJsonAsync("/api/v1/schedules/bulk", new { schedules = items }, Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal(500, problem.GetProperty("totalCount").GetInt32());
        Assert.Equal(0, problem.GetProperty("successCount").GetInt32());
        Assert.Equal(1, problem.GetProperty("failureCount").GetInt32());
        var results = problem.GetProperty("results").EnumerateArray().ToList();
        Assert.Equal(500, results.Count);
        Assert.Equal(JsonValueKind.Null, results[316].GetProperty("error").ValueKind);
        Assert.Contains("Mars/Olympus", results[317].GetProperty("errors").GetProperty("timezone")[0].GetString(), StringComparison.Ordinal);
        Assert.True(problem.GetProperty("errors").TryGetProperty("schedules[317].timezone", out _));
        Assert.Equal(0, await TotalAsync(client));
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task BulkActions_ByIdsAndByFilter_ChangeEveryOneInOneStep_AndBumpTheirVersion(DatabaseProvider provider)
    {
        await using var app = await AppFactory.StartAsync(provider);
        var client = await Session.RegisterAsync(app, "actions@example.com");
        var high = await CreateManyAsync(client, Enumerable.Range(1, 3).Select(i => Daily($"High {i}", "high")));
        var low = await CreateManyAsync(client, Enumerable.Range(1, 2).Select(i => Daily($"Low {i}", "low")));

        var paused = await client.PostAsJsonAsync("/api/v1/schedules/bulk/pause", new { filter = new { priority = "high", status = "active" }, note = "Holiday" }, Ct);
        Assert.True(paused.StatusCode == HttpStatusCode.OK, await paused.Content.ReadAsStringAsync(Ct));
        Assert.Equal(3, (await paused.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("successCount").GetInt32());
        foreach (var id in high)
        {
            var schedule = await GetAsync(client, id);
            Assert.Equal("paused", schedule.GetProperty("status").GetString());
            Assert.Equal("Holiday", schedule.GetProperty("pauseNote").GetString());
            Assert.Equal(2, schedule.GetProperty("version").GetInt32());
        }
        Assert.Equal("active", (await GetAsync(client, low[0])).GetProperty("status").GetString());

        var resumed = await client.PostAsJsonAsync("/api/v1/schedules/bulk/resume", new { ids = high.Take(2) }, Ct);
        Assert.Equal(HttpStatusCode.OK, resumed.StatusCode);
        Assert.Equal(1, await TotalAsync(client, "&status=paused"));

        var updated = await client.PostAsJsonAsync("/api/v1/schedules/bulk/update", new
        {
            ids = low,
            changes = new { priority = "urgent", jobConfig = new { channel = "tips" }, timezone = "Europe/Paris", missedPolicy = "skip" },
        }, Ct);
        Assert.True(updated.StatusCode == HttpStatusCode.OK, await updated.Content.ReadAsStringAsync(Ct));
        var changed = await GetAsync(client, low[1]);
        Assert.Equal("urgent", changed.GetProperty("priority").GetString());
        Assert.Equal("tips", changed.GetProperty("jobConfig").GetProperty("channel").GetString());
        Assert.Equal("skip", changed.GetProperty("missedPolicy").GetString());
        Assert.Equal("Europe/Paris", changed.GetProperty("timezone").GetString());
        // 09:00 in Paris (CET) is 08:00Z: the next run moved with the zone.
        Assert.Equal("2030-01-01T08:00:00Z", changed.GetProperty("nextRunAt").GetString());

        var cancelled = await client.PostAsJsonAsync("/api/v1/schedules/bulk/cancel", new { filter = new { search = "low" } }, Ct);
        Assert.Equal(HttpStatusCode.OK, cancelled.StatusCode);
        Assert.Equal(2, await TotalAsync(client, "&status=cancelled"));

        var deleted = await client.PostAsJsonAsync("/api/v1/schedules/bulk/delete", new { ids = low }, Ct);
        Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        Assert.Equal(3, await TotalAsync(client));
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task BulkPause_OneCannotBePaused_Is409NamingIt_AndNothingChanges(DatabaseProvider provider)
    {
        await using var app = await AppFactory.StartAsync(provider);
        var client = await Session.RegisterAsync(app, "conflict@example.com");
        var ids = await CreateManyAsync(client, Enumerable.Range(1, 4).Select(i => Daily($"Show {i}")));
        (await client.PostAsync($"/api/v1/schedules/{ids[2]}/cancel", null, Ct)).EnsureSuccessStatusCode();

        var response = await client.PostAsJsonAsync("/api/v1/schedules/bulk/pause", new { ids }, Ct);

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        var detail = (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("detail").GetString()!;
        Assert.Contains("'Show 3'", detail, StringComparison.Ordinal);
        Assert.Contains(ids[2].ToString(), detail, StringComparison.Ordinal);
        Assert.Contains("Nothing was changed", detail, StringComparison.Ordinal);
        Assert.Equal(0, await TotalAsync(client, "&status=paused"));
        Assert.Equal(1, (await GetAsync(client, ids[0])).GetProperty("version").GetInt32());
    }

    [Fact]
    public async Task BulkLimits_OverAThousandIdsOrMatches_Is400_AndEmptyOrBothSelectionsAre400()
    {
        await using var app = await AppFactory.StartAsync(DatabaseProvider.Sqlite);
        var client = await Session.RegisterAsync(app, "limits@example.com");

        var tooMany = await client.PostAsJsonAsync("/api/v1/schedules/bulk/pause", new { ids = Enumerable.Range(0, 1001).Select(_ => Guid.NewGuid()) }, Ct);
        Assert.Equal(HttpStatusCode.BadRequest, tooMany.StatusCode);
        Assert.True((await tooMany.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("errors").TryGetProperty("ids", out _));
        var tooManyItems = await client.PostAsJsonAsync("/api/v1/schedules/bulk", new { schedules = Enumerable.Range(0, 1001).Select(i => Once($"x{i}", "2030-01-01T09:00:00")) }, Ct);
        Assert.Equal(HttpStatusCode.BadRequest, tooManyItems.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.PostAsJsonAsync("/api/v1/schedules/bulk/cancel", new { }, Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.PostAsJsonAsync("/api/v1/schedules/bulk/cancel", new { ids = new[] { Guid.NewGuid() }, filter = new { } }, Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.PostAsJsonAsync("/api/v1/schedules/bulk/update", new { ids = new[] { Guid.NewGuid() }, changes = new { timezone = "Nowhere/Else" } }, Ct)).StatusCode);

        await CreateManyAsync(client, Enumerable.Range(0, 1000).Select(i => Daily($"Many {i}")));
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsJsonAsync("/api/v1/schedules/bulk/pause", new { filter = new { status = "active" } }, Ct)).StatusCode);
        await CreateManyAsync(client, [Daily("One more")]);
        var overFilter = await client.PostAsJsonAsync("/api/v1/schedules/bulk/cancel", new { filter = new { } }, Ct);
        Assert.Equal(HttpStatusCode.BadRequest, overFilter.StatusCode);
        Assert.True((await overFilter.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("errors").TryGetProperty("filter", out _));
        Assert.Equal(0, await TotalAsync(client, "&status=cancelled"));
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task BulkEndpoints_OtherWorkspacesIdsAre404_AndManagersAre403(DatabaseProvider provider)
    {
        await using var app = await AppFactory.StartAsync(provider);
        var owner = await Session.RegisterAsync(app, "owner@example.com");
        var outsider = await Session.RegisterAsync(app, "outsider@example.com");
        var manager = await Session.RegisterAsync(app, "manager@example.com");
        var invite = await (await owner.PostAsJsonAsync("/api/v1/workspace/invitations", new { email = "manager@example.com", role = "manager" }, Ct)).Content.ReadFromJsonAsync<JsonElement>(Ct);
        (await manager.PostAsync($"/api/v1/invitations/{invite.GetProperty("acceptUrl").GetString()!.Split('/').Last()}/accept", null, Ct)).EnsureSuccessStatusCode();
        var ids = await CreateManyAsync(owner, [Daily("Mine")]);

        Assert.Equal(HttpStatusCode.NotFound, (await outsider.PostAsJsonAsync("/api/v1/schedules/bulk/delete", new { ids }, Ct)).StatusCode);
        Assert.Equal(0, (await (await outsider.PostAsJsonAsync("/api/v1/schedules/bulk/cancel", new { filter = new { } }, Ct)).Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("totalCount").GetInt32());
        Assert.DoesNotContain("Mine", await outsider.GetStringAsync("/api/v1/schedules/export?format=csv", Ct), StringComparison.Ordinal);
        foreach (var action in new[] { "pause", "resume", "cancel", "delete" })
        {
            Assert.Equal(HttpStatusCode.Forbidden, (await manager.PostAsJsonAsync($"/api/v1/schedules/bulk/{action}", new { ids }, Ct)).StatusCode);
        }
        Assert.Equal(HttpStatusCode.Forbidden, (await manager.PostAsJsonAsync("/api/v1/schedules/bulk", new { schedules = new[] { Daily("No") } }, Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await manager.PostAsJsonAsync("/api/v1/schedules/bulk/update", new { ids, changes = new { priority = "low" } }, Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await manager.PostAsync("/api/v1/schedules/import?format=json&dryRun=true", JsonContent.Create(new { schedules = new[] { Daily("No") } }), Ct)).StatusCode);
        Assert.Contains("Mine", await manager.GetStringAsync("/api/v1/schedules/export?format=csv", Ct), StringComparison.Ordinal);
        Assert.Equal("active", (await GetAsync(owner, ids[0])).GetProperty("status").GetString());
    }
}
