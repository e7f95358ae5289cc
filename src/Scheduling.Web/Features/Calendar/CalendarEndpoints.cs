using Scheduling.Web.Api;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;

namespace Scheduling.Web.Features.Calendar;

public sealed record CreateCalendarFeedRequest(string? Name);

public static class CalendarEndpoints
{
    public const string FeedRateLimit = "calendar-feed";

    /// <summary>Calendar clients poll a feed every few minutes at most; a feed URL hammered from one address is refused (429).</summary>
    public static IServiceCollection AddCalendarFeature(this IServiceCollection services)
    {
        services.AddScoped<CalendarService>();
        services.AddScoped<CalendarFeedService>();
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
        api.MapGet("/schedules/calendar", ([AsParameters] CalendarParameters query, CalendarService service, CancellationToken ct) =>
                service.GetAsync(query.ToQuery(), ct))
            .WithTags("Calendar")
            .Describe("Calendar_Get", "Get the content calendar", "Occurrences and runs per day: startDate..endDate (inclusive, local dates in timezone, at most 366 days), groupBy day|week|month, filters jobType, status, priority, includeCompleted, includeCancelled.");

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
