using System.Text.Json;
using System.Text.Json.Nodes;

namespace Scheduling.Web.Tests.Api;

/// <summary>One parameter of an operation as the document declares it (path or query).</summary>
public sealed record OpenApiParameter(string Name, string In, JsonObject Schema, bool Required);

/// <summary>
/// One operation of the app's own OpenAPI document. The fuzz and isolation tests walk these, so an endpoint
/// added to the app is covered as soon as it is in the document.
/// </summary>
public sealed record OpenApiOperation(
    string Method,
    string PathTemplate,
    IReadOnlyList<OpenApiParameter> Parameters,
    string? BodyContentType,
    JsonObject? BodySchema,
    bool BodyRequired)
{
    public string Name => $"{Method} {PathTemplate}";

    public IEnumerable<OpenApiParameter> PathParameters => Parameters.Where(p => p.In == "path");
    public IEnumerable<OpenApiParameter> QueryParameters => Parameters.Where(p => p.In == "query");

    public bool IsApi => PathTemplate.StartsWith("/api/", StringComparison.Ordinal);
    public bool IsWrite => Method is "POST" or "PUT" or "PATCH" or "DELETE";

    /// <summary>The collection a path parameter addresses: the segment before it ("schedules" for /schedules/{id}).</summary>
    public static string ResourceOf(string pathTemplate, string parameter)
    {
        var segments = pathTemplate.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var index = Array.IndexOf(segments, "{" + parameter + "}");
        return index > 0 ? segments[index - 1] : "";
    }

    /// <summary>A parameter that names a row (an id, a user id, an invitation secret), not a value such as a job type.</summary>
    public static bool IsIdentifier(OpenApiParameter parameter) =>
        parameter.Schema["format"]?.GetValue<string>() == "uuid"
        || parameter.Name.EndsWith("id", StringComparison.OrdinalIgnoreCase)
        || parameter.Name.Equals("secret", StringComparison.OrdinalIgnoreCase);
}

/// <summary>The document read into operations, with <c>$ref</c>s resolved against its components.</summary>
public sealed class OpenApiOperations
{
    private static readonly string[] Methods = ["get", "put", "post", "delete", "patch"];
    private readonly JsonObject _schemas;

    private OpenApiOperations(JsonObject document)
    {
        _schemas = document["components"]?["schemas"]?.AsObject() ?? [];
        var operations = new List<OpenApiOperation>();
        foreach (var (path, item) in document["paths"]!.AsObject())
        {
            foreach (var (method, value) in item!.AsObject())
            {
                if (!Methods.Contains(method))
                {
                    continue;
                }
                var operation = value!.AsObject();
                var parameters = (operation["parameters"]?.AsArray() ?? [])
                    .Select(p => new OpenApiParameter(
                        p!["name"]!.GetValue<string>(),
                        p["in"]!.GetValue<string>(),
                        Resolve(p["schema"]?.AsObject()) ?? [],
                        p["required"]?.GetValue<bool>() ?? false))
                    .ToList();
                var content = operation["requestBody"]?["content"]?.AsObject();
                var (contentType, schema) = content is null || content.Count == 0
                    ? (null, null)
                    : PreferredBody(content);
                operations.Add(new OpenApiOperation(
                    method.ToUpperInvariant(), path, parameters, contentType, schema,
                    operation["requestBody"]?["required"]?.GetValue<bool>() ?? false));
            }
        }
        All = operations;
    }

    public IReadOnlyList<OpenApiOperation> All { get; }

    // JSON where offered, then a urlencoded form (multipart needs a boundary the fuzz has no use for).
    private static (string?, JsonObject?) PreferredBody(JsonObject content)
    {
        var type = new[] { "application/json", "application/x-www-form-urlencoded" }.FirstOrDefault(content.ContainsKey) ?? content.First().Key;
        return (type, content[type]?["schema"]?.AsObject());
    }

    public static OpenApiOperations Parse(string json) => new(JsonNode.Parse(json)!.AsObject());

    /// <summary>A schema with its <c>$ref</c> and nullable <c>oneOf</c> unwrapped (the non-null branch).</summary>
    public JsonObject? Resolve(JsonObject? schema)
    {
        for (var depth = 0; schema is not null && depth < 16; depth++)
        {
            if (schema["$ref"]?.GetValue<string>() is { } reference)
            {
                schema = _schemas[reference.Split('/').Last()]?.AsObject();
            }
            else if (schema["oneOf"] is JsonArray oneOf)
            {
                schema = oneOf.Select(s => s!.AsObject()).FirstOrDefault(s => !IsNullOnly(s)) ?? schema;
                if (schema["oneOf"] is not null)
                {
                    return schema;
                }
            }
            else if (schema["allOf"] is JsonArray allOf && schema["properties"] is null)
            {
                var merged = new JsonObject { ["type"] = "object", ["properties"] = new JsonObject() };
                foreach (var part in allOf.Select(p => Resolve(p!.AsObject())))
                {
                    foreach (var (name, property) in part?["properties"]?.AsObject() ?? [])
                    {
                        merged["properties"]!.AsObject()[name] = property?.DeepClone();
                    }
                }
                schema = merged;
            }
            else
            {
                return schema;
            }
        }
        return schema;
    }

    /// <summary>
    /// The enum values of a component schema named like <paramref name="name"/> (JobType for jobType); of several
    /// (ScheduleStatus, ExecutionStatus for status), the one of the path's collection.
    /// </summary>
    public IReadOnlyList<string> EnumNamed(string name, string pathTemplate = "")
    {
        var candidates = _schemas.Where(s => s.Value?["enum"] is not null
            && (s.Key.Equals(name, StringComparison.OrdinalIgnoreCase) || s.Key.EndsWith(name, StringComparison.OrdinalIgnoreCase))).ToList();
        var collection = pathTemplate.Replace("/api/v1/", "", StringComparison.Ordinal).Split('/')[0].TrimEnd('s');
        var match = candidates.FirstOrDefault(s => collection.Length > 0 && s.Key.StartsWith(collection, StringComparison.OrdinalIgnoreCase));
        return EnumValues((match.Value ?? candidates.FirstOrDefault().Value)?.AsObject());
    }

    public static IReadOnlyList<string> EnumValues(JsonObject? schema) =>
        schema?["enum"] is JsonArray values
            ? values.Where(v => v is not null && v.GetValueKind() == JsonValueKind.String).Select(v => v!.GetValue<string>()).ToList()
            : [];

    /// <summary>The JSON types a schema allows ("type": "string" or ["null", "integer", "string"]).</summary>
    public static IReadOnlyList<string> TypesOf(JsonObject? schema) => schema?["type"] switch
    {
        JsonArray types => types.Select(t => t!.GetValue<string>()).ToList(),
        JsonValue type => [type.GetValue<string>()],
        _ => schema?["enum"] is not null ? ["string"] : schema?["properties"] is not null ? ["object"] : [],
    };

    private static bool IsNullOnly(JsonObject schema) => TypesOf(schema) is ["null"];
}
