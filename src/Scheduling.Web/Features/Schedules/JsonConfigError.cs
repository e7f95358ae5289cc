using System.Text.Json;
using System.Text.RegularExpressions;

namespace Scheduling.Web.Features.Schedules;

/// <summary>
/// Says in words what is wrong with the job config text the user typed, where .NET's reader would say
/// "'}' is an invalid start of a value. LineNumber: 2 | BytePositionInLine: 0."
/// </summary>
public static partial class JsonConfigError
{
    public static string Describe(string text, JsonException error)
    {
        const string Lead = "Job config must be a JSON object";
        var lines = text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        var lineIndex = (int)Math.Clamp(error.LineNumber ?? 0, 0, lines.Length - 1);
        var column = (int)Math.Clamp(error.BytePositionInLine ?? 0, 0, lines[lineIndex].Length);
        // Everything before the fault, to see what the reader had just read.
        var before = string.Join('\n', lines.Take(lineIndex).Append(lines[lineIndex][..column])).TrimEnd();
        var found = column < lines[lineIndex].Length ? lines[lineIndex][column] : (char?)null;
        var atEnd = string.IsNullOrWhiteSpace(lines[lineIndex][column..] + string.Join('\n', lines.Skip(lineIndex + 1)));
        var line = before.Count(c => c == '\n') + 1;

        if (found is not null && char.IsLetter(found.Value))
        {
            return $"{Lead}: line {lineIndex + 1}, text must be in double quotes (at '{Word(lines[lineIndex], column)}').";
        }
        if (KeyBeforeColon().Match(before) is { Success: true } key)
        {
            return $"{Lead}: line {line}, a value is missing after '{key.Groups[1].Value}':";
        }
        if (before.EndsWith(',') && found is '}' or ']')
        {
            return $"{Lead}: line {line}, a comma is followed by nothing (remove the last comma).";
        }
        if (found == '\'')
        {
            return $"{Lead}: line {lineIndex + 1}, use double quotes (\") around names and text, not single quotes.";
        }
        if (atEnd)
        {
            return $"{Lead}: the text ends too early (a closing }} or ], a quote or a value is missing).";
        }
        if (found is '"' or '{' or '[' && before.Length > 0 && (before[^1] is '"' or '}' or ']' || char.IsLetterOrDigit(before[^1])))
        {
            return $"{Lead}: line {lineIndex + 1}, a comma is missing before '{found}'.";
        }
        return $"{Lead}: line {lineIndex + 1}, column {column + 1}, '{found}' is not expected there.";
    }

    private static string Word(string line, int start)
    {
        var end = start;
        while (end < line.Length && char.IsLetterOrDigit(line[end]))
        {
            end++;
        }
        return line[start..end];
    }

    // A name and its colon with nothing after them: "x":
    [GeneratedRegex("\"([^\"]*)\"\\s*:$")]
    private static partial Regex KeyBeforeColon();
}
