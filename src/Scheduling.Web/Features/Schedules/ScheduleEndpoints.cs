using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;
using NodaTime;
using Scheduling.Core.Common;
using Scheduling.Web.Api;
using Scheduling.Core.Recurrence;
using Scheduling.Core.Scheduling;
using Scheduling.Web.Features.Accounts;

namespace Scheduling.Web.Features.Schedules;

public static partial class ScheduleEndpoints
{
    public const string PreviewRateLimit = "recurrence-preview";

    /// <summary>The preview's rate limit (per address, or per user when signed in) is defined in Security/RateLimits.</summary>
    public static IServiceCollection AddScheduleFeature(this IServiceCollection services)
    {
        services.AddScoped<ScheduleService>();
        return services;
    }

    public static void MapRecurrenceEndpoints(this IEndpointRouteBuilder api)
    {
        api.MapPost("/recurrence/preview", (PreviewRequest body, TimeProvider clock) =>
                ScheduleService.Preview(body, Instant.FromDateTimeOffset(clock.GetUtcNow())))
            .AllowAnonymous()
            .RequireRateLimiting(PreviewRateLimit)
            .WithTags("Recurrence")
            .Describe("Recurrence_Preview", "Preview a recurrence", "Expand a rule (RRULE or cron) from a local start in a zone: occurrences in local and UTC time, and the rule in words. Anonymous, rate-limited per address (signed-in callers and tokens: per user, larger).")
            .WithRequestExamples(ScheduleExamples.Previews);
    }

    public static void MapScheduleEndpoints(this IEndpointRouteBuilder api)
    {
        var schedules = api.MapGroup("/schedules").WithTags("Schedules");

        schedules.MapGet("", ([AsParameters] ScheduleListParameters query, ScheduleService service, CancellationToken ct) =>
                service.ListAsync(query.ToQuery(), ct))
            .Describe("Schedules_List", "List schedules", "Schedules of the workspace: filters status, jobType, priority, search, channelId (the channel they post to), seriesId (the series' own schedule); each row carries partOfSeries; sort by name, nextRunAt, priority, createdAt, status ('-' = descending); page, pageSize.");
        schedules.MapPost("", async (ScheduleInput body, ScheduleService service, HttpResponse response, CancellationToken ct) =>
        {
            var created = WithETag(response, await service.CreateAsync(body, ct));
            return TypedResults.Created($"/api/v1/schedules/{created.Id}", created);
        }).WithIdempotency().WithRequestExamples(ScheduleExamples.Creates)
            .Describe("Schedules_Create", "Create a schedule", "Create a one-time or recurring schedule (RRULE, cron, preset or structured rule, in an IANA time zone). An Idempotency-Key header makes a retry return the first response.");
        schedules.MapGet("/{id:guid}", async (Guid id, ScheduleService service, HttpResponse response, CancellationToken ct) => WithETag(response, await service.GetAsync(id, ct)))
            .Describe("Schedules_Get", "Get a schedule", "The schedule; its version is also the ETag.");
        schedules.MapPut("/{id:guid}", async (Guid id, ScheduleInput body, ScheduleService service, HttpRequest request, HttpResponse response, CancellationToken ct) =>
                WithETag(response, await service.UpdateAsync(id, body, ct, IfMatchVersion(request))))
            .Describe("Schedules_Update", "Replace a schedule", "Replace the definition; the next run is recomputed. If-Match with the ETag (412) or version in the body (409) refuse to overwrite a newer change; without them the last write wins. A completed or cancelled schedule cannot be edited (409), nor a series' schedule (409 naming the series: change it through the series).", 409, 412);
        schedules.MapDelete("/{id:guid}", async (Guid id, ScheduleService service, CancellationToken ct) =>
        {
            await service.DeleteAsync(id, ct);
            return TypedResults.NoContent();
        }).Describe("Schedules_Delete", "Delete a schedule", "Delete the schedule and its history. A series' schedule is not deleted (409 naming the series: cancel the series).", 409);
        schedules.MapPost("/{id:guid}/pause", async (Guid id, PauseRequest? body, ScheduleService service, HttpResponse response, CancellationToken ct) =>
                WithETag(response, await service.PauseAsync(id, body?.Note, ct)))
            .Describe("Schedules_Pause", "Pause a schedule", "active → paused, with an optional note; runs claimed ahead that have not started are taken back. Any other state: 409.", 409);
        schedules.MapPost("/{id:guid}/resume", async (Guid id, ResumeRequest? body, ScheduleService service, HttpResponse response, CancellationToken ct) =>
                WithETag(response, await service.ResumeAsync(id, body?.RunMissed ?? false, ct)))
            .Describe("Schedules_Resume", "Resume a schedule", "paused → active; runMissed keeps the missed run for the missed-run policy, else the next run is from now. Any other state: 409.", 409);
        schedules.MapPost("/{id:guid}/cancel", async (Guid id, ScheduleService service, HttpResponse response, CancellationToken ct) =>
                WithETag(response, await service.CancelAsync(id, ct)))
            .Describe("Schedules_Cancel", "Cancel a schedule", "active|paused → cancelled (final; history kept). Already cancelled or completed: 409.", 409);
        schedules.MapPost("/{id:guid}/clone", async (Guid id, CloneRequest? body, ScheduleService service, HttpResponse response, CancellationToken ct) =>
        {
            var clone = WithETag(response, await service.CloneAsync(id, body?.Name, ct));
            return TypedResults.Created($"/api/v1/schedules/{clone.Id}", clone);
        }).WithIdempotency().Describe("Schedules_Clone", "Clone a schedule", "Copy the schedule (optional new name); the copy is active with no runs.");
        schedules.MapGet("/{id:guid}/next", (Guid id, int? count, ScheduleService service, CancellationToken ct) => service.NextAsync(id, count ?? 10, ct))
            .Describe("Schedules_NextRuns", "List a schedule's next runs", "The next count (default 10) planned runs, in local time with their offset and in UTC.");
        schedules.MapGet("/patterns", () => RecurrencePresets.All.Select(p => new PatternView(p.Key, p.DisplayName, RRuleText.Format(p.Rule), p.Describe())))
            .Describe("Schedules_Patterns", "List recurrence presets", "Named presets usable as recurrence.preset, with their RRULE and the rule in words.");
        schedules.MapGet("/timezones", () => ProfileService.TimeZoneIds).Describe("Schedules_TimeZones", "List time zones", "IANA time zone names accepted as timezone.");
    }
}

public static partial class ScheduleEndpoints
{
    /// <summary>The schedule's version as a strong ETag: "3".</summary>
    private static ScheduleView WithETag(HttpResponse response, ScheduleView view)
    {
        response.Headers.ETag = $"\"{view.Version}\"";
        return view;
    }

    /// <summary>The version an If-Match header names ("3" or W/"3"); none for an absent header or "*".</summary>
    internal static int? IfMatchVersion(HttpRequest request)
    {
        var header = request.Headers.IfMatch.ToString().Trim();
        if (header.Length == 0 || header == "*")
        {
            return null;
        }
        var tag = header.StartsWith("W/", StringComparison.Ordinal) ? header[2..] : header;
        return tag.Length > 2 && tag[0] == '"' && tag[^1] == '"' && int.TryParse(tag[1..^1], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var version)
            ? version
            : throw new RequestValidationException("If-Match", $"If-Match must be the schedule's ETag, such as \"3\" (got {header}).");
    }
}

/// <summary>Query string of the schedule list; enum values use their API names (active, video_generation).</summary>
public sealed record ScheduleListParameters
{
    [FromQuery] public string? Status { get; init; }
    [FromQuery] public string? JobType { get; init; }
    [FromQuery] public string? Priority { get; init; }
    [FromQuery] public string? Search { get; init; }
    [FromQuery] public string? Sort { get; init; }
    [FromQuery] public int? Page { get; init; }
    [FromQuery] public int? PageSize { get; init; }
    [FromQuery] public Guid? ChannelId { get; init; }
    [FromQuery] public Guid? SeriesId { get; init; }

    public ScheduleQuery ToQuery() => new(
        QueryValues.ParseEnum<ScheduleStatus>(Status, "status"),
        QueryValues.ParseEnum<JobType>(JobType, "jobType"),
        QueryValues.ParseEnum<SchedulePriority>(Priority, "priority"),
        QueryValues.Text(Search, "search"), Sort, Page ?? 1, PageSize ?? 25, ChannelId, SeriesId);
}
