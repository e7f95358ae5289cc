using Bunit;
using Scheduling.Web.Features.Executions;
using Scheduling.Web.Features.Schedules;

namespace Scheduling.Web.Tests.Components.Executions;

/// <summary>The History tab of a schedule and Run now on its page, against the real services (fixed clock 10 Mar 2026 09:30 UTC).</summary>
public sealed class ScheduleHistoryTests
{
    private static CancellationToken Ct => Xunit.TestContext.Current.CancellationToken;

    private static readonly DateTime Monday = new(2026, 3, 9, 13, 0, 0, DateTimeKind.Utc);

    private static Dictionary<string, object?> For(ScheduleView schedule) => new()
    {
        [nameof(ScheduleHistory.ScheduleId)] = schedule.Id,
        [nameof(ScheduleHistory.ViewerZone)] = "Europe/Paris",
        [nameof(ScheduleHistory.ScheduleZone)] = schedule.Timezone,
    };

    [Fact]
    public async Task Render_TwoCompletedOneFailed_ShowsStatsAndBothCharts()
    {
        await using var app = await ExecutionHarness.CreateAsync();
        var digest = await app.CreateScheduleAsync("Weekly digest");
        await app.SeedAsync(digest, Monday.AddDays(-7), ExecutionStatus.Completed, durationMs: 1000);
        await app.SeedAsync(digest, Monday.AddDays(-5), ExecutionStatus.Completed, durationMs: 3000);
        await app.SeedAsync(digest, Monday, ExecutionStatus.Failed, durationMs: 500, error: "boom");

        var cut = app.Render<ScheduleHistory>(For(digest));

        cut.WaitForAssertion(() => Assert.Equal("66.7 %", cut.Find("[data-testid=stat-success-rate-value]").TextContent.Trim()));
        Assert.Contains("2 completed · 1 failed", cut.Find("[data-testid=stat-success-rate]").TextContent, StringComparison.Ordinal);
        Assert.Equal("2 s", cut.Find("[data-testid=stat-average-duration-value]").TextContent.Trim());
        Assert.Equal("1", cut.Find("[data-testid=stat-failure-streak-value]").TextContent.Trim());
        // Next: Wed 11 Mar 09:00 in New York = 13:00 UTC, 27 h 30 min after the clock.
        Assert.Equal("in 1 d 3 h", cut.Find("[data-testid=stat-next-run-value]").TextContent.Trim());
        Assert.NotEmpty(cut.FindAll("[data-testid=chart-success-rate] .mud-chart svg"));
        Assert.NotEmpty(cut.FindAll("[data-testid=chart-durations] .mud-chart svg"));
        Assert.Contains("Duration of the last 3 runs (s)", cut.Find("[data-testid=chart-durations]").TextContent, StringComparison.Ordinal);
        cut.WaitForAssertion(() => Assert.Equal(3, cut.FindAll("[data-testid=history-grid] [data-testid=execution-status]").Count));
        Assert.Empty(cut.FindAll("[data-testid=history-empty]"));
    }

    [Fact]
    public async Task Render_NoRuns_ShowsEmptyStateWithNextRun()
    {
        await using var app = await ExecutionHarness.CreateAsync();
        var digest = await app.CreateScheduleAsync("Weekly digest");

        var cut = app.Render<ScheduleHistory>(For(digest));

        var empty = cut.WaitForElement("[data-testid=history-empty]");
        Assert.Contains("No runs yet.", empty.TextContent, StringComparison.Ordinal);
        Assert.Equal("in 1 d 3 h", cut.Find("[data-testid=history-empty-next]").TextContent.Trim());
        Assert.Empty(cut.FindAll("[data-testid=history-stats]"));
    }

    [Fact]
    public async Task RunNow_OnDetailsPage_QueuesManualRunShownInHistory()
    {
        await using var app = await ExecutionHarness.CreateAsync();
        var digest = await app.CreateScheduleAsync("Weekly digest");
        var cut = app.Render<ScheduleDetailsPage>(new Dictionary<string, object?> { [nameof(ScheduleDetailsPage.Id)] = digest.Id });

        cut.WaitForElement("button[data-testid=run-now]").Click();

        cut.WaitForAssertion(() => Assert.Single(app.Executions.ListAsync(new ExecutionQuery(ScheduleId: digest.Id), Ct).GetAwaiter().GetResult().Items));
        var run = Assert.Single((await app.Executions.ListAsync(new ExecutionQuery(ScheduleId: digest.Id), Ct)).Items);
        Assert.True(run.IsManual);
        Assert.Equal(ExecutionStatus.Pending, run.Status);
        cut.FindAll(".mud-tab").Single(t => t.TextContent.Contains("History", StringComparison.Ordinal)).Click();
        cut.WaitForAssertion(() => Assert.Equal("pending", cut.Find("[data-testid=history-grid] [data-testid=execution-status]").GetAttribute("data-status")));
        Assert.NotNull(cut.Find("[data-testid=history-manual]"));
    }
}
