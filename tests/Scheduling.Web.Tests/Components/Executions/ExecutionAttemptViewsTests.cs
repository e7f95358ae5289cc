using AngleSharp.Dom;
using Bunit;
using Microsoft.EntityFrameworkCore;
using Scheduling.Web.Features.Executions;

namespace Scheduling.Web.Tests.Components.Executions;

/// <summary>
/// A retried run shows how long its attempts took, not the time since its first one (backoffs included), and a run
/// that got no response shows why instead of <c>{"status": null, "body": null}</c>.
/// </summary>
public sealed class ExecutionAttemptViewsTests
{
    private static CancellationToken Ct => Xunit.TestContext.Current.CancellationToken;

    private static readonly DateTime Monday = new(2026, 3, 9, 13, 0, 0, DateTimeKind.Utc);

    private static IReadOnlyList<IElement> Rows(IRenderedComponent<ContainerFragment> cut) =>
        cut.FindAll("[data-testid=executions-grid] tbody tr").Where(r => r.QuerySelector("[data-testid=execution-status]") is not null).ToList();

    [Fact]
    public async Task RetriedRun_GridAndDrawerShowTheAttemptsDurations()
    {
        await using var app = await ExecutionHarness.CreateAsync();
        var digest = await app.CreateScheduleAsync("Weekly digest");
        var run = await SeedRetriedAsync(app, digest);

        var cut = app.Render<ExecutionsPage>();

        cut.WaitForAssertion(() => Assert.Single(Rows(cut)));
        // The last attempt took 1.5 s; the run's first attempt started 10 minutes earlier.
        Assert.Equal("1.5 s", Rows(cut)[0].QuerySelector("[data-testid=execution-duration]")!.TextContent.Trim());

        Rows(cut)[0].QuerySelector("td:nth-child(3)")!.Click();

        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("[data-testid=attempt]").Count));
        Assert.Equal(run.Id.ToString(), cut.Find("[data-testid=drawer-id]").TextContent.Trim());
        Assert.Equal("1.5 s (attempt 2)", cut.Find("[data-testid=drawer-duration]").TextContent.Trim());
        Assert.Equal("10 min 01 s", cut.Find("[data-testid=drawer-total-duration]").TextContent.Trim());
        Assert.Equal(["800 ms", "1.5 s"], cut.FindAll("[data-testid=attempt-duration]").Select(d => d.TextContent.Trim()));
    }

    [Fact]
    public async Task RetriedRun_HistoryTabCountsTheLastAttempt()
    {
        await using var app = await ExecutionHarness.CreateAsync();
        var digest = await app.CreateScheduleAsync("Weekly digest");
        await SeedRetriedAsync(app, digest);

        var cut = app.Render<ScheduleHistory>(new Dictionary<string, object?>
        {
            [nameof(ScheduleHistory.ScheduleId)] = digest.Id,
            [nameof(ScheduleHistory.ViewerZone)] = "Europe/Paris",
            [nameof(ScheduleHistory.ScheduleZone)] = digest.Timezone,
        });

        cut.WaitForAssertion(() => Assert.Equal("1.5 s", cut.Find("[data-testid=stat-average-duration-value]").TextContent.Trim()));
        cut.WaitForAssertion(() => Assert.Equal("1.5 s", cut.Find("[data-testid=history-grid] [data-testid=execution-duration]").TextContent.Trim()));
        // In milliseconds: the chart plots 1500, not the 601500 since the first attempt.
        Assert.Contains("Duration of the last run (ms)", cut.Find("[data-testid=chart-durations]").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SingleAttemptRun_DrawerHasNoSeparateTotal()
    {
        await using var app = await ExecutionHarness.CreateAsync();
        var digest = await app.CreateScheduleAsync("Weekly digest");
        await app.SeedAsync(digest, Monday, ExecutionStatus.Completed, durationMs: 850);
        var cut = app.Render<ExecutionsPage>();
        cut.WaitForAssertion(() => Assert.Single(Rows(cut)));
        Assert.Equal("850 ms", Rows(cut)[0].QuerySelector("[data-testid=execution-duration]")!.TextContent.Trim());

        Rows(cut)[0].QuerySelector("td:nth-child(3)")!.Click();

        cut.WaitForAssertion(() => Assert.Equal("850 ms", cut.Find("[data-testid=drawer-duration]").TextContent.Trim()));
        Assert.Empty(cut.FindAll("[data-testid=drawer-total-duration]"));
        Assert.Contains("\"ok\": true", cut.Find("[data-testid=drawer-result]").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FailedRunWithoutResponse_DrawerShowsTheErrorNotNulls()
    {
        await using var app = await ExecutionHarness.CreateAsync();
        var digest = await app.CreateScheduleAsync("Weekly digest");
        var failed = await app.SeedAsync(digest, Monday, ExecutionStatus.Failed, error: "Network error: Connection refused (hooks.example.com:443)", responseStatus: null);
        await SetAsync(app, failed.Id, e => e.SetProperty(x => x.Result, """{"status":null,"body":null}"""));
        var cut = app.Render<ExecutionsPage>();
        cut.WaitForAssertion(() => Assert.Single(Rows(cut)));

        Rows(cut)[0].QuerySelector("td:nth-child(3)")!.Click();

        var result = cut.WaitForElement("[data-testid=drawer-result]");
        Assert.Equal("No response: Network error: Connection refused (hooks.example.com:443)", result.TextContent.Trim());
        Assert.DoesNotContain("null", result.TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FailedRunWithAnAnswer_DrawerStillShowsTheResponse()
    {
        await using var app = await ExecutionHarness.CreateAsync();
        var digest = await app.CreateScheduleAsync("Weekly digest");
        var failed = await app.SeedAsync(digest, Monday, ExecutionStatus.Failed, error: "HTTP 503 Service Unavailable", responseStatus: 503);
        await SetAsync(app, failed.Id, e => e.SetProperty(x => x.Result, """{"status":503,"body":{"error":"maintenance"}}"""));
        var cut = app.Render<ExecutionsPage>();
        cut.WaitForAssertion(() => Assert.Single(Rows(cut)));

        Rows(cut)[0].QuerySelector("td:nth-child(3)")!.Click();

        var result = cut.WaitForElement("[data-testid=drawer-result]");
        Assert.Contains("\"status\": 503", result.TextContent, StringComparison.Ordinal);
        Assert.Contains("\"error\": \"maintenance\"", result.TextContent, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"status":null,"body":null}""", true)]
    [InlineData("""{"status":500,"body":null}""", false)]
    [InlineData("""{}""", false)]
    [InlineData("""{"testMode":false,"actions":{}}""", false)]
    public void IsEmptyResponse_OnlyWhenEveryFieldIsNull(string json, bool expected)
    {
        using var document = System.Text.Json.JsonDocument.Parse(json);
        Assert.Equal(expected, ExecutionDisplay.IsEmptyResponse(document.RootElement));
    }

    /// <summary>A run that failed once (800 ms), waited 10 minutes, then completed on its second attempt (1.5 s).</summary>
    private static async Task<Execution> SeedRetriedAsync(ExecutionHarness app, Features.Schedules.ScheduleView schedule)
    {
        var run = await app.SeedAsync(schedule, Monday, ExecutionStatus.Completed, durationMs: 800);
        var first = Monday.AddSeconds(1);
        var second = first.AddMinutes(10);
        await SetAsync(app, run.Id, e => e
            .SetProperty(x => x.Attempts, 2)
            .SetProperty(x => x.StartedAt, first)
            .SetProperty(x => x.AttemptStartedAt, second)
            .SetProperty(x => x.CompletedAt, second.AddMilliseconds(1500))
            .SetProperty(x => x.DurationMs, 601_500L));
        await using var db = await app.NewDbContextAsync();
        await db.ExecutionAttempts.IgnoreQueryFilters().Where(a => a.ExecutionId == run.Id).ExecuteUpdateAsync(a => a
            .SetProperty(x => x.Status, ExecutionStatus.Failed)
            .SetProperty(x => x.ResponseStatus, 503)
            .SetProperty(x => x.CompletedAt, first.AddMilliseconds(800)), Ct);
        db.ExecutionAttempts.Add(new ExecutionAttempt
        {
            Id = Guid.CreateVersion7(),
            WorkspaceId = run.WorkspaceId,
            ExecutionId = run.Id,
            Number = 2,
            Action = "webhook",
            StartedAt = second,
            CompletedAt = second.AddMilliseconds(1500),
            Status = ExecutionStatus.Completed,
            Target = "https://hooks.example.com/publish",
            ResponseStatus = 200,
            Response = """{"ok":true}""",
            DurationMs = 1500,
        });
        await db.SaveChangesAsync(Ct);
        return run;
    }

    private static async Task SetAsync(ExecutionHarness app, Guid id,
        Func<Microsoft.EntityFrameworkCore.Query.UpdateSettersBuilder<Execution>, Microsoft.EntityFrameworkCore.Query.UpdateSettersBuilder<Execution>> set)
    {
        await using var db = await app.NewDbContextAsync();
        await db.Executions.IgnoreQueryFilters().Where(e => e.Id == id).ExecuteUpdateAsync(s => set(s), Ct);
    }
}
