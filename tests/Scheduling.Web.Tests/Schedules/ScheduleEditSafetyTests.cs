using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Scheduling.Web.Data;
using Scheduling.Web.Tests.Infrastructure;

namespace Scheduling.Web.Tests.Schedules;

/// <summary>
/// An edit is never lost through the API: schedules with exceptions save, conditional saves refuse to overwrite a
/// newer change, and a create retried with its Idempotency-Key creates once. On SQLite and PostgreSQL.
/// </summary>
public class ScheduleEditSafetyTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static object Daily(string name, string[] exdates, string[]? blackouts = null) => new
    {
        name,
        jobType = "publish",
        timezone = "Europe/Paris",
        recurrence = new { rrule = "FREQ=DAILY;BYHOUR=9;BYMINUTE=0", start = "2030-05-01T00:00", exdates, blackoutDates = blackouts ?? [] },
    };

    private static async Task<(AppFactory App, HttpClient Client)> StartAsync(DatabaseProvider provider)
    {
        var app = await AppFactory.StartAsync(provider);
        return (app, await Session.RegisterAsync(app, "editor@example.com"));
    }

    private static async Task<JsonElement> CreateAsync(HttpClient client, object body)
    {
        var response = await client.PostAsJsonAsync("/api/v1/schedules", body, Ct);
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync(Ct));
        return await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task Put_ScheduleWithExceptions_SavesTheSameAndNewOnes(DatabaseProvider provider)
    {
        var (app, client) = await StartAsync(provider);
        await using var _ = app;
        var id = (await CreateAsync(client, Daily("Daily", ["2030-05-02T09:00:00"]))).GetProperty("id").GetGuid();

        // The same exceptions, with another field changed (this failed with DbUpdateConcurrencyException: an empty 405).
        var same = await client.PutAsJsonAsync($"/api/v1/schedules/{id}", Daily("Daily renamed", ["2030-05-02T09:00:00"]), Ct);
        Assert.True(same.StatusCode == HttpStatusCode.OK, await same.Content.ReadAsStringAsync(Ct));
        // A new skip and a blackout date beside the old skip.
        var added = await client.PutAsJsonAsync($"/api/v1/schedules/{id}", Daily("Daily renamed", ["2030-05-02T09:00:00", "2030-05-04T09:00:00"], ["2030-05-06"]), Ct);
        Assert.True(added.StatusCode == HttpStatusCode.OK, await added.Content.ReadAsStringAsync(Ct));

        var saved = await client.GetFromJsonAsync<JsonElement>($"/api/v1/schedules/{id}", Ct);
        Assert.Equal("Daily renamed", saved.GetProperty("name").GetString());
        var recurrence = saved.GetProperty("recurrence");
        Assert.Equal(["2030-05-02T09:00:00", "2030-05-04T09:00:00"], recurrence.GetProperty("exdates").EnumerateArray().Select(e => e.GetString()).Order());
        Assert.Equal(["2030-05-06"], recurrence.GetProperty("blackoutDates").EnumerateArray().Select(e => e.GetString()));
        var next = await client.GetFromJsonAsync<JsonElement>($"/api/v1/schedules/{id}/next?count=4", Ct);
        Assert.Equal(["2030-05-01T09:00:00", "2030-05-03T09:00:00", "2030-05-05T09:00:00", "2030-05-07T09:00:00"],
            next.GetProperty("occurrences").EnumerateArray().Select(o => o.GetProperty("local").GetString()));
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task Put_StaleVersion_412ForIfMatch409ForBody_NoVersionLastWriteWins(DatabaseProvider provider)
    {
        var (app, client) = await StartAsync(provider);
        await using var _ = app;
        var create = await client.PostAsJsonAsync("/api/v1/schedules", Daily("Versioned", []), Ct);
        var created = await create.Content.ReadFromJsonAsync<JsonElement>(Ct);
        var id = created.GetProperty("id").GetGuid();
        Assert.Equal(1, created.GetProperty("version").GetInt32());
        Assert.Equal("\"1\"", create.Headers.ETag?.ToString());
        var get = await client.GetAsync($"/api/v1/schedules/{id}", Ct);
        Assert.Equal("\"1\"", get.Headers.ETag?.ToString());

        // Someone else saves version 1 first (If-Match holds) ...
        var first = new HttpRequestMessage(HttpMethod.Put, $"/api/v1/schedules/{id}") { Content = JsonContent.Create(Daily("Theirs", [])) };
        first.Headers.IfMatch.Add(new EntityTagHeaderValue("\"1\""));
        var firstResponse = await client.SendAsync(first, Ct);
        Assert.Equal(HttpStatusCode.OK, firstResponse.StatusCode);
        Assert.Equal("\"2\"", firstResponse.Headers.ETag?.ToString());
        Assert.Equal(2, (await firstResponse.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("version").GetInt32());

        // ... so a save made from version 1 is refused, and says why.
        var stale = new HttpRequestMessage(HttpMethod.Put, $"/api/v1/schedules/{id}") { Content = JsonContent.Create(Daily("Mine", [])) };
        stale.Headers.IfMatch.Add(new EntityTagHeaderValue("\"1\""));
        var staleResponse = await client.SendAsync(stale, Ct);
        Assert.Equal(HttpStatusCode.PreconditionFailed, staleResponse.StatusCode);
        Assert.Contains("changed by someone else", (await staleResponse.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("detail").GetString(), StringComparison.Ordinal);

        var bodyVersion = await client.PutAsJsonAsync($"/api/v1/schedules/{id}", new Dictionary<string, object?>
        {
            ["name"] = "Mine",
            ["jobType"] = "publish",
            ["timezone"] = "Europe/Paris",
            ["recurrence"] = new { rrule = "FREQ=DAILY;BYHOUR=9;BYMINUTE=0", start = "2030-05-01T00:00" },
            ["version"] = 1,
        }, Ct);
        Assert.Equal(HttpStatusCode.Conflict, bodyVersion.StatusCode);
        Assert.Contains("changed by someone else", (await bodyVersion.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal("Theirs", (await client.GetFromJsonAsync<JsonElement>($"/api/v1/schedules/{id}", Ct)).GetProperty("name").GetString());

        // Without a version the last write wins, as before; a pause counts as a change too.
        var unconditional = await client.PutAsJsonAsync($"/api/v1/schedules/{id}", Daily("Mine", []), Ct);
        Assert.Equal(HttpStatusCode.OK, unconditional.StatusCode);
        Assert.Equal(3, (await unconditional.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("version").GetInt32());
        var paused = await client.PostAsJsonAsync($"/api/v1/schedules/{id}/pause", new { note = "x" }, Ct);
        Assert.Equal("\"4\"", paused.Headers.ETag?.ToString());
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task Post_SameIdempotencyKey_ReturnsTheFirstResponse_OtherBody422(DatabaseProvider provider)
    {
        var (app, client) = await StartAsync(provider);
        await using var _ = app;
        var body = JsonSerializer.Serialize(Daily("Once only", []), JsonSerializerOptions.Web);

        async Task<HttpResponseMessage> PostAsync(string key, string json)
        {
            var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/schedules") { Content = new StringContent(json, Encoding.UTF8, "application/json") };
            request.Headers.Add("Idempotency-Key", key);
            return await client.SendAsync(request, Ct);
        }

        var first = await PostAsync("key-1", body);
        var again = await PostAsync("key-1", body);

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.Created, again.StatusCode);
        Assert.Equal(first.Headers.Location, again.Headers.Location);
        Assert.Equal(await first.Content.ReadAsStringAsync(Ct), await again.Content.ReadAsStringAsync(Ct));
        Assert.True(again.Headers.Contains("Idempotent-Replayed"));
        var list = await client.GetFromJsonAsync<JsonElement>("/api/v1/schedules", Ct);
        Assert.Equal(1, list.GetProperty("total").GetInt32());

        var other = await PostAsync("key-1", JsonSerializer.Serialize(Daily("Another", []), JsonSerializerOptions.Web));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, other.StatusCode);
        Assert.Contains("different request", (await other.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("detail").GetString(), StringComparison.Ordinal);

        // A new key is a new schedule; a failed request (400) does not use its key up.
        Assert.Equal(HttpStatusCode.Created, (await PostAsync("key-2", body)).StatusCode);
        var bad = JsonSerializer.Serialize(new { name = "", jobType = "publish", timezone = "Europe/Paris", scheduleType = "once", scheduledAt = "2030-05-01T09:00" }, JsonSerializerOptions.Web);
        Assert.Equal(HttpStatusCode.BadRequest, (await PostAsync("key-3", bad)).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await PostAsync("key-3", body)).StatusCode);
        Assert.Equal(3, (await client.GetFromJsonAsync<JsonElement>("/api/v1/schedules", Ct)).GetProperty("total").GetInt32());

        // A key too long is named as the faulty field.
        var tooLong = await PostAsync(new string('k', 300), body);
        Assert.Equal(HttpStatusCode.BadRequest, tooLong.StatusCode);
        Assert.True((await tooLong.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("errors").TryGetProperty("Idempotency-Key", out JsonElement _));
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task Post_ConcurrentDuplicates_CreateOneSchedule(DatabaseProvider provider)
    {
        var (app, client) = await StartAsync(provider);
        await using var _ = app;
        var body = JsonSerializer.Serialize(Daily("Double click", []), JsonSerializerOptions.Web);

        var responses = await Task.WhenAll(Enumerable.Range(0, 6).Select(async _ =>
        {
            var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/schedules") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
            request.Headers.Add("Idempotency-Key", "double-click");
            return await client.SendAsync(request, Ct);
        }));

        // Each is the creation, its replay, or "still being processed" (409): never a second schedule.
        Assert.All(responses, r => Assert.True(r.StatusCode is HttpStatusCode.Created or HttpStatusCode.Conflict, r.StatusCode.ToString()));
        var locations = responses.Where(r => r.StatusCode == HttpStatusCode.Created).Select(r => r.Headers.Location).Distinct().ToList();
        Assert.Single(locations);
        Assert.Equal(1, (await client.GetFromJsonAsync<JsonElement>("/api/v1/schedules", Ct)).GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task Post_SameKeyAfter24Hours_IsANewRequest_AndOldKeysArePruned()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2030, 1, 1, 12, 0, 0, TimeSpan.Zero));
        await using var app = await AppFactory.StartAsync(DatabaseProvider.Sqlite, services: services => services.AddSingleton<TimeProvider>(clock));
        var client = await Session.RegisterAsync(app, "later@example.com");
        var body = JsonSerializer.Serialize(Daily("Daily", []), JsonSerializerOptions.Web);

        async Task<HttpResponseMessage> PostAsync()
        {
            var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/schedules") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
            request.Headers.Add("Idempotency-Key", "daily");
            return await client.SendAsync(request, Ct);
        }

        var first = await PostAsync();
        clock.Advance(TimeSpan.FromHours(23));
        var replay = await PostAsync();
        clock.Advance(TimeSpan.FromHours(2));
        var later = await PostAsync();

        Assert.Equal(first.Headers.Location, replay.Headers.Location);
        Assert.Equal(HttpStatusCode.Created, later.StatusCode);
        Assert.NotEqual(first.Headers.Location, later.Headers.Location);
        Assert.Equal(2, (await client.GetFromJsonAsync<JsonElement>("/api/v1/schedules", Ct)).GetProperty("total").GetInt32());
        // The expired key was pruned when the new one was stored.
        await using var scope = app.Services.CreateAsyncScope();
        await using var db = await scope.ServiceProvider.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync(Ct);
        Assert.Equal(1, await db.IdempotencyRecords.IgnoreQueryFilters().CountAsync(Ct));
    }
}
