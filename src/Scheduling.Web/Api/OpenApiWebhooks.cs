using System.Text.Json.Nodes;
using Microsoft.OpenApi;
using Scheduling.Web.Engine;

namespace Scheduling.Web.Api;

/// <summary>
/// OpenAPI 3.1 <c>webhooks</c>: what the app POSTs to integrations (Engine/WebhookDelivery.cs, WebhookHandler.cs).
/// Each kind of delivery is one <see cref="WebhookEvent"/> in <see cref="Events"/>; lifecycle events (schedule
/// created, run failed ...) add one entry each with their payload schema, and the headers, signature and answers
/// described here apply to them unchanged.
/// </summary>
public static class OpenApiWebhooks
{
    public const string EnvelopeSchema = "WebhookEnvelope";
    public const string PingSchema = "WebhookPing";

    /// <summary>One kind of delivery: its <c>X-Scheduling-Event</c> value, texts and payload schema (a component).</summary>
    public sealed record WebhookEvent(string Event, string OperationId, string Summary, string Description, string Schema, Func<OpenApiSchema> Payload, bool AnswerControlsRun);

    public static readonly IReadOnlyList<WebhookEvent> Events =
    [
        new(WebhookDelivery.ExecutionEvent, "Deliveries_Execution", "A run is due: do the job",
            "Sent for each attempt of a run to the schedule's `webhookUrl`, else the workspace's endpoint for its job type. "
            + "The newsletter pipeline sends one POST per `action` (scrape, then generate, then send; `jobConfig.testMode: true` skips send), "
            + "each with `previous` = the response body of the action before it and its own Idempotency-Key `<executionId>:<action>`.",
            EnvelopeSchema, Envelope, AnswerControlsRun: true),
        new(WebhookDelivery.PingEvent, "Deliveries_Ping", "A test from Settings → Webhooks",
            "Sent by `POST /api/v1/workspace/webhooks/endpoints/{jobType}/test`; signed like a run's delivery. No run is behind it: answer 2xx.",
            PingSchema, Ping, AnswerControlsRun: false),
        // Lifecycle events (issue "event subscriptions") go here: one entry each.
    ];

    internal static void Describe(OpenApiDocument document)
    {
        document.Webhooks ??= new Dictionary<string, IOpenApiPathItem>();
        document.Components!.Schemas ??= new Dictionary<string, IOpenApiSchema>();
        foreach (var hook in Events)
        {
            document.Components.Schemas[hook.Schema] = hook.Payload();
            document.Webhooks[hook.Event] = new OpenApiPathItem
            {
                Operations = new Dictionary<HttpMethod, OpenApiOperation>
                {
                    [HttpMethod.Post] = new()
                    {
                        OperationId = hook.OperationId,
                        Summary = hook.Summary,
                        Description = hook.Description,
                        Tags = new HashSet<OpenApiTagReference> { new("Webhooks", document) },
                        Parameters = Headers(hook),
                        RequestBody = new OpenApiRequestBody
                        {
                            Required = true,
                            Description = "JSON (UTF-8). Verify `X-Signature-256` over these exact bytes before parsing.",
                            Content = new Dictionary<string, OpenApiMediaType>
                            {
                                ["application/json"] = new() { Schema = new OpenApiSchemaReference(hook.Schema, document) },
                            },
                        },
                        Responses = hook.AnswerControlsRun ? RunAnswers() : PingAnswers(),
                        Security = [new OpenApiSecurityRequirement()],
                    },
                },
            };
        }
    }

    private static List<IOpenApiParameter> Headers(WebhookEvent hook) =>
    [
        Header("X-Signature-256", true, "`sha256=` + lowercase hex HMAC-SHA256 of the raw request body, keyed with the workspace's signing secret (its UTF-8 bytes, as shown once by `POST /api/v1/workspace/webhooks/secret`). Compare in constant time.", "^sha256=[0-9a-f]{64}$"),
        Header(Idempotency.Header, true, hook.AnswerControlsRun
            ? "The execution id (`<executionId>:<action>` for the newsletter pipeline): the same on every attempt of the run, so a retry can be recognised and not done twice."
            : "`ping:<id>`, new for each test."),
        Header("X-Scheduling-Event", true, $"The kind of delivery: `{hook.Event}`."),
        Header("X-Scheduling-Node", true, "The app node that sent it (Execution:NodeName)."),
    ];

    private static OpenApiParameter Header(string name, bool required, string description, string? pattern = null) => new()
    {
        Name = name,
        In = ParameterLocation.Header,
        Required = required,
        Description = description,
        Schema = new OpenApiSchema { Type = JsonSchemaType.String, Pattern = pattern },
    };

    private static OpenApiResponses RunAnswers() => new()
    {
        ["200"] = new OpenApiResponse { Description = "Any 2xx but 202: the run completed; the body (its first 4 KB; JSON kept as JSON) is stored as the run's result." },
        ["202"] = new OpenApiResponse
        {
            Description = "Accepted: the run stays running until you call `POST /api/v1/executions/{executionId}/complete` (optional `{result}`) "
                + "or `/fail` (`{error}`, the schedule's retry policy applies), or until the schedule's `timeoutSeconds` passes.",
        },
        ["4XX"] = new OpenApiResponse { Description = "The attempt failed and is not retried, except 408 and 429, which are retried per the schedule's retry policy." },
        ["5XX"] = new OpenApiResponse { Description = "Retried per the schedule's retry policy (as are network errors and timeouts), with the same Idempotency-Key." },
    };

    private static OpenApiResponses PingAnswers() => new()
    {
        ["200"] = new OpenApiResponse { Description = "Any 2xx: the endpoint works (the test reports status, duration and the start of the body)." },
        ["4XX"] = new OpenApiResponse { Description = "Reported as a failed test; nothing is retried." },
        ["5XX"] = new OpenApiResponse { Description = "Reported as a failed test; nothing is retried." },
    };

    private static OpenApiSchema Text(string description, bool nullable = false, string? format = null) => new()
    {
        Type = nullable ? JsonSchemaType.String | JsonSchemaType.Null : JsonSchemaType.String,
        Format = format,
        Description = description,
    };

    private static OpenApiSchema Envelope() => new()
    {
        Type = JsonSchemaType.Object,
        Description = "One attempt of a run (camelCase JSON).",
        Required = new HashSet<string> { "executionId", "scheduleId", "scheduleName", "jobType", "jobConfig", "scheduledFor", "attempt", "isManual" },
        Properties = new Dictionary<string, IOpenApiSchema>
        {
            ["executionId"] = Text("The run; also the Idempotency-Key and the id of the callbacks.", format: "uuid"),
            ["scheduleId"] = Text("The schedule.", format: "uuid"),
            ["scheduleName"] = Text("The schedule's name."),
            ["jobType"] = new OpenApiSchema
            {
                Type = JsonSchemaType.String,
                Description = "The schedule's job type (wire name).",
                Enum = Enum.GetValues<Core.Scheduling.JobType>().Select(t => (JsonNode)JsonValue.Create(Core.Common.WireNames.ToWire(t))!).ToList(),
            },
            ["jobConfig"] = new OpenApiSchema { Type = JsonSchemaType.Object, Description = "The schedule's job configuration, as saved." },
            ["scheduledFor"] = Text("The occurrence this run is for (UTC, ISO 8601).", format: "date-time"),
            ["attempt"] = new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int32", Minimum = "1", Description = "1 for the first attempt, then 2, 3 ... on retries." },
            ["isManual"] = new OpenApiSchema { Type = JsonSchemaType.Boolean, Description = "true for run now and backfill runs." },
            ["title"] = Text("The run's title from the schedule's title template.", nullable: true),
            ["action"] = new OpenApiSchema
            {
                Type = JsonSchemaType.String | JsonSchemaType.Null,
                Description = "The newsletter pipeline's step; null for other job types.",
                Enum = [.. NewsletterPipelineHandler.Actions.Select(a => (JsonNode)JsonValue.Create(a)!), null!],
            },
            ["previous"] = new OpenApiSchema { Description = "Newsletter pipeline: the response body of the action before this one (JSON, or text); null otherwise." },
        },
    };

    private static OpenApiSchema Ping() => new()
    {
        Type = JsonSchemaType.Object,
        Description = "A test delivery.",
        Required = new HashSet<string> { "type", "id", "workspaceId", "jobType", "sentAt", "message" },
        Properties = new Dictionary<string, IOpenApiSchema>
        {
            ["type"] = new OpenApiSchema { Type = JsonSchemaType.String, Const = WebhookDelivery.PingEvent, Description = "Always `ping`." },
            ["id"] = Text("This test.", format: "uuid"),
            ["workspaceId"] = Text("The workspace.", format: "uuid"),
            ["jobType"] = Text("The job type whose endpoint is tested."),
            ["sentAt"] = Text("When it was sent (UTC).", format: "date-time"),
            ["message"] = Text("A sentence for a person reading logs."),
        },
    };
}
