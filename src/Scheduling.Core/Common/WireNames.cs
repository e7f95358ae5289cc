using System.Collections.Frozen;
using System.Text;

namespace Scheduling.Core.Common;

/// <summary>
/// The one place that maps an enum value to the name used on the wire, in the database and in URLs:
/// lowercase snake_case of the member name (<c>VideoGeneration</c> → <c>video_generation</c>).
/// Member names therefore are the contract; renaming one is a breaking change.
/// </summary>
public static class WireNames
{
    public static string ToWire<TEnum>(this TEnum value)
        where TEnum : struct, Enum
    {
        if (Map<TEnum>.ToName.TryGetValue(value, out var name))
        {
            return name;
        }

        throw new ArgumentOutOfRangeException(nameof(value), value, $"{typeof(TEnum).Name} has no member {value}.");
    }

    public static bool TryParse<TEnum>(string? wire, out TEnum value)
        where TEnum : struct, Enum
    {
        if (wire is not null && Map<TEnum>.FromName.TryGetValue(wire.Trim(), out value))
        {
            return true;
        }

        value = default;
        return false;
    }

    public static TEnum Parse<TEnum>(string wire)
        where TEnum : struct, Enum =>
        TryParse<TEnum>(wire, out var value)
            ? value
            : throw new FormatException($"'{wire}' is not one of: {string.Join(", ", All<TEnum>())}.");

    /// <summary>Every wire name of the enum, in declaration order (for error messages and API docs).</summary>
    public static IReadOnlyList<string> All<TEnum>()
        where TEnum : struct, Enum => Map<TEnum>.Names;

    internal static string ToSnakeCase(string name)
    {
        var sb = new StringBuilder(name.Length + 4);
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (char.IsUpper(c) && i > 0)
            {
                sb.Append('_');
            }

            sb.Append(char.ToLowerInvariant(c));
        }

        return sb.ToString();
    }

    private static class Map<TEnum>
        where TEnum : struct, Enum
    {
        public static readonly FrozenDictionary<TEnum, string> ToName =
            Enum.GetValues<TEnum>().ToFrozenDictionary(v => v, v => ToSnakeCase(v.ToString()));

        public static readonly FrozenDictionary<string, TEnum> FromName =
            ToName.ToFrozenDictionary(p => p.Value, p => p.Key, StringComparer.OrdinalIgnoreCase);

        public static readonly string[] Names = [.. Enum.GetValues<TEnum>().Select(v => ToName[v])];
    }
}
