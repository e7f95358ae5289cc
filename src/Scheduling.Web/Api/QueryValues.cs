using Scheduling.Core.Common;

namespace Scheduling.Web.Api;

/// <summary>Query-string values in the API's own spelling (enums by wire name: active, video_generation).</summary>
public static class QueryValues
{
    /// <summary>Free text from the query string; a 400 naming <paramref name="field"/> when it holds NUL (PostgreSQL refuses it).</summary>
    public static string? Text(string? value, string field) =>
        value is not null && value.Contains('\0', StringComparison.Ordinal)
            ? throw new RequestValidationException(field, Data.TextWithoutNul.Message)
            : value;

    /// <summary>Null when absent; a 400 naming <paramref name="field"/> when not one of the enum's wire names.</summary>
    public static TEnum? ParseEnum<TEnum>(string? value, string field)
        where TEnum : struct, Enum
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }
        return WireNames.TryParse<TEnum>(value.Trim(), out var parsed)
            ? parsed
            : throw new RequestValidationException(field, $"'{value}' is not one of {string.Join(", ", WireNames.All<TEnum>())}.");
    }
}
