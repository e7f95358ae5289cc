using System.Text.Json;
using System.Text.Json.Nodes;

namespace Scheduling.Web.Tests.Api;

/// <summary>Where a path parameter's value comes from; resolved when the case is sent (fixtures are recreated meanwhile).</summary>
public enum PathValue
{
    Own,
    OtherWorkspace,
    RandomGuid,
    EmptyGuid,
    NotAGuid,
    Huge,
    Unicode,
}

/// <summary>One request of the fuzz: what it is (Label) and everything needed to send and report it.</summary>
public sealed record FuzzCase(
    OpenApiOperation Operation,
    string Label,
    IReadOnlyDictionary<string, PathValue> Path,
    string Query,
    string? Body,
    string? ContentType);

/// <summary>
/// Builds requests from an operation's schema with a seeded <see cref="Random"/>: a valid-ish request, then
/// mutations of its body (missing, null, wrong types, huge and odd strings, bad numbers, dates and enums, whole
/// bodies that are not the JSON expected), of its path ids and of its query values. An operation whose body
/// schema is unknown still gets every whole-body, path and query case.
/// </summary>
public sealed class OpenApiFuzzer(OpenApiOperations document, Random random)
{
    private const string RawPrefix = "\u0001raw:";
    private static readonly string HugeString = new('x', 100_000);

    private static readonly string[] BadDates =
    [
        "-2026-12-20T09:00", "0000-01-01", "9999-12-31T23:59:59", "9999-12-31T23:59:59.9999999Z", "0001-01-01T00:00:00",
        "2026-02-30T09:00", "2026-13-01T00:00", "2026-12-20T25:61", "2026-12-20T09:00:00+99:00", "yesterday", "",
    ];

    private static readonly string[] RawNumbers =
    [
        "-1", "0", "2147483647", "2147483648", "-2147483649", "9223372036854775808", "99999999999999999999999", "1e308", "-1e308", "1.5", "-0.0",
    ];

    private static readonly string[] OddStrings =
    [
        "\u0000", "nul\u0000inside", "💥 ünïcødé \u202e txet", "   ", "", "<script>alert(1)</script>", "'; DROP TABLE \"Schedules\"; --", "%00%2e%2e/",
    ];

    // JSON text a serializer would refuse to write: a lone surrogate, control characters, an unknown escape.
    private static readonly string[] RawStrings = ["\"\\ud800\"", "\"\\u0000\\u001f\"", "\"\\uDFFF\\uD800\""];

    private static readonly string[] WrongTypes = ["123", "-1", "true", "\"text\"", "[]", "{}", "1.5", "[1,2]", "{\"a\":{\"b\":[]}}"];

    private static readonly string[] BadQueryValues =
    [
        "abc", "-1", "0", "2147483648", "99999999999999999999", "", "0000-01-01", "-2026-12-20T09:00", "9999-12-31T23:59:59",
        "not_a_value", "%00", "%F0%9F%92%A5", "true",
    ];

    private readonly OpenApiOperations _document = document;
    private int _serial;

    /// <summary>The cases of one operation; <paramref name="bodyMutations"/> bounds the random body mutations.</summary>
    public List<FuzzCase> CasesFor(OpenApiOperation operation, int bodyMutations)
    {
        var cases = new List<FuzzCase>();
        var own = operation.PathParameters.ToDictionary(p => p.Name, _ => PathValue.Own);
        var validQuery = Query(operation, bad: null);
        var body = operation.BodySchema is null ? null : ValidBody(operation);
        var contentType = operation.BodyContentType ?? "application/json";

        cases.Add(new(operation, "valid-ish request", own, validQuery, body is null ? null : Serialize(body, contentType), body is null ? null : contentType));
        cases.Add(new(operation, "valid-ish request without optional query values", own, "", body is null ? null : Serialize(body, contentType), body is null ? null : contentType));

        foreach (var parameter in operation.PathParameters)
        {
            foreach (var value in Enum.GetValues<PathValue>().Where(v => v != PathValue.Own))
            {
                var path = new Dictionary<string, PathValue>(own) { [parameter.Name] = value };
                cases.Add(new(operation, $"path {parameter.Name}: {value}", path, validQuery, body is null ? null : Serialize(body, contentType), body is null ? null : contentType));
            }
        }

        foreach (var parameter in operation.QueryParameters)
        {
            foreach (var value in BadQueryValues.Append(new string('q', 10_000)))
            {
                var label = $"query {parameter.Name}={Excerpt(value, 40)}";
                cases.Add(new(operation, label, own, Query(operation, bad: (parameter.Name, value)), body is null ? null : Serialize(body, contentType), body is null ? null : contentType));
            }
            cases.Add(new(operation, $"query {parameter.Name} twice", own, $"{validQuery}&{parameter.Name}=1&{parameter.Name}=2", null, null));
        }

        // Whole bodies: sent to every operation, with or without a body schema (endpoints must not care).
        var valid = body is null ? "{}" : body.ToJsonString();
        var wholeBodies = new (string Label, string Body, string ContentType)[]
        {
            ("empty body", "", "application/json"),
            ("invalid JSON", "{\"name\": ", "application/json"),
            ("JSON null", "null", "application/json"),
            ("JSON string", "\"text\"", "application/json"),
            ("JSON number", "42", "application/json"),
            ("array for object", $"[{valid}]", "application/json"),
            ("empty object", "{}", "application/json"),
            ("deeply nested", new string('[', 2000) + new string(']', 2000), "application/json"),
            ("duplicate keys", "{\"name\":\"a\",\"name\":\"b\"}", "application/json"),
            ("wrong content type text/plain", valid, "text/plain"),
            ("wrong content type xml", "<name>x</name>", "application/xml"),
            ("form for JSON", "name=x&role=owner", "application/x-www-form-urlencoded"),
        };
        // An operation without a body gets the few that test whether it reads one at all.
        foreach (var (label, text, type) in body is null ? wholeBodies.Where(w => w.Label is "invalid JSON" or "array for object" or "wrong content type xml") : wholeBodies)
        {
            cases.Add(new(operation, label, own, validQuery, text, type));
        }

        if (body is not null && contentType == "application/json")
        {
            var examples = Examples(operation).Select(e => (Body: e, Targets: Targets(e, Schema(operation.BodySchema), "$").ToList())).ToList();
            foreach (var example in examples.Skip(1))
            {
                cases.Add(new(operation, "valid-ish request (another example)", own, validQuery, example.Body.ToJsonString(), contentType));
            }
            // Every field (in the first example that has it) once null and once of a wrong type, every date-like field
            // with every bad date, every enum with an unknown value; then random mutations of random examples.
            var covered = new HashSet<string>(StringComparer.Ordinal);
            foreach (var (example, targets) in examples)
            {
                foreach (var target in targets.Where(t => covered.Add(t.Path)))
                {
                    foreach (var (label, raw) in Systematic(target))
                    {
                        cases.Add(new(operation, $"{target.Path}: {label}", own, validQuery, Apply(example, target, raw), "application/json"));
                    }
                }
            }
            for (var i = 0; i < bodyMutations; i++)
            {
                var (example, targets) = examples[random.Next(examples.Count)];
                var target = targets[random.Next(targets.Count)];
                var (label, raw) = Mutation(target);
                cases.Add(new(operation, $"{target.Path}: {label}", own, validQuery, Apply(example, target, raw), "application/json"));
            }
        }
        return cases;
    }

    private IEnumerable<(string Label, string Raw)> Systematic(Target target)
    {
        yield return ("null", "null");
        var wrong = WrongTypes[random.Next(WrongTypes.Length)];
        yield return ($"wrong type {wrong}", wrong);
        if (IsDateLike(target.Name.ToLowerInvariant()) || target.Schema?["format"]?.GetValue<string>() == "date-time")
        {
            foreach (var date in BadDates)
            {
                yield return ($"bad date {date}", JsonSerializer.Serialize(date));
            }
        }
        if (OpenApiOperations.EnumValues(target.Schema).Count > 0)
        {
            yield return ("unknown enum", "\"not_a_value\"");
        }
        else if (OpenApiOperations.TypesOf(target.Schema).Contains("string"))
        {
            // PostgreSQL text cannot hold NUL; SQLite can: a string field must refuse it before the database does.
            yield return ("NUL inside", "\"nul\\u0000inside\"");
        }
    }

    /// <summary>A valid-ish body: known-good examples for the richest inputs, otherwise built from the schema.</summary>
    public JsonNode ValidBody(OpenApiOperation operation) => Examples(operation)[0];

    private List<JsonNode> Examples(OpenApiOperation operation)
    {
        var reference = ReferenceName(operation.BodySchema);
        if (reference == "ScheduleInput")
        {
            return ScheduleExamples.Select(example => example(Interlocked.Increment(ref _serial))).ToList();
        }
        JsonNode? example = reference switch
        {
            "PreviewRequest" => JsonNode.Parse("""{"rrule":"FREQ=DAILY;BYHOUR=9;BYMINUTE=0","dtstart":"2030-01-01T09:00:00","timezone":"Europe/Paris","exdates":["2030-01-02T09:00:00"],"count":5}"""),
            "BackfillRequest" => JsonNode.Parse("""{"from":"2026-11-01T00:00:00Z","to":"2026-11-02T00:00:00Z","dryRun":true,"includeSkipped":false}"""),
            // One-occurrence edits and splits: well-formed instants and a wall time (whether the schedule yields them is the service's 404).
            "OccurrenceRequest" => JsonNode.Parse("""{"occurrence":"2030-01-10T08:00:00Z"}"""),
            "MoveOccurrenceRequest" => JsonNode.Parse("""{"occurrence":"2030-01-10T08:00:00Z","to":"2030-01-10T11:00:00"}"""),
            "SplitRequest" => new JsonObject { ["from"] = "2030-01-10T08:00:00Z", ["schedule"] = ScheduleExamples[0](Interlocked.Increment(ref _serial)) },
            _ => null,
        };
        return [example ?? Generate(Schema(operation.BodySchema), "body", 0) ?? new JsonObject()];
    }

    // Schedules are the richest input: a recurrence with exceptions, a one-off, structured fields with a cron-free rule.
    private static readonly Func<int, JsonNode>[] ScheduleExamples =
    [
        n => JsonSerializer.SerializeToNode(WorkspaceFixtures.Schedule($"Fuzzed {n}"))!,
        n => JsonNode.Parse($$"""
            {"name":"Fuzzed {{n}}","jobType":"export","scheduleType":"recurring","timezone":"Europe/Paris",
             "recurrence":{"rrule":"FREQ=DAILY;BYHOUR=9;BYMINUTE=0","start":"2030-01-01T00:00:00","until":"2030-12-31",
               "exdates":["2030-01-02T09:00:00"],"moves":[{"from":"2030-01-03T09:00:00","to":"2030-01-03T11:00:00"}],"blackoutDates":["2030-01-05"]},
             "maxRuns":10,"missedPolicy":"skip","overlapPolicy":"allow","timeoutSeconds":60,"jitterSeconds":0,
             "webhookUrl":"https://example.com/hook","titleTemplate":"Episode {run} on {date}"}
            """)!,
        n => JsonNode.Parse($$"""{"name":"Fuzzed {{n}}","jobType":"publish","scheduleType":"once","scheduledAt":"2030-03-10T02:30:00","timezone":"America/New_York"}""")!,
        n => JsonNode.Parse($$"""
            {"name":"Fuzzed {{n}}","jobType":"newsletter","scheduleType":"recurring","timezone":"UTC",
             "recurrence":{"frequency":"monthly","interval":1,"byDay":["MO"],"bySetPos":[1],"byMonth":[1,6],"timesOfDay":["09:00"],"count":5,"skip":"forward","start":"2030-01-01T00:00:00"}
            }
            """)!,
    ];

    /// <summary>Values for query parameters that name a row (scheduleId), so valid-ish queries find something.</summary>
    public Func<string, string?> QueryIds { get; init; } = _ => null;

    private JsonObject? Schema(JsonObject? schema) => _document.Resolve(schema);

    private static string? ReferenceName(JsonObject? schema)
    {
        var reference = schema?["$ref"]?.GetValue<string>()
            ?? (schema?["oneOf"] as JsonArray)?.Select(s => s?["$ref"]?.GetValue<string>()).FirstOrDefault(r => r is not null);
        return reference?.Split('/').Last();
    }

    private JsonNode? Generate(JsonObject? schema, string name, int depth)
    {
        schema = Schema(schema);
        var types = OpenApiOperations.TypesOf(schema).Where(t => t != "null").ToList();
        var enumValues = OpenApiOperations.EnumValues(schema);
        if (enumValues.Count > 0)
        {
            return enumValues[random.Next(enumValues.Count)];
        }
        if (types.Contains("object") || schema?["properties"] is not null)
        {
            var result = new JsonObject();
            if (depth > 4)
            {
                return result;
            }
            foreach (var (property, propertySchema) in schema?["properties"]?.AsObject() ?? [])
            {
                result[property] = Generate(propertySchema?.AsObject(), property, depth + 1);
            }
            return result;
        }
        if (types.Contains("array"))
        {
            var items = new JsonArray();
            for (var i = random.Next(1, 3); i > 0; i--)
            {
                items.Add(Generate(schema?["items"]?.AsObject(), name, depth + 1));
            }
            return items;
        }
        if (types.Contains("integer") || types.Contains("number"))
        {
            return random.Next(1, 10);
        }
        if (types.Contains("boolean"))
        {
            return random.Next(2) == 0;
        }
        if (types.Contains("string"))
        {
            return StringFor(name, schema);
        }
        // No type: JsonElement and other free-form values.
        return new JsonObject { ["note"] = "free-form" };
    }

    private string StringFor(string name, JsonObject? schema)
    {
        var lower = name.ToLowerInvariant();
        var format = schema?["format"]?.GetValue<string>();
        if (format == "uuid")
        {
            return Guid.NewGuid().ToString();
        }
        if (format == "date-time" || IsDateLike(lower))
        {
            return $"2030-0{random.Next(1, 10)}-1{random.Next(0, 10)}T09:00:00";
        }
        return lower switch
        {
            _ when lower.Contains("email") => $"fuzz-{Interlocked.Increment(ref _serial)}@example.com",
            _ when lower.Contains("timezone") => new[] { "UTC", "Europe/Paris", "America/New_York" }[random.Next(3)],
            _ when lower.Contains("url") => "https://example.com/hook",
            "rrule" => "FREQ=DAILY;BYHOUR=9;BYMINUTE=0",
            "cron" => "0 9 * * 1",
            _ => $"fuzz {lower} {Interlocked.Increment(ref _serial)}",
        };
    }

    private static bool IsDateLike(string name) =>
        name.EndsWith("at", StringComparison.Ordinal) || name is "from" or "to" or "start" or "until" or "dtstart" or "exdates" or "blackoutdates"
        || name.Contains("date", StringComparison.Ordinal);

    private sealed record Target(string Path, string Name, JsonObject? Schema, bool InObject);

    // Every value of the body (nested objects and array items included) with the schema it should follow.
    private IEnumerable<Target> Targets(JsonNode? node, JsonObject? schema, string path)
    {
        schema = Schema(schema);
        if (node is JsonObject obj)
        {
            var properties = schema?["properties"]?.AsObject();
            foreach (var (name, value) in obj)
            {
                var child = properties?[name]?.AsObject();
                yield return new Target($"{path}.{name}", name, Schema(child), InObject: true);
                foreach (var nested in Targets(value, child, $"{path}.{name}"))
                {
                    yield return nested;
                }
            }
            // Properties the schema names that the valid body left out can still be sent wrong.
            foreach (var (name, child) in properties ?? [])
            {
                if (!obj.ContainsKey(name))
                {
                    yield return new Target($"{path}.{name}", name, Schema(child?.AsObject()), InObject: true);
                }
            }
        }
        else if (node is JsonArray array && array.Count > 0)
        {
            var items = schema?["items"]?.AsObject();
            yield return new Target($"{path}[0]", "", Schema(items), InObject: false);
            foreach (var nested in Targets(array[0], items, $"{path}[0]"))
            {
                yield return nested;
            }
        }
    }

    private (string Label, string? Raw) Mutation(Target target)
    {
        var types = OpenApiOperations.TypesOf(target.Schema);
        var enumValues = OpenApiOperations.EnumValues(target.Schema);
        var dateLike = IsDateLike(target.Name.ToLowerInvariant()) || target.Schema?["format"]?.GetValue<string>() == "date-time";
        var options = new List<(string Label, string? Raw)>
        {
            ("missing", null),
            ("null", "null"),
            ("wrong type", WrongTypes[random.Next(WrongTypes.Length)]),
            ("huge string (100k)", JsonSerializer.Serialize(HugeString)),
            ("odd string", JsonSerializer.Serialize(OddStrings[random.Next(OddStrings.Length)])),
            ("raw string", RawStrings[random.Next(RawStrings.Length)]),
            ("number", RawNumbers[random.Next(RawNumbers.Length)]),
            ("long array", "[" + string.Join(",", Enumerable.Repeat(types.Contains("array") ? "1" : "\"x\"", 5_000)) + "]"),
        };
        if (dateLike || types.Contains("string"))
        {
            // Dates are strings in this API: give them extra weight, on any string field.
            var date = BadDates[random.Next(BadDates.Length)];
            options.Add(("bad date", JsonSerializer.Serialize(date)));
            if (dateLike)
            {
                options.Add(("bad date", JsonSerializer.Serialize(BadDates[random.Next(BadDates.Length)])));
                options.Add(("bad date", JsonSerializer.Serialize(BadDates[random.Next(BadDates.Length)])));
            }
        }
        if (enumValues.Count > 0)
        {
            options.Add(("unknown enum", JsonSerializer.Serialize(new[] { "not_a_value", "VIDEO_GENERATION", " ", "0", enumValues[0].ToUpperInvariant() + "_X" }[random.Next(5)])));
            options.Add(("enum as number", "1"));
        }
        if (types.Contains("object"))
        {
            options.Add(("array for object", "[{}]"));
        }
        var (label, raw) = options[random.Next(options.Count)];
        return ($"{label}{(raw is null ? "" : " " + Excerpt(raw, 40))}", raw);
    }

    private static string Apply(JsonNode body, Target target, string? raw)
    {
        var copy = body.DeepClone();
        var placeholder = $"{RawPrefix}{Guid.NewGuid():N}";
        Replace(copy, target.Path, raw is null ? null : placeholder, remove: raw is null);
        var text = copy.ToJsonString();
        if (raw is not null)
        {
            text = text.Replace(JsonSerializer.Serialize(placeholder), raw, StringComparison.Ordinal);
        }
        return text;
    }

    // Sets (or removes) the value at a path such as $.recurrence.byDay[0]; the valid body is never changed.
    private static void Replace(JsonNode root, string path, string? value, bool remove)
    {
        var steps = path[1..].Replace("[0]", ".[0]", StringComparison.Ordinal).Split('.', StringSplitOptions.RemoveEmptyEntries);
        var node = root;
        for (var i = 0; i < steps.Length - 1; i++)
        {
            node = steps[i] == "[0]" ? node!.AsArray()[0] : node!.AsObject()[steps[i]];
            if (node is null)
            {
                return;
            }
        }
        var last = steps[^1];
        if (last == "[0]")
        {
            var array = node!.AsArray();
            if (remove)
            {
                array.RemoveAt(0);
            }
            else
            {
                array[0] = value;
            }
        }
        else if (remove)
        {
            node!.AsObject().Remove(last);
        }
        else
        {
            node!.AsObject()[last] = value;
        }
    }

    private string Query(OpenApiOperation operation, (string Name, string Value)? bad)
    {
        var pairs = new List<string>();
        // A broken value is sent alone: another parameter's 400 would hide what this one does.
        foreach (var parameter in operation.QueryParameters.Where(p => bad is null || bad.Value.Name == p.Name))
        {
            var value = bad is { } b && b.Name == parameter.Name ? b.Value : ValidQueryValue(operation, parameter);
            // Values are written as a client would type them; the odd ones (%00) stay as they are.
            pairs.Add($"{parameter.Name}={(bad is { } x && x.Name == parameter.Name ? value : Uri.EscapeDataString(value))}");
        }
        return pairs.Count == 0 ? "" : "?" + string.Join("&", pairs);
    }

    private string ValidQueryValue(OpenApiOperation operation, OpenApiParameter parameter)
    {
        var types = OpenApiOperations.TypesOf(parameter.Schema);
        if (parameter.Schema["format"]?.GetValue<string>() == "uuid")
        {
            return QueryIds(parameter.Name) ?? Guid.NewGuid().ToString();
        }
        if (parameter.Schema["format"]?.GetValue<string>() == "date-time")
        {
            return "2026-11-01T00:00:00Z";
        }
        if (types.Contains("integer"))
        {
            return random.Next(1, 20).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        var enumValues = _document.EnumNamed(parameter.Name, operation.PathTemplate);
        return enumValues.Count > 0 ? enumValues[random.Next(enumValues.Count)] : "fuzz";
    }

    private static string Serialize(JsonNode body, string contentType) => contentType switch
    {
        "application/x-www-form-urlencoded" => string.Join("&", body.AsObject().Select(p => $"{p.Key}={Uri.EscapeDataString(p.Value?.ToString() ?? "")}")),
        _ => body.ToJsonString(),
    };

    public static string Excerpt(string? text, int length) =>
        text is null ? "" : text.Length <= length ? text : $"{text[..length]}… ({text.Length} chars)";
}
