using Microsoft.AspNetCore.Mvc;
using Scheduling.Web.Api;

namespace Scheduling.Web.Features.Planning;

/// <summary>The planning helpers under /api/v1/planning: the check before saving a schedule, and conflicts, suggestions, gaps and utilisation over a range.</summary>
public sealed class PlanningModule : IFeatureModule
{
    public void AddServices(IServiceCollection services, IConfiguration configuration, IHostEnvironment environment) =>
        services.AddScoped<PlanningService>().AddScoped<ScheduleCheckService>();

    public void MapEndpoints(ApiRoutes api)
    {
        var planning = api.Authenticated.MapGroup("/planning").WithTags("Planning");
        planning.MapPost("/check", (ScheduleCheckRequest body, ScheduleCheckService service, CancellationToken ct) => service.CheckScheduleAsync(body, ct))
            .Describe("Planning_CheckSchedule", "Check a schedule against its channel before saving",
                "What saving this schedule would meet on its channel (nothing is saved): conflicts that would refuse it (409 in block mode: gap, daily maximum, blackout) and warnings it would carry (warn mode, outside the posting times). 400 for invalid input or a past one-time post; 404 for an unknown scheduleId.");
        planning.MapGet("/conflicts", ([FromQuery] string? startDate, [FromQuery] string? endDate, [FromQuery] Guid? channelId, PlanningService service, CancellationToken ct) =>
                service.ConflictsAsync(startDate, endDate, channelId, ct))
            .Describe("Planning_Conflicts", "Conflicts in a range", "Every channel rule broken by planned posts from startDate to endDate (local dates, at most 92 days), optionally of one channel (another workspace's is a 404).", 404);
        planning.MapGet("/suggestions", ([FromQuery] Guid? channelId, [FromQuery] int? count, [FromQuery] string? startDate, [FromQuery] int? days,
                [FromQuery] string? preferredHours, PlanningService service, CancellationToken ct) =>
                service.SuggestAsync(channelId, count, startDate, days, preferredHours, ct))
            .Describe("Planning_Suggestions", "Suggested free slots", "The best free slots of a channel: posting grid first, preferredHours (e.g. 10,14,18) next, spread evenly over days from startDate, never breaking gap, maximum or blackouts.", 404);
        planning.MapGet("/gaps", ([FromQuery] string? startDate, [FromQuery] string? endDate, [FromQuery] Guid? channelId, PlanningService service, CancellationToken ct) =>
                service.GapsAsync(startDate, endDate, channelId, ct))
            .Describe("Planning_Gaps", "Days without content", "Per channel, the local days from startDate to endDate with nothing planned.", 404);
        planning.MapGet("/utilisation", ([FromQuery] string? startDate, [FromQuery] string? endDate, PlanningService service, CancellationToken ct) =>
                service.UtilisationAsync(startDate, endDate, ct))
            .Describe("Planning_Utilisation", "Slot utilisation", "Per channel and week: posting slots, posts planned, and the percentage used.");
    }
}
