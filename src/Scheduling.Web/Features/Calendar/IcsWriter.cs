using System.Globalization;
using System.Text;
using NodaTime;
using NodaTime.TimeZones;

namespace Scheduling.Web.Features.Calendar;

/// <summary>
/// RFC 5545 text: CRLF line ends, content lines folded at 75 octets (never inside a UTF-8 sequence), TEXT values
/// escaped. Times are in UTC with Z, or a wall time with TZID and its VTIMEZONE.
/// </summary>
public sealed class IcsWriter
{
    private const int MaxOctets = 75;
    private readonly StringBuilder _text = new();

    public IcsWriter Line(string name, string value)
    {
        var line = name + ":" + value;
        var octets = 0;
        var limit = MaxOctets;
        foreach (var rune in line.EnumerateRunes())
        {
            var size = rune.Utf8SequenceLength;
            if (octets + size > limit)
            {
                // A continuation line starts with one space, which counts towards its 75 octets.
                _text.Append("\r\n ");
                octets = 1;
            }
            _text.Append(rune.ToString());
            octets += size;
        }
        _text.Append("\r\n");
        return this;
    }

    public IcsWriter Text(string name, string value) => Line(name, Escape(value));

    public IcsWriter Time(string name, Instant value) => Line(name, Format(value));

    public static string Format(Instant value) => value.ToDateTimeUtc().ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);

    /// <summary>
    /// A time as its wall time in <paramref name="zone"/> with TZID (calendar apps then show the schedule's zone), or
    /// in UTC where a wall time would not name the instant: the second pass of an ambiguous hour (a reader takes
    /// the first), and UTC itself.
    /// </summary>
    public IcsWriter Time(string name, Instant value, DateTimeZone zone)
    {
        if (zone == DateTimeZone.Utc || zone.Id is "UTC" or "Etc/UTC")
        {
            return Time(name, value);
        }
        var local = value.InZone(zone).LocalDateTime;
        var mapping = zone.MapLocal(local);
        return mapping.Count == 1 || (mapping.Count == 2 && mapping.First().ToInstant() == value)
            ? Line($"{name};TZID={zone.Id}", FormatLocal(local))
            : Time(name, value);
    }

    /// <summary>
    /// A VTIMEZONE (RFC 5545 §3.6.5) for <paramref name="zone"/> from its transitions in [from, to]: one STANDARD or
    /// DAYLIGHT block per offset in force, with the local time it starts at (written in the offset before it).
    /// </summary>
    public IcsWriter TimeZone(DateTimeZone zone, Instant from, Instant to)
    {
        Line("BEGIN", "VTIMEZONE").Line("TZID", zone.Id);
        ZoneInterval? previous = null;
        foreach (var interval in zone.GetZoneIntervals(from, to))
        {
            var before = previous?.WallOffset
                ?? (interval.HasStart && interval.Start > Instant.MinValue + Duration.FromDays(2) ? zone.GetUtcOffset(interval.Start - Duration.FromSeconds(1)) : interval.WallOffset);
            var start = interval.HasStart && interval.Start > Instant.FromUtc(1900, 1, 1, 0, 0)
                ? interval.Start.WithOffset(before).LocalDateTime
                : new LocalDateTime(1970, 1, 1, 0, 0);
            var kind = interval.Savings != Offset.Zero ? "DAYLIGHT" : "STANDARD";
            Line("BEGIN", kind)
                .Line("DTSTART", FormatLocal(start))
                .Line("TZOFFSETFROM", FormatOffset(before))
                .Line("TZOFFSETTO", FormatOffset(interval.WallOffset))
                .Text("TZNAME", interval.Name)
                .Line("END", kind);
            previous = interval;
        }
        return Line("END", "VTIMEZONE");
    }

    private static string FormatLocal(LocalDateTime value) => value.ToString("yyyyMMdd'T'HHmmss", CultureInfo.InvariantCulture);

    private static string FormatOffset(Offset offset)
    {
        var seconds = offset.Seconds;
        var sign = seconds < 0 ? "-" : "+";
        seconds = Math.Abs(seconds);
        var text = $"{sign}{seconds / 3600:00}{seconds / 60 % 60:00}";
        return seconds % 60 == 0 ? text : text + $"{seconds % 60:00}";
    }

    /// <summary>TEXT escaping: backslash, semicolon, comma, and line breaks as \n.</summary>
    public static string Escape(string value) => value
        .Replace("\\", "\\\\", StringComparison.Ordinal)
        .Replace(";", "\\;", StringComparison.Ordinal)
        .Replace(",", "\\,", StringComparison.Ordinal)
        .Replace("\r\n", "\\n", StringComparison.Ordinal)
        .Replace("\n", "\\n", StringComparison.Ordinal)
        .Replace("\r", "\\n", StringComparison.Ordinal);

    public override string ToString() => _text.ToString();
}
