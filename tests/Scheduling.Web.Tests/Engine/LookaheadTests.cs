using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Scheduling.Core.Scheduling;
using Scheduling.Web.Data;
using Scheduling.Web.Features.Executions;
using Scheduling.Web.Features.Workspaces;
using Scheduling.Web.Tests.Infrastructure;

namespace Scheduling.Web.Tests.Engine;

/// <summary>
/// The dispatcher claims runs a few seconds ahead of their time (Execution:DispatchLookahead): they must still
/// start at their time, not before; a change to the schedule in those seconds must hold; and a node that stops
/// while it holds them must not lose them.
/// </summary>
public class LookaheadTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static Dictionary<string, string?> Ahead(int seconds) => new() { ["Execution:DispatchLookahead"] = $"00:00:{seconds:00}" };

    private static async Task<JsonElement> ClaimedAsync(EngineHost host, Guid scheduleId) =>
        await Eventually.GetAsync(() => host.ExecutionsOfAsync(scheduleId), list => list.GetArrayLength() == 1, TimeSpan.FromSeconds(10), "the run to be claimed ahead");

    [Fact]
    public async Task RunClaimedAhead_IsUpcoming_ThenStartsAtItsTime_NotBefore()
    {
        await using var host = await EngineHost.StartAsync(extra: Ahead(10));
        var id = await host.CreateOnceAsync("ahead", inSeconds: 5);

        var claimed = Assert.Single((await ClaimedAsync(host, id)).EnumerateArray());
        var scheduledFor = claimed.GetProperty("scheduledFor").GetDateTime();
        Assert.Equal("pending", claimed.GetProperty("status").GetString());
        Assert.True(scheduledFor > DateTime.UtcNow.AddSeconds(1), "claimed well ahead of its time");
        var upcoming = await host.Client.GetFromJsonAsync<JsonElement>("/api/v1/schedules/upcoming?hoursAhead=1", Ct);
        Assert.Contains(upcoming.EnumerateArray(), u => u.GetProperty("scheduleId").GetGuid() == id && u.GetProperty("scheduledFor").GetDateTime() == scheduledFor);
        var status = await host.Client.GetFromJsonAsync<JsonElement>("/api/v1/scheduler/status", Ct);
        Assert.Equal(1, status.GetProperty("heldOnThisNode").GetInt32());

        var done = await host.WaitForExecutionAsync(id, "completed");
        var delivery = Assert.Single(host.Receiver.On("ahead"));
        Assert.True(delivery.ReceivedAt >= scheduledFor.AddMilliseconds(-20), $"delivered at {delivery.ReceivedAt:HH:mm:ss.fff}, due {scheduledFor:HH:mm:ss.fff}");
        Assert.True(done.GetProperty("execution").GetProperty("startedAt").GetDateTime() >= scheduledFor.AddMilliseconds(-20));
    }

    [Fact]
    public async Task Jitter_StartsTheRunAtItsFixedOffsetAfterTheOccurrence()
    {
        await using var host = await EngineHost.StartAsync(extra: Ahead(10));
        var id = await host.CreateOnceAsync("jitter", extra: new { JitterSeconds = 4 }, inSeconds: 2);
        var scheduledFor = Assert.Single((await ClaimedAsync(host, id)).EnumerateArray()).GetProperty("scheduledFor").GetDateTime();
        var offset = Jitter.OffsetFor(id, NodaTime.Instant.FromDateTimeUtc(DateTime.SpecifyKind(scheduledFor, DateTimeKind.Utc)), 4).ToTimeSpan();
        var startAt = scheduledFor + offset;

        var done = await host.WaitForExecutionAsync(id, "completed");
        var delivery = Assert.Single(host.Receiver.On("jitter"));
        Assert.True(delivery.ReceivedAt >= startAt.AddMilliseconds(-20), $"delivered at {delivery.ReceivedAt:HH:mm:ss.fff}, start {startAt:HH:mm:ss.fff} (offset {offset.TotalMilliseconds} ms)");
        Assert.True(delivery.ReceivedAt < startAt.AddSeconds(2), $"delivered at {delivery.ReceivedAt:HH:mm:ss.fff}, start {startAt:HH:mm:ss.fff}");
        // The run keeps its occurrence (the idempotency key and the envelope's scheduledFor do not move).
        Assert.Equal(scheduledFor, done.GetProperty("execution").GetProperty("scheduledFor").GetDateTime());
        Assert.Contains(scheduledFor.ToString("yyyy-MM-dd'T'HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture), delivery.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Pause_AfterTheClaim_BeforeTheTime_HoldsTheRun_AndKeepsItAsTheNextRun()
    {
        await using var host = await EngineHost.StartAsync(extra: Ahead(10));
        var id = await host.CreateOnceAsync("paused", inSeconds: 5);
        var scheduledFor = Assert.Single((await ClaimedAsync(host, id)).EnumerateArray()).GetProperty("scheduledFor").GetDateTime();

        var paused = await host.Client.PostAsJsonAsync($"/api/v1/schedules/{id}/pause", new { note = "hold on" }, Ct);
        var view = await paused.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.True(paused.IsSuccessStatusCode, view.ToString());
        Assert.Equal("paused", view.GetProperty("status").GetString());
        Assert.Equal(scheduledFor, view.GetProperty("nextRunAt").GetDateTime());
        Assert.Equal(0, view.GetProperty("runCount").GetInt32());
        Assert.Equal(0, (await host.ExecutionsOfAsync(id)).GetArrayLength());

        // Past its time and the releaser's hand-over: nothing ran.
        while (DateTime.UtcNow < scheduledFor.AddSeconds(2))
        {
            await Task.Delay(200, Ct);
        }
        Assert.Empty(host.Receiver.On("paused"));
        Assert.Equal(0, (await host.ExecutionsOfAsync(id)).GetArrayLength());
    }

    [Fact]
    public async Task Edit_AfterTheClaim_BeforeTheTime_RunsOnlyAtTheNewTime()
    {
        await using var host = await EngineHost.StartAsync(extra: Ahead(10));
        var id = await host.CreateOnceAsync("moved", inSeconds: 4);
        var first = Assert.Single((await ClaimedAsync(host, id)).EnumerateArray()).GetProperty("scheduledFor").GetDateTime();

        var at = first.AddSeconds(4);
        var edited = await host.Client.PutAsJsonAsync($"/api/v1/schedules/{id}", new
        {
            name = "Run moved",
            jobType = "export",
            jobConfig = new { format = "mp4" },
            scheduleType = "once",
            scheduledAt = at.ToString("yyyy-MM-dd'T'HH:mm:ss.fff", System.Globalization.CultureInfo.InvariantCulture),
            timezone = "UTC",
            webhookUrl = host.Receiver.Url("moved"),
        }, Ct);
        var view = await edited.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.True(edited.IsSuccessStatusCode, view.ToString());
        Assert.Equal("active", view.GetProperty("status").GetString());

        var done = await host.WaitForExecutionAsync(id, "completed");
        Assert.Equal(at, done.GetProperty("execution").GetProperty("scheduledFor").GetDateTime());
        var delivery = Assert.Single(host.Receiver.On("moved"));
        Assert.True(delivery.ReceivedAt >= at.AddMilliseconds(-20), $"delivered at {delivery.ReceivedAt:HH:mm:ss.fff}, due {at:HH:mm:ss.fff}");
        Assert.Single((await host.ExecutionsOfAsync(id)).EnumerateArray());
    }

    [Fact]
    public async Task NodeStops_WhileHoldingRunsClaimedAhead_TheNextStartRunsThemOnceAtTheirTime()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var database = new SqliteTestDatabase();
        var settings = EngineHost.FastSettings();
        settings["Execution:DispatchLookahead"] = "00:00:20";
        DateTime due;
        await using (var first = new AppFactory(database, settings, ownsDatabase: false))
        {
            first.StartServer();
            var client = await Session.RegisterAsync(first, "holder@example.com");
            due = DateTime.UtcNow.AddSeconds(8);
            for (var i = 0; i < 3; i++)
            {
                var response = await client.PostAsJsonAsync("/api/v1/schedules", new
                {
                    name = $"Held {i}",
                    jobType = "export",
                    scheduledAt = due.ToString("yyyy-MM-dd'T'HH:mm:ss.fff", System.Globalization.CultureInfo.InvariantCulture),
                    timezone = "UTC",
                    webhookUrl = receiver.Url("held"),
                }, Ct);
                response.EnsureSuccessStatusCode();
            }
            await Eventually.GetAsync(async () =>
            {
                await using var db = ReliabilityTests.Open(database);
                return await db.Executions.IgnoreQueryFilters().CountAsync(Ct);
            }, count => count == 3, what: "the three runs to be claimed ahead");
        }

        // The first node is gone with the runs it held; a new one starts on the same database.
        await using var second = new AppFactory(database, EngineHost.FastSettings(), ownsDatabase: false);
        second.StartServer();
        var executions = await Eventually.GetAsync(async () =>
        {
            await using var db = ReliabilityTests.Open(database);
            return await db.Executions.IgnoreQueryFilters().AsNoTracking().ToListAsync(Ct);
        }, list => list.All(e => e.Status == ExecutionStatus.Completed), TimeSpan.FromSeconds(30), "the held runs to complete");

        Assert.Equal(3, executions.Count);
        var deliveries = receiver.On("held");
        Assert.Equal(3, deliveries.Count);
        Assert.Equal(executions.Select(e => e.Id.ToString()).Order(), deliveries.Select(d => d.IdempotencyKey!).Order());
        var scheduledFor = executions[0].ScheduledFor;
        Assert.All(deliveries, d => Assert.True(d.ReceivedAt >= scheduledFor.AddMilliseconds(-20), $"delivered at {d.ReceivedAt:HH:mm:ss.fff}, due {scheduledFor:HH:mm:ss.fff}"));
    }
}
