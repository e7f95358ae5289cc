using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using System.Text.Json;
using Scheduling.Web.Data;
using Scheduling.Web.Tests.Infrastructure;

namespace Scheduling.Web.Tests.Engine;

/// <summary>The app with a fast dispatcher and loopback targets allowed, a signed-in creator, and a receiver.</summary>
public sealed class EngineHost : IAsyncDisposable
{
    public required AppFactory App { get; init; }
    public required HttpClient Client { get; init; }
    public required WebhookReceiver Receiver { get; init; }
    public required string Secret { get; init; }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static Dictionary<string, string?> FastSettings(bool allowPrivate = true) => new()
    {
        ["Execution:AllowPrivateNetworkTargets"] = allowPrivate ? "true" : "false",
        ["Execution:DispatchInterval"] = "00:00:00.100",
        ["Execution:SchedulePollingInterval"] = "00:00:00.200",
        ["Execution:WorkerCount"] = "8",
        ["Execution:RecoveryInterval"] = "00:00:05",
    };

    /// <param name="transitions">When given, sees every run transition the app writes.</param>
    public static async Task<EngineHost> StartAsync(DatabaseProvider provider = DatabaseProvider.Sqlite, bool allowPrivate = true, Dictionary<string, string?>? extra = null,
        RunTransitionLog? transitions = null)
    {
        var settings = FastSettings(allowPrivate);
        foreach (var (key, setting) in extra ?? [])
        {
            settings[key] = setting;
        }
        var receiver = await WebhookReceiver.StartAsync();
        var app = await AppFactory.StartAsync(provider, settings,
            transitions is null ? null : services =>
            {
                services.AddSingleton<Features.Executions.IRunTransitionObserver>(transitions);
                // It counts a transition once its transaction commits.
                services.ConfigureDbContext<AppDbContext>(options => options.AddInterceptors(transitions));
            });
        var client = await Session.RegisterAsync(app, "engine@example.com");
        var secret = await client.PostAsync("/api/v1/workspace/webhooks/secret", null, Ct);
        secret.EnsureSuccessStatusCode();
        var value = (await secret.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("secret").GetString()!;
        return new EngineHost { App = app, Client = client, Receiver = receiver, Secret = value };
    }

    /// <summary>A once-schedule due in a second (UTC wall time), delivering to the receiver's path.</summary>
    public async Task<Guid> CreateOnceAsync(string path, object? extra = null, string jobType = "export", int inSeconds = 1)
    {
        var at = DateTime.UtcNow.AddSeconds(inSeconds);
        var body = new Dictionary<string, object?>
        {
            ["name"] = $"Run {path}",
            ["jobType"] = jobType,
            ["jobConfig"] = new { format = "mp4" },
            ["scheduleType"] = "once",
            ["scheduledAt"] = at.ToString("yyyy-MM-dd'T'HH:mm:ss.fff", System.Globalization.CultureInfo.InvariantCulture),
            ["timezone"] = "UTC",
            ["webhookUrl"] = Receiver.Url(path),
        };
        foreach (var property in extra?.GetType().GetProperties() ?? [])
        {
            body[char.ToLowerInvariant(property.Name[0]) + property.Name[1..]] = property.GetValue(extra);
        }
        var response = await Client.PostAsJsonAsync("/api/v1/schedules", body, Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.IsSuccessStatusCode, text);
        return JsonDocument.Parse(text).RootElement.GetProperty("id").GetGuid();
    }

    public async Task<JsonElement> ExecutionsOfAsync(Guid scheduleId) =>
        (await Client.GetFromJsonAsync<JsonElement>($"/api/v1/schedules/{scheduleId}/executions?pageSize=100", Ct)).GetProperty("items");

    /// <summary>Waits until the schedule has an execution in one of <paramref name="statuses"/>; returns its details.</summary>
    public async Task<JsonElement> WaitForExecutionAsync(Guid scheduleId, params string[] statuses)
    {
        JsonElement items;
        try
        {
            items = await Eventually.GetAsync(() => ExecutionsOfAsync(scheduleId),
                list => list.EnumerateArray().Any(e => statuses.Contains(e.GetProperty("status").GetString())),
                TimeSpan.FromSeconds(60), $"an execution {string.Join("|", statuses)} of {scheduleId}");
        }
        catch (TimeoutException timeout)
        {
            throw new TimeoutException($"{timeout.Message}\n{await EngineStateAsync(scheduleId)}", timeout);
        }
        var id = items.EnumerateArray().First(e => statuses.Contains(e.GetProperty("status").GetString())).GetProperty("id").GetGuid();
        return await Client.GetFromJsonAsync<JsonElement>($"/api/v1/executions/{id}", Ct);
    }

    /// <summary>
    /// For a timeout's message, why runs did not go: each run of the schedules with its Hangfire job and the job's
    /// state, Hangfire's counts and failures, and the runs this node's releaser holds.
    /// </summary>
    public async Task<string> EngineStateAsync(params Guid[] scheduleIds)
    {
        await using var db = await App.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync(Ct);
        var rows = await db.Executions.IgnoreQueryFilters().AsNoTracking().Where(e => scheduleIds.Contains(e.ScheduleId)).OrderBy(e => e.ScheduledFor).ToListAsync(Ct);
        var storage = App.Services.GetRequiredService<Hangfire.JobStorage>();
        using var connection = storage.GetConnection();
        var monitoring = storage.GetMonitoringApi();
        var lines = rows.Select(e => $"{e.ScheduledFor:HH:mm:ss.fff} {e.Status} attempts {e.Attempts} created {e.CreatedAt:HH:mm:ss.fff} job {e.HangfireJobId} "
            + $"({(e.HangfireJobId is null ? "-" : connection.GetStateData(e.HangfireJobId)?.Name)}) notBefore {e.NotBefore:HH:mm:ss.fff} reason {e.Reason}");
        var failed = monitoring.FailedJobs(0, 3).Select(j => $"{j.Value.ExceptionType}: {j.Value.ExceptionMessage} {j.Value.ExceptionDetails?[..Math.Min(800, j.Value.ExceptionDetails.Length)]}");
        var held = App.Services.GetRequiredService<Scheduling.Web.Engine.DueRunReleaser>().Held;
        return $"now {DateTime.UtcNow:HH:mm:ss.fff}\n{string.Join("\n", lines)}\nHangfire: servers {monitoring.Servers().Count}, enqueued {string.Join(",", monitoring.Queues().Select(q => q.Name + "=" + q.Length))}, "
            + $"processing {monitoring.ProcessingCount()}, scheduled {monitoring.ScheduledCount()}, failed {monitoring.FailedCount()}; held on this node {held}\n{string.Join("\n", failed)}\nlog:\n{App.Logs.Dump()}";
    }

    /// <summary>
    /// Records a planned run of the schedule as the engine would have (a history no API call can make: a run missed
    /// while the app was down, or a job that reaches the engine late); returns it. Nothing is handed to Hangfire.
    /// </summary>
    public async Task<Features.Executions.Execution> RecordRunAsync(Guid scheduleId, DateTime scheduledFor, Features.Executions.ExecutionStatus status, string? reason = null)
    {
        await using var db = await App.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync(Ct);
        var schedule = await db.Schedules.IgnoreQueryFilters().AsNoTracking().SingleAsync(s => s.Id == scheduleId, Ct);
        var whole = new DateTime(scheduledFor.Ticks - scheduledFor.Ticks % TimeSpan.TicksPerSecond, DateTimeKind.Utc);
        var run = RecordedRuns.Planned(schedule.WorkspaceId, scheduleId, schedule.Priority, schedule.JobType, whole, status, reason);
        db.Executions.Add(run);
        await db.SaveChangesAsync(Ct);
        return run;
    }

    /// <summary>Run now (a manual run); returns the execution id.</summary>
    public async Task<Guid> RunNowAsync(Guid scheduleId)
    {
        var response = await Client.PostAsJsonAsync($"/api/v1/schedules/{scheduleId}/run", new { }, Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.IsSuccessStatusCode, text);
        return JsonDocument.Parse(text).RootElement.GetProperty("id").GetGuid();
    }

    public async Task<JsonElement> ExecutionAsync(Guid executionId) =>
        (await Client.GetFromJsonAsync<JsonElement>($"/api/v1/executions/{executionId}", Ct)).GetProperty("execution");

    public Task<JsonElement> WaitForAsync(Guid executionId, Func<JsonElement, bool> done, string what) =>
        Eventually.GetAsync(() => ExecutionAsync(executionId), done, TimeSpan.FromSeconds(30), what);

    public async ValueTask DisposeAsync()
    {
        await App.DisposeAsync();
        await Receiver.DisposeAsync();
    }
}
