using System.Globalization;
using System.Text.Json;
using CsvHelper;
using Scheduling.Core.Common;
using Scheduling.Core.Scheduling;
using Scheduling.Web.Api;

namespace Scheduling.Web.Features.Schedules.Bulk;

/// <summary>
/// Schedules as CSV rows (RFC 4180, a header, one column per field a create takes; recurrence as RRULE or cron
/// text, local times with the zone). Cells a spreadsheet would run as a formula (=, +, -, @ first) are written
/// behind a quote mark (') and read back without it.
/// </summary>
public static class ScheduleCsv
{
    public static readonly IReadOnlyList<string> Columns =
    [
        "name", "description", "jobType", "jobConfig", "scheduleType", "scheduledAt", "timezone", "rrule", "cron", "start", "exdates", "moves",
        "blackoutDates", "priority", "maxRuns", "missedPolicy", "overlapPolicy", "retryStrategy", "retryMaxAttempts", "retryBaseDelaySeconds",
        "retryMaxDelaySeconds", "timeoutSeconds", "jitterSeconds", "webhookUrl", "titleTemplate", "pipeline", "publishAt",
    ];

    /// <summary>Separates the values of a list cell (exdates, moves, blackoutDates); a move is "from>to".</summary>
    private const string ListSeparator = "; ";

    private static readonly CsvWriterOptions WriterOptions = CsvWriterOptions.Default with { Injection = CsvInjection.Escape };

    public static void Write(IEnumerable<ScheduleInput> schedules, Stream output)
    {
        using var csv = CsvWriter.Create(output, WriterOptions, leaveOpen: true);
        csv.WriteHeader([.. Columns]);
        foreach (var s in schedules)
        {
            foreach (var value in Cells(s))
            {
                csv.WriteField(value);
            }
            csv.EndRecord();
        }
        csv.Flush();
    }

    private static IEnumerable<string?> Cells(ScheduleInput s)
    {
        var r = s.Recurrence;
        var i = CultureInfo.InvariantCulture;
        return
        [
            s.Name, s.Description, s.JobType?.ToWire(), s.JobConfig?.GetRawText(), s.ScheduleType?.ToWire(), s.ScheduledAt, s.Timezone,
            r?.Rrule, r?.Cron, r?.Start, Join(r?.Exdates), Join(r?.Moves?.Select(m => $"{m.From}>{m.To}")), Join(r?.BlackoutDates),
            s.Priority?.ToWire(), s.MaxRuns?.ToString(i), s.MissedPolicy?.ToWire(), s.OverlapPolicy?.ToWire(), s.Retry?.Strategy?.ToWire(),
            s.Retry?.MaxAttempts?.ToString(i), s.Retry?.BaseDelaySeconds?.ToString(i), s.Retry?.MaxDelaySeconds?.ToString(i),
            s.TimeoutSeconds?.ToString(i), s.JitterSeconds?.ToString(i), s.WebhookUrl, s.TitleTemplate,
            s.Pipeline is null ? null : JsonSerializer.Serialize(s.Pipeline, Events.EventTypes.Json), s.PublishAt,
        ];
    }

    private static string? Join(IEnumerable<string?>? values) => values is null ? null : string.Join(ListSeparator, values);

    /// <summary>One data row: the input it describes, or the cells that could not be read (row is 1-based, the header not counted).</summary>
    public sealed record Row(int Number, ScheduleInput Input, List<ImportError> Errors);

    /// <summary>
    /// Reads the rows of <paramref name="text"/>. A cell that cannot be read (a job type that does not exist, a number
    /// that is not one) is an error of its row and column; a file without the required columns or with too many rows is a 400.
    /// </summary>
    public static List<Row> Read(string text)
    {
        var malformed = new List<(long Record, string Reason)>();
        var options = CsvReaderOptions.Default with
        {
            Separator = ',',
            OnMalformedRecord = record => malformed.Add((record.RecordNumber, record.Reason.ToString())),
        };
        using var csv = CsvReader.Create(new StringReader(text), options);
        var rows = new List<Row>();
        Dictionary<string, int> index;
        try
        {
            if (!csv.Read())
            {
                throw new RequestValidationException("body", "The CSV is empty: it needs a header row and one row per schedule.");
            }
            var headers = csv.Headers.ToList();
            var unknown = headers.Where(h => !Columns.Contains(h.Trim(), StringComparer.OrdinalIgnoreCase)).ToList();
            if (unknown.Count > 0)
            {
                throw new RequestValidationException("body", $"Unknown column(s): {string.Join(", ", unknown.Take(5))}. The columns are: {string.Join(", ", Columns)}.");
            }
            index = Columns.Where(c => headers.Any(h => h.Trim().Equals(c, StringComparison.OrdinalIgnoreCase)))
                .ToDictionary(c => c, c => headers.FindIndex(h => h.Trim().Equals(c, StringComparison.OrdinalIgnoreCase)));
            foreach (var required in new[] { "name", "jobType", "timezone" })
            {
                if (!index.ContainsKey(required))
                {
                    throw new RequestValidationException("body", $"The CSV has no '{required}' column. The columns are: {string.Join(", ", Columns)}.");
                }
            }
            do
            {
                if (rows.Count == BulkLimits.MaxImportRows)
                {
                    throw new RequestValidationException("body", $"At most {BulkLimits.MaxImportRows:N0} rows an import: split the file.");
                }
                var number = rows.Count + 1;
                string? Cell(string column) => index.TryGetValue(column, out var at) ? Unescape(csv.GetString(at)) : null;
                rows.Add(ParseRow(number, Cell));
            }
            while (csv.Read());
        }
        catch (CsvFormatException bad)
        {
            throw new RequestValidationException("body", $"The CSV cannot be read: {bad.Message}");
        }
        foreach (var (record, reason) in malformed)
        {
            // Record numbers count the header.
            if (rows.ElementAtOrDefault((int)record - 2) is { } row)
            {
                row.Errors.Add(new ImportError(row.Number, "", $"The row's quoting is broken ({reason}): check its quotes and commas."));
            }
        }
        return rows;
    }

    /// <summary>Text back as written: empty is absent; the quote mark an export put before a formula-like cell is removed.</summary>
    private static string? Unescape(string? cell)
    {
        if (string.IsNullOrWhiteSpace(cell))
        {
            return null;
        }
        return cell.Length > 1 && cell[0] == '\'' && cell[1] is '=' or '+' or '-' or '@' or '\t' or '\r' ? cell[1..] : cell;
    }

    private static Row ParseRow(int number, Func<string, string?> cell)
    {
        var errors = new List<ImportError>();
        T? Enum<T>(string column)
            where T : struct, System.Enum
        {
            var text = cell(column)?.Trim();
            if (text is null)
            {
                return null;
            }
            if (WireNames.TryParse<T>(text, out var value))
            {
                return value;
            }
            errors.Add(new ImportError(number, column, $"'{Clip(text)}' is not one of {string.Join(", ", WireNames.All<T>())}."));
            return null;
        }
        int? Number(string column)
        {
            var text = cell(column)?.Trim();
            if (text is null)
            {
                return null;
            }
            if (int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value))
            {
                return value;
            }
            errors.Add(new ImportError(number, column, $"'{Clip(text)}' is not a whole number."));
            return null;
        }
        IReadOnlyList<string>? List(string column) =>
            cell(column) is { } text ? [.. text.Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)] : null;

        JsonElement? config = null;
        if (cell("jobConfig") is { } configText)
        {
            try
            {
                using var document = JsonDocument.Parse(configText);
                config = document.RootElement.Clone();
            }
            catch (JsonException)
            {
                errors.Add(new ImportError(number, "jobConfig", "Job config is not valid JSON: write an object such as {\"format\": \"mp4\"}."));
            }
        }
        var moves = List("moves")?.Select(m => m.Split('>', 2, StringSplitOptions.TrimEntries)).ToList();
        if (moves?.Any(m => m.Length != 2) == true)
        {
            errors.Add(new ImportError(number, "moves", "A move is 'from>to' in local times, such as 2030-05-03T09:00:00>2030-05-03T15:00:00; separate moves with ';'."));
            moves = null;
        }
        var (rrule, cron, start) = (cell("rrule"), cell("cron"), cell("start"));
        var recurrence = rrule is null && cron is null && start is null ? null : new RecurrenceInput
        {
            Rrule = rrule,
            Cron = cron,
            Start = start,
            Exdates = List("exdates"),
            Moves = moves?.Select(m => new OccurrenceMove(m[0], m[1])).ToList(),
            BlackoutDates = List("blackoutDates"),
        };
        // The schedule's own pipeline, as the API writes it ({"stages": [...]}); empty: the workspace's.
        Pipelines.PipelineInput? pipeline = null;
        if (cell("pipeline") is { } pipelineText)
        {
            try
            {
                pipeline = JsonSerializer.Deserialize<Pipelines.PipelineInput>(pipelineText, Events.EventTypes.Json);
            }
            catch (JsonException)
            {
                errors.Add(new ImportError(number, "pipeline", "Pipeline is not valid JSON: write it as the API does, such as {\"stages\": [{\"key\": \"render\"}, {\"key\": \"upload\"}]}."));
            }
        }
        var (strategy, attempts, baseDelay, maxDelay) = (Enum<RetryStrategy>("retryStrategy"), Number("retryMaxAttempts"), Number("retryBaseDelaySeconds"), Number("retryMaxDelaySeconds"));
        var input = new ScheduleInput
        {
            Name = cell("name"),
            Description = cell("description"),
            JobType = Enum<JobType>("jobType"),
            JobConfig = config,
            ScheduleType = Enum<ScheduleType>("scheduleType"),
            ScheduledAt = cell("scheduledAt"),
            Timezone = cell("timezone"),
            Recurrence = recurrence,
            Priority = Enum<SchedulePriority>("priority"),
            MaxRuns = Number("maxRuns"),
            MissedPolicy = Enum<MissedRunPolicy>("missedPolicy"),
            OverlapPolicy = Enum<OverlapPolicy>("overlapPolicy"),
            Retry = strategy is null && attempts is null && baseDelay is null && maxDelay is null ? null : new RetryInput(attempts, strategy, baseDelay, maxDelay),
            TimeoutSeconds = Number("timeoutSeconds"),
            JitterSeconds = Number("jitterSeconds"),
            WebhookUrl = cell("webhookUrl"),
            TitleTemplate = cell("titleTemplate"),
            Pipeline = pipeline,
            // "+2d@12:00" is written as "'+2d@12:00" (formula-injection escape, which spreadsheets keep): read either.
            PublishAt = cell("publishAt") is { } publishAt && publishAt.StartsWith("'+", StringComparison.Ordinal) ? publishAt[1..] : cell("publishAt"),
        };
        return new Row(number, input, errors);
    }

    /// <summary>The CSV column of an API field name ("recurrence.exdates[2]" → exdates, "retry.maxAttempts" → retryMaxAttempts).</summary>
    public static string ColumnOf(string field)
    {
        var bracket = field.IndexOf('[', StringComparison.Ordinal);
        var name = bracket < 0 ? field : field[..bracket];
        if (name.StartsWith("recurrence.", StringComparison.Ordinal))
        {
            name = name["recurrence.".Length..];
        }
        else if (name.StartsWith("retry.", StringComparison.Ordinal) && name.Length > "retry.".Length)
        {
            name = "retry" + char.ToUpperInvariant(name["retry.".Length]) + name[("retry.".Length + 1)..];
        }
        if (name.StartsWith("pipeline", StringComparison.Ordinal))
        {
            return "pipeline";
        }
        return Columns.Contains(name) ? name : name is "recurrence" or "preset" or "frequency" or "until" or "count" ? "rrule" : name;
    }

    private static string Clip(string text) => text.Length > 40 ? text[..40] + "…" : text;
}
