using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Scheduling.Web.Data;
using Scheduling.Web.Tests.Infrastructure;

namespace Scheduling.Web.Tests.Security;

public class TokenLifetimeTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 24, 12, 0, 0, TimeSpan.Zero);
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<JsonElement> CreateAsync(HttpClient browser, string json)
    {
        var response = await browser.PostAsync("/api/v1/tokens", new StringContent(json, Encoding.UTF8, "application/json"), Ct);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task Create_WithoutExpiry_Lives90Days_NeverIsExplicit(DatabaseProvider provider)
    {
        var clock = new FakeTimeProvider(Start);
        await using var app = await AppFactory.StartAsync(provider, services: s => s.AddSingleton<TimeProvider>(clock));
        var browser = await Session.RegisterAsync(app, "life@example.com");

        var byDefault = await CreateAsync(browser, "{\"name\":\"default\"}");
        var never = await CreateAsync(browser, "{\"name\":\"forever\",\"neverExpires\":true}");
        var explicitNull = await CreateAsync(browser, "{\"name\":\"null days\",\"expiresInDays\":null}");

        Assert.Equal(Start.UtcDateTime.AddDays(90), byDefault.GetProperty("token").GetProperty("expiresAt").GetDateTime().ToUniversalTime());
        Assert.Equal(JsonValueKind.Null, never.GetProperty("token").GetProperty("expiresAt").ValueKind);
        Assert.Equal(Start.UtcDateTime.AddDays(90), explicitNull.GetProperty("token").GetProperty("expiresAt").GetDateTime().ToUniversalTime());

        var both = await browser.PostAsync("/api/v1/tokens", new StringContent("{\"name\":\"x\",\"expiresInDays\":5,\"neverExpires\":true}", Encoding.UTF8, "application/json"), Ct);
        Assert.Equal(HttpStatusCode.BadRequest, both.StatusCode);
        Assert.True((await both.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("errors").TryGetProperty("neverExpires", out _));

        // 90 days on, the default token is refused; the one that never expires still works.
        clock.Advance(TimeSpan.FromDays(90) + TimeSpan.FromSeconds(1));
        Assert.Equal(HttpStatusCode.Unauthorized, (await app.CreateBearerClient(byDefault.GetProperty("value").GetString()!).GetAsync("/api/v1/me", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await app.CreateBearerClient(never.GetProperty("value").GetString()!).GetAsync("/api/v1/me", Ct)).StatusCode);
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task LastUsedAt_ShownInTheList_RecordedAtMostOnceAMinute(DatabaseProvider provider)
    {
        var clock = new FakeTimeProvider(Start);
        await using var app = await AppFactory.StartAsync(provider, services: s => s.AddSingleton<TimeProvider>(clock));
        var browser = await Session.RegisterAsync(app, "used@example.com");
        var created = await CreateAsync(browser, "{\"name\":\"cron box\"}");
        var bearer = app.CreateBearerClient(created.GetProperty("value").GetString()!);

        async Task<JsonElement> LastUsedAsync() =>
            (await browser.GetFromJsonAsync<JsonElement>("/api/v1/tokens", Ct)).EnumerateArray().Single().GetProperty("lastUsedAt");

        Assert.Equal(JsonValueKind.Null, (await LastUsedAsync()).ValueKind);

        (await bearer.GetAsync("/api/v1/me", Ct)).EnsureSuccessStatusCode();
        Assert.Equal(Start.UtcDateTime, (await LastUsedAsync()).GetDateTime().ToUniversalTime());

        clock.Advance(TimeSpan.FromSeconds(30));
        (await bearer.GetAsync("/api/v1/me", Ct)).EnsureSuccessStatusCode();
        Assert.Equal(Start.UtcDateTime, (await LastUsedAsync()).GetDateTime().ToUniversalTime());

        clock.Advance(TimeSpan.FromSeconds(31));
        (await bearer.GetAsync("/api/v1/me", Ct)).EnsureSuccessStatusCode();
        Assert.Equal(Start.UtcDateTime.AddSeconds(61), (await LastUsedAsync()).GetDateTime().ToUniversalTime());
    }
}
