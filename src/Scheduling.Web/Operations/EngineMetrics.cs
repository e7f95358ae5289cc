using System.Diagnostics.Metrics;
using System.Security.Cryptography;
using System.Text;
using Hangfire;
using Microsoft.AspNetCore.Authorization;
using OpenTelemetry.Metrics;
using Scheduling.Core.Common;
using Scheduling.Core.Scheduling;
using Scheduling.Web.Engine;
using Scheduling.Web.Features.Accounts;
using Scheduling.Web.Features.Executions;

namespace Scheduling.Web.Operations;

/// <summary>
/// The engine's meters, scraped by Prometheus at <c>/metrics</c>: runs by status and job type, how late runs start
/// after they are due, and the depth of each priority's queue. Counted where the state changes are written, after
/// they won.
/// </summary>
public sealed class EngineMetrics
{
    public const string MeterName = "Scheduling.Engine";

    private readonly Counter<long> _runs;
    private readonly Histogram<double> _lag;

    public EngineMetrics(IMeterFactory meters, JobStorage storage)
    {
        var meter = meters.Create(MeterName);
        _runs = meter.CreateCounter<long>("scheduling.runs", unit: "{run}", description: "Runs that reached a status (completed, failed, skipped, cancelled, retrying), by job type.");
        _lag = meter.CreateHistogram<double>("scheduling.run.start_lag", unit: "s", description: "Time from when a run was due to when its first attempt started.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5, 10, 30, 60, 300] });
        meter.CreateObservableGauge("scheduling.queue.depth", () => QueueDepths(storage), unit: "{job}", description: "Jobs waiting in Hangfire's queue of each priority.");
    }

    /// <summary>A run ended or will be tried again.</summary>
    public void RunReached(JobType jobType, string status) =>
        _runs.Add(1, new KeyValuePair<string, object?>("status", status), new KeyValuePair<string, object?>("job_type", jobType.ToWire()));

    public void RunReached(JobType jobType, ExecutionStatus status) => RunReached(jobType, status.ToWire());

    /// <summary>A run's first attempt started <paramref name="lag"/> after it was due.</summary>
    public void RunStarted(JobType jobType, TimeSpan lag) =>
        _lag.Record(Math.Max(0, lag.TotalSeconds), new KeyValuePair<string, object?>("job_type", jobType.ToWire()));

    private static IEnumerable<Measurement<long>> QueueDepths(JobStorage storage)
    {
        var monitoring = storage.GetMonitoringApi();
        foreach (var queue in ExecutionOptions.Queues)
        {
            yield return new Measurement<long>(monitoring.EnqueuedCount(queue), new KeyValuePair<string, object?>("queue", queue));
        }
    }
}

/// <summary>Who may scrape <c>/metrics</c>: instance Administrators, or a scraper with <c>Metrics:ScrapeToken</c> as its Bearer token.</summary>
public sealed class MetricsScrapeRequirement : IAuthorizationRequirement
{
    public const string Policy = "MetricsScrape";
}

internal sealed class MetricsScrapeHandler(IConfiguration configuration) : AuthorizationHandler<MetricsScrapeRequirement>
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, MetricsScrapeRequirement requirement)
    {
        if (context.User.Identity?.IsAuthenticated == true && context.User.IsInRole(AccountRoles.Administrator))
        {
            context.Succeed(requirement);
        }
        else if (context.Resource is HttpContext http && configuration["Metrics:ScrapeToken"] is { Length: >= 16 } expected
            && http.Request.Headers.Authorization.ToString() is { } header && header.StartsWith("Bearer ", StringComparison.Ordinal)
            && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(header["Bearer ".Length..].Trim()), Encoding.UTF8.GetBytes(expected)))
        {
            context.Succeed(requirement);
        }
        return Task.CompletedTask;
    }
}

public static class MetricsEndpoint
{
    public static IServiceCollection AddEngineMetrics(this IServiceCollection services)
    {
        services.AddSingleton<IAuthorizationHandler, MetricsScrapeHandler>();
        services.AddAuthorizationBuilder().AddPolicy(MetricsScrapeRequirement.Policy, policy => policy.AddRequirements(new MetricsScrapeRequirement()));
        services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddMeter(EngineMetrics.MeterName)
            // Built into ASP.NET Core and the runtime: requests, connections, GC, thread pool.
            .AddMeter("Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel", "System.Runtime")
            .AddPrometheusExporter());
        return services;
    }

    /// <summary>Prometheus's text format at <c>/metrics</c>, for Administrators or the scrape token (setting <c>Metrics:ScrapeToken</c>).</summary>
    public static void MapMetrics(this IEndpointRouteBuilder app) =>
        app.MapPrometheusScrapingEndpoint("/metrics").RequireAuthorization(MetricsScrapeRequirement.Policy);
}
