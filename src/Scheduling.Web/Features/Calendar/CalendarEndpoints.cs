using System.Threading.RateLimiting;
using Scheduling.Core.Common;
using Scheduling.Web.Api;
using Scheduling.Web.Features.Schedules;
using Microsoft.AspNetCore.RateLimiting;

namespace Scheduling.Web.Features.Calendar;

public sealed record CreateCalendarFeedRequest(string? Name);

/// <param name="Occurrence">The occurrence's planned UTC instant, ISO 8601 with Z (the calendar item's scheduledFor).</param>
public sealed record OccurrenceRequest(string? Occurrence)
{
    public static NodaTime.Instant Instant(string? text, string field)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            throw new RequestValidationException(field, "Required: a UTC instant such as 2026-12-07T14:00:00Z.");
        }
        var parsed = NodaTime.Text.InstantPattern.ExtendedIso.Parse(text.Trim());
        return parsed.Success
            ? parsed.Value
            : throw new RequestValidationException(field, $"'{(text.Length <= 40 ? text : text[..40] + "…")}' is not a UTC instant (ISO 8601 ending in Z, such as 2026-12-07T14:00:00Z).");
    }

    public static NodaTime.LocalDateTime Local(string? text, string field)
    {
        var errors = new List<ValidationError>();
        return ScheduleTiming.ParseLocal(text, field, errors, required: true) is { } local
            ? local
            : throw new RequestValidationException(new ValidationResult(errors).ToDictionary());
    }
}

/// <param name="To">Local wall time in the schedule's zone, such as 2026-12-07T15:30.</param>
public sealed record MoveOccurrenceRequest(string? Occurrence, string? To);

/// <param name="From">The first occurrence of the new schedule (a planned UTC instant with Z).</param>
public sealed record SplitRequest(string? From, ScheduleInput? Schedule);

public static class CalendarEndpoints
{
    public const string FeedRateLimit = "calendar-feed";

    /// <summary>Calendar clients poll a feed every few minutes at most; a feed URL hammered from one address is refused (429).</summary>
    public static IServiceCollection AddCalendarFeature(this IServiceCollection services)
    {
        services.AddScoped<CalendarService>();
        services.AddScoped<CalendarFeedService>();
        services.AddScoped<OccurrenceService>();
        services.AddRateLimiter(limiter =>
        {
            limiter.AddPolicy(FeedRateLimit, context => RateLimitPartition.GetFixedWindowLimiter(
                context.Connection.RemoteIpAddress?.ToString() ?? "unknown",
                _ => new FixedWindowRateLimiterOptions { PermitLimit = 60, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 }));
        });
        return services;
    }

    public static void MapCalendarEndpoints(this IEndpointRouteBuilder api)
    {
        // A literal segment: it never meets /schedules/{id:guid}.
        api.MapGet("/schedules/calendar", async ([AsParameters] CalendarParameters query, CalendarService service, CancellationToken ct) =>
                new CalendarJson(await service.GetAsync(query.ToQuery(), ct)))
            .Produces<CalendarResponse>()
            .WithTags("Calendar")
            .Describe("Calendar_Get", "Get the content calendar", "Occurrences and runs per day: startDate..endDate (inclusive, local dates in timezone, at most 366 days), groupBy day|week|month, filters jobType, status, priority, includeCompleted, includeCancelled.");

        // One occurrence ("this occurrence") and "this and following": creators only (the service answers 403 to a Manager).
        var occurrences = api.MapGroup("/schedules/{id:guid}").WithTags("Calendar");
        occurrences.MapPost("/occurrences/skip", async (Guid id, OccurrenceRequest body, OccurrenceService service, HttpResponse response, CancellationToken ct) =>
                WithETag(response, await service.SkipAsync(id, OccurrenceRequest.Instant(body.Occurrence, "occurrence"), ct)))
            .Describe("Occurrences_Skip", "Skip one occurrence", "Skip one occurrence (its planned UTC instant): it does not run and is recorded as skipped when its time passes. 404 unknown occurrence, 400 past.", 409);
        occurrences.MapPost("/occurrences/move", async (Guid id, MoveOccurrenceRequest body, OccurrenceService service, HttpResponse response, CancellationToken ct) =>
                WithETag(response, await service.MoveAsync(id, OccurrenceRequest.Instant(body.Occurrence, "occurrence"), OccurrenceRequest.Local(body.To, "to"), ct)))
            .Describe("Occurrences_Move", "Move one occurrence", "Move one occurrence to a local wall time in the schedule's zone (a one-time schedule moves itself). On a channel the post at its new time is checked first: a broken rule is a 409 naming the channel and the rule in block mode, and `warnings` in the answer in warn mode. 404 unknown occurrence, 400 into the past, 409 onto a time the rule already runs.", 409);
        occurrences.MapPost("/occurrences/restore", async (Guid id, OccurrenceRequest body, OccurrenceService service, HttpResponse response, CancellationToken ct) =>
                WithETag(response, await service.RestoreAsync(id, OccurrenceRequest.Instant(body.Occurrence, "occurrence"), ct)))
            .Describe("Occurrences_Restore", "Restore one occurrence", "Undo a skip or a move of one occurrence (its planned UTC instant). 400 for a past occurrence.", 409);
        occurrences.MapPost("/split", async (Guid id, SplitRequest body, OccurrenceService service, HttpResponse response, CancellationToken ct) =>
        {
            var from = OccurrenceRequest.Instant(body.From, "from");
            var input = body.Schedule ?? throw new RequestValidationException("schedule", "Required: the schedule that starts at 'from' (the same fields as creating one).");
            var split = await service.SplitAsync(id, from, input, ct);
            WithETag(response, split.Started);
            return TypedResults.Created($"/api/v1/schedules/{split.Started.Id}", split);
        }).WithIdempotency()
            .Describe("Schedules_Split", "Split a schedule at an occurrence (\"this and following\")", "\"This and following\": the schedule ends just before 'from' (one of its future occurrences, history kept) and 'schedule' starts at it; both linked (splitIntoId, splitFromId).", 409);

        var feeds = api.MapGroup("/calendar/feeds").WithTags("Calendar");
        feeds.MapGet("", (CalendarFeedService service, CancellationToken ct) => service.ListMineAsync(ct))
            .Describe("CalendarFeeds_List", "List the caller's ICS feeds", "The caller's ICS feeds in the current workspace (without their secret URL).");
        feeds.MapPost("", async (CreateCalendarFeedRequest body, CalendarFeedService service, CancellationToken ct) =>
        {
            var created = await service.CreateAsync(body.Name, ct);
            return TypedResults.Created($"/api/v1/calendar/feeds/{created.Id}", created);
        }).Describe("CalendarFeeds_Create", "Create an ICS feed", "Create an ICS feed; its secret URL is in this response only (only its hash is stored).");
        feeds.MapDelete("/{id:guid}", async (Guid id, CalendarFeedService service, CancellationToken ct) =>
        {
            await service.RevokeAsync(id, ct);
            return TypedResults.NoContent();
        }).Describe("CalendarFeeds_Revoke", "Revoke an ICS feed", "Revoke a feed: its URL answers 404 from now on.");
    }

    private static ScheduleView WithETag(HttpResponse response, ScheduleView view)
    {
        response.Headers.ETag = $"\"{view.Version}\"";
        return view;
    }

    /// <summary>The secret URL is the credential, so the feed itself needs no sign-in (calendar apps cannot sign in).</summary>
    public static void MapCalendarFeed(this IEndpointRouteBuilder api)
    {
        api.MapGet("/calendar/feeds/{token}.ics", async (string token, HttpContext http, CalendarFeedService service, CancellationToken ct) =>
            {
                var text = await service.RenderAsync(token, ct);
                if (text is null)
                {
                    return Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not found", detail: "This calendar feed does not exist or was revoked.");
                }
                http.Response.Headers.CacheControl = "private, max-age=300";
                return Results.Text(text, "text/calendar; charset=utf-8");
            })
            .AllowAnonymous()
            .RequireRateLimiting(FeedRateLimit)
            .WithTags("Calendar")
            .Describe("CalendarFeeds_Ics", "Read an ICS feed", "The ICS feed (RFC 5545, text/calendar) behind a secret URL: 30 days back to 180 days ahead. Anonymous: the URL is the credential.");
    }
}
