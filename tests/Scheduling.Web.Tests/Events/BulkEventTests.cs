using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Scheduling.Web.Data;
using Scheduling.Web.Tests.Api;
using Scheduling.Web.Tests.Engine;
using Scheduling.Web.Tests.Infrastructure;

namespace Scheduling.Web.Tests.Events;

/// <summary>Bulk actions tell subscribers what single actions tell them: one event per schedule, in order, none for a refused request.</summary>
public class BulkEventTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task BulkPauseResumeUpdateCancelDelete_EmitThePerScheduleEvents_AndARefusedBulkEmitsNone(DatabaseProvider provider)
    {
        await using var host = await EngineHost.StartAsync(provider, extra: new() { ["Events:DeliveryInterval"] = "00:00:00.100" });
        await LifecycleEventTests.SubscribeAsync(host.Client, host.Receiver.Url("events"));
        var ids = new List<Guid>();
        foreach (var name in new[] { "First", "Second" })
        {
            var created = await host.Client.PostAsJsonAsync("/api/v1/schedules", WorkspaceFixtures.Schedule(name), Ct);
            created.EnsureSuccessStatusCode();
            ids.Add((await created.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("id").GetGuid());
        }

        async Task BulkAsync(string action, object body, HttpStatusCode expected = HttpStatusCode.OK)
        {
            var response = await host.Client.PostAsJsonAsync($"/api/v1/schedules/bulk/{action}", body, Ct);
            Assert.True(response.StatusCode == expected, $"{action}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(Ct)}");
        }
        await BulkAsync("pause", new { ids, note = "Holiday" });
        await BulkAsync("resume", new { ids });
        await BulkAsync("update", new { ids, changes = new { priority = "urgent" } });
        await BulkAsync("cancel", new { ids });
        // Refused as a whole (a cancelled schedule does not resume): its transaction wrote no event.
        await BulkAsync("resume", new { ids }, HttpStatusCode.Conflict);
        await BulkAsync("delete", new { ids });

        string[] types = ["schedule.created", "schedule.paused", "schedule.resumed", "schedule.updated", "schedule.cancelled", "schedule.deleted"];
        var expected = types.SelectMany(type => ids.Select(id => $"{type} {id}")).ToList();
        var received = await Eventually.GetAsync(() => Task.FromResult(host.Receiver.On("events")), r => r.Count >= expected.Count,
            TimeSpan.FromSeconds(30), "the bulk actions' events");
        // Delivery is in order per subscription, so an event of the refused resume would show before the deletions.
        Assert.Equal(expected, received.Select(r => $"{r.Json.GetProperty("type").GetString()} {r.Json.GetProperty("data").GetProperty("id").GetString()}"));
        Assert.All(received.Where(r => r.Event == "schedule.paused"), r => Assert.Equal("paused", r.Json.GetProperty("data").GetProperty("status").GetString()));
        Assert.All(received.Where(r => r.Event == "schedule.updated"), r => Assert.Equal("urgent", r.Json.GetProperty("data").GetProperty("priority").GetString()));
    }
}
