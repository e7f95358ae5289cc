using System.Text.Json;
using NodaTime;
using NodaTime.Text;
using Scheduling.Core.Recurrence;

namespace Scheduling.Core.Tests.Recurrence.Conformance;

/// <summary>
/// Runs every case of ../shared/rrule-vectors/vectors.json (dateutil's suite plus RFC 5545 DST cases) as its own
/// test. The file is reference data that lives beside the repository, never inside it.
/// </summary>
public class RRuleVectorTests
{
    private const string MissingKey = "vectors.json not found";

    public static IEnumerable<TheoryDataRow<string>> Vectors()
    {
        var vectors = VectorFile.Load();
        if (vectors is null)
        {
            // A missing file must fail loudly, not turn into zero passing cases.
            yield return new TheoryDataRow<string>(MissingKey) { TestDisplayName = MissingKey };
            yield break;
        }

        foreach (var key in vectors.Keys)
        {
            yield return new TheoryDataRow<string>(key) { TestDisplayName = key };
        }
    }

    [Theory]
    [MemberData(nameof(Vectors))]
    public void Expand_Vector_MatchesExpectedOccurrences(string key)
    {
        var vectors = VectorFile.Load();
        Assert.True(vectors is not null, $"Could not find shared/rrule-vectors/vectors.json walking up from {AppContext.BaseDirectory}.");
        var vector = vectors[key];

        var parsed = RRuleText.Parse(vector.RRule, allowSecondly: true);
        Assert.True(parsed.IsSuccess, parsed.ToString());
        var set = new RecurrenceSet(parsed.Value!, ParseLocal(vector.DtStart), vector.TzId)
        {
            ExDates = [.. vector.ExDates.Select(ParseLocal)],
        };

        var actual = set.Occurrences().Take(vector.ExpectedCount + 10).ToList();

        if (vector.TzId is null)
        {
            Assert.Equal(vector.Expected, actual.Select(o => FormatLocal(o.Local)));
        }
        else
        {
            Assert.Equal(vector.ExpectedLocal, actual.Select(o => FormatLocal(o.Local)));
            Assert.Equal(vector.ExpectedUtc, actual.Select(o => InstantPattern.General.Format(o.Instant)));
        }
    }

    [Fact]
    public void VectorFile_IsFound_WithAll180Cases()
    {
        var vectors = VectorFile.Load();
        Assert.True(vectors is not null, "shared/rrule-vectors/vectors.json was not found beside the repository.");
        Assert.Equal(180, vectors.Count);
    }

    private static LocalDateTime ParseLocal(string text) => LocalDateTimePattern.GeneralIso.Parse(text).GetValueOrThrow();

    private static string FormatLocal(LocalDateTime value) => LocalDateTimePattern.GeneralIso.Format(value);

    internal sealed record Vector(
        string DtStart,
        string? TzId,
        string RRule,
        IReadOnlyList<string> ExDates,
        IReadOnlyList<string> Expected,
        IReadOnlyList<string> ExpectedLocal,
        IReadOnlyList<string> ExpectedUtc)
    {
        public int ExpectedCount => Expected.Count;
    }

    internal static class VectorFile
    {
        private static readonly Lazy<IReadOnlyDictionary<string, Vector>?> Cache = new(Read);

        public static IReadOnlyDictionary<string, Vector>? Load() => Cache.Value;

        public static string? Find()
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "shared", "rrule-vectors", "vectors.json");
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }

            return null;
        }

        private static Dictionary<string, Vector>? Read()
        {
            var path = Find();
            if (path is null)
            {
                return null;
            }

            using var doc = JsonDocument.Parse(File.ReadAllText(path));
            var result = new Dictionary<string, Vector>(StringComparer.Ordinal);
            foreach (var e in doc.RootElement.EnumerateArray())
            {
                var source = e.GetProperty("source").GetString()!;
                var name = source.Contains(':', StringComparison.Ordinal) ? source[(source.LastIndexOf(':') + 1)..] : source;
                if (e.TryGetProperty("id", out var id))
                {
                    name = $"{name}/{id.GetString()}";
                }

                var key = name;
                for (var n = 2; result.ContainsKey(key); n++)
                {
                    key = $"{name}#{n}";
                }

                static IReadOnlyList<string> Strings(JsonElement parent, string property) =>
                    parent.TryGetProperty(property, out var arr) && arr.ValueKind == JsonValueKind.Array
                        ? [.. arr.EnumerateArray().Select(x => x.GetString()!)]
                        : [];

                var tz = e.GetProperty("tzid");
                result[key] = new Vector(
                    e.GetProperty("dtstart").GetString()!,
                    tz.ValueKind == JsonValueKind.Null ? null : tz.GetString(),
                    e.GetProperty("rrule").GetString()!,
                    Strings(e, "exdates"),
                    Strings(e, "expected"),
                    Strings(e, "expected_local"),
                    Strings(e, "expected_utc"));
            }

            return result;
        }
    }
}
