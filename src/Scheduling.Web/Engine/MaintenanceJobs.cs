using Hangfire;
using Microsoft.Extensions.Options;
using Scheduling.Web.Features.Alerts;

namespace Scheduling.Web.Engine;

/// <summary>
/// The engine's periodic upkeep, run as Hangfire recurring jobs so that Administrators see each one, its cron, its
/// last and next run and its failures in the dashboard, and so that with several nodes each pass runs on one node.
/// The dispatcher is not among them: it runs every 250 ms and hands runs over within a second of their time, which
/// Hangfire's recurring-job scheduler (polling, one job per pass) is not made for (decision 0020).
/// </summary>
public sealed class MaintenanceJobs(RecoverySweep recovery, NodeWatch nodes, AlertEvaluator alerts, HistoryRetention retention,
    Features.Content.EvergreenRecycler evergreen)
{
    public const string RecoveryId = "recovery-sweep";
    public const string NodeWatchId = "node-watch";
    public const string AlertsId = "alert-evaluation";
    public const string RetentionId = "history-retention";
    public const string EvergreenId = "evergreen-recycling";

    [JobDisplayName("Recovery sweep: re-enqueue runs no live job carries")]
    [AutomaticRetry(Attempts = 0)]
    [DisableConcurrentExecution(timeoutInSeconds: 60)]
    public Task RecoverAsync(CancellationToken cancellationToken) => recovery.SweepAsync(startup: false, cancellationToken);

    [JobDisplayName("Node watch: take over the runs of a node that stopped heartbeating")]
    [AutomaticRetry(Attempts = 0)]
    [DisableConcurrentExecution(timeoutInSeconds: 60)]
    public Task WatchNodesAsync(CancellationToken cancellationToken) => nodes.WatchAsync(cancellationToken);

    [JobDisplayName("Alert evaluation: failing, overdue and long-running schedules")]
    [AutomaticRetry(Attempts = 0)]
    [DisableConcurrentExecution(timeoutInSeconds: 60)]
    public Task EvaluateAlertsAsync(CancellationToken cancellationToken) => alerts.EvaluateAsync(cancellationToken);

    [JobDisplayName("History retention: prune old runs and attempts")]
    [AutomaticRetry(Attempts = 0)]
    [DisableConcurrentExecution(timeoutInSeconds: 600)]
    public Task PruneHistoryAsync(CancellationToken cancellationToken) => retention.PruneAsync(cancellationToken);

    [JobDisplayName("Evergreen recycling: published evergreen content back to the end of its channel's queue")]
    [AutomaticRetry(Attempts = 0)]
    [DisableConcurrentExecution(timeoutInSeconds: 300)]
    public Task RecycleEvergreenAsync(CancellationToken cancellationToken) => evergreen.RecycleAsync(cancellationToken);
}

/// <summary>Registers (or updates) the recurring jobs at start-up, from the settings; runs the start-up recovery sweep at once.</summary>
public sealed class MaintenanceSchedule(IRecurringJobManager recurring, IServiceScopeFactory scopes, IOptionsMonitor<ExecutionOptions> options, ILogger<MaintenanceSchedule> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.CurrentValue;
        // A missed pass (the app was down) is not made up: the next one does the same work.
        var skipMissed = new RecurringJobOptions { MisfireHandling = MisfireHandlingMode.Ignorable };
        recurring.AddOrUpdate<MaintenanceJobs>(MaintenanceJobs.RecoveryId, ExecutionOptions.MaintenanceQueue, jobs => jobs.RecoverAsync(CancellationToken.None),
            CronInterval.Every(settings.RecoveryInterval), skipMissed);
        recurring.AddOrUpdate<MaintenanceJobs>(MaintenanceJobs.NodeWatchId, ExecutionOptions.MaintenanceQueue, jobs => jobs.WatchNodesAsync(CancellationToken.None),
            CronInterval.Every(settings.HeartbeatInterval), skipMissed);
        recurring.AddOrUpdate<MaintenanceJobs>(MaintenanceJobs.AlertsId, ExecutionOptions.MaintenanceQueue, jobs => jobs.EvaluateAlertsAsync(CancellationToken.None),
            CronInterval.Every(settings.AlertEvaluationInterval), skipMissed);
        recurring.AddOrUpdate<MaintenanceJobs>(MaintenanceJobs.RetentionId, ExecutionOptions.MaintenanceQueue, jobs => jobs.PruneHistoryAsync(CancellationToken.None),
            settings.HistoryRetentionCron, skipMissed);
        recurring.AddOrUpdate<MaintenanceJobs>(MaintenanceJobs.EvergreenId, ExecutionOptions.MaintenanceQueue, jobs => jobs.RecycleEvergreenAsync(CancellationToken.None),
            CronInterval.Every(TimeSpan.FromMinutes(5)), skipMissed);

        // After a restart (the in-memory storage lost every job, or a kill -9) stranded runs are picked up now, not at
        // the first cron tick.
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            await scope.ServiceProvider.GetRequiredService<RecoverySweep>().SweepAsync(startup: true, stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "The start-up recovery sweep failed; the recurring sweep retries.");
        }
    }
}

/// <summary>A fixed interval as a Hangfire cron (six fields, with seconds), rounded down to one that divides the minute, hour or day evenly.</summary>
public static class CronInterval
{
    private static readonly int[] OfSixty = [1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30];
    private static readonly int[] OfDay = [1, 2, 3, 4, 6, 8, 12];

    public static string Every(TimeSpan interval)
    {
        var seconds = Math.Max(1, (int)interval.TotalSeconds);
        if (seconds < 60)
        {
            return $"*/{Largest(OfSixty, seconds)} * * * * *";
        }
        var minutes = seconds / 60;
        if (minutes < 60)
        {
            return $"0 */{Largest(OfSixty, minutes)} * * * *";
        }
        var hours = minutes / 60;
        return hours < 24 ? $"0 0 */{Largest(OfDay, hours)} * * *" : "0 0 0 * * *";
    }

    private static int Largest(int[] divisors, int atMost) => divisors.Last(d => d <= atMost);
}
