using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.OpenApi;
using Scheduling.Web.Engine;
using Scheduling.Web.Features.Events;

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
    public const string ScheduleEventSchema = "LifecycleScheduleEvent";
    public const string ExecutionEventSchema = "LifecycleExecutionEvent";
    public const string SeriesEventSchema = "LifecycleSeriesEvent";
    public const string WaveEventSchema = "LifecycleWaveEvent";

    /// <summary>
    /// One kind of delivery: its <c>X-Scheduling-Event</c> value, texts and payload schema (a component).
    /// <paramref name="Lifecycle"/>: sent to event subscriptions (Features/Events), with their own secret, order and retries.
    /// </summary>
    public sealed record WebhookEvent(string Event, string OperationId, string Summary, string Description, string Schema, Func<OpenApiDocument, OpenApiSchema> Payload, bool AnswerControlsRun, bool Lifecycle = false);

    /// <summary>What each lifecycle event type means (Features/Events/EventTypes.cs), before Events (static fields initialise in order); its data is the schedule or the run as the API returns it.</summary>
    private static readonly (string Type, string Summary, string When)[] Lifecycle =
    [
        (EventTypes.ScheduleCreated, "A schedule was created", "A schedule was created (by the API, the app, bulk create, import, a split, a series or the channel queue)."),
        (EventTypes.ScheduleUpdated, "A schedule was changed", "A schedule's definition was replaced or changed (including occurrence edits and bulk updates)."),
        (EventTypes.SchedulePaused, "A schedule was paused", "active → paused."),
        (EventTypes.ScheduleResumed, "A schedule was resumed", "paused → active."),
        (EventTypes.ScheduleCancelled, "A schedule was cancelled", "active or paused → cancelled: it plans no more runs."),
        (EventTypes.ScheduleCompleted, "A schedule completed", "It planned its last run (end date or max runs reached)."),
        (EventTypes.ScheduleDeleted, "A schedule was deleted", "The schedule and its history were deleted; `data` is the schedule as it was."),
        (EventTypes.ScheduleSubmitted, "A schedule was submitted for review", "draft → in_review: an Owner or Admin is asked to approve it."),
        (EventTypes.ScheduleApproved, "A schedule was approved", "in_review → active."),
        (EventTypes.ScheduleRejected, "A schedule was rejected", "in_review → draft, with the reviewer's comment."),
        (EventTypes.ExecutionStarted, "A run started", "pending → running: its delivery is being sent."),
        (EventTypes.ExecutionCompleted, "A run completed", "running → completed."),
        (EventTypes.ExecutionFailed, "A run failed", "running → failed."),
        (EventTypes.ExecutionSkipped, "A run was skipped", "A planned run was skipped (missed-run or overlap policy, a skipped occurrence, a pause that held it)."),
        (EventTypes.ExecutionRetrying, "A run will be retried", "running → pending: the attempt failed and the next one waits for the retry backoff."),
        (EventTypes.ExecutionProgress, "A running run reported progress", "The integration posted `POST /api/v1/executions/{id}/progress`; `data.progress` holds percent, stage and message. "
            + "Throttled: at most one per run every `Events:ProgressThrottle` (10 s by default), plus always the first report and 100 %."),
        (EventTypes.SeriesEpisodeReleased, "An episode of a series was released", "The run of an episode completed: the episode is out (`data.episode`)."),
        (EventTypes.SeriesCompleted, "A series completed", "Its last open episode went out or was skipped: every episode is released or skipped (failed ones too, under `onFailure: continue`)."),
        (EventTypes.WaveCompleted, "A wave completed", "The run of its last open item ended: every item has run (completed, failed or skipped) or was cancelled. "
            + "A failed item retried by hand completes the wave again when its new run ends."),
    ];

    /// <summary>
    /// What lifecycle events are about, by their type's prefix: the envelope schema, how its description and the events'
    /// name their data, and the data's schema (the API's own view, or the series event's summary). Before Events, as Lifecycle.
    /// </summary>
    private sealed record Subject(string Schema, string Whose, string Data, Func<OpenApiDocument, IOpenApiSchema> DataSchema);

    private static readonly Dictionary<string, Subject> Subjects = new()
    {
        ["schedule"] = new(ScheduleEventSchema, "A schedule's", "schedule as `GET /api/v1/schedules/{id}` returns it.",
            document => new OpenApiSchemaReference("ScheduleView", document)),
        ["execution"] = new(ExecutionEventSchema, "A run's", "run as the API's run lists return it (`ExecutionView`), with the status this event reports.",
            document => new OpenApiSchemaReference("ExecutionView", document)),
        ["series"] = new(SeriesEventSchema, "A series'", "series (`id`, `name`, `episodeCount`, `status`, `releasedCount`) and, for an episode's event, "
            + "the episode (`number`, `title`, `scheduledFor`, `status`, `releasedAt`, `executionId`).", _ => SeriesEventData()),
        ["wave"] = new(WaveEventSchema, "A wave's", "wave as `GET /api/v1/waves/{id}` returns it, each item with its last run.",
            document => new OpenApiSchemaReference("WaveView", document)),
    };

    public static readonly IReadOnlyList<WebhookEvent> Events =
    [
        new(WebhookDelivery.ExecutionEvent, "Deliveries_Execution", "A run is due: do the job",
            "Sent for each attempt of a run to the schedule's `webhookUrl`, else the workspace's endpoint for its job type. "
            + "The newsletter pipeline sends one POST per `action` (scrape, then generate, then send; `jobConfig.testMode: true` skips send), "
            + "each with `previous` = the response body of the action before it and its own Idempotency-Key `<executionId>:<action>`.",
            EnvelopeSchema, _ => Envelope(), AnswerControlsRun: true),
        new(WebhookDelivery.PingEvent, "Deliveries_Ping", "A test from Settings → Webhooks",
            "Sent by `POST /api/v1/workspace/webhooks/endpoints/{jobType}/test`; signed like a run's delivery. No run is behind it: answer 2xx. "
            + "(The test of an event subscription, `POST /api/v1/workspace/event-subscriptions/{id}/test`, also sends `X-Scheduling-Event: ping`, "
            + "but in the lifecycle envelope: `type: ping`, `data: {subscriptionId, message}`, signed with the subscription's secret, not retried.)",
            PingSchema, _ => Ping(), AnswerControlsRun: false),
        .. LifecycleEvents(),
    ];

    /// <summary>What a lifecycle event is about: its type's prefix (schedule., execution., series., wave.).</summary>
    private static string SubjectOf(string type) => type[..type.IndexOf('.', StringComparison.Ordinal)];

    private static IEnumerable<WebhookEvent> LifecycleEvents() => Lifecycle.Select(e =>
    {
        var subject = SubjectOf(e.Type);
        return new WebhookEvent(e.Type, "Events_" + string.Concat(e.Type.Split('.', '_').Select(w => char.ToUpperInvariant(w[0]) + w[1..])),
            e.Summary,
            e.When + " Sent to each event subscription that names `" + e.Type + "` (or `*`), in event order per subscription. `data` is the " + Subjects[subject].Data,
            Subjects[subject].Schema,
            document => LifecycleEnvelope(document, subject),
            AnswerControlsRun: false, Lifecycle: true);
    });

    internal static void Describe(OpenApiDocument document)
    {
        document.Webhooks ??= new Dictionary<string, IOpenApiPathItem>();
        document.Components!.Schemas ??= new Dictionary<string, IOpenApiSchema>();
        foreach (var hook in Events)
        {
            document.Components.Schemas[hook.Schema] = hook.Payload(document);
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
                        Responses = hook.Lifecycle ? LifecycleAnswers() : hook.AnswerControlsRun ? RunAnswers() : PingAnswers(),
                        Security = [new OpenApiSecurityRequirement()],
                    },
                },
            };
        }
    }

    private static List<IOpenApiParameter> Headers(WebhookEvent hook) => hook.Lifecycle
        ? [
            Header("X-Signature-256", true, "`sha256=` + lowercase hex HMAC-SHA256 of the raw request body, keyed with the subscription's signing secret (its UTF-8 bytes, shown once when the subscription is created or by `POST /api/v1/workspace/event-subscriptions/{id}/rotate-secret`). Compare in constant time.", "^sha256=[0-9a-f]{64}$"),
            Header(Idempotency.Header, true, "The event id (`id` in the body): the same on every attempt and on a redelivery, so a repeat can be recognised and ignored."),
            Header("X-Scheduling-Event", true, $"The event type: `{hook.Event}` (the same as `type` in the body)."),
            Header("X-Scheduling-Node", true, "The app node that sent it (Execution:NodeName)."),
        ]
        : [
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

    private static OpenApiResponses LifecycleAnswers() => new()
    {
        ["200"] = new OpenApiResponse { Description = "Any 2xx: delivered (the start of the body is kept in the delivery log)." },
        ["4XX"] = new OpenApiResponse
        {
            Description = "Anything but 2xx (and network errors, and no answer within Events:Timeout, 10 s) is retried with backoff (10 s, 20 s, 40 s ... at most 1 h) "
                + "for Events:RetryWindow (24 h), then the delivery is marked failed; later events to the same subscription wait behind it, so order is kept. "
                + "`POST /api/v1/workspace/event-deliveries/{id}/redeliver` sends a delivered or failed one again, with the same event id.",
        },
        ["5XX"] = new OpenApiResponse { Description = "Retried like a 4xx: with backoff, in order, for 24 h." },
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
                Description = "The pipeline stage's key (video_generation: script, assets, assemble, thumbnail, metadata, upload; newsletter: scrape, generate, send; "
                    + "or the workspace's or schedule's own stages); null for a plain one-stage pipeline. The Idempotency-Key is then `executionId:action`.",
            },
            ["previous"] = new OpenApiSchema { Description = "Pipeline: the response body of the stage before this one (JSON, or text); null otherwise." },
            ["previousResults"] = new OpenApiSchema
            {
                Type = JsonSchemaType.Object,
                Description = "Pipeline only (absent for a plain one-stage pipeline): the response bodies of the stages completed before this one, by stage key, in order.",
                AdditionalPropertiesAllowed = true,
            },
            ["channel"] = new OpenApiSchema
            {
                Type = JsonSchemaType.Object | JsonSchemaType.Null,
                Description = "The channel the run posts to; null for a schedule without one.",
                Required = new HashSet<string> { "id", "name", "platform" },
                Properties = new Dictionary<string, IOpenApiSchema>
                {
                    ["id"] = Text("The channel.", format: "uuid"),
                    ["name"] = Text("Its name."),
                    ["platform"] = Text("Its platform."),
                },
            },
            ["series"] = new OpenApiSchema
            {
                Type = JsonSchemaType.Object,
                Description = "Only for an episode of a series (absent otherwise).",
                Required = new HashSet<string> { "id", "name", "episode", "episodeCount" },
                Properties = new Dictionary<string, IOpenApiSchema>
                {
                    ["id"] = Text("The series.", format: "uuid"),
                    ["name"] = Text("Its name."),
                    ["episode"] = new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int32", Minimum = "1", Description = "This episode's number." },
                    ["episodeCount"] = new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int32", Minimum = "1", Description = "How many episodes the series has." },
                },
            },
            ["wave"] = new OpenApiSchema
            {
                Type = JsonSchemaType.Object,
                Description = "Only for a post of a wave (one content item released on several channels; absent otherwise).",
                Required = new HashSet<string> { "id", "name", "mode" },
                Properties = new Dictionary<string, IOpenApiSchema>
                {
                    ["id"] = Text("The wave.", format: "uuid"),
                    ["name"] = Text("Its name (the content item's title)."),
                    ["mode"] = new OpenApiSchema { Type = JsonSchemaType.String, Enum = Enum.GetValues<Features.Waves.WaveMode>().Select(m => (JsonNode)JsonValue.Create(Core.Common.WireNames.ToWire(m))!).ToList(), Description = "How its posts were timed: simultaneous, staggered or independent." },
                },
            },
        },
    };

    /// <summary>The envelope of a lifecycle event (<see cref="EventEnvelope"/>, Features/Events/EventDeliverer.cs).</summary>
    private static OpenApiSchema LifecycleEnvelope(OpenApiDocument document, string subject) => new()
    {
        Type = JsonSchemaType.Object,
        Description = Subjects[subject].Whose + " lifecycle event (camelCase JSON).",
        Required = new HashSet<string> { "id", "type", "occurredAt", "workspaceId", "data" },
        Properties = new Dictionary<string, IOpenApiSchema>
        {
            ["id"] = Text("The event; also the Idempotency-Key. Ids grow with time (UUID v7).", format: "uuid"),
            ["type"] = new OpenApiSchema
            {
                Type = JsonSchemaType.String,
                Description = "The event type (also `X-Scheduling-Event`).",
                Enum = Lifecycle.Where(e => SubjectOf(e.Type) == subject).Select(e => (JsonNode)JsonValue.Create(e.Type)!).ToList(),
            },
            ["occurredAt"] = Text("When it happened (UTC, ISO 8601).", format: "date-time"),
            ["workspaceId"] = Text("The workspace.", format: "uuid"),
            ["data"] = Subjects[subject].DataSchema(document),
        },
    };

    /// <summary>An enum's values as events serialise them (<see cref="EventTypes.Json"/>: snake_case names).</summary>
    private static List<JsonNode> WireNames<TEnum>() where TEnum : struct, Enum =>
        [.. Enum.GetValues<TEnum>().Select(v => (JsonNode)JsonValue.Create(JsonNamingPolicy.SnakeCaseLower.ConvertName(v.ToString()))!)];

    /// <summary>The data of a series event (Features/Series/SeriesEngine.cs, <c>SeriesEventData</c>).</summary>
    private static OpenApiSchema SeriesEventData() => new()
    {
        Type = JsonSchemaType.Object,
        Description = "The series, and for `series.episode_released` the episode.",
        Required = new HashSet<string> { "series", "episode" },
        Properties = new Dictionary<string, IOpenApiSchema>
        {
            ["series"] = new OpenApiSchema
            {
                Type = JsonSchemaType.Object,
                Required = new HashSet<string> { "id", "name", "episodeCount", "status", "releasedCount" },
                Properties = new Dictionary<string, IOpenApiSchema>
                {
                    ["id"] = Text("The series.", format: "uuid"),
                    ["name"] = Text("Its name."),
                    ["episodeCount"] = new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int32", Minimum = "1", Description = "How many episodes it has." },
                    ["status"] = new OpenApiSchema
                    {
                        Type = JsonSchemaType.String,
                        Description = "Its status after the event.",
                        Enum = WireNames<Features.Series.SeriesStatus>(),
                    },
                    ["releasedCount"] = new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int32", Minimum = "0", Description = "Episodes released so far." },
                },
            },
            ["episode"] = new OpenApiSchema
            {
                Type = JsonSchemaType.Object | JsonSchemaType.Null,
                Description = "The episode released (`series.episode_released`); null for `series.completed`.",
                Required = new HashSet<string> { "number", "title", "scheduledFor", "status", "releasedAt", "executionId" },
                Properties = new Dictionary<string, IOpenApiSchema>
                {
                    ["number"] = new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int32", Minimum = "1", Description = "Its number." },
                    ["title"] = Text("Its title."),
                    ["scheduledFor"] = Text("When it was planned (UTC).", format: "date-time"),
                    ["status"] = new OpenApiSchema
                    {
                        Type = JsonSchemaType.String,
                        Description = "Its status (`released`).",
                        Enum = WireNames<Features.Series.EpisodeStatus>(),
                    },
                    ["releasedAt"] = Text("When it went out (UTC).", nullable: true, format: "date-time"),
                    ["executionId"] = Text("The run that released it.", nullable: true, format: "uuid"),
                },
            },
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
