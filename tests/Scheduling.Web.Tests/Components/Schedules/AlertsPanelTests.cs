using Bunit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Scheduling.Web.Data;
using Scheduling.Web.Features.Alerts;
using Scheduling.Web.Features.Schedules;

namespace Scheduling.Web.Tests.Components.Schedules;

public class AlertsPanelTests
{
    [Fact]
    public async Task DetailsPage_OpenAlert_IsShownAndDismissedForGood()
    {
        await using var app = await ScheduleHarness.CreateAsync();
        var schedule = await app.CreateWeeklyAsync("Alerted");
        var other = await app.CreateWeeklyAsync("Quiet");
        await using (var db = await app.Context.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync(Xunit.TestContext.Current.CancellationToken))
        {
            db.Alerts.Add(new Alert
            {
                Id = Guid.CreateVersion7(),
                WorkspaceId = app.Workspace.WorkspaceId!.Value,
                ScheduleId = schedule.Id,
                Kind = AlertKind.ConsecutiveFailures,
                Key = "failures:test",
                Message = "3 runs in a row failed; last error: HTTP 500",
                CreatedAt = app.Clock.GetUtcNow().UtcDateTime,
            });
            await db.SaveChangesAsync(Xunit.TestContext.Current.CancellationToken);
        }

        var cut = app.Render<ScheduleDetailsPage>(new Dictionary<string, object?> { [nameof(ScheduleDetailsPage.Id)] = schedule.Id });

        cut.WaitForAssertion(() => Assert.Contains("3 runs in a row failed", cut.Find("[data-testid=alert]").TextContent, StringComparison.Ordinal));
        // The panel is filtered to the page's schedule.
        Assert.Single(cut.FindAll("[data-testid=alert]"));
        Assert.Empty(await app.Context.Services.GetRequiredService<AlertService>().ListOpenAsync(other.Id, Xunit.TestContext.Current.CancellationToken));
        await cut.Find("[data-testid=alert] button").ClickAsync(new());
        cut.WaitForAssertion(() => Assert.Empty(cut.FindAll("[data-testid=alert]")));
        Assert.Empty(await app.Context.Services.GetRequiredService<AlertService>().ListOpenAsync(schedule.Id, Xunit.TestContext.Current.CancellationToken));
    }
}
