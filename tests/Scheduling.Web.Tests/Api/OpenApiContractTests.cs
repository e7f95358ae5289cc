using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Scheduling.Core.Common;
using Scheduling.Core.Scheduling;
using Scheduling.Web.Api;
using Scheduling.Web.Data;
using Scheduling.Web.Engine;
using Scheduling.Web.Features.Events;
using Scheduling.Web.Features.Schedules;
using Scheduling.Web.Tests.Infrastructure;

namespace Scheduling.Web.Tests.Api;

/// <summary>
/// The contract integrators read at /openapi/v1.json is complete for every endpoint, now and as endpoints are added
/// (decision 0015): each failure names the endpoint and what to add.
/// </summary>
public sealed class OpenApiContractTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private static readonly string[] Methods = ["get", "put", "post", "delete", "patch"];

    /// <summary>Operations anyone may call without a credential, and why; any other operation must require one.</summary>
    private static readonly Dictionary<string, string> Anonymous = new(StringComparer.Ordinal)
    {
        ["POST /api/v1/recurrence/preview"] = "the editor's preview for strangers too; rate-limited",
        ["GET /api/v1/calendar/feeds/{token}.ics"] = "the secret URL is the credential (calendar apps cannot sign in)",
        ["POST /Account/PerformExternalLogin"] = "the sign-in page's form",
        ["POST /Account/Logout"] = "the sign-out form (without a cookie it only redirects)",
        ["POST /Account/PasskeyCreationOptions"] = "antiforgery-protected; answers only a signed-in user",
        ["POST /Account/PasskeyRequestOptions"] = "the sign-in page's passkey options",
    };

    internal static async Task<JsonObject> ServedDocumentAsync(AppFactory app)
    {
        var json = await app.CreateClient().GetStringAsync("/openapi/v1.json", Ct);
        return JsonNode.Parse(json)!.AsObject();
    }

    private static IEnumerable<(string Name, JsonObject Operation)> OperationsOf(JsonObject document) =>
        document["paths"]!.AsObject().SelectMany(path => path.Value!.AsObject()
            .Where(m => Methods.Contains(m.Key))
            .Select(m => ($"{m.Key.ToUpperInvariant()} {path.Key}", m.Value!.AsObject())));

    [Fact]
    public async Task EveryOperation_HasIdSummaryDescriptionDescribedTagAndErrorResponses()
    {
        await using var app = await AppFactory.StartAsync(DatabaseProvider.Sqlite);
        var document = await ServedDocumentAsync(app);
        var describedTags = (document["tags"]?.AsArray() ?? [])
            .Where(t => !string.IsNullOrWhiteSpace(t!["description"]?.GetValue<string>()))
            .Select(t => t!["name"]!.GetValue<string>()).ToHashSet();
        var problems = new List<string>();
        var ids = new Dictionary<string, string>(StringComparer.Ordinal);

        foreach (var (name, operation) in OperationsOf(document))
        {
            var missing = new List<string>();
            var id = operation["operationId"]?.GetValue<string>();
            if (string.IsNullOrWhiteSpace(id))
            {
                missing.Add("an operationId");
            }
            else if (!ids.TryAdd(id, name))
            {
                missing.Add($"a unique operationId ({id} is also {ids[id]}'s)");
            }
            if (string.IsNullOrWhiteSpace(operation["summary"]?.GetValue<string>()))
            {
                missing.Add("a summary");
            }
            if (string.IsNullOrWhiteSpace(operation["description"]?.GetValue<string>()))
            {
                missing.Add("a description");
            }
            var tags = operation["tags"]?.AsArray().Select(t => t!.GetValue<string>()).ToList() ?? [];
            if (tags.Count == 0)
            {
                missing.Add("a tag (.WithTags)");
            }
            missing.AddRange(tags.Where(t => !describedTags.Contains(t)).Select(t => $"a description of its tag '{t}' (OpenApiContract.TagDescriptions)"));

            var responses = operation["responses"]?.AsObject() ?? [];
            var errors = responses.Where(r => r.Key[0] is '4' or '5').ToList();
            if (!errors.Any(r => r.Key[0] == '4'))
            {
                missing.Add("error responses");
            }
            foreach (var (status, response) in errors)
            {
                var schema = response!["content"]?["application/problem+json"]?["schema"]?["$ref"]?.GetValue<string>();
                var expected = status == "400" ? OpenApiContract.ValidationProblemSchema : OpenApiContract.ProblemSchema;
                if (schema != $"#/components/schemas/{expected}")
                {
                    missing.Add($"the {expected} schema on its {status}");
                }
            }
            if (responses.ContainsKey("429") && responses["429"]!["headers"]?["Retry-After"] is null)
            {
                missing.Add("a Retry-After header on its 429");
            }
            if (missing.Count > 0)
            {
                problems.Add($"{name} lacks {string.Join(", ", missing)}");
            }
        }

        Assert.True(ids.Count >= 50, $"Only {ids.Count} operations have ids.");
        Assert.True(problems.Count == 0,
            "Describe each endpoint on its own line: .Describe(\"Feature_Action\", \"Short summary\", \"What it does\", <statuses beyond the conventional ones>) (Api/OpenApiDescriptions.cs).\n"
            + string.Join("\n", problems));
    }

    [Fact]
    public async Task Security_IsBearerOrCookieEverywhere_ExceptTheListedAnonymousOperations()
    {
        await using var app = await AppFactory.StartAsync(DatabaseProvider.Sqlite);
        var document = await ServedDocumentAsync(app);

        var schemes = document["components"]!["securitySchemes"]!.AsObject();
        Assert.Equal("http", schemes[OpenApiContract.BearerScheme]!["type"]!.GetValue<string>());
        Assert.Equal("bearer", schemes[OpenApiContract.BearerScheme]!["scheme"]!.GetValue<string>());
        Assert.Equal("cookie", schemes[OpenApiContract.CookieScheme]!["in"]!.GetValue<string>());
        var global = document["security"]!.AsArray().Select(r => r!.AsObject().Single().Key).ToList();
        Assert.Equal([OpenApiContract.BearerScheme, OpenApiContract.CookieScheme], global);

        // An operation says it is anonymous with one empty requirement; the list above says why each may be.
        var anonymous = OperationsOf(document)
            .Where(o => o.Operation["security"] is JsonArray { Count: 1 } requirements && requirements[0]!.AsObject().Count == 0)
            .Select(o => o.Name).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(Anonymous.Keys.Order(StringComparer.Ordinal), anonymous);
        // And the app agrees: the anonymous API operations answer without a credential, the others 401.
        var client = app.CreateClient();
        var preview = await client.PostAsJsonAsync("/api/v1/recurrence/preview",
            new { rrule = "FREQ=DAILY", dtstart = "2030-01-01T09:00", timezone = "UTC", count = 2 }, Ct);
        Assert.Equal(HttpStatusCode.OK, preview.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/v1/schedules", Ct)).StatusCode);
    }

    [Fact]
    public async Task Enums_AreStringsListingTheirWireValues()
    {
        await using var app = await AppFactory.StartAsync(DatabaseProvider.Sqlite);
        var schemas = (await ServedDocumentAsync(app))["components"]!["schemas"]!.AsObject();

        void AssertWire<TEnum>() where TEnum : struct, Enum
        {
            var schema = schemas[typeof(TEnum).Name]!.AsObject();
            Assert.Equal("string", schema["type"]?.GetValue<string>());
            Assert.Equal(Enum.GetValues<TEnum>().Select(v => v.ToWire()), schema["enum"]!.AsArray().Select(v => v!.GetValue<string>()));
        }
        AssertWire<JobType>();
        AssertWire<ScheduleStatus>();
        AssertWire<SchedulePriority>();
        AssertWire<Features.Executions.ExecutionStatus>();
        Assert.Contains("video_generation", schemas["JobType"]!["enum"]!.AsArray().Select(v => v!.GetValue<string>()));
    }

    [Fact]
    public async Task Webhooks_DescribeTheEnvelopeWeSend_WithSignatureAndIdempotencyHeaders()
    {
        await using var app = await AppFactory.StartAsync(DatabaseProvider.Sqlite);
        var document = await ServedDocumentAsync(app);

        var execution = document["webhooks"]![WebhookDelivery.ExecutionEvent]!["post"]!.AsObject();
        var headers = execution["parameters"]!.AsArray().Where(p => p!["in"]!.GetValue<string>() == "header").Select(p => p!["name"]!.GetValue<string>()).ToList();
        Assert.Contains("X-Signature-256", headers);
        Assert.Contains("Idempotency-Key", headers);
        Assert.True(execution["responses"]!.AsObject().ContainsKey("202"), "How to answer 202 and call back is described.");
        Assert.Contains("/complete", execution["responses"]!["202"]!["description"]!.GetValue<string>());
        Assert.NotNull(document["webhooks"]![WebhookDelivery.PingEvent]);

        // The schema's properties are exactly what WebhookDelivery serialises: the document cannot drift from the code.
        var sent = JsonNode.Parse(WebhookDelivery.Serialize(new WebhookEnvelope(Guid.NewGuid(), Guid.NewGuid(), "n", "publish",
            JsonDocument.Parse("{}").RootElement, DateTime.UtcNow, 1, false, "t", "scrape", JsonDocument.Parse("{}").RootElement,
            new EnvelopeChannel(Guid.NewGuid(), "c", "youtube"), new SeriesEnvelope(Guid.NewGuid(), "s", 1, 3), JsonDocument.Parse("{}").RootElement,
            new EnvelopeWave(Guid.NewGuid(), "w", "staggered"))))!.AsObject();
        var described = document["components"]!["schemas"]![OpenApiWebhooks.EnvelopeSchema]!["properties"]!.AsObject();
        Assert.Equal(sent.Select(p => p.Key).Order(StringComparer.Ordinal), described.Select(p => p.Key).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Webhooks_DescribeEveryLifecycleEvent_WithItsEnvelopeHeadersAndRetries()
    {
        await using var app = await AppFactory.StartAsync(DatabaseProvider.Sqlite);
        var document = await ServedDocumentAsync(app);
        var webhooks = document["webhooks"]!.AsObject();
        var schemas = document["components"]!["schemas"]!.AsObject();

        // Every event type a subscription can name is a webhook; a new one without an entry fails here.
        Assert.NotEmpty(EventTypes.Known);
        foreach (var type in EventTypes.Known)
        {
            var post = webhooks[type]?["post"]?.AsObject();
            Assert.True(post is not null, $"Lifecycle event '{type}' has no entry in OpenApiWebhooks.Events.");
            var headers = post!["parameters"]!.AsArray().ToDictionary(p => p!["name"]!.GetValue<string>(), p => p!["description"]!.GetValue<string>());
            Assert.Contains("subscription's signing secret", headers["X-Signature-256"]);
            Assert.Contains("event id", headers["Idempotency-Key"]);
            Assert.Contains($"`{type}`", headers["X-Scheduling-Event"]);
            Assert.Contains("24 h", post["responses"]!["4XX"]!["description"]!.GetValue<string>());
            Assert.Contains("redeliver", post["responses"]!["4XX"]!["description"]!.GetValue<string>());

            // The body's schema names this type, and its data is the schedule, the run or the wave as the API returns
            // them; a series event's data is the series and the episode.
            var reference = post["requestBody"]!["content"]!["application/json"]!["schema"]!["$ref"]!.GetValue<string>();
            var envelope = schemas[reference.Split('/')[^1]]!.AsObject();
            Assert.Contains(type, envelope["properties"]!["type"]!["enum"]!.AsArray().Select(v => v!.GetValue<string>()));
            var subject = type[..type.IndexOf('.', StringComparison.Ordinal)];
            if (subject == "series")
            {
                var series = envelope["properties"]!["data"]!["properties"]!.AsObject();
                Assert.Equal(["episode", "series"], series.Select(p => p.Key).Order());
                continue;
            }
            var data = envelope["properties"]!["data"]!["$ref"]!.GetValue<string>();
            Assert.Equal(subject switch { "schedule" => "#/components/schemas/ScheduleView", "wave" => "#/components/schemas/WaveView", _ => "#/components/schemas/ExecutionView" }, data);
            Assert.NotNull(schemas[data.Split('/')[^1]]);
        }

        // The envelope's properties are exactly what EventDeliverer serialises.
        var sent = JsonNode.Parse(EventDeliverer.Serialize(new LifecycleEvent
        {
            EventId = Guid.NewGuid(), WorkspaceId = Guid.NewGuid(), Type = EventTypes.ScheduleCreated, OccurredAt = DateTime.UtcNow, Data = "{}",
        }))!.AsObject();
        foreach (var schema in new[] { OpenApiWebhooks.ScheduleEventSchema, OpenApiWebhooks.ExecutionEventSchema })
        {
            var described = schemas[schema]!["properties"]!.AsObject();
            Assert.Equal(sent.Select(p => p.Key).Order(StringComparer.Ordinal), described.Select(p => p.Key).Order(StringComparer.Ordinal));
        }
    }

    [Fact]
    public async Task RequestExamples_AreAcceptedByTheApp()
    {
        await using var app = await AppFactory.StartAsync(DatabaseProvider.Sqlite,
            new Dictionary<string, string?> { ["Execution:RunServer"] = "false", ["Execution:RunDispatcher"] = "false" });
        var document = await ServedDocumentAsync(app);
        var client = app.CreateBearerClient(await Session.CreateTokenAsync(await Session.RegisterAsync(app, "examples@example.com")));

        var createExamples = document["paths"]!["/api/v1/schedules"]!["post"]!["requestBody"]!["content"]!["application/json"]!["examples"]!.AsObject();
        Assert.Equal(["weekly", "cron", "once"], createExamples.Select(e => e.Key));
        foreach (var example in ScheduleExamples.Creates)
        {
            var response = await client.PostAsync("/api/v1/schedules", JsonContent.Create(example.Value), Ct);
            Assert.True(response.StatusCode == HttpStatusCode.Created, $"Example {example.Name}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(Ct)}");
        }
        foreach (var example in ScheduleExamples.Previews)
        {
            var response = await client.PostAsync("/api/v1/recurrence/preview", JsonContent.Create(example.Value), Ct);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"Preview example {example.Name}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(Ct)}");
        }
    }
}
