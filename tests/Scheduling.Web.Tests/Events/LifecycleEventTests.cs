using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Scheduling.Web.Data;
using Scheduling.Web.Engine;
using Scheduling.Web.Features.Events;
using Scheduling.Web.Features.Executions;
using Scheduling.Web.Tests.Api;
using Scheduling.Web.Tests.Engine;
using Scheduling.Web.Tests.Infrastructure;

namespace Scheduling.Web.Tests.Events;

/// <summary>Lifecycle event webhooks end to end: subscriptions, the outbox, the delivery loop, on SQLite and PostgreSQL.</summary>
public class LifecycleEventTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    internal static async Task<(Guid Id, string Secret)> SubscribeAsync(HttpClient client, string url, params string[] events)
    {
        var response = await client.PostAsJsonAsync("/api/v1/workspace/event-subscriptions", new { url, events = events.Length == 0 ? ["*"] : events, description = "test" }, Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.Created, text);
        var created = JsonDocument.Parse(text).RootElement;
        return (created.GetProperty("subscription").GetProperty("id").GetGuid(), created.GetProperty("secret").GetString()!);
    }

    private static void AssertSigned(ReceivedWebhook received, string secret)
    {
        Assert.Equal(WebhookDelivery.Sign(received.Body, secret), received.Signature);
        Assert.Equal(received.Json.GetProperty("id").GetString(), received.IdempotencyKey);
        Assert.Equal(received.Json.GetProperty("type").GetString(), received.Event);
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task ScheduleAndRunTransitions_ArriveSignedAndInOrder(DatabaseProvider provider)
    {
        await using var host = await EngineHost.StartAsync(provider, extra: new() { ["Events:DeliveryInterval"] = "00:00:00.100" });
        var (_, secret) = await SubscribeAsync(host.Client, host.Receiver.Url("events"));
        // A second subscription that wants only failures hears nothing here.
        await SubscribeAsync(host.Client, host.Receiver.Url("failures"), EventTypes.ExecutionFailed);

        var schedule = await host.CreateOnceAsync("run");
        var run = await host.WaitForExecutionAsync(schedule, "completed");
        var runId = run.GetProperty("execution").GetProperty("id").GetGuid();
        var second = await host.Client.PostAsJsonAsync("/api/v1/schedules", WorkspaceFixtures.Schedule("Weekly"), Ct);
        var copy = (await second.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("id").GetGuid();
        Assert.True((await host.Client.PostAsJsonAsync($"/api/v1/schedules/{copy}/pause", new { note = "wait" }, Ct)).IsSuccessStatusCode);
        Assert.True((await host.Client.PostAsJsonAsync($"/api/v1/schedules/{copy}/resume", new { }, Ct)).IsSuccessStatusCode);
        Assert.True((await host.Client.PostAsJsonAsync($"/api/v1/schedules/{copy}/cancel", new { }, Ct)).IsSuccessStatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await host.Client.DeleteAsync($"/api/v1/schedules/{copy}", Ct)).StatusCode);

        string[] expected =
        [
            $"schedule.created {schedule}", $"execution.started {runId}", $"execution.completed {runId}", $"schedule.completed {schedule}",
            $"schedule.created {copy}", $"schedule.paused {copy}", $"schedule.resumed {copy}", $"schedule.cancelled {copy}", $"schedule.deleted {copy}",
        ];
        var received = await Eventually.GetAsync(() => Task.FromResult(host.Receiver.On("events")), r => r.Count >= expected.Length, TimeSpan.FromSeconds(30), "nine events");
        var seen = received.Select(r => $"{r.Json.GetProperty("type").GetString()} {r.Json.GetProperty("data").GetProperty("id").GetString()}").ToList();
        // The run's start, end and the schedule's completion race each other in the engine; everything else is in order.
        Assert.Equal(expected.Order(), seen.Order());
        Assert.Equal(expected[0], seen[0]);
        Assert.Equal(expected[4..], seen[4..]);
        Assert.True(seen.IndexOf(expected[1]) < seen.IndexOf(expected[2]), string.Join(" | ", seen));
        foreach (var r in received)
        {
            AssertSigned(r, secret);
            Assert.Equal(host.App.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<ExecutionOptions>>().Value.NodeName, r.Node);
        }
        var completed = received.Single(r => r.Event == "execution.completed").Json;
        Assert.Equal("completed", completed.GetProperty("data").GetProperty("status").GetString());
        Assert.Equal(schedule, completed.GetProperty("data").GetProperty("scheduleId").GetGuid());
        Assert.Equal("paused", received.Single(r => r.Event == "schedule.paused").Json.GetProperty("data").GetProperty("status").GetString());
        Assert.Empty(host.Receiver.On("failures"));

        var log = await host.Client.GetFromJsonAsync<JsonElement>("/api/v1/workspace/event-deliveries?pageSize=5", Ct);
        Assert.Equal(expected.Length, log.GetProperty("total").GetInt32());
        Assert.Equal(5, log.GetProperty("items").GetArrayLength());
        Assert.All(log.GetProperty("items").EnumerateArray(), d => Assert.Equal("delivered", d.GetProperty("status").GetString()));
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task AFailedTransition_WritesNoEvent(DatabaseProvider provider)
    {
        // An observer after the outbox fails: the transition rolls back, and the event row it wrote with it.
        var failing = new FailingObserver();
        await using var app = await AppFactory.StartAsync(provider, new Dictionary<string, string?> { ["Execution:RunServer"] = "false", ["Execution:RunDispatcher"] = "false", ["Events:RunDelivery"] = "false", ["Execution:AllowPrivateNetworkTargets"] = "true" },
            services => services.AddSingleton<IRunTransitionObserver>(failing));
        var owner = await WorkspaceFixtures.CreateAsync(app, "owner@example.com");
        await SubscribeAsync(owner.Bearer, "http://127.0.0.1:9/events");
        await using var scope = app.Services.CreateAsyncScope();
        var transitions = scope.ServiceProvider.GetRequiredService<RunTransitions>();
        await using var db = await scope.ServiceProvider.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync(Ct);
        var run = await db.Executions.IgnoreQueryFilters().SingleAsync(e => e.Id == owner.ExecutionId, Ct);
        var before = await db.LifecycleEvents.IgnoreQueryFilters().CountAsync(Ct);
        failing.Fail = true;

        await Assert.ThrowsAsync<InvalidOperationException>(() => transitions.StartAsync(db, run, "job", DateTime.UtcNow, Ct));

        Assert.Equal(before, await db.LifecycleEvents.IgnoreQueryFilters().CountAsync(Ct));
        Assert.Equal(ExecutionStatus.Pending, await db.Executions.IgnoreQueryFilters().Where(e => e.Id == run.Id).Select(e => e.Status).SingleAsync(Ct));

        // Without the failure the same transition writes its one event.
        failing.Fail = false;
        Assert.True(await transitions.StartAsync(db, run, "job", DateTime.UtcNow, Ct));
        var written = await db.LifecycleEvents.IgnoreQueryFilters().Where(e => e.SubjectId == run.Id).ToListAsync(Ct);
        Assert.Equal(EventTypes.ExecutionStarted, Assert.Single(written).Type);
        Assert.Equal(owner.WorkspaceId, written[0].WorkspaceId);
    }

    private sealed class FailingObserver : IRunTransitionObserver
    {
        public volatile bool Fail;

        public Task OnTransitionAsync(AppDbContext db, RunTransition transition, CancellationToken ct) =>
            Fail ? throw new InvalidOperationException("observer failed") : Task.CompletedTask;
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task AFailingReceiver_IsRetriedWithBackoffFor24Hours_ThenFailed_AndARedeliveryKeepsTheEventId(DatabaseProvider provider)
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2030, 1, 1, 12, 0, 0, TimeSpan.Zero));
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Respond("events", [500]);
        await using var app = await AppFactory.StartAsync(provider,
            new Dictionary<string, string?> { ["Execution:RunServer"] = "false", ["Execution:RunDispatcher"] = "false", ["Events:RunDelivery"] = "false", ["Execution:AllowPrivateNetworkTargets"] = "true" },
            services => services.AddSingleton<TimeProvider>(clock));
        var owner = await WorkspaceFixtures.CreateAsync(app, "owner@example.com");
        var (subscription, _) = await SubscribeAsync(owner.Bearer, receiver.Url("events"), EventTypes.ScheduleCreated, EventTypes.SchedulePaused);
        var first = (await (await owner.Bearer.PostAsJsonAsync("/api/v1/schedules", WorkspaceFixtures.Schedule("First"), Ct)).Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("id").GetGuid();
        Assert.True((await owner.Bearer.PostAsJsonAsync($"/api/v1/schedules/{first}/pause", new { }, Ct)).IsSuccessStatusCode);

        async Task PassAsync()
        {
            await using var scope = app.Services.CreateAsyncScope();
            await scope.ServiceProvider.GetRequiredService<EventDeliverer>().RunOnceAsync(Ct);
        }
        IReadOnlyList<ReceivedWebhook> Got() => receiver.On("events");

        await PassAsync();
        Assert.Single(Got());
        await PassAsync();
        Assert.Single(Got()); // not due yet: 10 s of backoff
        clock.Advance(TimeSpan.FromSeconds(10));
        await PassAsync();
        Assert.Equal(2, Got().Count);
        clock.Advance(TimeSpan.FromSeconds(19));
        await PassAsync();
        Assert.Equal(2, Got().Count); // 20 s after the second attempt
        clock.Advance(TimeSpan.FromSeconds(1));
        await PassAsync();
        Assert.Equal(3, Got().Count);
        // In order: the pause waits behind the created event as long as that one is retried.
        Assert.All(Got(), r => Assert.Equal(EventTypes.ScheduleCreated, r.Event));
        Assert.Single(Got().Select(r => r.IdempotencyKey).Distinct());

        var attemptsBefore = Got().Count;
        clock.Advance(TimeSpan.FromHours(24));
        receiver.Respond("events", [500, 200]);
        await PassAsync();
        // The created event's window is over: failed after its last attempt; the pause behind it goes next (and gets 200).
        var calls = Got().Skip(attemptsBefore).ToList();
        Assert.Equal([EventTypes.ScheduleCreated, EventTypes.SchedulePaused], calls.Select(c => c.Event).ToArray());
        var log = (await owner.Bearer.GetFromJsonAsync<JsonElement>($"/api/v1/workspace/event-deliveries?subscriptionId={subscription}", Ct)).GetProperty("items");
        var failed = log.EnumerateArray().Single(d => d.GetProperty("type").GetString() == EventTypes.ScheduleCreated);
        Assert.Equal("failed", failed.GetProperty("status").GetString());
        Assert.Equal(attemptsBefore + 1, failed.GetProperty("attempts").GetInt32());
        Assert.Equal(500, failed.GetProperty("responseStatus").GetInt32());
        Assert.Equal("delivered", log.EnumerateArray().Single(d => d.GetProperty("type").GetString() == EventTypes.SchedulePaused).GetProperty("status").GetString());

        receiver.Respond("events", [200]);
        var redeliver = await owner.Bearer.PostAsync($"/api/v1/workspace/event-deliveries/{failed.GetProperty("id").GetGuid()}/redeliver", null, Ct);
        Assert.True(redeliver.IsSuccessStatusCode, await redeliver.Content.ReadAsStringAsync(Ct));
        await PassAsync();
        var last = Got()[^1];
        Assert.Equal(EventTypes.ScheduleCreated, last.Event);
        Assert.Equal(failed.GetProperty("eventId").GetGuid().ToString(), last.IdempotencyKey);
        Assert.Equal(Got()[0].Body, last.Body);
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task Subscriptions_RefusePrivateTargets_CheckTheirInput_AndOnlyOwnersAndAdminsChangeThem(DatabaseProvider provider)
    {
        await using var app = await AppFactory.StartAsync(provider, new Dictionary<string, string?> { ["Events:RunDelivery"] = "false" });
        var owner = await WorkspaceFixtures.CreateAsync(app, "owner@example.com");
        foreach (var url in new[] { "http://127.0.0.1:8080/hook", "http://169.254.169.254/latest", "http://10.0.0.5/x", "ftp://example.com/x", "" })
        {
            var refused = await owner.Bearer.PostAsJsonAsync("/api/v1/workspace/event-subscriptions", new { url, events = new[] { "*" } }, Ct);
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            Assert.True((await refused.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("errors").TryGetProperty("url", out _), url);
        }
        foreach (var events in new object[] { Array.Empty<string>(), new[] { "*", "schedule.created" }, new[] { "schedule.exploded" } })
        {
            var refused = await owner.Bearer.PostAsJsonAsync("/api/v1/workspace/event-subscriptions", new { url = "https://example.com/hook", events }, Ct);
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            Assert.True((await refused.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("errors").TryGetProperty("events", out _));
        }
        var (_, creator) = await owner.JoinAsync("creator@example.com", "creator");
        var (_, manager) = await owner.JoinAsync("manager@example.com", "manager");
        Assert.Equal(HttpStatusCode.Forbidden, (await creator.PostAsJsonAsync("/api/v1/workspace/event-subscriptions", new { url = "https://example.com/hook", events = new[] { "*" } }, Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await manager.PostAsJsonAsync("/api/v1/workspace/event-subscriptions", new { url = "https://example.com/hook", events = new[] { "*" } }, Ct)).StatusCode);
        var (id, secret) = await SubscribeAsync(owner.Bearer, "https://example.com/hook", EventTypes.ScheduleCreated);
        Assert.StartsWith("whsec_", secret, StringComparison.Ordinal);

        var listed = await manager.GetFromJsonAsync<JsonElement>("/api/v1/workspace/event-subscriptions", Ct);
        // The workspace fixtures bring a subscription of their own: find ours.
        Assert.Contains(listed.EnumerateArray(), s => s.GetProperty("id").GetGuid() == id);
        Assert.All(listed.EnumerateArray(), s => Assert.False(s.TryGetProperty("secret", out _)));
        Assert.DoesNotContain(secret, listed.GetRawText(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, (await manager.PostAsync($"/api/v1/workspace/event-subscriptions/{id}/rotate-secret", null, Ct)).StatusCode);
        var rotated = await owner.Bearer.PostAsync($"/api/v1/workspace/event-subscriptions/{id}/rotate-secret", null, Ct);
        Assert.NotEqual(secret, (await rotated.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("secret").GetString());
        var updated = await owner.Bearer.PutAsJsonAsync($"/api/v1/workspace/event-subscriptions/{id}", new { url = "https://example.com/other", events = new[] { "*" } }, Ct);
        Assert.Equal("https://example.com/other", (await updated.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("url").GetString());
        Assert.Equal(HttpStatusCode.Forbidden, (await creator.DeleteAsync($"/api/v1/workspace/event-subscriptions/{id}", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await owner.Bearer.DeleteAsync($"/api/v1/workspace/event-subscriptions/{id}", Ct)).StatusCode);
    }

    [Fact]
    public async Task Test_SendsASignedPing_AndReportsTheAnswer()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Respond("ping", [418]);
        await using var app = await AppFactory.StartAsync(DatabaseProvider.Sqlite, new Dictionary<string, string?> { ["Events:RunDelivery"] = "false", ["Execution:AllowPrivateNetworkTargets"] = "true" });
        var owner = await WorkspaceFixtures.CreateAsync(app, "owner@example.com");
        var (id, secret) = await SubscribeAsync(owner.Bearer, receiver.Url("ping"));

        var result = await (await owner.Bearer.PostAsync($"/api/v1/workspace/event-subscriptions/{id}/test", null, Ct)).Content.ReadFromJsonAsync<JsonElement>(Ct);

        Assert.False(result.GetProperty("succeeded").GetBoolean());
        Assert.Equal(418, result.GetProperty("status").GetInt32());
        var ping = Assert.Single(receiver.On("ping"));
        Assert.Equal(EventTypes.Ping, ping.Event);
        AssertSigned(ping, secret);
        Assert.Equal(owner.WorkspaceId, ping.Json.GetProperty("workspaceId").GetGuid());
    }
}
