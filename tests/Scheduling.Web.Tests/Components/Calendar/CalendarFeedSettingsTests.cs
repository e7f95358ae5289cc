using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using Scheduling.Web.Features.Calendar;

namespace Scheduling.Web.Tests.Components.Calendar;

/// <summary>Settings > Calendar feeds, rendered with the app's services on a real SQLite database.</summary>
public sealed class CalendarFeedSettingsTests
{
    private const string Email = "ada@example.com";
    private const string Workspace = "ada's workspace";

    private static CancellationToken Ct => Xunit.TestContext.Current.CancellationToken;

    private static IRenderedComponent<ContainerFragment> Render(AppServicesHarness app) =>
        app.Context.Render<ContainerFragment>(p => p.AddChildContent(builder =>
        {
            builder.OpenComponent<MudPopoverProvider>(0);
            builder.CloseComponent();
            builder.OpenComponent<MudDialogProvider>(1);
            builder.CloseComponent();
            builder.OpenComponent<CalendarFeedSettings>(2);
            builder.CloseComponent();
        }));

    [Fact]
    public async Task CreateFeed_ShowsTheSecretUrlOnce_ItServesTheCalendar_AndTheRowIsListed()
    {
        await using var app = await AppServicesHarness.CreateAsync();
        await app.ActAsync(await app.CreateUserAsync(Email), Workspace);
        var cut = Render(app);
        Assert.Contains("No feeds yet.", cut.Find("[data-testid=feeds-table]").TextContent, StringComparison.Ordinal);

        cut.Find("input[data-testid=feed-name], [data-testid=feed-name] input").Change("My phone");
        cut.Find("button[data-testid=create-feed]").Click();

        var url = cut.WaitForElement("[data-testid=feed-url]").TextContent.Trim();
        // The URL starts with the configured public address (App:PublicBaseUrl), never the request's host.
        var publicBase = app.Context.Services.GetRequiredService<Scheduling.Web.Security.PublicUrls>().BaseUri.AbsoluteUri;
        Assert.Matches("^" + System.Text.RegularExpressions.Regex.Escape(publicBase) + "api/v1/calendar/feeds/cal_[A-Za-z0-9_-]+\\.ics$", url);
        var row = Assert.Single(cut.FindAll("[data-testid=feeds-table] tbody tr"));
        Assert.Contains("My phone", row.TextContent, StringComparison.Ordinal);
        Assert.Contains("never", row.TextContent, StringComparison.Ordinal);
        Assert.DoesNotContain(url, row.TextContent, StringComparison.Ordinal);
        Assert.True(string.IsNullOrEmpty(cut.Find("input[data-testid=feed-name], [data-testid=feed-name] input").GetAttribute("value")));

        // The address on screen is the real credential: its token opens the workspace's calendar.
        var token = url[(url.LastIndexOf('/') + 1)..^4];
        var ics = await app.Context.Services.GetRequiredService<CalendarFeedService>().RenderAsync(token, Ct);
        Assert.NotNull(ics);
        Assert.StartsWith("BEGIN:VCALENDAR\r\n", ics, StringComparison.Ordinal);
        Assert.Contains($"X-WR-CALNAME:{Workspace} · content calendar", ics, StringComparison.Ordinal);

        cut.Find("button[data-testid=copy-feed]").Click();
        Assert.Contains(app.Context.JSInterop.Invocations, i => i.Identifier == "schedulingApp.copyToClipboard" && (string?)i.Arguments[0] == url);
    }

    [Fact]
    public async Task CreateFeed_WithoutName_ShowsFieldErrorAndStoresNothing()
    {
        await using var app = await AppServicesHarness.CreateAsync();
        await app.ActAsync(await app.CreateUserAsync(Email), Workspace);
        var cut = Render(app);

        cut.Find("button[data-testid=create-feed]").Click();

        cut.WaitForAssertion(() => Assert.Contains("Name is required", cut.Markup, StringComparison.Ordinal));
        Assert.Empty(cut.FindAll("[data-testid=feed-url]"));
        await using var db = await app.NewDbContextAsync();
        Assert.Equal(0, await db.CalendarFeeds.IgnoreQueryFilters().CountAsync(Ct));
    }

    [Fact]
    public async Task Revoke_AfterConfirming_RemovesTheRowAndTheUrlStopsWorking()
    {
        await using var app = await AppServicesHarness.CreateAsync();
        await app.ActAsync(await app.CreateUserAsync(Email), Workspace);
        var service = app.Context.Services.GetRequiredService<CalendarFeedService>();
        var created = await service.CreateAsync("Outlook", Ct);
        var cut = Render(app);

        cut.Find("button[data-testid=revoke-feed]").Click();
        cut.WaitForElements(".mud-dialog button").Single(b => b.TextContent.Trim() == "Revoke").Click();

        cut.WaitForAssertion(() => Assert.Contains("No feeds yet.", cut.Find("[data-testid=feeds-table]").TextContent, StringComparison.Ordinal));
        var token = created.Url[(created.Url.LastIndexOf('/') + 1)..^4];
        Assert.Null(await service.RenderAsync(token, Ct));
    }
}
