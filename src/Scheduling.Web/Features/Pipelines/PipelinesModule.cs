using Scheduling.Core.Scheduling;
using Scheduling.Web.Api;

namespace Scheduling.Web.Features.Pipelines;

/// <summary>Production pipelines (decision 0021): the workspace's pipeline per job type at /api/v1/workspace/pipelines.</summary>
public sealed class PipelinesModule : IFeatureModule
{
    public void AddServices(IServiceCollection services, IConfiguration configuration, IHostEnvironment environment)
    {
        services.AddScoped<PipelineService>();
    }

    public void MapEndpoints(ApiRoutes api)
    {
        var pipelines = api.Authenticated.MapGroup("/workspace/pipelines").WithTags("Pipelines");
        pipelines.MapGet("/{jobType}", (string jobType, PipelineService service, CancellationToken ct) => service.GetAsync(Parse(jobType), ct))
            .Describe("Pipelines_Get", "Get a job type's pipeline", "The workspace's stages of a job type, in order (isDefault: the built-in pipeline). Schedules without their own pipeline run it.");
        pipelines.MapPut("/{jobType}", (string jobType, PipelineInput body, PipelineService service, CancellationToken ct) => service.SetAsync(Parse(jobType), body, ct))
            .Describe("Pipelines_Set", "Replace a job type's pipeline",
                "Replace the workspace's stages of a job type: 1 to 20 stages with unique keys (the envelope's action), optional own target (the same URL policy as "
                + "webhooks), timeoutSeconds, retry {attempts, backoffSeconds}, stopOnFailure and publishing (skipped in test mode). Runs started before keep their stages. "
                + "409 when no stage would be marked publishing while schedules that publish later (publishAt) run this pipeline.", 409);
        pipelines.MapDelete("/{jobType}", (string jobType, PipelineService service, CancellationToken ct) => service.ResetAsync(Parse(jobType), ct))
            .Describe("Pipelines_Reset", "Reset a job type's pipeline",
                "Back to the built-in pipeline of the job type (returned). 409 when the built-in one has no stage marked publishing while schedules "
                + "that publish later (publishAt) run this pipeline.", 409);
    }

    private static JobType Parse(string jobType) =>
        QueryValues.ParseEnum<JobType>(jobType, "jobType") ?? throw new RequestValidationException("jobType", "A job type is required.");
}
