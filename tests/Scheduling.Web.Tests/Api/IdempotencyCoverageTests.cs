using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Scheduling.Web.Api;
using Scheduling.Web.Data;
using Scheduling.Web.Tests.Infrastructure;

namespace Scheduling.Web.Tests.Api;

/// <summary>Every endpoint that creates something honours an Idempotency-Key, now and as endpoints are added.</summary>
public sealed class IdempotencyCoverageTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    // Creates whose answer carries a secret shown once: replaying it would mean storing the secret.
    private static readonly Dictionary<string, string> NotIdempotent = new(StringComparer.Ordinal)
    {
        ["POST /api/v1/tokens"] = "the answer holds the token's secret, which is never stored",
        ["POST /api/v1/workspace/invitations"] = "the answer holds the invitation's secret link, which is never stored",
        ["POST /api/v1/calendar/feeds"] = "the answer holds the feed's secret URL, which is never stored",
    };

    [Fact]
    public async Task EveryCreateEndpoint_HonoursAnIdempotencyKey_OrSaysWhyNot()
    {
        await using var app = await AppFactory.StartAsync(DatabaseProvider.Sqlite);
        var endpoints = app.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>();

        var creates = endpoints
            .Where(e => e.RoutePattern.RawText?.StartsWith("/api/v1", StringComparison.Ordinal) == true)
            .Where(e => e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods.Contains("POST") == true)
            .Where(e => e.Metadata.OfType<Microsoft.AspNetCore.Http.Metadata.IProducesResponseTypeMetadata>()
                .Any(p => p.StatusCode is StatusCodes.Status201Created or StatusCodes.Status202Accepted))
            .Select(e => (Name: $"POST {Normalise(e.RoutePattern.RawText!)}", Keyed: e.Metadata.GetMetadata<Idempotency.IdempotentEndpoint>() is not null))
            .ToList();

        Assert.NotEmpty(creates);
        Assert.Contains(creates, c => c.Name == "POST /api/v1/schedules");
        var missing = creates.Where(c => !c.Keyed && !NotIdempotent.ContainsKey(c.Name)).Select(c => c.Name).ToList();
        Assert.True(missing.Count == 0, "Create endpoints without .WithIdempotency() (add it, or list the endpoint with its reason): " + string.Join(", ", missing));
    }

    [Fact]
    public async Task RunNow_SameKeyTwice_MakesOneManualRun()
    {
        await using var app = await AppFactory.StartAsync(DatabaseProvider.Sqlite,
            new Dictionary<string, string?> { ["Execution:RunServer"] = "false", ["Execution:RunDispatcher"] = "false" });
        var client = await Session.RegisterAsync(app, "runner@example.com");
        var created = await client.PostAsJsonAsync("/api/v1/schedules", new
        {
            name = "Render",
            jobType = "publish",
            timezone = "Europe/Paris",
            recurrence = new { rrule = "FREQ=DAILY;BYHOUR=9;BYMINUTE=0", start = "2030-05-01T00:00" },
        }, Ct);
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("id").GetGuid();

        async Task<HttpResponseMessage> RunAsync()
        {
            var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/schedules/{id}/run") { Content = new StringContent("{}", Encoding.UTF8, "application/json") };
            request.Headers.Add(Idempotency.Header, "run-once");
            return await client.SendAsync(request, Ct);
        }

        var first = await RunAsync();
        var again = await RunAsync();

        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, again.StatusCode);
        Assert.Equal(await first.Content.ReadAsStringAsync(Ct), await again.Content.ReadAsStringAsync(Ct));
        var runs = await client.GetFromJsonAsync<JsonElement>($"/api/v1/schedules/{id}/executions", Ct);
        Assert.Equal(1, runs.GetProperty("total").GetInt32());
    }

    // "/api/v1/schedules/{id:guid}/run" → "/api/v1/schedules/{id}/run", as the OpenAPI document names it.
    private static string Normalise(string pattern) =>
        System.Text.RegularExpressions.Regex.Replace(pattern.TrimEnd('/'), "\\{([^:}]+):[^}]+\\}", "{$1}");
}
