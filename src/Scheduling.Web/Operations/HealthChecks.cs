using System.Text.Json;
using Hangfire;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Scheduling.Web.Data;
using Scheduling.Web.Engine;
using Microsoft.Extensions.Options;

namespace Scheduling.Web.Operations;

public static class HealthChecks
{
    public static IServiceCollection AddOperationalHealthChecks(this IServiceCollection services)
    {
        services.AddHealthChecks()
            .AddDbContextCheck<AppDbContext>("database")
            .AddCheck<HangfireServerHealthCheck>("hangfire");
        return services;
    }

    /// <summary><c>/healthz</c>: JSON with each check's status; 503 when any is unhealthy.</summary>
    public static IEndpointConventionBuilder MapHealthEndpoint(this IEndpointRouteBuilder app) =>
        app.MapHealthChecks("/healthz", new HealthCheckOptions { ResponseWriter = WriteJsonAsync }).AllowAnonymous();

    private static Task WriteJsonAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        var body = new
        {
            status = report.Status.ToString(),
            durationMs = Math.Round(report.TotalDuration.TotalMilliseconds, 1),
            checks = report.Entries.ToDictionary(
                e => e.Key,
                e => new { status = e.Value.Status.ToString(), description = e.Value.Description, data = e.Value.Data }),
        };
        return context.Response.WriteAsync(JsonSerializer.Serialize(body, JsonSerializerOptions.Web));
    }
}

/// <summary>Healthy when a Hangfire server of this instance has sent a heartbeat recently.</summary>
internal sealed class HangfireServerHealthCheck(JobStorage storage, IOptions<ExecutionOptions> options, TimeProvider clock) : IHealthCheck
{
    private static readonly TimeSpan HeartbeatTolerance = TimeSpan.FromMinutes(1);

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var servers = storage.GetMonitoringApi().Servers();
        var now = clock.GetUtcNow().UtcDateTime;
        var live = servers.Count(s => s.Heartbeat is { } beat && now - beat < HeartbeatTolerance);
        var data = new Dictionary<string, object> { ["servers"] = servers.Count, ["liveServers"] = live };
        if (live > 0)
        {
            return Task.FromResult(HealthCheckResult.Healthy($"{live} Hangfire server(s) alive.", data));
        }
        // A web-only node runs no server of its own; another node does the work.
        return Task.FromResult(options.Value.RunServer
            ? HealthCheckResult.Unhealthy("No Hangfire server has sent a heartbeat in the last minute.", data: data)
            : HealthCheckResult.Degraded("This node runs no Hangfire server and none other is alive.", data: data));
    }
}
