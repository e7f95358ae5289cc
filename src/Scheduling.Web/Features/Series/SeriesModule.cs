using Microsoft.AspNetCore.Mvc;
using Scheduling.Web.Api;
using Scheduling.Web.Features.Executions;

namespace Scheduling.Web.Features.Series;

/// <summary>Series of episodes: the service, the engine's observer and order gate, and /api/v1/schedules/series.</summary>
public sealed class SeriesModule : IFeatureModule
{
    public void AddServices(IServiceCollection services, IConfiguration configuration, IHostEnvironment environment)
    {
        services.AddScoped<SeriesService>();
        services.AddSingleton<SeriesEngine>();
        services.AddSingleton<IRunTransitionObserver>(sp => sp.GetRequiredService<SeriesEngine>());
        services.AddSingleton<IRunOrderGate>(sp => sp.GetRequiredService<SeriesEngine>());
    }

    public void MapEndpoints(ApiRoutes api)
    {
        // A literal segment: /schedules/series never matches /schedules/{id:guid}.
        var series = api.Authenticated.MapGroup("/schedules/series").WithTags("Series");
        series.MapPost("", async (SeriesInput body, SeriesService service, CancellationToken ct) =>
        {
            var created = await service.CreateAsync(body, ct);
            return TypedResults.Created($"/api/v1/schedules/series/{created.Id}", created);
        }).WithIdempotency().Describe("Series_Create", "Create a series", "Create a series: episodes from a template (title with {episode}, {title} and the schedule variables) on a recurrence, released strictly in order.", 409);
        series.MapGet("", (string? status, int? page, int? pageSize, SeriesService service, CancellationToken ct) =>
                service.ListAsync(QueryValues.ParseEnum<SeriesStatus>(status, "status"), page ?? 1, pageSize ?? 20, ct))
            .Describe("Series_List", "List series", "Series of the workspace, newest first, with their progress: filter status; page, pageSize.");
        series.MapPost("/preview", async (SeriesInput body, int? count, SeriesService service, CancellationToken ct) =>
                await service.PreviewAsync(body, Math.Clamp(count ?? SeriesService.PreviewCount, 1, 20), ct))
            .Describe("Series_Preview", "Preview a series' episodes", "The first episodes' titles and times as this input would plan them (nothing is saved).");
        series.MapGet("/{id:guid}", (Guid id, SeriesService service, CancellationToken ct) => service.GetAsync(id, ct))
            .Describe("Series_Get", "Get a series", "The series with its episodes.");
        series.MapGet("/{id:guid}/episodes", (Guid id, string? status, int? page, int? pageSize, int? containing, SeriesService service, CancellationToken ct) =>
                service.EpisodesAsync(id, QueryValues.ParseEnum<EpisodeStatus>(status, "status"), page ?? 1, pageSize ?? 25, containing, ct))
            .Describe("Series_ListEpisodes", "List a series' episodes", "The episodes in order, one page at a time: filter status; page, pageSize; containing (an episode number) answers the page holding it, or the first matching episode after it.");
        series.MapDelete("/{id:guid}", (Guid id, SeriesService service, CancellationToken ct) => service.CancelAsync(id, ct))
            .Describe("Series_Cancel", "Cancel a series", "Cancel the series: nothing more is released; unreleased episodes go back to draft, released ones keep their history.", 409);
        series.MapPost("/{id:guid}/pause", (Guid id, SeriesService service, CancellationToken ct) => service.PauseAsync(id, ct))
            .Describe("Series_Pause", "Pause a series", "active → paused: no episode goes out until resumed.", 409);
        series.MapPost("/{id:guid}/resume", (Guid id, SeriesService service, CancellationToken ct) => service.ResumeAsync(id, ct))
            .Describe("Series_Resume", "Resume a series", "paused → active: episodes missed meanwhile go out now, in order.", 409);
        series.MapPost("/{id:guid}/episodes", (Guid id, ExtendRequest body, SeriesService service, CancellationToken ct) => service.ExtendAsync(id, body.Count, ct))
            .WithIdempotency().Describe("Series_AddEpisodes", "Add episodes to a series", "Add {count} episodes after the last one, on the same recurrence.", 409);
        series.MapPut("/{id:guid}/episodes/{number:int}", (Guid id, int number, EpisodeInput body, SeriesService service, CancellationToken ct) =>
                service.UpdateEpisodeAsync(id, number, body, ct))
            .Describe("Series_UpdateEpisode", "Change an episode", "Change one episode: title, its own job config (useTemplateConfig: back to the template's), or skip it.", 409);
        series.MapPost("/{id:guid}/episodes/{number:int}/retry", (Guid id, int number, SeriesService service, CancellationToken ct) =>
                service.RetryEpisodeAsync(id, number, ct))
            .Describe("Series_RetryEpisode", "Retry a failed episode", "Run a failed episode again (while no later episode is released).", 409);
    }
}
