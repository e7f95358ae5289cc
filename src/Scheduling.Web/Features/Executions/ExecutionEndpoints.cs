using Microsoft.AspNetCore.Mvc;
using Scheduling.Core.Common;
using Scheduling.Core.Scheduling;
using Scheduling.Web.Api;
using Scheduling.Web.Features.Accounts;

namespace Scheduling.Web.Features.Executions;

public sealed record WebhookEndpointRequest(string? Url);

/// <summary>The signing secret, shown once.</summary>
public sealed record WebhookSecretView(string Secret);

public static class ExecutionEndpoints
{
    public static IServiceCollection AddExecutionFeature(this IServiceCollection services)
    {
        services.AddScoped<ExecutionService>();
        services.AddScoped<BackfillService>();
        services.AddScoped<WebhookSettingsService>();
        services.AddSingleton<Engine.WebhookTargetPolicy>();
        return services;
    }

    public static void MapExecutionEndpoints(this IEndpointRouteBuilder api)
    {
        var schedules = api.MapGroup("/schedules").WithTags("Executions");
        schedules.MapGet("/{id:guid}/executions", (Guid id, int? page, int? pageSize, ExecutionService service, CancellationToken ct) =>
            service.ListAsync(new ExecutionQuery(ScheduleId: id, Page: page ?? 1, PageSize: pageSize ?? 25), ct))
            .Describe("Executions_ListForSchedule", "List a schedule's runs", "Runs of a schedule, newest first (page, pageSize).");
        schedules.MapPost("/{id:guid}/run", async (Guid id, RunNowRequest? body, ExecutionService service, CancellationToken ct) =>
        {
            var execution = await service.RunNowAsync(id, body?.CountTowardMaxRuns ?? false, ct);
            return TypedResults.Accepted($"/api/v1/executions/{execution.Id}", execution);
        }).WithIdempotency().Describe("Executions_RunNow", "Run a schedule now", "Run now (manual); optionally counted toward maxRuns. The next planned run is unchanged. 202 with the run; read it at the Location.", 409);
        schedules.MapGet("/{id:guid}/stats", (Guid id, ExecutionService service, CancellationToken ct) => service.StatsAsync(id, ct))
            .Describe("Executions_Stats", "Get a schedule's run statistics", "Success rate, average duration, failure streak, next-run countdown.");
        schedules.MapGet("/upcoming", (int? hoursAhead, int? limit, string? priority, string? jobType, ExecutionService service, CancellationToken ct) =>
            service.UpcomingAsync(hoursAhead ?? 24, limit ?? 50, QueryValues.ParseEnum<SchedulePriority>(priority, "priority"), QueryValues.ParseEnum<JobType>(jobType, "jobType"), ct))
            .Describe("Executions_Upcoming", "List upcoming runs", "Planned runs in the next hoursAhead hours (default 24), soonest first; filters priority, jobType; limit (default 50).");

        var executions = api.MapGroup("/executions").WithTags("Executions");
        executions.MapGet("", (string? status, string? jobType, DateTime? from, DateTime? to, Guid? scheduleId, int? page, int? pageSize, ExecutionService service, CancellationToken ct) =>
            service.ListAsync(new ExecutionQuery(scheduleId, QueryValues.ParseEnum<Executions.ExecutionStatus>(status, "status"), QueryValues.ParseEnum<JobType>(jobType, "jobType"), from?.ToUniversalTime(), to?.ToUniversalTime(), page ?? 1, pageSize ?? 25), ct))
            .Describe("Executions_List", "List runs", "Runs across schedules, newest first: filters status, jobType, from/to (scheduled-for, instants), scheduleId; page, pageSize.");
        executions.MapGet("/{id:guid}", (Guid id, ExecutionService service, CancellationToken ct) => service.GetAsync(id, ct))
            .Describe("Executions_Get", "Get a run", "One run with its attempts (request and response of each).");
        executions.MapPost("/{id:guid}/retry", (Guid id, ExecutionService service, CancellationToken ct) => service.RetryAsync(id, ct))
            .Describe("Executions_Retry", "Run a run again", "Run a failed or cancelled run again, or a skipped one after all, with the same execution id (so the same Idempotency-Key); 409 otherwise.", 409);
        executions.MapPut("/{id:guid}/publish-at", (Guid id, PublishAtRequest body, ExecutionService service, CancellationToken ct) => service.MovePublishAsync(id, body, ct))
            .Describe("Executions_MovePublishAt", "Move a run's publish time",
                "Produce now, publish later: moves when this run's publishing stages go (at: a UTC instant; now or earlier publishes at once), without producing again. For a run held after production (waiting with reason publish_at) or one whose production has not finished; 409 once publishing started or the run ended.", 409);
        executions.MapPost("/{id:guid}/complete", (Guid id, CallbackRequest? body, ExecutionService service, CancellationToken ct) =>
            service.CallbackAsync(id, succeeded: true, body ?? new CallbackRequest(null, null), ct))
            .Describe("Executions_Complete", "Complete an accepted run", "Integration callback: a run your webhook accepted with 202 is done, with an optional result. 409 when the run is not running.", 409);
        executions.MapPost("/{id:guid}/fail", (Guid id, CallbackRequest? body, ExecutionService service, CancellationToken ct) =>
            service.CallbackAsync(id, succeeded: false, body ?? new CallbackRequest(null, null), ct))
            .Describe("Executions_Fail", "Fail an accepted run", "Integration callback: a run your webhook accepted with 202 failed (error required); the schedule's retry policy applies. 409 when the run is not running.", 409);

        // Instance-wide figures (every workspace's load): for instance Administrators only.
        api.MapGet("/scheduler/status", (ExecutionService service, CancellationToken ct) => service.StatusAsync(ct))
            .RequireAuthorization(AccountRoles.Administrator)
            .WithTags("Operations").Describe("Scheduler_Status", "Get the scheduler's status", "Administrators: Hangfire servers and queue depths, planned-run lag percentiles of the last hour, recovery counts.");

        var webhooks = api.MapGroup("/workspace/webhooks").WithTags("Webhooks");
        webhooks.MapGet("", (WebhookSettingsService service, CancellationToken ct) => service.GetAsync(ct))
            .Describe("Webhooks_GetSettings", "Get the webhook settings", "The workspace's endpoint per job type and whether a signing secret exists (never its value).");
        webhooks.MapPost("/secret", async (WebhookSettingsService service, CancellationToken ct) => new WebhookSecretView(await service.RotateSecretAsync(ct)))
            .Describe("Webhooks_RotateSecret", "Rotate the signing secret", "Generate or rotate the signing secret of X-Signature-256; the value is in this response only.");
        webhooks.MapPut("/endpoints/{jobType}", (string jobType, WebhookEndpointRequest body, WebhookSettingsService service, CancellationToken ct) =>
            service.SetEndpointAsync(QueryValues.ParseEnum<JobType>(jobType, "jobType") ?? throw new RequestValidationException("jobType", "A job type is required."), body.Url, ct))
            .Describe("Webhooks_SetEndpoint", "Set a job type's endpoint", "Set (or clear, with an empty url) the workspace's endpoint of a job type; a URL this instance would not deliver to is a 400.");
        webhooks.MapPost("/endpoints/{jobType}/test", (string jobType, WebhookEndpointRequest? body, WebhookSettingsService service, CancellationToken ct) =>
            service.SendTestAsync(QueryValues.ParseEnum<JobType>(jobType, "jobType") ?? throw new RequestValidationException("jobType", "A job type is required."), body?.Url, ct))
            .Describe("Webhooks_TestEndpoint", "Send a test delivery", "Send a signed ping (X-Scheduling-Event: ping) to the given url, else to the saved endpoint; returns status, duration, the start of the body or the error.");
    }
}
