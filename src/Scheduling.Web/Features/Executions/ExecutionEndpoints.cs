using Microsoft.AspNetCore.Mvc;
using Scheduling.Core.Common;
using Scheduling.Core.Scheduling;
using Scheduling.Web.Api;
using Scheduling.Web.Features.Accounts;

namespace Scheduling.Web.Features.Executions;

public sealed record WebhookEndpointRequest(string? Url);

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
            .WithSummary("Runs of a schedule, newest first.");
        schedules.MapPost("/{id:guid}/run", async (Guid id, RunNowRequest? body, ExecutionService service, CancellationToken ct) =>
        {
            var execution = await service.RunNowAsync(id, body?.CountTowardMaxRuns ?? false, ct);
            return TypedResults.Accepted($"/api/v1/executions/{execution.Id}", execution);
        }).WithIdempotency().WithSummary("Run now (manual); optionally counted toward maxRuns. The next planned run is unchanged.");
        schedules.MapGet("/{id:guid}/stats", (Guid id, ExecutionService service, CancellationToken ct) => service.StatsAsync(id, ct))
            .WithSummary("Success rate, average duration, failure streak, next-run countdown.");
        schedules.MapGet("/upcoming", (int? hoursAhead, int? limit, string? priority, string? jobType, ExecutionService service, CancellationToken ct) =>
            service.UpcomingAsync(hoursAhead ?? 24, limit ?? 50, QueryValues.ParseEnum<SchedulePriority>(priority, "priority"), QueryValues.ParseEnum<JobType>(jobType, "jobType"), ct))
            .WithSummary("Planned runs in the next hours, soonest first.");

        var executions = api.MapGroup("/executions").WithTags("Executions");
        executions.MapGet("", (string? status, string? jobType, DateTime? from, DateTime? to, Guid? scheduleId, int? page, int? pageSize, ExecutionService service, CancellationToken ct) =>
            service.ListAsync(new ExecutionQuery(scheduleId, QueryValues.ParseEnum<Executions.ExecutionStatus>(status, "status"), QueryValues.ParseEnum<JobType>(jobType, "jobType"), from?.ToUniversalTime(), to?.ToUniversalTime(), page ?? 1, pageSize ?? 25), ct))
            .WithSummary("Runs across schedules: filters status, jobType, from/to (scheduled-for), scheduleId.");
        executions.MapGet("/{id:guid}", (Guid id, ExecutionService service, CancellationToken ct) => service.GetAsync(id, ct))
            .WithSummary("One run with its attempts (request and response of each).");
        executions.MapPost("/{id:guid}/retry", (Guid id, ExecutionService service, CancellationToken ct) => service.RetryAsync(id, ct));
        executions.MapPost("/{id:guid}/complete", (Guid id, CallbackRequest? body, ExecutionService service, CancellationToken ct) =>
            service.CallbackAsync(id, succeeded: true, body ?? new CallbackRequest(null, null), ct))
            .WithSummary("Integration callback: an accepted (202) run is done, with an optional result.");
        executions.MapPost("/{id:guid}/fail", (Guid id, CallbackRequest? body, ExecutionService service, CancellationToken ct) =>
            service.CallbackAsync(id, succeeded: false, body ?? new CallbackRequest(null, null), ct))
            .WithSummary("Integration callback: an accepted run failed (error required); the retry policy applies.");

        // Instance-wide figures (every workspace's load): for instance Administrators only.
        api.MapGet("/scheduler/status", (ExecutionService service, CancellationToken ct) => service.StatusAsync(ct))
            .RequireAuthorization(AccountRoles.Administrator)
            .WithTags("Operations").WithSummary("Administrators: Hangfire servers and queue depths, planned-run lag percentiles of the last hour, recovery counts.");

        var webhooks = api.MapGroup("/workspace/webhooks").WithTags("Webhooks");
        webhooks.MapGet("", (WebhookSettingsService service, CancellationToken ct) => service.GetAsync(ct));
        webhooks.MapPost("/secret", async (WebhookSettingsService service, CancellationToken ct) => new { secret = await service.RotateSecretAsync(ct) })
            .WithSummary("Generate or rotate the signing secret; the value is in this response only.");
        webhooks.MapPut("/endpoints/{jobType}", (string jobType, WebhookEndpointRequest body, WebhookSettingsService service, CancellationToken ct) =>
            service.SetEndpointAsync(QueryValues.ParseEnum<JobType>(jobType, "jobType") ?? throw new RequestValidationException("jobType", "A job type is required."), body.Url, ct))
            .WithSummary("Set (or clear, with an empty url) the workspace's endpoint of a job type; a URL this instance would not deliver to is a 400.");
        webhooks.MapPost("/endpoints/{jobType}/test", (string jobType, WebhookEndpointRequest? body, WebhookSettingsService service, CancellationToken ct) =>
            service.SendTestAsync(QueryValues.ParseEnum<JobType>(jobType, "jobType") ?? throw new RequestValidationException("jobType", "A job type is required."), body?.Url, ct))
            .WithSummary("Send a signed ping (X-Scheduling-Event: ping) to the given url, else to the saved endpoint; returns status, duration, the start of the body or the error.");
    }
}
