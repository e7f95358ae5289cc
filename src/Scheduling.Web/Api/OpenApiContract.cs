using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.OpenApi;

namespace Scheduling.Web.Api;

/// <summary>
/// The <c>/openapi/v1.json</c> contract integrators and generated clients read (decision 0015): endpoints describe
/// themselves with <see cref="OpenApiDescriptions.Describe"/>; what follows from an endpoint's kind is added here by
/// convention, so every operation lists the errors it can answer with the problem-details schema, its security
/// (anonymous operations say so) and its examples. <c>OpenApiContractTests</c> fails, naming the endpoint, when one is
/// missing an operation id, summary, description, tag description or error responses.
/// </summary>
public static class OpenApiContract
{
    public const string BearerScheme = "bearerToken";
    public const string CookieScheme = "cookie";
    public const string ProblemSchema = "ProblemDetails";
    public const string ValidationProblemSchema = "HttpValidationProblemDetails";

    /// <summary>Every tag an operation uses needs a line here (the reference page groups by tag and shows this text).</summary>
    public static readonly IReadOnlyDictionary<string, string> TagDescriptions = new Dictionary<string, string>
    {
        ["Schedules"] = "One-time and recurring schedules: create, read, replace, pause, resume, cancel, clone, next runs.",
        ["Executions"] = "Runs of schedules: history, run now, backfill, retry, and the callbacks of runs a webhook accepted with 202.",
        ["Recurrence"] = "Expand a rule (RRULE or cron) without saving anything: anonymous, rate-limited.",
        ["Calendar"] = "The content calendar (occurrences and runs per day) and ICS feeds behind secret URLs.",
        ["Webhooks"] = "The workspace's webhook endpoints per job type and its signing secret; what is sent is under `webhooks`.",
        ["Alerts"] = "Alerts raised on schedules (failures in a row, overdue, near max runs, running too long).",
        ["Workspaces"] = "Workspaces, members, roles and invitations.",
        ["API tokens"] = "Personal access tokens: the Bearer credential of integrations.",
        ["Me"] = "The signed-in user: profile, time zone and workspaces.",
        ["Operations"] = "Instance-wide figures for Administrators.",
        ["Schedules: bulk, import, export"] = "Many schedules at once, all or nothing: bulk create, pause, resume, cancel, delete and update; export and import as CSV or JSON.",
        ["Channels"] = "Publishing channels: posting times, gaps, blackout dates, the queue of next free slots, and pausing a channel; the workspace kill switch is under Workspaces.",
        ["Planning"] = "Planning before saving: what a schedule would meet on its channel (conflicts that refuse it, warnings that go with it).",
        ["Approval"] = "Approval before scheduling: submit a draft for review, approve or reject it (Owners and Admins), and the review queue.",
        ["Content"] = "Content items (title, notes, job, links, tags, status, owner, evergreen recycling) planned onto channels by queue and waves.",
        ["Waves"] = "One content item released across several channels (simultaneous, staggered, independent), created, moved, paused and cancelled as a unit.",
        ["Planning"] = "Planning helpers over a range: conflicts, suggested free slots, days without content, slot utilisation per week.",
        ["Series"] = "Series of episodes from a template on a recurrence, released strictly in order.",
        ["Pipelines"] = "Production pipelines: the ordered stages (each its own signed webhook call) a job type's runs go through, per workspace; a schedule may have its own.",
        ["Events"] = "Lifecycle event subscriptions and their delivery log; what is sent is under `webhooks`.",
        ["Account"] = "Form posts of the app's own sign-in pages (browser only: antiforgery token and cookie); not for integrations.",
    };

    private static readonly IReadOnlyDictionary<int, string> ErrorDescriptions = new Dictionary<int, string>
    {
        [400] = "Invalid input: `errors` maps each field (camelCase, or the header / query parameter name) to its messages.",
        [401] = "No valid credential: send `Authorization: Bearer <token>` (a personal access token) or the app's cookie.",
        [403] = "The caller's role may not do this (Managers only read; some changes need Owner or Admin), or the credential no longer gives access to a workspace.",
        [404] = "Not found in the caller's workspace (ids of other workspaces are not found either).",
        [409] = "The current state does not allow this (an invalid transition, a stale `version` in the body, or a request with the same Idempotency-Key still running).",
        [412] = "`If-Match` named a version that is no longer current: read the resource again.",
        [415] = "The body's Content-Type is not one this operation accepts (see its request body).",
        [422] = "The request is well-formed but cannot be processed (for example an Idempotency-Key already used for a different request).",
        [429] = "Too many requests: wait `Retry-After` seconds.",
        [500] = "An unexpected error: `traceId` identifies it in the server's logs.",
    };

    public static IServiceCollection AddApiContract(this IServiceCollection services) => services.AddOpenApi(options =>
    {
        // Free-form JSON (jobConfig, a run's result) stays inline as "any JSON", not a component named after .NET's JsonElement.
        options.CreateSchemaReferenceId = type => (Nullable.GetUnderlyingType(type.Type) ?? type.Type) == typeof(System.Text.Json.JsonElement)
            ? null
            : OpenApiOptions.CreateDefaultSchemaReferenceId(type);
        options.AddSchemaTransformer((schema, context, _) =>
        {
            // Enums are strings on the wire (WireNames): say so next to the values (and null where it is one of them).
            if (schema.Enum is { Count: > 0 } && schema.Type is null)
            {
                schema.Type = schema.Enum.Any(v => v is null) ? JsonSchemaType.String | JsonSchemaType.Null : JsonSchemaType.String;
            }
            // Request bodies are all-optional records by design: the service answers 400 naming what is missing.
            // A nullable constructor parameter is not a property the caller must send.
            var type = context.JsonTypeInfo.Type;
            if ((type.Name.EndsWith("Request", StringComparison.Ordinal) || type.Name.EndsWith("Input", StringComparison.Ordinal))
                && schema.Required is { Count: > 0 } && schema.Properties is not null)
            {
                foreach (var name in schema.Required.Where(name => schema.Properties.TryGetValue(name, out var property) && AdmitsNull(property)).ToList())
                {
                    schema.Required.Remove(name);
                }
            }
            return Task.CompletedTask;
        });
        options.AddOperationTransformer(DescribeOperation);
        options.AddDocumentTransformer(DescribeDocument);
    });

    private static bool AdmitsNull(IOpenApiSchema property) =>
        property.Type?.HasFlag(JsonSchemaType.Null) == true || property.OneOf?.Any(s => s.Type == JsonSchemaType.Null) == true;

    private static Task DescribeOperation(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken ct)
    {
        var metadata = context.Description.ActionDescriptor.EndpointMetadata;
        var anonymous = metadata.OfType<IAllowAnonymous>().Any() || !metadata.OfType<IAuthorizeData>().Any();
        var statuses = new SortedSet<int> { 500 };
        if (operation.Parameters is { Count: > 0 } || operation.RequestBody is not null)
        {
            statuses.Add(400);
        }
        if (!anonymous)
        {
            statuses.UnionWith([401, 403]);
        }
        if (operation.Parameters?.Any(p => p.In == ParameterLocation.Path) == true)
        {
            statuses.Add(404);
        }
        if (metadata.OfType<Idempotency.IdempotentEndpoint>().Any())
        {
            statuses.UnionWith([400, 409, 422]);
            operation.Parameters ??= [];
            operation.Parameters.Add(new OpenApiParameter
            {
                Name = Idempotency.Header,
                In = ParameterLocation.Header,
                Description = $"Makes a retry safe: the same key and body within 24 h return the first response (`{Idempotency.ReplayedHeader}: true`); the same key with another request is a 422. 1 to {Idempotency.MaxKeyLength} characters.",
                Schema = new OpenApiSchema { Type = JsonSchemaType.String, MinLength = 1, MaxLength = Idempotency.MaxKeyLength },
            });
        }
        if (metadata.OfType<EnableRateLimitingAttribute>().Any())
        {
            statuses.Add(429);
        }
        foreach (var described in metadata.OfType<DescribedErrors>())
        {
            statuses.UnionWith(described.Statuses);
        }

        operation.Responses ??= [];
        foreach (var status in statuses)
        {
            operation.Responses[status.ToString(System.Globalization.CultureInfo.InvariantCulture)] = ErrorResponse(status, context.Document);
        }
        if (anonymous)
        {
            // An empty requirement: no credential needed (a cookie or token is still accepted where it changes something).
            operation.Security = [new OpenApiSecurityRequirement()];
        }
        if (metadata.OfType<RequestExamples>().LastOrDefault() is { } examples
            && operation.RequestBody?.Content?.TryGetValue("application/json", out var json) == true)
        {
            json.Examples = examples.Examples.ToDictionary(e => e.Name, e => (IOpenApiExample)new OpenApiExample { Summary = e.Summary, Value = e.Value });
        }
        return Task.CompletedTask;
    }

    private static OpenApiResponse ErrorResponse(int status, OpenApiDocument? document)
    {
        var response = new OpenApiResponse
        {
            Description = ErrorDescriptions.TryGetValue(status, out var text) ? text : $"HTTP {status}.",
            Content = new Dictionary<string, OpenApiMediaType>
            {
                ["application/problem+json"] = new()
                {
                    Schema = new OpenApiSchemaReference(status == 400 ? ValidationProblemSchema : ProblemSchema, document),
                },
            },
        };
        if (status == 429)
        {
            response.Headers = new Dictionary<string, IOpenApiHeader>
            {
                ["Retry-After"] = new OpenApiHeader
                {
                    Description = "Seconds to wait before trying again.",
                    Required = true,
                    Schema = new OpenApiSchema { Type = JsonSchemaType.Integer, Minimum = "1" },
                },
                ["RateLimit-Remaining"] = new OpenApiHeader
                {
                    Description = "Requests left in the current window: 0.",
                    Schema = new OpenApiSchema { Type = JsonSchemaType.Integer, Minimum = "0" },
                },
                ["RateLimit-Reset"] = new OpenApiHeader
                {
                    Description = "Seconds until the window resets (the same as Retry-After).",
                    Schema = new OpenApiSchema { Type = JsonSchemaType.Integer, Minimum = "1" },
                },
            };
        }
        return response;
    }

    private static Task DescribeDocument(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken ct)
    {
        document.Info = new OpenApiInfo
        {
            Title = "Scheduling.Web API",
            Version = "v1",
            Description = """
                Plan and schedule content: schedules (one-time, RRULE, cron) run at their time and deliver signed webhooks.

                **Authenticate** with a personal access token (Settings → API tokens): `Authorization: Bearer <token>`; the app's
                own pages use the cookie. **Errors** are RFC 7807 problem details; a 400 names each field in `errors`.
                **Instants** are ISO 8601 in UTC (`Z`); local times come with an IANA `timezone`. **Creates** accept an
                `Idempotency-Key`. Lists page with `page` and `pageSize` (`{items, total, page, pageSize}`).

                `/api/v1` changes only by addition (new operations, new optional fields, new enum values): see docs/integrations.md
                and docs/api-changelog.md. What the app sends to integrations is under `webhooks`.
                """,
            License = new OpenApiLicense { Name = "Proprietary", Identifier = "LicenseRef-Proprietary" },
        };

        // "http://host/" → "http://host": paths already start with a slash.
        foreach (var server in document.Servers ?? [])
        {
            server.Url = server.Url?.TrimEnd('/');
        }

        document.Components ??= new OpenApiComponents();
        document.Components.Schemas ??= new Dictionary<string, IOpenApiSchema>();
        document.Components.Schemas[ProblemSchema] = ProblemDetailsSchema(validation: false);
        document.Components.Schemas[ValidationProblemSchema] = ProblemDetailsSchema(validation: true);

        document.Components.SecuritySchemes = new Dictionary<string, IOpenApiSecurityScheme>
        {
            [BearerScheme] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http,
                Scheme = "bearer",
                BearerFormat = "personal access token",
                Description = "A personal access token (Settings → API tokens, or `POST /api/v1/tokens`). It acts in the workspace it was created in, with its owner's role there.",
            },
            [CookieScheme] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.ApiKey,
                In = ParameterLocation.Cookie,
                Name = ".AspNetCore.Identity.Application",
                Description = "The browser's sign-in cookie. Writes with it must come from the app's own origin and send JSON.",
            },
        };
        document.Security =
        [
            new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(BearerScheme, document)] = [] },
            new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(CookieScheme, document)] = [] },
        ];

        document.Tags ??= new HashSet<OpenApiTag>();
        foreach (var tag in document.Tags)
        {
            if (tag.Name is not null && TagDescriptions.TryGetValue(tag.Name, out var description))
            {
                tag.Description = description;
            }
        }
        OpenApiWebhooks.Describe(document);
        return Task.CompletedTask;
    }

    private static OpenApiSchema ProblemDetailsSchema(bool validation)
    {
        var schema = new OpenApiSchema
        {
            Type = JsonSchemaType.Object,
            Description = validation
                ? "RFC 7807 problem details of invalid input; `errors` maps each field to its messages."
                : "RFC 7807 problem details.",
            Properties = new Dictionary<string, IOpenApiSchema>
            {
                ["type"] = new OpenApiSchema { Type = JsonSchemaType.String | JsonSchemaType.Null, Description = "A URI reference naming the kind of problem." },
                ["title"] = new OpenApiSchema { Type = JsonSchemaType.String | JsonSchemaType.Null, Description = "A short summary of the kind of problem." },
                ["status"] = new OpenApiSchema { Type = JsonSchemaType.Integer | JsonSchemaType.Null, Format = "int32", Description = "The HTTP status." },
                ["detail"] = new OpenApiSchema { Type = JsonSchemaType.String | JsonSchemaType.Null, Description = "What went wrong, for a person." },
                ["instance"] = new OpenApiSchema { Type = JsonSchemaType.String | JsonSchemaType.Null, Description = "The request's path." },
                ["traceId"] = new OpenApiSchema { Type = JsonSchemaType.String | JsonSchemaType.Null, Description = "Identifies the request in the server's logs." },
            },
        };
        if (validation)
        {
            schema.Properties["errors"] = new OpenApiSchema
            {
                Type = JsonSchemaType.Object,
                Description = "Field name (camelCase, or the header or query parameter) → messages.",
                AdditionalProperties = new OpenApiSchema { Type = JsonSchemaType.Array, Items = new OpenApiSchema { Type = JsonSchemaType.String } },
            };
        }
        return schema;
    }
}
