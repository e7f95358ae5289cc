using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Scheduling.Web.Data;
using Scheduling.Web.Engine;
using Scheduling.Web.Features.Events;
using Scheduling.Web.Tests.Api;
using Scheduling.Web.Tests.Engine;
using Scheduling.Web.Tests.Infrastructure;

namespace Scheduling.Web.Tests.Events;

/// <summary>The delivery loop yields to the engine's bursts (decision 0044), and loses nothing by it.</summary>
public class BurstYieldTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public void ABurst_IsLargeBatchesOrRequestsKeptForAPlace_AndEndsWhenQuiet()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2030, 1, 1, 12, 0, 0, TimeSpan.Zero));
        var activity = new EngineActivity(clock);
        Assert.False(activity.InBurst);
        activity.NoteBatch(EngineActivity.BurstBatch - 1, 0);
        Assert.False(activity.InBurst); // one run at a time is no burst
        activity.NoteBatch(EngineActivity.BurstBatch, 0);
        Assert.True(activity.InBurst);
        clock.Advance(EngineActivity.QuietAfter - TimeSpan.FromMilliseconds(1));
        Assert.True(activity.InBurst);
        clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.False(activity.InBurst);
        activity.NoteBatch(1, waitingForAPlace: 1);
        Assert.True(activity.InBurst); // runs kept at a concurrency limit
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task APassThatYields_StopsAfterOneDelivery_AndTheRestFollowInOrder_NoneTwice(DatabaseProvider provider)
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var app = await AppFactory.StartAsync(provider,
            new Dictionary<string, string?> { ["Execution:RunServer"] = "false", ["Execution:RunDispatcher"] = "false", ["Events:RunDelivery"] = "false", ["Execution:AllowPrivateNetworkTargets"] = "true" });
        var owner = await WorkspaceFixtures.CreateAsync(app, "owner@example.com");
        await LifecycleEventTests.SubscribeAsync(owner.Bearer, receiver.Url("events"), EventTypes.ScheduleCreated);
        var names = new[] { "First", "Second", "Third" };
        foreach (var name in names)
        {
            Assert.True((await owner.Bearer.PostAsJsonAsync("/api/v1/schedules", WorkspaceFixtures.Schedule(name), Ct)).IsSuccessStatusCode);
        }

        async Task<bool> PassAsync(Func<bool>? yieldNow)
        {
            await using var scope = app.Services.CreateAsyncScope();
            return await scope.ServiceProvider.GetRequiredService<EventDeliverer>().RunOnceAsync(Ct, yieldNow);
        }
        string[] Got() => [.. receiver.On("events").Select(r => r.Json.GetProperty("data").GetProperty("name").GetString()!)];

        // A pass that yields at once fans out and sends nothing; one whose burst begins after a delivery stops there.
        Assert.True(await PassAsync(() => true)); // more is waiting
        Assert.Empty(Got());
        Assert.True(await PassAsync(() => receiver.On("events").Count > 0));
        Assert.Equal(["First"], Got());
        Assert.True(await PassAsync(null));
        Assert.Equal(names, Got());
        Assert.False(await PassAsync(null));
        Assert.Equal(3, receiver.On("events").Select(r => r.IdempotencyKey).Distinct().Count());
    }
}
