using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Scheduling.Web.Data;
using Scheduling.Web.Features.Alerts;
using Scheduling.Web.Features.Executions;
using Scheduling.Web.Tests.Api;
using Scheduling.Web.Tests.Infrastructure;

namespace Scheduling.Web.Tests.Progress;

/// <summary>
/// The app on a fake clock with no engine running (no Hangfire server, no dispatcher, no event delivery), a workspace
/// whose run is started through <see cref="RunTransitions"/> as the engine would: the progress API is then driven alone.
/// </summary>
public sealed class ProgressScenario : IAsyncDisposable
{
    public required AppFactory App { get; init; }
    public required FakeTimeProvider Clock { get; init; }
    public required WorkspaceFixtures Owner { get; init; }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public Guid RunId => Owner.ExecutionId;

    public static async Task<ProgressScenario> StartAsync(DatabaseProvider provider, Dictionary<string, string?>? extra = null)
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2030, 1, 1, 12, 0, 0, TimeSpan.Zero));
        var settings = new Dictionary<string, string?>
        {
            ["Execution:RunServer"] = "false",
            ["Execution:RunDispatcher"] = "false",
            ["Events:RunDelivery"] = "false",
        };
        foreach (var (key, value) in extra ?? [])
        {
            settings[key] = value;
        }
        var app = await AppFactory.StartAsync(provider, settings, services => services.AddSingleton<TimeProvider>(clock));
        var owner = await WorkspaceFixtures.CreateAsync(app, "owner@example.com");
        return new ProgressScenario { App = app, Clock = clock, Owner = owner };
    }

    /// <summary>Starts the workspace's (pending) run; <paramref name="accepted"/>: its webhook then answered 202 (running, awaiting the callback).</summary>
    public async Task StartRunAsync(bool accepted = true)
    {
        await using var scope = App.Services.CreateAsyncScope();
        var transitions = scope.ServiceProvider.GetRequiredService<RunTransitions>();
        await using var db = await scope.ServiceProvider.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync(Ct);
        var run = await db.Executions.IgnoreQueryFilters().AsNoTracking().SingleAsync(e => e.Id == RunId, Ct);
        var now = Clock.GetUtcNow().UtcDateTime;
        Assert.True(await transitions.StartAsync(db, run, "job-1", now, Ct));
        if (accepted)
        {
            Assert.True(await transitions.EndAttemptAsync(db, RunOutcome.WaitingForCallback(run, now.AddHours(1), "job-2", null), Ct));
        }
    }

    public Task<HttpResponseMessage> ReportAsync(object body, HttpClient? client = null) =>
        (client ?? Owner.Bearer).PostAsJsonAsync($"/api/v1/executions/{RunId}/progress", body, Ct);

    public async Task<JsonElement> ReportOkAsync(object body)
    {
        var response = await ReportAsync(body);
        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.IsSuccessStatusCode, text);
        return JsonDocument.Parse(text).RootElement;
    }

    public async Task<JsonElement> RunAsync() =>
        (await Owner.Bearer.GetFromJsonAsync<JsonElement>($"/api/v1/executions/{RunId}", Ct)).GetProperty("execution");

    public async Task<JsonElement> HistoryAsync() =>
        await Owner.Bearer.GetFromJsonAsync<JsonElement>($"/api/v1/executions/{RunId}/progress", Ct);

    /// <summary>One pass of the alert evaluation job; how many alerts it raised.</summary>
    public async Task<int> EvaluateAlertsAsync()
    {
        await using var scope = App.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<AlertEvaluator>().EvaluateAsync(Ct);
    }

    public async ValueTask DisposeAsync() => await App.DisposeAsync();
}
