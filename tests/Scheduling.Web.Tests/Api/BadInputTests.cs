using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Scheduling.Web.Data;
using Scheduling.Web.Tests.Infrastructure;

namespace Scheduling.Web.Tests.Api;

/// <summary>Whatever a caller types gets a 4xx problem-details answer, never a 500.</summary>
public class BadInputTests : IAsyncLifetime
{
    private AppFactory _app = null!;
    private HttpClient _client = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _app = await AppFactory.StartAsync(DatabaseProvider.Sqlite);
        _client = await Session.RegisterAsync(_app, "typist@example.com");
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();

    public static TheoryData<string, string, string?, int> Payloads => new()
    {
        { "POST", "/api/v1/workspaces", "{not json", 400 },
        { "POST", "/api/v1/workspaces", "[]", 400 },
        { "POST", "/api/v1/workspaces", "{\"name\": 42}", 400 },
        { "POST", "/api/v1/workspaces", "{\"name\": \"\"}", 400 },
        { "POST", "/api/v1/workspaces", "{\"name\": \"" + new string('x', 101) + "\"}", 400 },
        { "POST", "/api/v1/workspaces", "", 400 },
        { "PUT", "/api/v1/workspaces/not-a-guid", "{\"name\": \"x\"}", 404 },
        { "GET", "/api/v1/workspaces/00000000-0000-0000-0000-000000000001", null, 404 },
        { "PUT", "/api/v1/workspace/members/nobody", "{\"role\": \"emperor\"}", 400 },
        { "PUT", "/api/v1/workspace/members/nobody", "{\"role\": 1}", 400 },
        { "PUT", "/api/v1/workspace/members/nobody", "{\"role\": \"admin\"}", 404 },
        { "POST", "/api/v1/workspace/invitations", "{\"email\": \"not an email\"}", 400 },
        { "POST", "/api/v1/workspace/invitations", "{\"email\": \"a@example.com\", \"role\": \"boss\"}", 400 },
        { "POST", "/api/v1/invitations/unknown-secret/accept", null, 404 },
        { "POST", "/api/v1/tokens", "{\"name\": \"t\", \"expiresInDays\": 99999999999}", 400 },
        { "PUT", "/api/v1/me", "{\"timeZone\": \"\"}", 400 },
        { "DELETE", "/api/v1/tokens/00000000-0000-0000-0000-000000000001", null, 404 },
        { "PATCH", "/api/v1/workspaces", "{}", 405 },
    };

    [Theory]
    [MemberData(nameof(Payloads))]
    public async Task Request_BadInput_ReturnsProblemDetailsNot500(string method, string path, string? body, int expected)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), path)
        {
            Content = body is null ? null : new StringContent(body, Encoding.UTF8, "application/json"),
        };

        var response = await _client.SendAsync(request, Ct);

        Assert.Equal(expected, (int)response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal(expected, problem.GetProperty("status").GetInt32());
    }

    [Fact]
    public async Task CreateWorkspace_EmptyName_NamesTheFieldInErrors()
    {
        var response = await _client.PostAsJsonAsync("/api/v1/workspaces", new { name = "   " }, Ct);

        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("Name is required.", problem.GetProperty("errors").GetProperty("name")[0].GetString());
    }
}
