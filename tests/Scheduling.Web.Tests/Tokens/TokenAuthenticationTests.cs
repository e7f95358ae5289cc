using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Scheduling.Web.Data;
using Scheduling.Web.Tests.Infrastructure;

namespace Scheduling.Web.Tests.Tokens;

public class TokenAuthenticationTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task Bearer_CreatedToken_ActsInItsWorkspaceUntilRevoked(DatabaseProvider provider)
    {
        await using var app = await AppFactory.StartAsync(provider);
        var browser = await Session.RegisterAsync(app, "tok@example.com");
        var second = await (await browser.PostAsJsonAsync("/api/v1/workspaces", new { name = "Second" }, Ct)).Content.ReadFromJsonAsync<JsonElement>(Ct);
        (await browser.PostAsync($"/api/v1/workspaces/{second.GetProperty("id").GetGuid()}/switch", null, Ct)).EnsureSuccessStatusCode();

        var created = await (await browser.PostAsJsonAsync("/api/v1/tokens", new { name = "render farm", expiresInDays = 30 }, Ct)).Content.ReadFromJsonAsync<JsonElement>(Ct);
        var value = created.GetProperty("value").GetString()!;
        var id = created.GetProperty("token").GetProperty("id").GetGuid();

        // The browser moves back to its first workspace; the token stays in "Second".
        var first = (await browser.GetFromJsonAsync<JsonElement>("/api/v1/workspaces", Ct)).EnumerateArray().First(w => w.GetProperty("name").GetString() != "Second");
        (await browser.PostAsync($"/api/v1/workspaces/{first.GetProperty("id").GetGuid()}/switch", null, Ct)).EnsureSuccessStatusCode();

        var bearer = app.CreateBearerClient(value);
        var me = await bearer.GetFromJsonAsync<JsonElement>("/api/v1/me", Ct);
        Assert.Equal("tok@example.com", me.GetProperty("email").GetString());
        Assert.Equal(second.GetProperty("id").GetGuid(), me.GetProperty("currentWorkspaceId").GetGuid());

        // Listings follow the caller's workspace: the browser (now in its first workspace) sees none, the token sees itself.
        Assert.Empty((await browser.GetFromJsonAsync<JsonElement>("/api/v1/tokens", Ct)).EnumerateArray());
        var listed = Assert.Single((await bearer.GetFromJsonAsync<JsonElement>("/api/v1/tokens", Ct)).EnumerateArray());
        Assert.Equal(JsonValueKind.Undefined, listed.TryGetProperty("hash", out var hash) ? hash.ValueKind : JsonValueKind.Undefined);
        Assert.DoesNotContain(value, listed.GetRawText(), StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.NoContent, (await bearer.DeleteAsync($"/api/v1/tokens/{id}", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await bearer.GetAsync("/api/v1/me", Ct)).StatusCode);
    }

    [Theory]
    [InlineData("sch_not-a-real-token")]
    [InlineData("")]
    public async Task Bearer_UnknownToken_Returns401(string value)
    {
        await using var app = await AppFactory.StartAsync(DatabaseProvider.Sqlite);
        var client = app.CreateClient(new() { AllowAutoRedirect = false });
        client.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", $"Bearer {value}");

        var response = await client.GetAsync("/api/v1/me", Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task Bearer_ExpiredToken_Returns401()
    {
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(new DateTimeOffset(2026, 11, 24, 12, 0, 0, TimeSpan.Zero));
        await using var app = await AppFactory.StartAsync(DatabaseProvider.Sqlite, services: s => s.AddSingleton<TimeProvider>(clock));
        var browser = await Session.RegisterAsync(app, "exp@example.com");
        var created = await (await browser.PostAsJsonAsync("/api/v1/tokens", new { name = "short", expiresInDays = 1 }, Ct)).Content.ReadFromJsonAsync<JsonElement>(Ct);
        var bearer = app.CreateBearerClient(created.GetProperty("value").GetString()!);
        Assert.Equal(HttpStatusCode.OK, (await bearer.GetAsync("/api/v1/me", Ct)).StatusCode);

        clock.Advance(TimeSpan.FromDays(1) + TimeSpan.FromSeconds(1));

        Assert.Equal(HttpStatusCode.Unauthorized, (await bearer.GetAsync("/api/v1/me", Ct)).StatusCode);
    }

    [Theory]
    [InlineData("{\"name\":\"\"}", "name")]
    [InlineData("{\"name\":\"x\",\"expiresInDays\":0}", "expiresInDays")]
    [InlineData("{\"name\":\"x\",\"expiresInDays\":\"soon\"}", "expiresInDays")]
    public async Task Create_BadInput_Returns400NamingTheField(string body, string field)
    {
        await using var app = await AppFactory.StartAsync(DatabaseProvider.Sqlite);
        var browser = await Session.RegisterAsync(app, "bad@example.com");

        var response = await browser.PostAsync("/api/v1/tokens", new StringContent(body, System.Text.Encoding.UTF8, "application/json"), Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.GetRawText());
    }
}
