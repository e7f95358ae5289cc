using System.Net.Http.Json;
using System.Text.Json;
using Scheduling.Web.Data;
using Scheduling.Web.Tests.Api;
using Scheduling.Web.Tests.Engine;
using Scheduling.Web.Tests.Infrastructure;

namespace Scheduling.Web.Tests.Events;

/// <summary>Two app nodes on one PostgreSQL database, both running the delivery loop: each event reaches each subscription once.</summary>
[Collection(HeavyTests.Name)]
public class TwoNodeEventTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static Dictionary<string, string?> Node(string name) => new()
    {
        ["Execution:RunServer"] = "false",
        ["Execution:RunDispatcher"] = "false",
        ["Execution:NodeName"] = name,
        ["Execution:AllowPrivateNetworkTargets"] = "true",
        ["Events:DeliveryInterval"] = "00:00:00.050",
    };

    // This test was once skipped as "one subscription's 50 deliveries stay pending with 0 attempts". The delivery loop was
    // right: that subscription was the workspace fixture's own ("*" to https://example.com/hook), which cannot be reached
    // from a test machine. Its first delivery failed and waited for its retry, and in-order delivery held the 49 behind
    // it (the log lists newest first, so the visible ones had 0 attempts). Nothing was ever pending for a receiver this
    // test set up. So the test removes the fixture's subscription and waits only on its own subscriptions.
    [Fact]
    public async Task TwoNodes_DeliverEveryEventOncePerSubscription_InOrder()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var database = await TestDatabase.CreateAsync(DatabaseProvider.PostgreSql);
        await using var a = new AppFactory(database, Node("node-a"), ownsDatabase: false);
        a.StartServer();
        var owner = await WorkspaceFixtures.CreateAsync(a, "owner@example.com");
        await using var b = new AppFactory(database, Node("node-b"), ownsDatabase: false);
        b.StartServer();
        var token = await Session.CreateTokenAsync(owner.Browser, "node-b");
        var onB = b.CreateBearerClient(token);
        (await owner.Bearer.DeleteAsync($"/api/v1/workspace/event-subscriptions/{owner.EventSubscriptionId}", Ct)).EnsureSuccessStatusCode();
        string[] paths = ["one", "two", "three"];
        foreach (var path in paths)
        {
            await LifecycleEventTests.SubscribeAsync(owner.Bearer, receiver.Url(path), "schedule.created");
        }

        const int perNode = 25;
        await Task.WhenAll(
            Task.Run(async () => { for (var i = 0; i < perNode; i++) { (await owner.Bearer.PostAsJsonAsync("/api/v1/schedules", WorkspaceFixtures.Schedule($"A {i}"), Ct)).EnsureSuccessStatusCode(); } }, Ct),
            Task.Run(async () => { for (var i = 0; i < perNode; i++) { (await onB.PostAsJsonAsync("/api/v1/schedules", WorkspaceFixtures.Schedule($"B {i}"), Ct)).EnsureSuccessStatusCode(); } }, Ct));

        // Done when the log has nothing pending; then nothing more may arrive.
        await Eventually.GetAsync(() => owner.Bearer.GetFromJsonAsync<JsonElement>("/api/v1/workspace/event-deliveries?status=pending&pageSize=1", Ct),
            log => log.GetProperty("total").GetInt32() == 0 && receiver.Received.Count >= paths.Length * perNode * 2, TimeSpan.FromSeconds(60), "every delivery made");
        var delivered = await owner.Bearer.GetFromJsonAsync<JsonElement>("/api/v1/workspace/event-deliveries?status=delivered&pageSize=1", Ct);
        Assert.Equal(paths.Length * perNode * 2, delivered.GetProperty("total").GetInt32());
        foreach (var path in paths)
        {
            var got = receiver.On(path);
            Assert.Equal(perNode * 2, got.Count);
            Assert.Equal(perNode * 2, got.Select(r => r.IdempotencyKey).Distinct().Count());
            // In order: event ids are time-ordered (version 7), and each subscription got them in the order of the outbox.
            var names = got.Select(r => r.Json.GetProperty("data").GetProperty("name").GetString()!).ToList();
            Assert.Equal(names.Where(n => n.StartsWith('A')).OrderBy(n => int.Parse(n[2..], System.Globalization.CultureInfo.InvariantCulture)), names.Where(n => n.StartsWith('A')));
            Assert.Equal(names.Where(n => n.StartsWith('B')).OrderBy(n => int.Parse(n[2..], System.Globalization.CultureInfo.InvariantCulture)), names.Where(n => n.StartsWith('B')));
        }
        Assert.Subset(new HashSet<string?> { "node-a", "node-b" }, receiver.Received.Select(r => r.Node).ToHashSet());
    }
}
