using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Scheduling.Core.Common;
using Scheduling.Core.Scheduling;
using Scheduling.Web.Api;
using Scheduling.Web.Data;
using Scheduling.Web.Features.Workspaces;

namespace Scheduling.Web.Features.Schedules.Bulk;

public enum TransferFormat
{
    Csv,
    Json,
}

/// <summary>A problem of one imported row: the 1-based row (the CSV header not counted), the column (CSV header or JSON field) and what is wrong.</summary>
public sealed record ImportError(int Row, string Column, string Message);

/// <summary>A row as it would be (dry run) or was created.</summary>
public sealed record ImportRowView(int Row, Guid? Id, string? Name, string? Timezone, string? Summary, DateTime? NextRunAt, string? NextRunLocal, bool Valid);

public sealed record ImportResult(bool DryRun, int TotalCount, int ValidCount, int ErrorCount, IReadOnlyList<ImportRowView> Rows, IReadOnlyList<ImportError> Errors);

/// <summary>
/// Export of the schedules a filter selects (CSV or the bulk-create JSON body) and import of such a file: a dry run
/// answers the rows as they would be created, with each row's errors; a real import is all or nothing.
/// </summary>
public sealed class ScheduleTransferService(IDbContextFactory<AppDbContext> contexts, WorkspaceContext current, BulkScheduleService bulk,
    IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json)
{
    private JsonSerializerOptions Json => json.Value.SerializerOptions;

    /// <summary>The selected schedules as create inputs, oldest first; a 400 when there are more than an import takes.</summary>
    public async Task<IReadOnlyList<ScheduleInput>> ExportAsync(BulkFilter filter, CancellationToken ct = default)
    {
        current.RequireWorkspace();
        await using var db = await contexts.CreateDbContextAsync(ct);
        var rows = await filter.Apply(db.Schedules.AsNoTracking().Include(s => s.Exceptions).AsSplitQuery(), db)
            .OrderBy(s => s.CreatedAt).ThenBy(s => s.Id).Take(BulkLimits.MaxImportRows + 1).ToListAsync(ct);
        if (rows.Count > BulkLimits.MaxImportRows)
        {
            throw new RequestValidationException("filter", $"More than {BulkLimits.MaxImportRows:N0} schedules match: narrow the filter (an import takes at most that many).");
        }
        return [.. rows.Select(ToInput)];
    }

    public async Task<(byte[] Content, string ContentType, string FileName)> ExportFileAsync(BulkFilter filter, TransferFormat format, DateTimeOffset now, CancellationToken ct = default)
    {
        var inputs = await ExportAsync(filter, ct);
        var stamp = now.UtcDateTime.ToString("yyyyMMdd-HHmm", System.Globalization.CultureInfo.InvariantCulture);
        if (format == TransferFormat.Json)
        {
            return (JsonSerializer.SerializeToUtf8Bytes(new BulkCreateRequest { Schedules = inputs }, Json), "application/json", $"schedules-{stamp}.json");
        }
        using var output = new MemoryStream();
        ScheduleCsv.Write(inputs, output);
        return (output.ToArray(), "text/csv; charset=utf-8", $"schedules-{stamp}.csv");
    }

    /// <summary>Every field a create takes, as a create would take it back (recurrence as the cron typed, else the RRULE).</summary>
    public static ScheduleInput ToInput(Schedule s)
    {
        using var config = JsonDocument.Parse(s.JobConfig);
        return new ScheduleInput
        {
            Name = s.Name,
            Description = s.Description,
            JobType = s.JobType,
            JobConfig = config.RootElement.Clone(),
            ScheduleType = s.ScheduleType,
            ScheduledAt = s.ScheduledAt,
            Timezone = s.TimeZone,
            Recurrence = s.ScheduleType == ScheduleType.Recurring
                ? new RecurrenceInput
                {
                    Rrule = s.CronExpression is null ? s.RecurrenceRule : null,
                    Cron = s.CronExpression,
                    Start = s.RecurrenceStart,
                    Exdates = Listed(s, ScheduleExceptionKind.Skip).Select(e => e.Original).ToList() is { Count: > 0 } skips ? skips : null,
                    Moves = Listed(s, ScheduleExceptionKind.Move).Select(e => new OccurrenceMove(e.Original, e.Replacement)).ToList() is { Count: > 0 } moves ? moves : null,
                    BlackoutDates = Listed(s, ScheduleExceptionKind.Blackout).Select(e => e.Original[..10]).ToList() is { Count: > 0 } days ? days : null,
                }
                : null,
            Priority = s.Priority,
            MaxRuns = s.MaxRuns,
            MissedPolicy = s.MissedPolicy,
            OverlapPolicy = s.OverlapPolicy,
            Retry = new RetryInput(s.RetryMaxAttempts, s.RetryStrategy, s.RetryBaseDelaySeconds, s.RetryMaxDelaySeconds),
            TimeoutSeconds = s.TimeoutSeconds,
            JitterSeconds = s.JitterSeconds,
            WebhookUrl = s.WebhookUrl,
            TitleTemplate = s.TitleTemplate,
            Pipeline = s.PipelineJson is { } pipeline ? new Pipelines.PipelineInput(Pipelines.Pipelines.Deserialize(pipeline)) : null,
            PublishAt = s.PublishAt,
        };
    }

    private static IEnumerable<ScheduleException> Listed(Schedule s, ScheduleExceptionKind kind) =>
        s.Exceptions.Where(e => e.Kind == kind).OrderBy(e => e.Original, StringComparer.Ordinal);

    /// <summary>
    /// Reads <paramref name="body"/> (CSV rows or the bulk-create JSON) and validates every row in memory. A dry run only
    /// answers; otherwise the rows are created in one SaveChanges, or none is (400 with every row's errors).
    /// </summary>
    public async Task<ImportResult> ImportAsync(string body, TransferFormat format, bool dryRun, CancellationToken ct = default)
    {
        current.RequireEditor();
        var (inputs, readErrors, pattern) = format == TransferFormat.Csv ? ReadCsv(body) : ReadJson(body);
        var prepared = await bulk.PrepareAsync(inputs, pattern, ct);

        var errors = new List<ImportError>(readErrors);
        var rows = new List<ImportRowView>(inputs.Count);
        for (var i = 0; i < inputs.Count; i++)
        {
            var row = i + 1;
            errors.AddRange(prepared[i].Errors.Select(e => new ImportError(row, format == TransferFormat.Csv ? ScheduleCsv.ColumnOf(e.Field) : e.Field, e.Message)));
            var schedule = prepared[i].Schedule;
            var valid = schedule is not null && !readErrors.Any(e => e.Row == row);
            var view = schedule is null ? null : ScheduleService.ToView(schedule);
            rows.Add(new ImportRowView(row, null, view?.Name ?? inputs[i].Name, view?.Timezone ?? inputs[i].Timezone, view?.Summary, view?.NextRunAt, view?.NextRunLocal, valid));
        }
        errors.Sort((a, b) => a.Row.CompareTo(b.Row));
        var invalid = rows.Count(r => !r.Valid);
        var result = new ImportResult(dryRun, rows.Count, rows.Count - invalid, invalid, rows, errors);
        if (dryRun)
        {
            return result;
        }
        if (invalid > 0)
        {
            throw new BulkRejectedException(
                errors.GroupBy(e => $"rows[{e.Row}].{(e.Column.Length == 0 ? "row" : e.Column)}").ToDictionary(g => g.Key, g => g.Select(e => e.Message).ToArray()),
                $"{invalid} of {rows.Count} rows have errors: nothing was imported. Fix them (or try with dryRun=true) and import again.",
                new Dictionary<string, object?> { ["totalCount"] = result.TotalCount, ["validCount"] = result.ValidCount, ["errorCount"] = result.ErrorCount, ["rowErrors"] = errors });
        }
        var created = prepared.Select(p => p.Schedule!).ToList();
        await bulk.SaveNewAsync(created, ct);
        return result with { Rows = [.. rows.Select((r, i) => r with { Id = created[i].Id })] };
    }

    private static (IReadOnlyList<ScheduleInput> Inputs, List<ImportError> Errors, string? Pattern) ReadCsv(string body)
    {
        var rows = ScheduleCsv.Read(body);
        return ([.. rows.Select(r => r.Input)], [.. rows.SelectMany(r => r.Errors)], null);
    }

    private (IReadOnlyList<ScheduleInput> Inputs, List<ImportError> Errors, string? Pattern) ReadJson(string body)
    {
        BulkCreateRequest? request;
        try
        {
            request = JsonSerializer.Deserialize<BulkCreateRequest>(body, Json);
        }
        catch (JsonException bad)
        {
            throw new RequestValidationException(bad.Path is { Length: > 2 } path ? path[2..] : "body", $"The JSON is not a bulk-create body ({{\"schedules\": [...]}}): {bad.Message}");
        }
        var inputs = request?.Schedules ?? throw new RequestValidationException("schedules", "The JSON needs a \"schedules\" list (the body of POST /api/v1/schedules/bulk).");
        if (inputs.Count > BulkLimits.MaxImportRows)
        {
            throw new RequestValidationException("schedules", $"At most {BulkLimits.MaxImportRows:N0} rows an import: split the file.");
        }
        var merged = BulkScheduleService.WithSharedConfig(inputs, request.SharedConfig);
        var pattern = string.IsNullOrWhiteSpace(request.NamingPattern) ? null : request.NamingPattern.Trim();
        return (merged, [], pattern);
    }
}
