using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Scheduling.Web.Data;
using Scheduling.Web.Tests.Infrastructure;

namespace Scheduling.Web.Tests.Engine;

/// <summary>
/// A webhook URL this instance would refuse is a 400 when it is saved (workspace endpoints, a schedule's own URL),
/// and Settings > Webhooks' "Send test" delivers a signed ping and reports the answer.
/// </summary>
public class WebhookTargetsApiTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static TheoryData<DatabaseProvider, string> RefusedUrls()
    {
        var data = new TheoryData<DatabaseProvider, string>();
        foreach (var provider in new[] { DatabaseProvider.Sqlite, DatabaseProvider.PostgreSql })
        {
            foreach (var url in new[] { "http://127.0.0.1:9/hook", "http://localhost/hook", "http://[::1]/hook", "http://169.254.169.254/latest/meta-data",
                "http://10.0.0.1/hook", "http://[64:ff9b::7f00:1]/hook", "http://[2002:a9fe:a9fe::]/hook", "https://bot:hunter2@hooks.example.com/hook", "gopher://hooks.example.com/" })
            {
                data.Add(provider, url);
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(RefusedUrls))]
    public async Task SaveRefusedUrl_EndpointAndSchedule_Are400NamingTheField_AndNothingIsStored(DatabaseProvider provider, string url)
    {
        await using var app = await AppFactory.StartAsync(provider);
        var client = await Session.RegisterAsync(app, "guarded@example.com");

        var endpoint = await client.PutAsJsonAsync("/api/v1/workspace/webhooks/endpoints/export", new { url }, Ct);
        await AssertNamesAsync(endpoint, "url");
        var settings = await client.GetFromJsonAsync<JsonElement>("/api/v1/workspace/webhooks", Ct);
        Assert.Empty(settings.GetProperty("endpoints").EnumerateArray());

        var created = await client.PostAsJsonAsync("/api/v1/schedules", Schedule(url), Ct);
        await AssertNamesAsync(created, "webhookUrl");

        var good = await client.PostAsJsonAsync("/api/v1/schedules", Schedule("https://hooks.example.com/render"), Ct);
        Assert.Equal(HttpStatusCode.Created, good.StatusCode);
        var id = (await good.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("id").GetGuid();
        var updated = await client.PutAsJsonAsync($"/api/v1/schedules/{id}", Schedule(url), Ct);
        await AssertNamesAsync(updated, "webhookUrl");
        var stored = await client.GetFromJsonAsync<JsonElement>($"/api/v1/schedules/{id}", Ct);
        Assert.Equal("https://hooks.example.com/render", stored.GetProperty("webhookUrl").GetString());
    }

    [Fact]
    public async Task SaveLoopbackUrl_WithTheOptOut_IsAccepted()
    {
        await using var app = await AppFactory.StartAsync(DatabaseProvider.Sqlite, new Dictionary<string, string?> { ["Execution:AllowPrivateNetworkTargets"] = "true" });
        var client = await Session.RegisterAsync(app, "local@example.com");

        var endpoint = await client.PutAsJsonAsync("/api/v1/workspace/webhooks/endpoints/export", new { url = "http://127.0.0.1:9/hook" }, Ct);
        Assert.Equal(HttpStatusCode.OK, endpoint.StatusCode);
        var created = await client.PostAsJsonAsync("/api/v1/schedules", Schedule("http://localhost:9/hook"), Ct);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);

        // Reserved ranges stay refused whatever the option says.
        await AssertNamesAsync(await client.PutAsJsonAsync("/api/v1/workspace/webhooks/endpoints/export", new { url = "http://169.254.169.254/" }, Ct), "url");
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task SendTest_ToSavedEndpoint_DeliversSignedPing_AndReportsTheAnswer(DatabaseProvider provider)
    {
        await using var host = await EngineHost.StartAsync(provider);
        var saved = await host.Client.PutAsJsonAsync("/api/v1/workspace/webhooks/endpoints/export", new { url = host.Receiver.Url("ping") }, Ct);
        Assert.Equal(HttpStatusCode.OK, saved.StatusCode);

        var response = await host.Client.PostAsync("/api/v1/workspace/webhooks/endpoints/export/test", null, Ct);

        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        var result = JsonDocument.Parse(text).RootElement;
        Assert.True(result.GetProperty("succeeded").GetBoolean());
        Assert.Equal(200, result.GetProperty("status").GetInt32());
        Assert.True(result.GetProperty("durationMs").GetInt64() >= 0);
        Assert.Contains("\"path\":\"/ping\"", result.GetProperty("body").GetString(), StringComparison.Ordinal);
        Assert.Equal(JsonValueKind.Null, result.GetProperty("error").ValueKind);

        var ping = Assert.Single(host.Receiver.On("ping"));
        Assert.Equal("ping", ping.Event);
        Assert.Equal("ping", ping.Json.GetProperty("type").GetString());
        Assert.Equal("export", ping.Json.GetProperty("jobType").GetString());
        Assert.StartsWith("ping:", ping.IdempotencyKey, StringComparison.Ordinal);
        var expected = "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(host.Secret), Encoding.UTF8.GetBytes(ping.Body)));
        Assert.Equal(expected, ping.Signature);
    }

    [Fact]
    public async Task SendTest_ReceiverAnswers500_ReportsStatusAndError()
    {
        await using var host = await EngineHost.StartAsync();
        host.Receiver.Respond("broken", [500]);

        var response = await host.Client.PostAsJsonAsync("/api/v1/workspace/webhooks/endpoints/publish/test", new { url = host.Receiver.Url("broken") }, Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var result = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.False(result.GetProperty("succeeded").GetBoolean());
        Assert.Equal(500, result.GetProperty("status").GetInt32());
        Assert.Contains("HTTP 500", result.GetProperty("error").GetString(), StringComparison.Ordinal);
        // A test is not an endpoint: nothing was saved.
        var settings = await host.Client.GetFromJsonAsync<JsonElement>("/api/v1/workspace/webhooks", Ct);
        Assert.Empty(settings.GetProperty("endpoints").EnumerateArray());
    }

    [Fact]
    public async Task SendTest_NothingRunsThere_ReportsTheNetworkError()
    {
        await using var host = await EngineHost.StartAsync();
        // A port nothing listens on: bind one, note it, let it go.
        var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();

        var response = await host.Client.PostAsJsonAsync("/api/v1/workspace/webhooks/endpoints/publish/test", new { url = $"http://127.0.0.1:{port}/gone" }, Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var result = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.False(result.GetProperty("succeeded").GetBoolean());
        Assert.Equal(JsonValueKind.Null, result.GetProperty("status").ValueKind);
        Assert.StartsWith("Network error", result.GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/api/v1/workspace/webhooks/endpoints/publish/test", "{\"url\":\"http://127.0.0.1:9/hook\"}", "url")]
    [InlineData("/api/v1/workspace/webhooks/endpoints/publish/test", "{\"url\":\"not a url\"}", "url")]
    [InlineData("/api/v1/workspace/webhooks/endpoints/publish/test", "{}", "url")]
    [InlineData("/api/v1/workspace/webhooks/endpoints/teleport/test", "{}", "jobType")]
    public async Task SendTest_BadInput_Is400NamingTheField(string path, string body, string field)
    {
        await using var app = await AppFactory.StartAsync(DatabaseProvider.Sqlite);
        var client = await Session.RegisterAsync(app, "tester@example.com");

        var response = await client.PostAsync(path, new StringContent(body, Encoding.UTF8, "application/json"), Ct);

        await AssertNamesAsync(response, field);
    }

    private static object Schedule(string webhookUrl) => new
    {
        name = "Render",
        jobType = "export",
        timezone = "UTC",
        recurrence = new { rrule = "FREQ=DAILY;BYHOUR=6;BYMINUTE=0", start = "2030-01-01T00:00" },
        webhookUrl,
    };

    private static async Task AssertNamesAsync(HttpResponseMessage response, string field)
    {
        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.True(JsonDocument.Parse(text).RootElement.GetProperty("errors").TryGetProperty(field, out _), text);
    }
}
