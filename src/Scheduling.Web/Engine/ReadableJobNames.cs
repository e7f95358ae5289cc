using System.Collections.Concurrent;
using System.Globalization;
using Hangfire;
using Hangfire.Common;
using Hangfire.Dashboard;
using Microsoft.EntityFrameworkCore;
using Scheduling.Web.Data;

namespace Scheduling.Web.Engine;

/// <summary>
/// Names a run's job in the Hangfire dashboard after what it runs: <c>Run "Weekly tips" for 2026-12-07 14:00 UTC
/// (execution …)</c> instead of <c>ExecutionRunner.RunAsync</c>. The job's only argument stays the execution id (a
/// rename of the schedule shows at once, and no name is copied into Hangfire's storage); the dashboard looks the run
/// up when it draws the job, one small indexed read per job shown, remembered for a while.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class RunJobNameAttribute(string verb) : JobDisplayNameAttribute(verb)
{
    private static readonly ConcurrentDictionary<Guid, (string Label, DateTime Until)> Labels = new();
    private static readonly TimeSpan Remembered = TimeSpan.FromMinutes(1);

    public override string Format(DashboardContext context, Job job)
    {
        return job.Args switch
        {
            [Guid executionId, ..] => $"{DisplayName} {Describe(context, executionId)} (execution {executionId})",
            // A batch of runs due together (decision 0033): its first run names it.
            [Guid[] { Length: > 0 } batch, ..] =>
                $"{DisplayName} {batch.Length} runs due together: {Describe(context, batch[0])} and {batch.Length - 1} more (executions {batch[0]} …)",
            _ => base.Format(context, job),
        };
    }

    private static string Describe(DashboardContext context, Guid executionId)
    {
        var clock = context.GetHttpContext().RequestServices.GetService<TimeProvider>() ?? TimeProvider.System;
        var now = clock.GetUtcNow().UtcDateTime;
        if (Labels.TryGetValue(executionId, out var known) && known.Until > now)
        {
            return known.Label;
        }
        if (Labels.Count > 10_000)
        {
            Labels.Clear();
        }
        var label = Lookup(context, executionId);
        Labels[executionId] = (label, now + Remembered);
        return label;
    }

    private static string Lookup(DashboardContext context, Guid executionId)
    {
        var contexts = context.GetHttpContext().RequestServices.GetService<IDbContextFactory<AppDbContext>>();
        if (contexts is null)
        {
            return "a run";
        }
        using var db = contexts.CreateDbContext();
        // The dashboard draws synchronously: a blocking read of one row by its key.
        var run = db.Executions.IgnoreQueryFilters().AsNoTracking()
            .Where(e => e.Id == executionId)
            .Select(e => new { e.ScheduledFor, e.IsManual, Name = e.Schedule!.Name })
            .FirstOrDefault();
        if (run is null)
        {
            return "a run that no longer exists";
        }
        var when = run.ScheduledFor.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) + " UTC";
        return run.IsManual ? $"\"{run.Name}\" by hand at {when}" : $"\"{run.Name}\" for {when}";
    }
}
