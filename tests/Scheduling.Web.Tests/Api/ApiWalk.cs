using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Scheduling.Web.Tests.Infrastructure;

namespace Scheduling.Web.Tests.Api;

/// <summary>What a request of a walk got back, with what it was, for the failure message.</summary>
public sealed record WalkResult(string Method, string Path, string? Body, int Status, string? MediaType, string Response, IReadOnlyList<string> Exceptions)
{
    public override string ToString() =>
        $"{Method} {OpenApiFuzzer.Excerpt(Path, 160)}\n      body: {OpenApiFuzzer.Excerpt(Body, 200)}\n      → {Status} {MediaType} {OpenApiFuzzer.Excerpt(Response, 300)}"
        + (Exceptions.Count == 0 ? "" : $"\n      server exception: {string.Join(" | ", Exceptions)}");
}

/// <summary>Fetches the app's OpenAPI document and sends requests built from its operations.</summary>
public static class ApiWalk
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static async Task<OpenApiOperations> DocumentAsync(AppFactory app)
    {
        using var client = app.CreateClient();
        var json = await client.GetStringAsync("/openapi/v1.json", Ct);
        var document = OpenApiOperations.Parse(json);
        Assert.True(document.All.Count > 20, $"The OpenAPI document lists only {document.All.Count} operations");
        return document;
    }

    /// <summary>The path with each parameter filled in: an id of <paramref name="fixtures"/>, or a value for non-id parameters.</summary>
    public static string PathFor(OpenApiOperations document, OpenApiOperation operation, Func<OpenApiParameter, string> value) =>
        operation.PathParameters.Aggregate(operation.PathTemplate, (path, parameter) => path.Replace("{" + parameter.Name + "}", value(parameter), StringComparison.Ordinal));

    /// <summary>The id of a fixture for a path parameter; a parameter no fixture fits gets a value of its own kind.</summary>
    public static string FixtureValue(OpenApiOperations document, OpenApiOperation operation, OpenApiParameter parameter, WorkspaceFixtures fixtures)
    {
        if (fixtures.IdFor(OpenApiOperation.ResourceOf(operation.PathTemplate, parameter.Name), parameter.Name) is { } id)
        {
            return Uri.EscapeDataString(id);
        }
        var enumValues = document.EnumNamed(parameter.Name);
        return enumValues.Count > 0 ? enumValues[0] : Guid.NewGuid().ToString();
    }

    public static async Task<WalkResult> SendAsync(HttpClient client, UnhandledExceptions exceptions, string method, string path, string? body, string? contentType)
    {
        exceptions.Drain();
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (body is not null)
        {
            request.Content = new ByteArrayContent(Encoding.UTF8.GetBytes(body));
            request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType ?? "application/json");
        }
        using var response = await client.SendAsync(request, Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);
        return new WalkResult(method, path, body, (int)response.StatusCode, response.Content.Headers.ContentType?.MediaType, text, exceptions.Drain());
    }

    /// <summary>Why an answer breaks the API's error contract, or null: no 5xx, no unmapped exception, problem details on 4xx.</summary>
    public static string? ContractBreach(WalkResult result, bool api)
    {
        if (result.Status >= 500)
        {
            return $"{result.Status}";
        }
        if (result.Exceptions.Count > 0)
        {
            return $"unhandled exception answered {result.Status}";
        }
        if (!api || result.Status < 400 || result.Response.Length == 0)
        {
            return null;
        }
        if (result.MediaType != "application/problem+json")
        {
            return $"{result.Status} not problem details ({result.MediaType})";
        }
        try
        {
            using var problem = JsonDocument.Parse(result.Response);
            return problem.RootElement.TryGetProperty("status", out var status) && status.TryGetInt32(out var value) && value == result.Status
                ? null
                : $"{result.Status} problem details with another status";
        }
        catch (JsonException)
        {
            return $"{result.Status} problem details that are not JSON";
        }
    }
}
