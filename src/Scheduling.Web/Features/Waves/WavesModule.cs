using Microsoft.AspNetCore.Mvc;
using Scheduling.Web.Api;
using Scheduling.Web.Features.Schedules;

namespace Scheduling.Web.Features.Waves;

/// <summary>Waves (one content item across channels): /api/v1/waves.</summary>
public sealed class WavesModule : IFeatureModule
{
    public void AddServices(IServiceCollection services, IConfiguration configuration, IHostEnvironment environment)
    {
        services.AddScoped<WaveService>();
        services.AddSingleton<WaveEvents>();
        services.AddSingleton<Executions.IRunTransitionObserver>(sp => sp.GetRequiredService<WaveEvents>());
    }

    public void MapEndpoints(ApiRoutes api)
    {
        var waves = api.Authenticated.MapGroup("/waves").WithTags("Waves");
        waves.MapPost("", async (WaveInput body, WaveService service, CancellationToken ct) =>
        {
            var created = await service.CreateAsync(body, ct);
            return TypedResults.Created($"/api/v1/waves/{created.Id}", created);
        }).WithIdempotency().Describe("Waves_Create", "Create a wave",
            "Release one content item on several channels, all or nothing: mode simultaneous (the same instant), staggered (offsets or staggerMinutes apart) or independent (each channel's next free slot); each channel's rules apply (block: 409 naming the channel; warn: warnings).", 409);
        waves.MapPost("/preview", (WaveInput body, WaveService service, CancellationToken ct) => service.PreviewAsync(body, ct))
            .Describe("Waves_Preview", "Preview a wave",
                "What creating this wave would do, saving nothing: each channel's time in UTC and in the channel's zone, the conflicts that would refuse it (blocked) and the warnings it would carry. 400 for invalid input as on create.");
        waves.MapGet("", ([FromQuery] int? page, [FromQuery] int? pageSize, WaveService service, CancellationToken ct) =>
                service.ListAsync(page ?? 1, pageSize ?? 20, ct))
            .Describe("Waves_List", "List waves", "Waves of the workspace, newest first, with their items: page, pageSize.");
        waves.MapGet("/{id:guid}", (Guid id, WaveService service, CancellationToken ct) => service.GetAsync(id, ct))
            .Describe("Waves_Get", "Get a wave", "The wave with each channel's schedule, status and last execution.");
        waves.MapPost("/{id:guid}/move", (Guid id, WaveMoveInput body, WaveService service, CancellationToken ct) => service.MoveAsync(id, body, ct))
            .Describe("Waves_Move", "Move a wave", "Move every item not yet run by byMinutes, all or nothing; each channel's rules apply.", 409);
        waves.MapPost("/{id:guid}/pause", (Guid id, PauseRequest? body, WaveService service, CancellationToken ct) => service.PauseAsync(id, body?.Note, ct))
            .Describe("Waves_Pause", "Pause a wave", "Pause every active item of the wave.", 409);
        waves.MapPost("/{id:guid}/resume", (Guid id, ResumeRequest? body, WaveService service, CancellationToken ct) => service.ResumeAsync(id, body?.RunMissed ?? false, ct))
            .Describe("Waves_Resume", "Resume a wave", "Resume every paused item; runMissed as for a schedule.", 409);
        waves.MapPost("/{id:guid}/cancel", (Guid id, WaveService service, CancellationToken ct) => service.CancelAsync(id, ct))
            .Describe("Waves_Cancel", "Cancel a wave", "Cancel every item not yet run; what was published stays in the history.", 409);
    }
}
