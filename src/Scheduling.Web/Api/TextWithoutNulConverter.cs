using System.Text.Json;
using System.Text.Json.Serialization;

namespace Scheduling.Web.Api;

/// <summary>
/// Refuses a JSON string holding a NUL character ("\u0000"): PostgreSQL text cannot store one, so a name with it
/// failed at save time as a 500. Refused while reading, it is a 400 naming the field (via ApiExceptionHandler).
/// </summary>
internal sealed class TextWithoutNulConverter : JsonConverter<string>
{
    public const string Message = "Text cannot contain the NUL character (\\u0000).";

    public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var value = reader.GetString();
        return value is not null && value.Contains('\0', StringComparison.Ordinal) ? throw new JsonException(Message) : value;
    }

    public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options) => writer.WriteStringValue(value);
}
