using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Mvc;
using Scheduling.Web.Api;
using Scheduling.Web.Features.Schedules;

namespace Scheduling.Web.Features.Channels;

/// <summary>An .ics file inside JSON, for callers that must send JSON (the session cookie: Security/ApiRequestGuard).</summary>
public sealed record BlackoutImportRequest(string? Ics);

public sealed class ChannelsModule : IFeatureModule
{
    /// <summary>A holiday calendar is a few KB; a year of a busy calendar well under this.</summary>
    public const int MaxIcsBytes = 1024 * 1024;

    public void AddServices(IServiceCollection services, IConfiguration configuration, IHostEnvironment environment)
    {
        services.AddScoped<ChannelService>();
        services.AddScoped<ChannelPlanner>();
    }

    public void MapEndpoints(ApiRoutes api)
    {
        var channels = api.Authenticated.MapGroup("/channels").WithTags("Channels");
        channels.MapGet("", ([FromQuery] string? search, [FromQuery] int? page, [FromQuery] int? pageSize, ChannelService service, CancellationToken ct) =>
                service.ListAsync(new ChannelQuery(QueryValues.Text(search, "search"), page ?? 1, pageSize ?? 24), ct))
            .Describe("Channels_List", "List channels", "Channels of the workspace by name, each with its next three posts: search, page, pageSize.");
        channels.MapPost("", async (ChannelInput body, ChannelService service, CancellationToken ct) =>
        {
            var created = await service.CreateAsync(body, ct);
            return TypedResults.Created($"/api/v1/channels/{created.Id}", created);
        }).WithIdempotency().Describe("Channels_Create", "Create a channel", "Create a channel: platform, colour, zone, webhook URL, weekly posting times, minimum gap, maximum per day, blackout dates, conflict mode warn|block.");
        channels.MapGet("/{id:guid}", (Guid id, ChannelService service, CancellationToken ct) => service.GetAsync(id, ct))
            .Describe("Channels_Get", "Get a channel", "The channel.");
        channels.MapPut("/{id:guid}", (Guid id, ChannelInput body, ChannelService service, CancellationToken ct) => service.UpdateAsync(id, body, ct))
            .Describe("Channels_Update", "Replace a channel", "Replace the channel's settings (imported blackout dates are kept).");
        channels.MapDelete("/{id:guid}", async (Guid id, ChannelService service, CancellationToken ct) =>
        {
            await service.DeleteAsync(id, ct);
            return TypedResults.NoContent();
        }).Describe("Channels_Delete", "Delete a channel", "Delete the channel; its schedules stay, without a channel.");
        channels.MapPost("/{id:guid}/pause", (Guid id, PauseRequest? body, ChannelService service, CancellationToken ct) => service.PauseAsync(id, body?.Note, ct))
            .Describe("Channels_Pause", "Pause a channel", "Hold every run of the channel's schedules, with an optional note.", 409);
        channels.MapPost("/{id:guid}/resume", (Guid id, ResumeRequest? body, ChannelService service, CancellationToken ct) => service.ResumeAsync(id, body?.RunMissed ?? false, ct))
            .Describe("Channels_Resume", "Resume a channel", "Run again; runMissed applies each schedule's missed-run policy to what was held, else held runs are skipped and next runs are from now.", 409);
        channels.MapPost("/{id:guid}/blackouts/import", async (Guid id, HttpRequest request, ChannelService service, CancellationToken ct) =>
                await service.ImportBlackoutsAsync(id, await ReadIcsAsync(request, ct), ct))
            // Routing matches on these content types (anything else is a 415): the file itself, or JSON {ics} for the cookie.
            .Accepts<BlackoutImportRequest>("application/json", "text/calendar")
            .Describe("Channels_ImportBlackouts", "Import blackout dates from an .ics file", "Replace the imported blackout dates with the all-day events of an .ics file (text/calendar body, or JSON {ics}).", 415);
        channels.MapPost("/{id:guid}/queue", async (Guid id, QueueInput? body, ChannelService service, CancellationToken ct) =>
        {
            var created = await service.AddToQueueAsync(id, body ?? new QueueInput(), ct);
            return TypedResults.Created($"/api/v1/schedules/{created.Id}", created);
        }).WithIdempotency().Describe("Channels_AddToQueue", "Add a post to the channel's queue", "Add to queue: a one-time schedule in the channel's next free posting slot (contentId? or name?, jobType?, jobConfig?, titleTemplate?); the same content twice on the channel is a 409.", 409);
        channels.MapGet("/{id:guid}/queue", (Guid id, [FromQuery] int? days, ChannelService service, CancellationToken ct) => service.QueueAsync(id, days ?? 14, ct))
            .Describe("Channels_Queue", "Get the channel's queue", "The channel's upcoming posts and empty posting slots for days (1-92, default 14), in time order.");

        var workspace = api.Authenticated.MapGroup("/workspace").WithTags("Workspaces");
        workspace.MapGet("/pause", (ChannelService service, CancellationToken ct) => service.GetWorkspacePauseAsync(ct))
            .Describe("Workspace_GetPause", "Get the workspace kill switch", "Whether the workspace's kill switch is on.");
        workspace.MapPost("/pause", (PauseRequest? body, ChannelService service, CancellationToken ct) => service.PauseWorkspaceAsync(body?.Note, ct))
            .Describe("Workspace_Pause", "Pause the workspace (kill switch)", "Kill switch (Owners and Admins): hold every run of the workspace, with an optional note.", 409);
        workspace.MapPost("/resume", (ResumeRequest? body, ChannelService service, CancellationToken ct) => service.ResumeWorkspaceAsync(body?.RunMissed ?? false, ct))
            .Describe("Workspace_Resume", "Resume the workspace", "Lift the kill switch (Owners and Admins); runMissed as for a channel.", 409);
    }

    private static async Task<string?> ReadIcsAsync(HttpRequest request, CancellationToken ct)
    {
        if (request.ContentLength > MaxIcsBytes)
        {
            throw new RequestValidationException("body", $"The .ics file is at most {MaxIcsBytes / 1024} KB.");
        }
        var buffer = new char[MaxIcsBytes + 1];
        using var reader = new StreamReader(request.Body, Encoding.UTF8);
        var length = await reader.ReadBlockAsync(buffer.AsMemory(), ct);
        if (length > MaxIcsBytes)
        {
            throw new RequestValidationException("body", $"The .ics file is at most {MaxIcsBytes / 1024} KB.");
        }
        var text = new string(buffer, 0, length);
        if (request.ContentType?.Contains("json", StringComparison.OrdinalIgnoreCase) == true)
        {
            try
            {
                return JsonSerializer.Deserialize<BlackoutImportRequest>(text, JsonSerializerOptions.Web)?.Ics;
            }
            catch (JsonException)
            {
                throw new RequestValidationException("ics", "The body must be JSON {\"ics\": \"BEGIN:VCALENDAR...\"} or a text/calendar file.");
            }
        }
        return text;
    }
}
