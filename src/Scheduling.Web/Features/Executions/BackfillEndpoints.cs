using Microsoft.AspNetCore.Http.HttpResults;
using NodaTime;
using NodaTime.Text;
using Scheduling.Web.Api;

namespace Scheduling.Web.Features.Executions;

/// <summary>
/// The body of a backfill: a past range [from, to) as ISO 8601 instants with their offset
/// ("2026-03-10T09:00:00Z", "2026-03-10T10:00:00+01:00"); dryRun only counts; includeSkipped (default true) also runs
/// the occurrences recorded as skipped.
/// </summary>
public sealed record BackfillRequest(string? From, string? To, bool? DryRun, bool? IncludeSkipped);

public static class BackfillEndpoints
{
    // Instants only: a wall time without its offset would be read in the server's zone.
    private static readonly OffsetDateTimePattern[] Instants =
    [
        OffsetDateTimePattern.CreateWithInvariantCulture("uuuu'-'MM'-'dd'T'HH':'mm':'ss;FFFFFFFFFo<G>"),
        OffsetDateTimePattern.CreateWithInvariantCulture("uuuu'-'MM'-'dd'T'HH':'mmo<G>"),
    ];

    public static void MapBackfillEndpoints(this IEndpointRouteBuilder api)
    {
        api.MapPost("/schedules/{id:guid}/backfill", async Task<Results<Ok<BackfillResult>, Accepted<BackfillResult>>> (Guid id, BackfillRequest? body, BackfillService service, CancellationToken ct) =>
        {
            var (from, to) = ParseRange(body);
            var dryRun = body?.DryRun ?? false;
            var result = await service.BackfillAsync(id, from, to, dryRun, ct, body?.IncludeSkipped ?? true);
            // A dry run only reads (200); a real one hands the runs to the engine, which runs them later, in order (202).
            return dryRun ? TypedResults.Ok(result) : TypedResults.Accepted($"/api/v1/schedules/{id}/executions", result);
        })
        .WithIdempotency()
        .WithTags("Executions")
        .Describe("Executions_Backfill", "Backfill a past range", "Backfill: run the schedule for a past range [from, to) (ISO 8601 instants with Z or an offset; to at most now; at most 1000 runs). "
            + "Occurrences without a run get one, and those recorded as skipped run again (includeSkipped, default true), one after the other in order; "
            + "those recorded otherwise are not run again. dryRun: only the counts (200); else 202.", 409);
    }

    private static (DateTime From, DateTime To) ParseRange(BackfillRequest? body)
    {
        var errors = new Dictionary<string, string[]>();
        var from = Parse(body?.From, "from", errors);
        var to = Parse(body?.To, "to", errors);
        if (errors.Count > 0)
        {
            throw new RequestValidationException(errors);
        }
        return (from!.Value, to!.Value);
    }

    private static DateTime? Parse(string? text, string field, Dictionary<string, string[]> errors)
    {
        var trimmed = text?.Trim();
        if (string.IsNullOrEmpty(trimmed))
        {
            errors[field] = [$"{field} is required: an instant such as 2026-03-10T09:00:00Z."];
            return null;
        }
        foreach (var pattern in Instants)
        {
            if (pattern.Parse(trimmed) is { Success: true } parsed)
            {
                return parsed.Value.ToInstant().ToDateTimeUtc();
            }
        }
        var shown = trimmed.Length > 40 ? trimmed[..40] + "…" : trimmed;
        errors[field] = [$"'{shown}' is not an instant: use ISO 8601 with Z or an offset, such as 2026-03-10T09:00:00Z or 2026-03-10T10:00:00+01:00."];
        return null;
    }
}
