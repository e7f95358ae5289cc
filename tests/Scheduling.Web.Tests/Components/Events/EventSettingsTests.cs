using Bunit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Scheduling.Web.Features.Events;
using Scheduling.Web.Tests.Components.Executions;

namespace Scheduling.Web.Tests.Components.Events;

/// <summary>Settings > Events against the real EventSubscriptionService and delivery loop on SQLite.</summary>
public sealed class EventSettingsTests
{
    private static CancellationToken Ct => Xunit.TestContext.Current.CancellationToken;

    private static EventSubscriptionService Service(ExecutionHarness app) => app.Context.Services.GetRequiredService<EventSubscriptionService>();

    private static void Type(IRenderedComponent<ContainerFragment> cut, string testId, string value) =>
        cut.Find($"input[data-testid={testId}], [data-testid={testId}] input").Change(value);

    [Fact]
    public async Task Subscribe_RefusesABadUrlKeepingTheInput_ThenShowsTheSecretOnceAndListsIt()
    {
        await using var app = await ExecutionHarness.CreateAsync();
        var cut = app.Render<EventSettings>();
        cut.WaitForElement("[data-testid=subscriptions-table]");

        Type(cut, "subscription-url", "ftp://not-http.example.com");
        Type(cut, "subscription-description", "n8n");
        cut.Find("button[data-testid=create-subscription]").Click();
        cut.WaitForAssertion(() => Assert.Contains("The URL must be an absolute http(s) URL", cut.Markup, StringComparison.Ordinal));
        Assert.Empty(await Service(app).ListAsync(Ct));
        Assert.Equal("n8n", cut.Find("input[data-testid=subscription-description], [data-testid=subscription-description] input").GetAttribute("value"));
        Assert.Empty(cut.FindAll("[data-testid=secret-value]"));

        Type(cut, "subscription-url", "https://hooks.example.com/scheduling");
        cut.Find("button[data-testid=create-subscription]").Click();

        var secret = cut.WaitForElement("[data-testid=secret-value]").TextContent.Trim();
        Assert.StartsWith("whsec_", secret, StringComparison.Ordinal);
        cut.Find("[data-testid=copy-secret]");
        var stored = Assert.Single(await Service(app).ListAsync(Ct));
        Assert.Equal("https://hooks.example.com/scheduling", stored.Url);
        Assert.Equal(["*"], stored.Events);
        Assert.Equal("n8n", stored.Description);
        Assert.Equal("https://hooks.example.com/scheduling", cut.Find("[data-testid=subscription-row-url]").TextContent.Trim());

        // Shown once: another visit has no secret on screen.
        var again = app.Context.Render<EventSettings>();
        again.WaitForElement("[data-testid=subscription-row-url]");
        Assert.Empty(again.FindAll("[data-testid=secret-value]"));
    }

    [Fact]
    public async Task Edit_ChangesEventsAndDescription_AndDelete_AsksFirst()
    {
        await using var app = await ExecutionHarness.CreateAsync();
        await Service(app).CreateAsync(new EventSubscriptionInput("https://hooks.example.com/a", ["*"], "old"), Ct);
        var cut = app.Render<EventSettings>();
        cut.WaitForElement("[data-testid=subscription-row-url]");

        cut.Find("button[data-testid=edit-subscription]").Click();
        Type(cut, "subscription-events", "schedule.created, execution.failed");
        Type(cut, "subscription-description", "new");
        cut.Find("button[data-testid=save-subscription]").Click();
        cut.WaitForElement("button[data-testid=create-subscription]");
        var saved = Assert.Single(await Service(app).ListAsync(Ct));
        Assert.Equal(["execution.failed", "schedule.created"], saved.Events.Order(StringComparer.Ordinal));
        Assert.Equal("new", saved.Description);

        cut.Find("button[data-testid=delete-subscription]").Click();
        var confirm = cut.WaitForElement(".mud-dialog");
        Assert.Contains("https://hooks.example.com/a", confirm.TextContent, StringComparison.Ordinal);
        Assert.Single(await Service(app).ListAsync(Ct));
        cut.FindAll(".mud-dialog button").Single(b => b.TextContent.Trim() == "Delete").Click();
        cut.WaitForAssertion(() => Assert.Empty(cut.FindAll("[data-testid=subscription-row-url]")));
        Assert.Empty(await Service(app).ListAsync(Ct));
    }

    [Fact]
    public async Task DeliveryLog_ShowsTheEventsStatus_AndRedeliverSendsAFailedOneAgain()
    {
        await using var app = await ExecutionHarness.CreateAsync();
        await Service(app).CreateAsync(new EventSubscriptionInput("https://hooks.example.com/a", ["schedule.created"], null), Ct);
        await app.CreateScheduleAsync("Tips");
        await app.Context.Services.GetRequiredService<EventDeliverer>().FanOutAsync(Ct);
        await using (var db = await app.NewDbContextAsync())
        {
            await db.EventDeliveries.IgnoreQueryFilters().ExecuteUpdateAsync(set => set
                .SetProperty(d => d.Status, EventDeliveryStatus.Failed).SetProperty(d => d.Attempts, 3).SetProperty(d => d.ResponseStatus, (int?)503), Ct);
        }

        var cut = app.Render<EventSettings>();
        var row = cut.WaitForElement("[data-testid=delivery-log] tbody tr");
        Assert.Contains("schedule.created", row.TextContent, StringComparison.Ordinal);
        Assert.Contains("HTTP 503", row.TextContent, StringComparison.Ordinal);
        Assert.Equal("failed", cut.Find("[data-testid=delivery-status]").TextContent.Trim());

        cut.Find("button[data-testid=redeliver]").Click();
        cut.WaitForAssertion(() => Assert.Equal("pending", cut.Find("[data-testid=delivery-status]").TextContent.Trim()));
        var delivery = Assert.Single((await Service(app).ListDeliveriesAsync(null, null, 1, 10, Ct)).Items);
        Assert.Equal(EventDeliveryStatus.Pending, delivery.Status);
        Assert.Empty(cut.FindAll("button[data-testid=redeliver]"));
    }

    [Fact]
    public async Task AsManager_ReadsSubscriptionsAndLog_WithoutChangingThem()
    {
        await using var app = await ExecutionHarness.CreateAsync();
        await Service(app).CreateAsync(new EventSubscriptionInput("https://hooks.example.com/a", ["*"], null), Ct);
        await app.ActAsManagerAsync();

        var cut = app.Render<EventSettings>();

        cut.WaitForElement("[data-testid=events-read-only]");
        Assert.Single(cut.FindAll("[data-testid=subscription-row-url]"));
        Assert.Empty(cut.FindAll("[data-testid=subscription-form]"));
        Assert.Empty(cut.FindAll("[data-testid=delete-subscription]"));
        Assert.Empty(cut.FindAll("[data-testid=rotate-subscription-secret]"));
        cut.Find("[data-testid=delivery-log]");
    }
}
