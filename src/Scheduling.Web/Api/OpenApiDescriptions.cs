using System.Text.Json.Nodes;

namespace Scheduling.Web.Api;

/// <summary>
/// How an endpoint enters the OpenAPI contract: one call on its own line,
/// <c>.Describe("Schedules_Pause", "Pause a schedule", "active → paused ...", 409)</c>. The operation id is the
/// generated clients' method name, so it never changes once shipped (docs/api-changelog.md). The errors every endpoint
/// of its kind can answer (401/403 when signed in, 404 with a path id, 400 with input, 409/422 on idempotent creates,
/// 429 when rate-limited, 500) are added by <see cref="OpenApiContract"/>; <paramref name="errors"/> lists the others
/// (a 409 of a state transition, a 412 of If-Match ...).
/// </summary>
public static class OpenApiDescriptions
{
    public static TBuilder Describe<TBuilder>(this TBuilder endpoint, string operationId, string summary, string description, params int[] errors)
        where TBuilder : IEndpointConventionBuilder =>
        endpoint.WithName(operationId).WithSummary(summary).WithDescription(description).WithMetadata(new DescribedErrors(errors));

    /// <summary>Request examples shown by the reference page and in the document (name → summary and JSON).</summary>
    public static TBuilder WithRequestExamples<TBuilder>(this TBuilder endpoint, params RequestExample[] examples)
        where TBuilder : IEndpointConventionBuilder => endpoint.WithMetadata(new RequestExamples(examples));
}

/// <summary>Error statuses an endpoint answers beyond those its kind implies (see <see cref="OpenApiDescriptions.Describe"/>).</summary>
public sealed record DescribedErrors(IReadOnlyList<int> Statuses);

/// <summary>One request example: <paramref name="Json"/> is the body as JSON text.</summary>
public sealed record RequestExample(string Name, string Summary, string Json)
{
    public JsonNode Value => JsonNode.Parse(Json) ?? throw new InvalidOperationException($"Example {Name} is not JSON.");
}

public sealed record RequestExamples(IReadOnlyList<RequestExample> Examples);
