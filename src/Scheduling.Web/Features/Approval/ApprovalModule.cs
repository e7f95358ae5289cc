using Microsoft.AspNetCore.Mvc;
using Scheduling.Web.Api;

namespace Scheduling.Web.Features.Approval;

public sealed record ReviewQueueParameters
{
    [FromQuery] public int? Page { get; init; }
    [FromQuery] public int? PageSize { get; init; }
}

/// <summary>How many schedules wait for review (the badge in the navigation).</summary>
public sealed record ReviewCount(int Waiting);

/// <summary>Approval before scheduling: submit / approve / reject and the review queue.</summary>
public sealed class ApprovalModule : IFeatureModule
{
    public void AddServices(IServiceCollection services, IConfiguration configuration, IHostEnvironment environment) =>
        services.AddScoped<ApprovalService>();

    public void MapEndpoints(ApiRoutes api)
    {
        var schedules = api.Authenticated.MapGroup("/schedules").WithTags("Approval");
        schedules.MapPost("/{id:guid}/submit", (Guid id, ReviewRequest? body, ApprovalService service, CancellationToken ct) => service.SubmitAsync(id, body?.Comment, ct))
            .Describe("Schedules_Submit", "Submit a schedule for review", "draft → in_review: ask an Owner or Admin to approve (optional comment). Not Managers.", 409);
        schedules.MapPost("/{id:guid}/approve", (Guid id, ReviewRequest? body, ApprovalService service, CancellationToken ct) => service.ApproveAsync(id, body?.Comment, ct))
            .Describe("Schedules_Approve", "Approve a schedule", "in_review → active, the next run computed from now (optional comment). Owners and Admins.", 409);
        schedules.MapPost("/{id:guid}/reject", (Guid id, ReviewRequest? body, ApprovalService service, CancellationToken ct) => service.RejectAsync(id, body?.Comment, ct))
            .Describe("Schedules_Reject", "Reject a schedule", "in_review → draft with a comment (required) the Creator sees. Owners and Admins.", 409);

        var reviews = api.Authenticated.MapGroup("/reviews").WithTags("Approval");
        reviews.MapGet("", ([AsParameters] ReviewQueueParameters query, ApprovalService service, CancellationToken ct) => service.QueueAsync(query.Page ?? 1, query.PageSize ?? 25, ct))
            .Describe("Reviews_List", "List schedules waiting for review", "Schedules waiting for review, oldest first, each with the fields changed since its last approval; page, pageSize.");
        reviews.MapGet("/count", async (ApprovalService service, CancellationToken ct) => new ReviewCount(await service.CountWaitingAsync(ct)))
            .Describe("Reviews_Count", "Count schedules waiting for review", "How many schedules wait for review.");
    }
}
