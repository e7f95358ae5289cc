using Microsoft.AspNetCore.Mvc;
using Scheduling.Core.Scheduling;
using Scheduling.Web.Api;

namespace Scheduling.Web.Features.Schedules.Bulk;

public static class BulkEndpoints
{
    public static IServiceCollection AddBulkScheduleFeature(this IServiceCollection services)
    {
        services.AddScoped<BulkScheduleService>();
        services.AddScoped<ScheduleTransferService>();
        return services;
    }

    public static void MapBulkScheduleEndpoints(this IEndpointRouteBuilder api)
    {
        var schedules = api.MapGroup("/schedules").WithTags("Schedules: bulk, import, export");

        schedules.MapPost("/bulk", async (BulkCreateRequest body, BulkScheduleService service, CancellationToken ct) =>
                TypedResults.Created("/api/v1/schedules", await service.CreateAsync(body, ct)))
            .WithIdempotency()
            .Describe("Schedules_BulkCreate", "Create schedules in bulk", $"Create up to {BulkLimits.MaxItems:N0} schedules, all or nothing: sharedConfig is merged under each jobConfig, namingPattern (\"Tip #{{n}}: {{weekday}} {{date}}\") names items without a name. One invalid item: 400 with every item's result, nothing created.", 409);
        MapAction(schedules, "pause", "Schedules_BulkPause", "Pause schedules in bulk", (service, body, ct) => service.PauseAsync(body, ct), "active → paused (optional note)");
        MapAction(schedules, "resume", "Schedules_BulkResume", "Resume schedules in bulk", (service, body, ct) => service.ResumeAsync(body, ct), "paused → active (runMissed keeps the missed run)");
        MapAction(schedules, "cancel", "Schedules_BulkCancel", "Cancel schedules in bulk", (service, body, ct) => service.CancelAsync(body, ct), "active|paused → cancelled");
        MapAction(schedules, "delete", "Schedules_BulkDelete", "Delete schedules in bulk", (service, body, ct) => service.DeleteAsync(body, ct), "delete with their history");
        schedules.MapPost("/bulk/update", (BulkUpdateRequest body, BulkScheduleService service, CancellationToken ct) => service.UpdateAsync(body, ct))
            .Describe("Schedules_BulkUpdate", "Change schedules in bulk", $"Change priority, jobConfig (merged; null removes a key), timezone, missedPolicy, overlapPolicy or the channel (channelId under the channel's rules: block mode refuses with a 409 naming the schedule, warn mode answers each item's warnings; removeChannel) of the schedules given by ids or filter (at most {BulkLimits.MaxItems:N0}), all or nothing: a completed or cancelled one, or a series' schedule, is a 409 naming it.", 409);

        schedules.MapGet("/export", async ([AsParameters] ExportParameters query, ScheduleTransferService service, TimeProvider clock, CancellationToken ct) =>
            {
                var (content, contentType, fileName) = await service.ExportFileAsync(query.ToFilter(), ParseFormat(query.Format, null), clock.GetUtcNow(), ct);
                return TypedResults.File(content, contentType, fileName);
            })
            .Produces(StatusCodes.Status200OK, contentType: "text/csv")
            .Describe("Schedules_Export", "Export schedules", $"The schedules the list's filters select (status, jobType, priority, search, channelId, seriesId; at most {BulkLimits.MaxImportRows:N0}) as a file to import: format=csv (a header, RFC 4180, formula-like cells behind a ') or json (the bulk-create body).");

        schedules.MapPost("/import", async (HttpRequest request, string? format, bool? dryRun, ScheduleTransferService service, CancellationToken ct) =>
            {
                var parsedFormat = ParseFormat(format, request.ContentType);
                var body = await ReadBodyAsync(request, ct);
                var result = await service.ImportAsync(body, parsedFormat, dryRun ?? false, ct);
                return result.DryRun ? (IResult)TypedResults.Ok(result) : TypedResults.Created("/api/v1/schedules", result);
            })
            .Accepts<BulkCreateRequest>("application/json", "text/csv")
            .Produces<ImportResult>(StatusCodes.Status200OK)
            .Produces<ImportResult>(StatusCodes.Status201Created)
            .WithIdempotency()
            .Describe("Schedules_Import", "Import schedules", $"Import a CSV (the export's columns) or the bulk-create JSON, up to {BulkLimits.MaxImportRows:N0} rows. dryRun=true answers the rows as they would be created with each row's errors (row, column, message) and writes nothing; otherwise all or nothing (400 with the row errors).", 409, 415);
    }

    private static void MapAction(RouteGroupBuilder schedules, string action, string operationId, string summary, Func<BulkScheduleService, BulkActionRequest, CancellationToken, Task<BulkResult>> apply, string what) =>
        schedules.MapPost($"/bulk/{action}", (BulkActionRequest body, BulkScheduleService service, CancellationToken ct) => apply(service, body, ct))
            .Describe(operationId, summary, $"Bulk {action}: {what}, for the schedules given by ids or by filter (status, jobType, priority, search, channelId, seriesId), at most {BulkLimits.MaxItems:N0}, all or nothing: one that cannot take it is a 409 naming it, and nothing changes.", 409);

    private static TransferFormat ParseFormat(string? format, string? contentType) => format?.Trim().ToLowerInvariant() switch
    {
        "csv" => TransferFormat.Csv,
        "json" => TransferFormat.Json,
        null or "" => contentType?.Contains("json", StringComparison.OrdinalIgnoreCase) == true ? TransferFormat.Json : TransferFormat.Csv,
        _ => throw new RequestValidationException("format", "The format is csv or json."),
    };

    /// <summary>The body as text, refused (400) past <see cref="BulkLimits.MaxImportBytes"/> without reading it all.</summary>
    private static async Task<string> ReadBodyAsync(HttpRequest request, CancellationToken ct)
    {
        var tooLarge = new RequestValidationException("body", $"An import is at most {BulkLimits.MaxImportBytes / (1024 * 1024)} MB: split the file.");
        if (request.ContentLength > BulkLimits.MaxImportBytes)
        {
            throw tooLarge;
        }
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, ct)) > 0)
        {
            if (buffer.Length + read > BulkLimits.MaxImportBytes)
            {
                throw tooLarge;
            }
            buffer.Write(chunk, 0, read);
        }
        if (buffer.Length == 0)
        {
            throw new RequestValidationException("body", "The body is empty: send the CSV or JSON to import.");
        }
        var text = System.Text.Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
        return text.Length > 0 && text[0] == '\uFEFF' ? text[1..] : text;
    }
}

/// <summary>The export's query: the list's filters (enum values by API name) and the format.</summary>
public sealed record ExportParameters
{
    [FromQuery] public string? Format { get; init; }
    [FromQuery] public string? Status { get; init; }
    [FromQuery] public string? JobType { get; init; }
    [FromQuery] public string? Priority { get; init; }
    [FromQuery] public string? Search { get; init; }
    [FromQuery] public Guid? ChannelId { get; init; }
    [FromQuery] public Guid? SeriesId { get; init; }

    public BulkFilter ToFilter() => new(
        QueryValues.ParseEnum<ScheduleStatus>(Status, "status"),
        QueryValues.ParseEnum<JobType>(JobType, "jobType"),
        QueryValues.ParseEnum<SchedulePriority>(Priority, "priority"),
        QueryValues.Text(Search, "search"),
        ChannelId,
        SeriesId);
}
