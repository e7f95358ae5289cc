using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Scheduling.Web.Data;
using Scheduling.Web.Tests.Infrastructure;

namespace Scheduling.Web.Tests.Security;

/// <summary>Cookie-authenticated API writes must be same-origin JSON; Bearer calls are unaffected.</summary>
public class CrossSiteApiTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static HttpRequestMessage Post(string path, HttpContent? content, string? origin = null, string? referer = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = content };
        request.Headers.Remove("Origin");
        if (origin is not null)
        {
            request.Headers.TryAddWithoutValidation("Origin", origin);
        }
        if (referer is not null)
        {
            request.Headers.Referrer = new Uri(referer);
        }
        return request;
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private static async Task<int> WorkspaceCountAsync(HttpClient client) =>
        (await client.GetFromJsonAsync<JsonElement>("/api/v1/workspaces", Ct)).GetArrayLength();

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task CookieWrites_ForeignOrMissingOrigin403_NonJsonBody415_NothingChanges(DatabaseProvider provider)
    {
        await using var app = await AppFactory.StartAsync(provider);
        var registered = await Session.RegisterAsync(app, "csrf@example.com");
        // The same cookie jar without the browser-like Origin header.
        var browser = registered;
        browser.DefaultRequestHeaders.Remove("Origin");
        var before = await WorkspaceCountAsync(browser);

        var cases = new (HttpRequestMessage Request, HttpStatusCode Expected)[]
        {
            (Post("/api/v1/workspaces", Json("{\"name\":\"x\"}"), origin: "https://evil.example"), HttpStatusCode.Forbidden),
            (Post("/api/v1/workspaces", Json("{\"name\":\"x\"}"), origin: "null"), HttpStatusCode.Forbidden),
            (Post("/api/v1/workspaces", Json("{\"name\":\"x\"}")), HttpStatusCode.Forbidden),
            (Post("/api/v1/workspaces", Json("{\"name\":\"x\"}"), referer: "https://evil.example/page"), HttpStatusCode.Forbidden),
            (Post("/api/v1/workspaces", new StringContent("{\"name\":\"x\"}", Encoding.UTF8, "text/plain"), origin: "https://evil.example"), HttpStatusCode.Forbidden),
            (Post("/api/v1/workspaces", new StringContent("{\"name\":\"x\"}", Encoding.UTF8, "text/plain"), origin: AppFactory.PublicBaseUrl), HttpStatusCode.UnsupportedMediaType),
            (Post("/api/v1/workspaces", new FormUrlEncodedContent(new Dictionary<string, string> { ["name"] = "x" }), origin: AppFactory.PublicBaseUrl), HttpStatusCode.UnsupportedMediaType),
        };
        foreach (var (request, expected) in cases)
        {
            var response = await browser.SendAsync(request, Ct);
            Assert.Equal(expected, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }
        var delete = new HttpRequestMessage(HttpMethod.Delete, "/api/v1/tokens/" + Guid.NewGuid());
        delete.Headers.TryAddWithoutValidation("Origin", "https://evil.example");
        Assert.Equal(HttpStatusCode.Forbidden, (await browser.SendAsync(delete, Ct)).StatusCode);
        Assert.Equal(before, await WorkspaceCountAsync(browser));

        // The app's own pages: same Origin, or no Origin but a same-origin Referer; a bodiless POST needs no JSON.
        Assert.Equal(HttpStatusCode.Created, (await browser.SendAsync(Post("/api/v1/workspaces", Json("{\"name\":\"a\"}"), origin: AppFactory.PublicBaseUrl), Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await browser.SendAsync(Post("/api/v1/workspaces", Json("{\"name\":\"b\"}"), referer: AppFactory.PublicBaseUrl + "/settings"), Ct)).StatusCode);
        var workspaceId = (await browser.GetFromJsonAsync<JsonElement>("/api/v1/workspaces", Ct)).EnumerateArray().First().GetProperty("id").GetGuid();
        Assert.Equal(HttpStatusCode.OK, (await browser.SendAsync(Post($"/api/v1/workspaces/{workspaceId}/switch", null, origin: AppFactory.PublicBaseUrl), Ct)).StatusCode);
        Assert.Equal(before + 2, await WorkspaceCountAsync(browser));
    }

    [Fact]
    public async Task BearerWrites_AreUnaffectedByOrigin()
    {
        await using var app = await AppFactory.StartAsync(DatabaseProvider.Sqlite);
        var bearer = app.CreateBearerClient(await Session.CreateTokenAsync(await Session.RegisterAsync(app, "script@example.com")));

        var response = await bearer.SendAsync(Post("/api/v1/workspaces", Json("{\"name\":\"from a script\"}"), origin: "https://elsewhere.example"), Ct);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }
}
