using Scheduling.Web.Api;

namespace Scheduling.Web.Features.Executions.Progress;

public static class ProgressEndpoints
{
    public static IServiceCollection AddProgressFeature(this IServiceCollection services)
    {
        services.AddScoped<ExecutionProgressService>();
        services.AddSingleton<ExecutionProgressNotifier>();
        return services;
    }

    public static void MapProgressEndpoints(this IEndpointRouteBuilder api)
    {
        var executions = api.MapGroup("/executions").WithTags("Executions");
        executions.MapPost("/{id:guid}/progress", (Guid id, ProgressRequest body, ExecutionProgressService service, CancellationToken ct) =>
            service.ReportAsync(id, body, ct))
            .Describe("Executions_ReportProgress", "Report a running run's progress",
                "Integration: percent (0-100, required), stage (≤ 64 characters) and message (≤ 500) of a running run, including one your webhook "
                + "accepted with 202. Monotonic per stage: a lower percent in the same stage is ignored (200, accepted: false, with the stored progress); "
                + "a new stage starts again. For a pipeline run, stage is one of its stage keys (400 otherwise) and defaults to the stage being delivered. "
                + "409 once the run ended.", 409);
        executions.MapGet("/{id:guid}/progress", (Guid id, ExecutionProgressService service, CancellationToken ct) => service.HistoryAsync(id, ct))
            .Describe("Executions_GetProgress", "Get a run's progress", "The latest progress (null before the first report) and the last 50 reports, newest first.");
    }
}
