using AngleSharp.Dom;
using Bunit;
using Microsoft.Extensions.DependencyInjection;
using Scheduling.Web.Features.Executions;
using Scheduling.Web.Features.Executions.Progress;

namespace Scheduling.Web.Tests.Components.Executions;

/// <summary>The progress bar, and the executions grid and run drawer showing a running run's progress live (fixed clock: no poll happens).</summary>
public sealed class RunProgressTests
{
    private static readonly DateTime Monday = new(2026, 3, 9, 13, 0, 0, DateTimeKind.Utc);

    private static IReadOnlyList<IElement> Rows(IRenderedComponent<ContainerFragment> cut) =>
        cut.FindAll("[data-testid=executions-grid] tbody tr").Where(r => r.QuerySelector("[data-testid=execution-status]") is not null).ToList();

    [Fact]
    public async Task TheBar_ShowsPercentStageMessage_AndStalled_OrNothingBeforeTheFirstReport()
    {
        await using var app = await ExecutionHarness.CreateAsync();
        var at = Monday;
        var cut = app.Context.Render<RunProgressBar>(p => p.Add(c => c.Progress, new ExecutionProgressView(42, "assemble", "Rendering scene 3", at, Stalled: false)));
        var bar = cut.Find("[data-testid=run-progress]");
        Assert.Equal("42", bar.GetAttribute("data-percent"));
        Assert.Equal("42 %", cut.Find("[data-testid=run-progress-percent]").TextContent.Trim());
        Assert.Equal("assemble", cut.Find("[data-testid=run-progress-stage]").TextContent.Trim());
        Assert.Equal("Rendering scene 3", cut.Find("[data-testid=run-progress-message]").TextContent.Trim());
        Assert.Equal("Progress 42 %, stage assemble", cut.Find("[role=progressbar]").GetAttribute("aria-label"));
        Assert.Empty(cut.FindAll("[data-testid=run-stalled]"));

        var stalled = app.Context.Render<RunProgressBar>(p => p.Add(c => c.Progress, new ExecutionProgressView(7, null, "Waiting", at, Stalled: true)).Add(c => c.Compact, true));
        Assert.Equal("7", stalled.Find("[data-testid=run-progress]").GetAttribute("data-percent"));
        Assert.Contains("stalled", stalled.Find("[data-testid=run-stalled]").TextContent, StringComparison.Ordinal);
        Assert.Empty(stalled.FindAll("[data-testid=run-progress-stage]"));
        Assert.Empty(stalled.FindAll("[data-testid=run-progress-message]"));

        var none = app.Context.Render<RunProgressBar>(p => p.Add(c => c.Progress, null));
        Assert.Empty(none.FindAll("[data-testid=run-progress]"));
    }

    [Fact]
    public async Task TheGrid_ShowsARunningRunsProgress_AsItIsReported_WithoutAPoll_AndTheDrawerItsMessage()
    {
        await using var app = await ExecutionHarness.CreateAsync();
        var video = await app.CreateScheduleAsync("Weekly video");
        await app.SeedAsync(video, Monday.AddDays(-1), ExecutionStatus.Completed);
        var running = await app.SeedAsync(video, Monday, ExecutionStatus.Running);
        var progress = app.Context.Services.GetRequiredService<ExecutionProgressService>();
        var cut = app.Render<ExecutionsPage>();
        cut.WaitForAssertion(() => Assert.Equal(2, Rows(cut).Count));
        Assert.Empty(cut.FindAll("[data-testid=run-progress]"));

        await progress.ReportAsync(running.Id, new ProgressRequest(40, "assemble", "Rendering scene 3"), Xunit.TestContext.Current.CancellationToken);

        // The clock stands still: the page redraws because the report was published on this node, not by its 5 s poll.
        cut.WaitForAssertion(() => Assert.Equal("40", cut.Find("[data-testid=run-progress]").GetAttribute("data-percent")));
        var row = Rows(cut).Single(r => r.QuerySelector("[data-testid=run-progress]") is not null);
        Assert.Equal("running", row.QuerySelector("[data-testid=execution-status]")!.GetAttribute("data-status"));
        Assert.Equal("assemble", row.QuerySelector("[data-testid=run-progress-stage]")!.TextContent.Trim());
        // Only the running run has a bar.
        Assert.Single(cut.FindAll("[data-testid=run-progress]"));

        row.QuerySelector("td:nth-child(3)")!.Click();
        cut.WaitForAssertion(() => Assert.Equal("Rendering scene 3", cut.Find("[data-testid=drawer-progress] [data-testid=run-progress-message]").TextContent.Trim()));

        await progress.ReportAsync(running.Id, new ProgressRequest(75, "assemble", "Rendering scene 5"), Xunit.TestContext.Current.CancellationToken);
        cut.WaitForAssertion(() => Assert.Equal("Rendering scene 5", cut.Find("[data-testid=drawer-progress] [data-testid=run-progress-message]").TextContent.Trim()));
        Assert.Equal("75", cut.Find("[data-testid=drawer-progress] [data-testid=run-progress]").GetAttribute("data-percent"));
    }

    [Fact]
    public async Task TheDashboard_ShowsARunningRunsProgress_OnTheNextSecond_AfterAReport_NotAtItsPoll()
    {
        await using var app = await ExecutionHarness.CreateAsync();
        var video = await app.CreateScheduleAsync("Weekly video", Scheduling.Core.Scheduling.JobType.VideoGeneration);
        var running = await app.SeedAsync(video, ExecutionHarness.Start.UtcDateTime.AddMinutes(-5), ExecutionStatus.Running);
        var progress = app.Context.Services.GetRequiredService<ExecutionProgressService>();
        var cut = app.Render<Scheduling.Web.Features.Dashboard.DashboardPage>();
        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("[data-testid=running-card] [data-testid=running-run]")));
        var card = () => cut.Find("[data-testid=running-card]");
        Assert.Contains("Weekly video", card().TextContent, StringComparison.Ordinal);
        Assert.Empty(card().QuerySelectorAll("[data-testid=run-progress]"));

        // A quiet second: nothing to show yet.
        app.Clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Empty(card().QuerySelectorAll("[data-testid=run-progress]"));

        // The dashboard reads runs again every 5 s while some are going; ticks 2 and 3 are not polls, so a bar there
        // comes from the report's notice on this node.
        await progress.ReportAsync(running.Id, new ProgressRequest(40, "assemble", "Rendering scene 3"), Xunit.TestContext.Current.CancellationToken);
        app.Clock.Advance(TimeSpan.FromSeconds(1));
        cut.WaitForAssertion(() => Assert.Equal("40", card().QuerySelector("[data-testid=run-progress]")!.GetAttribute("data-percent")));
        Assert.Equal("assemble", card().QuerySelector("[data-testid=run-progress-stage]")!.TextContent.Trim());

        await progress.ReportAsync(running.Id, new ProgressRequest(75, "assemble", "Rendering scene 5"), Xunit.TestContext.Current.CancellationToken);
        app.Clock.Advance(TimeSpan.FromSeconds(1));
        cut.WaitForAssertion(() => Assert.Equal("75", card().QuerySelector("[data-testid=run-progress]")!.GetAttribute("data-percent")));
        Assert.Equal("Rendering scene 5", card().QuerySelector("[data-testid=run-progress-message]")!.TextContent.Trim());
    }
}
