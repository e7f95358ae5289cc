using System.Globalization;
using System.Text;
using NodaTime;

namespace Scheduling.Web.Features.Calendar;

/// <summary>
/// RFC 5545 text: CRLF line ends, content lines folded at 75 octets (never inside a UTF-8 sequence), TEXT values
/// escaped. Times are written in UTC with Z, which every client accepts.
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
