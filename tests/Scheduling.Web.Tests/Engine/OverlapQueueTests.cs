using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Scheduling.Web.Engine;
using Scheduling.Web.Features.Executions;
using Scheduling.Web.Tests.Infrastructure;

namespace Scheduling.Web.Tests.Engine;

/// <summary>
/// Overlap policies end to end: the real dispatcher and Hangfire workers deliver to a loopback integration that
/// holds its responses open, so runs of one schedule really are in flight at the same time (or must not be).
/// Manual runs ("run now") go through the same overlap rules as planned ones.
/// </summary>
public class OverlapQueueTests
{
    private const string WaitingReason = "Waiting for the previous run";
    private const string SkippedReason = "the previous run of this schedule was still going";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task QueueOne_OneRunWaits_LaterOnesAreSkipped_AndTheWaitingOneRunsAfterTheFirst()
    {
        await using var host = await EngineHost.StartAsync();
        await using var receiver = await HoldingWebhookReceiver.StartAsync();
        receiver.Respond("queue-one", TimeSpan.FromSeconds(2));
        receiver.Pause("queue-one");
        var scheduleId = await CreateAsync(host, receiver.Url("queue-one"), "queue_one");

        var first = await host.RunNowAsync(scheduleId);
        await InFlightAsync(receiver, "queue-one", 1);

        // Each run now is looked at by the engine before the next is asked for.
        var waiting = await host.RunNowAsync(scheduleId);
        var waitingView = await host.WaitForAsync(waiting, e => Status(e) == "pending" && Reason(e).Contains(WaitingReason, StringComparison.Ordinal), "the second run to wait");
        Assert.Equal(0, waitingView.GetProperty("attempts").GetInt32());
        var skipped = new List<Guid>();
        for (var i = 0; i < 2; i++)
        {
            var later = await host.RunNowAsync(scheduleId);
            var view = await host.WaitForAsync(later, e => Status(e) != "pending", "a later run to be decided");
            Assert.Equal("skipped", Status(view));
            Assert.Contains(SkippedReason, Reason(view), StringComparison.Ordinal);
            skipped.Add(later);
        }
        // The first is still held open: nothing else was delivered, the waiting run still waits.
        Assert.Equal(first, Assert.Single(receiver.On("queue-one")).ExecutionId);
        Assert.Equal("pending", Status(await host.ExecutionAsync(waiting)));

        receiver.Resume("queue-one");
        await host.WaitForAsync(waiting, e => Status(e) == "completed", "the waiting run to complete");
        await QuiescentAsync(host, scheduleId);

        var firstView = await host.ExecutionAsync(first);
        var secondView = await host.ExecutionAsync(waiting);
        Assert.Equal("completed", Status(firstView));
        Assert.True(secondView.GetProperty("startedAt").GetDateTime() >= firstView.GetProperty("completedAt").GetDateTime(),
            $"the waiting run started {secondView.GetProperty("startedAt")} before the first completed {firstView.GetProperty("completedAt")}");
        foreach (var id in skipped)
        {
            Assert.Equal("skipped", Status(await host.ExecutionAsync(id)));
        }
        AssertOneAtATime(receiver, "queue-one", [first, waiting]);
        Assert.Equal(2, (await host.ExecutionsOfAsync(scheduleId)).EnumerateArray().Count(e => Status(e) == "completed"));
    }

    [Fact]
    public async Task QueueOne_ARunOfAnEarlierOccurrenceReachingTheEngineLate_IsSkipped_WhileALaterOneAlreadyWaits()
    {
        await using var host = await EngineHost.StartAsync();
        await using var receiver = await HoldingWebhookReceiver.StartAsync();
        receiver.Respond("late", TimeSpan.Zero);
        receiver.Pause("late");
        var scheduleId = await CreateAsync(host, receiver.Url("late"), "queue_one");
        var first = await host.RunNowAsync(scheduleId);
        await InFlightAsync(receiver, "late", 1);
        var waiting = await host.RunNowAsync(scheduleId);
        await host.WaitForAsync(waiting, e => Status(e) == "pending" && Reason(e).Contains(WaitingReason, StringComparison.Ordinal), "the second run to wait");

        // A planned run of an occurrence before both, whose job reaches the engine only now (recovered, or late):
        // one run already waits, so this one is skipped, not queued as a second.
        var run = await host.RecordRunAsync(scheduleId, DateTime.UtcNow.AddMinutes(-1), ExecutionStatus.Pending);
        var late = run.Id;
        host.App.Services.GetRequiredService<ExecutionQueue>().Enqueue(run.Id, run.Priority);
        var lateView = await host.WaitForAsync(late, e => Status(e) != "pending", "the late run to be decided");
        Assert.Equal("skipped", Status(lateView));
        Assert.Contains(SkippedReason, Reason(lateView), StringComparison.Ordinal);
        Assert.Equal("pending", Status(await host.ExecutionAsync(waiting)));

        receiver.Resume("late");
        await host.WaitForAsync(waiting, e => Status(e) == "completed", "the waiting run to complete");
        await QuiescentAsync(host, scheduleId);
        Assert.Equal("skipped", Status(await host.ExecutionAsync(late)));
        AssertOneAtATime(receiver, "late", [first, waiting]);
    }

    [Fact]
    public async Task QueueAll_EveryRunWaits_ThenAllRunOneAfterAnother_InScheduledOrder()
    {
        await using var host = await EngineHost.StartAsync();
        await using var receiver = await HoldingWebhookReceiver.StartAsync();
        receiver.Respond("queue-all", TimeSpan.FromSeconds(2));
        receiver.Pause("queue-all");
        var scheduleId = await CreateAsync(host, receiver.Url("queue-all"), "queue_all");

        var first = await host.RunNowAsync(scheduleId);
        await InFlightAsync(receiver, "queue-all", 1);
        var queued = new List<Guid>();
        for (var i = 0; i < 3; i++)
        {
            var run = await host.RunNowAsync(scheduleId);
            await host.WaitForAsync(run, e => Status(e) == "pending" && Reason(e).Contains(WaitingReason, StringComparison.Ordinal), $"queued run {i + 1} to wait");
            queued.Add(run);
        }
        Assert.Equal(first, Assert.Single(receiver.On("queue-all")).ExecutionId);

        receiver.Resume("queue-all");
        await Eventually.GetAsync(() => host.ExecutionsOfAsync(scheduleId),
            list => list.GetArrayLength() == 4 && list.EnumerateArray().All(e => Status(e) == "completed"),
            TimeSpan.FromSeconds(40), "all four runs to complete");
        await QuiescentAsync(host, scheduleId);

        // scheduledFor order is the order the runs were asked for.
        var expected = (await host.ExecutionsOfAsync(scheduleId)).EnumerateArray()
            .OrderBy(e => e.GetProperty("scheduledFor").GetDateTime()).Select(e => e.GetProperty("id").GetGuid()).ToList();
        Assert.Equal([first, .. queued], expected);
        AssertOneAtATime(receiver, "queue-all", expected);
    }

    [Fact]
    public async Task QueueAll_PlannedRunsDueEverySecond_SlowerThanTheirInterval_RunInOrderWithoutOverlap()
    {
        await using var host = await EngineHost.StartAsync();
        await using var receiver = await HoldingWebhookReceiver.StartAsync();
        // Each run takes 2.5 s; a run is due every second.
        receiver.Respond("every-second", TimeSpan.FromSeconds(2.5));
        var created = await host.Client.PostAsJsonAsync("/api/v1/schedules", new
        {
            name = "Every second, slow",
            jobType = "export",
            timezone = "UTC",
            recurrence = new { cron = "* * * * * *" },
            maxRuns = 4,
            overlapPolicy = "queue_all",
            webhookUrl = receiver.Url("every-second"),
        }, Ct);
        var text = await created.Content.ReadAsStringAsync(Ct);
        Assert.True(created.IsSuccessStatusCode, text);
        var scheduleId = JsonDocument.Parse(text).RootElement.GetProperty("id").GetGuid();

        // While the first is going, later occurrences are recorded and wait their turn (none is dropped).
        await Eventually.GetAsync(() => host.ExecutionsOfAsync(scheduleId),
            list => list.EnumerateArray().Any(e => Status(e) == "pending" && Reason(e).Contains(WaitingReason, StringComparison.Ordinal)),
            TimeSpan.FromSeconds(20), "a planned run waiting for the previous one");

        var runs = await Eventually.GetAsync(() => host.ExecutionsOfAsync(scheduleId),
            list => list.GetArrayLength() == 4 && list.EnumerateArray().All(e => Status(e) == "completed"),
            TimeSpan.FromSeconds(40), "the four planned runs to complete");
        await QuiescentAsync(host, scheduleId);

        var order = runs.EnumerateArray().OrderBy(e => e.GetProperty("scheduledFor").GetDateTime()).ToList();
        Assert.All(order, e => Assert.False(e.GetProperty("isManual").GetBoolean()));
        // Due one second apart: they really were due while an earlier one was going.
        Assert.Equal(3, order.Zip(order.Skip(1), (a, b) => b.GetProperty("scheduledFor").GetDateTime() - a.GetProperty("scheduledFor").GetDateTime())
            .Count(gap => gap == TimeSpan.FromSeconds(1)));
        AssertOneAtATime(receiver, "every-second", [.. order.Select(e => e.GetProperty("id").GetGuid())]);
    }

    [Fact]
    public async Task Allow_ASecondRunStartsWhileTheFirstIsInFlight()
    {
        await using var host = await EngineHost.StartAsync();
        await using var receiver = await HoldingWebhookReceiver.StartAsync();
        receiver.Respond("allow", TimeSpan.Zero);
        receiver.Pause("allow");
        var scheduleId = await CreateAsync(host, receiver.Url("allow"), "allow");

        var first = await host.RunNowAsync(scheduleId);
        await InFlightAsync(receiver, "allow", 1);
        var second = await host.RunNowAsync(scheduleId);
        // Both are held open at the integration at the same moment.
        await InFlightAsync(receiver, "allow", 2);
        Assert.Equal("running", Status(await host.ExecutionAsync(first)));

        receiver.Resume("allow");
        await host.WaitForAsync(first, e => Status(e) == "completed", "the first run to complete");
        await host.WaitForAsync(second, e => Status(e) == "completed", "the second run to complete");
        Assert.Equal(2, receiver.MaxInFlight("allow"));
        Assert.Equal(new[] { first, second }.Order(), receiver.On("allow").Select(r => r.ExecutionId).Order());
    }

    [Fact]
    public async Task Skip_ARunWhileTheFirstIsInFlight_IsSkippedAndNeverDelivered()
    {
        await using var host = await EngineHost.StartAsync();
        await using var receiver = await HoldingWebhookReceiver.StartAsync();
        receiver.Respond("skip", TimeSpan.Zero);
        receiver.Pause("skip");
        var scheduleId = await CreateAsync(host, receiver.Url("skip"), "skip");

        var first = await host.RunNowAsync(scheduleId);
        await InFlightAsync(receiver, "skip", 1);
        var second = await host.RunNowAsync(scheduleId);
        var view = await host.WaitForAsync(second, e => Status(e) != "pending", "the second run to be decided");
        Assert.Equal("skipped", Status(view));
        Assert.Contains(SkippedReason, Reason(view), StringComparison.Ordinal);

        receiver.Resume("skip");
        await host.WaitForAsync(first, e => Status(e) == "completed", "the first run to complete");
        await QuiescentAsync(host, scheduleId);
        Assert.Equal(first, Assert.Single(receiver.On("skip")).ExecutionId);
    }

    /// <summary>
    /// The receiver got each run exactly once, in this order, and never two at once: each request arrived
    /// after the previous one had been answered.
    /// </summary>
    private static void AssertOneAtATime(HoldingWebhookReceiver receiver, string path, IReadOnlyList<Guid> order)
    {
        var requests = receiver.On(path).OrderBy(r => r.ArrivedSeq).ToList();
        var timeline = string.Join("\n", requests.Select(r =>
            $"{r.ExecutionId} attempt {r.Attempt}: arrived #{r.ArrivedSeq} {r.ReceivedAt:HH:mm:ss.fff}, answered #{r.AnsweredSeq} {r.AnsweredAt:HH:mm:ss.fff} ({r.Status})"));
        Assert.True(receiver.MaxInFlight(path) == 1, $"{receiver.MaxInFlight(path)} requests were in flight at once:\n{timeline}");
        Assert.True(requests.Select(r => r.ExecutionId).SequenceEqual(order), $"expected each of {string.Join(", ", order)} once, in that order; got:\n{timeline}");
        for (var i = 1; i < requests.Count; i++)
        {
            Assert.True(requests[i].ArrivedSeq > requests[i - 1].AnsweredSeq, $"request {i} arrived before request {i - 1} was answered:\n{timeline}");
        }
        Assert.All(requests, r => Assert.Equal(1, r.Attempt));
        Assert.All(requests, r => Assert.Equal(r.ExecutionId.ToString(), r.IdempotencyKey));
    }

    /// <summary>A recurring schedule whose planned runs are years away: only manual runs happen.</summary>
    private static async Task<Guid> CreateAsync(EngineHost host, string webhookUrl, string overlapPolicy)
    {
        var response = await host.Client.PostAsJsonAsync("/api/v1/schedules", new
        {
            name = $"Overlap {overlapPolicy}",
            jobType = "export",
            timezone = "UTC",
            recurrence = new { rrule = "FREQ=DAILY;BYHOUR=6;BYMINUTE=0", start = "2030-01-01T00:00" },
            overlapPolicy,
            webhookUrl,
        }, Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.IsSuccessStatusCode, text);
        var schedule = JsonDocument.Parse(text).RootElement;
        Assert.Equal(overlapPolicy, schedule.GetProperty("overlapPolicy").GetString());
        return schedule.GetProperty("id").GetGuid();
    }

    private static Task InFlightAsync(HoldingWebhookReceiver receiver, string path, int count) =>
        Eventually.GetAsync(() => Task.FromResult(receiver.InFlight(path)), n => n == count, TimeSpan.FromSeconds(30), $"{count} request(s) held at /{path}");

    /// <summary>
    /// Waits until the engine has nothing left to do for the schedule: no run pending or running, and no Hangfire
    /// job enqueued, scheduled (rechecks of waiting runs) or processing. Whatever was delivered by then is final.
    /// </summary>
    private static async Task QuiescentAsync(EngineHost host, Guid scheduleId)
    {
        var monitoring = host.App.Services.GetRequiredService<Hangfire.JobStorage>().GetMonitoringApi();
        await Eventually.GetAsync(async () =>
            {
                var open = (await host.ExecutionsOfAsync(scheduleId)).EnumerateArray().Count(e => Status(e) is "pending" or "running");
                return (open, jobs: monitoring.ScheduledCount() + monitoring.ProcessingCount() + monitoring.Queues().Sum(q => q.Length));
            },
            state => state.open == 0 && state.jobs == 0, TimeSpan.FromSeconds(30), "the engine to be idle");
    }

    private static string? Status(JsonElement execution) => execution.GetProperty("status").GetString();

    private static string Reason(JsonElement execution) => execution.GetProperty("reason").GetString() ?? "";
}
