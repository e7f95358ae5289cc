using NodaTime;
using NodaTime.Text;
using Scheduling.Core.Recurrence;

namespace Scheduling.Core.Tests;

internal static class TestSupport
{
    private static readonly OffsetDateTimePattern OffsetPattern =
        OffsetDateTimePattern.CreateWithInvariantCulture("uuuu-MM-dd'T'HH:mm:sso<Z+HH:mm>");

    public static LocalDateTime Local(string iso) => LocalDateTimePattern.GeneralIso.Parse(iso).GetValueOrThrow();

    public static Instant Utc(string iso) => InstantPattern.General.Parse(iso).GetValueOrThrow();

    public static string Format(LocalDateTime value) => LocalDateTimePattern.GeneralIso.Format(value);

    public static RecurrenceRule Rule(string rrule)
    {
        var parsed = RRuleText.Parse(rrule);
        Assert.True(parsed.IsSuccess, parsed.ToString());
        return parsed.Value!;
    }

    public static RecurrenceSet Set(string rrule, string start, string? zone = null) => new(Rule(rrule), Local(start), zone);

    public static string[] Locals(IEnumerable<Occurrence> occurrences) => [.. occurrences.Select(o => Format(o.Local))];

    public static string[] Offsets(IEnumerable<Occurrence> occurrences) =>
        [.. occurrences.Select(o => OffsetPattern.Format(o.OffsetDateTime))];
}
