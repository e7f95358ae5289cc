using Microsoft.AspNetCore.Mvc;
using Scheduling.Web.Api;

namespace Scheduling.Web.Features.Content;

/// <summary>Content items and evergreen recycling: /api/v1/content.</summary>
public sealed class ContentModule : IFeatureModule
{
    public void AddServices(IServiceCollection services, IConfiguration configuration, IHostEnvironment environment)
    {
        services.AddScoped<ContentService>();
        services.AddScoped<EvergreenRecycler>();
    }

    public void MapEndpoints(ApiRoutes api)
    {
        var content = api.Authenticated.MapGroup("/content").WithTags("Content");
        content.MapGet("", ([FromQuery] string? search, [FromQuery] string? status, [FromQuery] string? tag, [FromQuery] Guid? channelId,
                [FromQuery] int? page, [FromQuery] int? pageSize, ContentService service, CancellationToken ct) =>
                service.ListAsync(new ContentQuery(QueryValues.Text(search, "search"), QueryValues.ParseEnum<ContentStatus>(status, "status"),
                    QueryValues.Text(tag, "tag"), channelId, page ?? 1, pageSize ?? 20), ct))
            .Describe("Content_List", "List content items", "Content items, last changed first: search (title, notes), status, tag, channelId (planned there); page, pageSize.");
        content.MapPost("", async (ContentInput body, ContentService service, CancellationToken ct) =>
        {
            var created = await service.CreateAsync(body, ct);
            return TypedResults.Created($"/api/v1/content/{created.Id}", created);
        }).WithIdempotency().Describe("Content_Create", "Create a content item", "Create a content item: title, description, jobType, jobConfig, assets (links), tags, status, ownerUserId, evergreen {intervalDays, maxRepeats, until}.");
        content.MapGet("/{id:guid}", (Guid id, ContentService service, CancellationToken ct) => service.GetAsync(id, ct))
            .Describe("Content_Get", "Get a content item", "The item with its posts on channels (queue, waves, evergreen reposts).");
        content.MapPut("/{id:guid}", (Guid id, ContentInput body, ContentService service, CancellationToken ct) => service.UpdateAsync(id, body, ct))
            .Describe("Content_Update", "Replace a content item", "Replace the item (schedules already made from it keep their own copy of the job).");
        content.MapDelete("/{id:guid}", async (Guid id, ContentService service, CancellationToken ct) =>
        {
            await service.DeleteAsync(id, ct);
            return TypedResults.NoContent();
        }).Describe("Content_Delete", "Delete a content item", "Delete the item; its schedules stay, without the link.");
    }
}
