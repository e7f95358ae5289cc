using AngleSharp.Dom;
using Bunit;
using Microsoft.EntityFrameworkCore;
using MudBlazor;
using Scheduling.Web.Features.Executions;

namespace Scheduling.Web.Tests.Components.Executions;

/// <summary>/executions against the real ExecutionService on SQLite (no Hangfire server), fixed clock 10 Mar 2026 09:30 UTC.</summary>
public sealed class ExecutionsPageTests
{
    private static CancellationToken Ct => Xunit.TestContext.Current.CancellationToken;

    private static readonly DateTime Monday = new(2026, 3, 9, 13, 0, 0, DateTimeKind.Utc);

    private static IReadOnlyList<IElement> Rows(IRenderedComponent<ContainerFragment> cut) =>
        cut.FindAll("[data-testid=executions-grid] tbody tr").Where(r => r.QuerySelector("[data-testid=execution-status]") is not null).ToList();

    private static string Status(IElement row) => row.QuerySelector("[data-testid=execution-status]")!.GetAttribute("data-status")!;

    [Fact]
    public async Task Render_SeededRuns_ListsNewestFirstWithStatusChipsReasonsAndErrors()
    {
        await using var app = await ExecutionHarness.CreateAsync();
        var digest = await app.CreateScheduleAsync("Weekly digest");
        await app.SeedAsync(digest, Monday.AddDays(-5), ExecutionStatus.Completed, durationMs: 850);
        await app.SeedAsync(digest, Monday.AddDays(-3), ExecutionStatus.Failed, error: "HTTP 500 from the receiver", responseStatus: 500);
        await app.SeedAsync(digest, Monday, ExecutionStatus.Pending, reason: "waiting for the previous run");

        var cut = app.Render<ExecutionsPage>();

        cut.WaitForAssertion(() => Assert.Equal(3, Rows(cut).Count));
        var rows = Rows(cut);
        Assert.Equal(["pending", "failed", "completed"], rows.Select(Status));
        Assert.Equal("waiting for the previous run", rows[0].QuerySelector("[data-testid=execution-status]")!.GetAttribute("title"));
        Assert.Equal("HTTP 500 from the receiver", rows[1].QuerySelector("[data-testid=execution-status]")!.GetAttribute("title"));
        Assert.Equal("850 ms", rows[2].QuerySelector("[data-testid=execution-duration]")!.TextContent.Trim());
        // Viewer in Paris: Mon 9 Mar 13:00 UTC is 14:00 there.
        Assert.Equal("Mon 9 Mar 2026, 14:00", rows[0].QuerySelector("[data-testid=execution-scheduled-for]")!.TextContent.Trim());
        Assert.Equal($"schedules/{digest.Id}", rows[0].QuerySelector("[data-testid=execution-schedule]")!.GetAttribute("href"));
        // Retry only on the failed one.
        Assert.Single(cut.FindAll("[data-testid=execution-retry]"));
        Assert.NotNull(rows[1].QuerySelector("[data-testid=execution-retry]"));
    }

    [Fact]
    public async Task FilterStatus_Failed_ListsOnlyFailedRuns()
    {
        await using var app = await ExecutionHarness.CreateAsync();
        var digest = await app.CreateScheduleAsync("Weekly digest");
        await app.SeedAsync(digest, Monday.AddDays(-5), ExecutionStatus.Completed);
        await app.SeedAsync(digest, Monday.AddDays(-3), ExecutionStatus.Failed, error: "boom");
        await app.SeedAsync(digest, Monday.AddDays(-1), ExecutionStatus.Completed);
        var cut = app.Render<ExecutionsPage>();
        cut.WaitForAssertion(() => Assert.Equal(3, Rows(cut).Count));

        var select = cut.FindComponents<MudSelect<ExecutionStatus?>>().Single();
        await cut.InvokeAsync(() => select.Instance.ValueChanged.InvokeAsync(ExecutionStatus.Failed));

        cut.WaitForAssertion(() => Assert.Equal(["failed"], Rows(cut).Select(Status)));
    }

    [Fact]
    public async Task RowClick_FailedRun_DrawerShowsAttemptWithTargetRequestAndResponse()
    {
        await using var app = await ExecutionHarness.CreateAsync();
        var digest = await app.CreateScheduleAsync("Weekly digest");
        var failed = await app.SeedAsync(digest, Monday, ExecutionStatus.Failed, durationMs: 2500, error: "HTTP 503 Service Unavailable", responseStatus: 503,
            request: """{"executionId":"abc","payload":{"channel":"web"}}""", response: """{"error":"maintenance"}""");
        var cut = app.Render<ExecutionsPage>();
        cut.WaitForAssertion(() => Assert.Single(Rows(cut)));

        Rows(cut)[0].QuerySelector("td:nth-child(3)")!.Click();

        var attempt = cut.WaitForElement("[data-testid=attempt]");
        Assert.Equal(failed.Id.ToString(), cut.Find("[data-testid=drawer-id]").TextContent.Trim());
        Assert.Contains("HTTP 503 Service Unavailable", cut.Find("[data-testid=drawer-error]").TextContent, StringComparison.Ordinal);
        Assert.Equal("HTTP 503", attempt.QuerySelector("[data-testid=attempt-response-status]")!.TextContent.Trim());
        Assert.Equal("https://hooks.example.com/publish", attempt.QuerySelector("[data-testid=attempt-target]")!.TextContent.Trim());
        Assert.Contains("2.5 s", attempt.TextContent, StringComparison.Ordinal);
        // Bodies are pretty-printed JSON in collapsible blocks.
        var request = attempt.QuerySelector("[data-testid=attempt-request] pre")!.TextContent;
        Assert.Contains("\"channel\": \"web\"", request, StringComparison.Ordinal);
        Assert.Contains("\n", request, StringComparison.Ordinal);
        Assert.Contains("\"error\": \"maintenance\"", attempt.QuerySelector("[data-testid=attempt-response] pre")!.TextContent, StringComparison.Ordinal);
        Assert.NotNull(cut.Find("button[data-testid=drawer-retry]"));
    }

    [Fact]
    public async Task Retry_FailedRun_CallsRetryAndRowBecomesPending()
    {
        await using var app = await ExecutionHarness.CreateAsync();
        var digest = await app.CreateScheduleAsync("Weekly digest");
        var failed = await app.SeedAsync(digest, Monday, ExecutionStatus.Failed, error: "boom");
        var cut = app.Render<ExecutionsPage>();
        cut.WaitForAssertion(() => Assert.Equal(["failed"], Rows(cut).Select(Status)));

        cut.Find("button[data-testid=execution-retry]").Click();

        cut.WaitForAssertion(() => Assert.Equal(["pending"], Rows(cut).Select(Status)));
        Assert.Empty(cut.FindAll("[data-testid=execution-retry]"));
        await using var db = await app.NewDbContextAsync();
        var stored = await db.Executions.SingleAsync(e => e.Id == failed.Id, Ct);
        Assert.Equal(ExecutionStatus.Pending, stored.Status);
        Assert.Equal("Retry requested.", stored.Reason);
        Assert.NotNull(stored.HangfireJobId);
    }

    [Fact]
    public async Task Run_SkippedRun_OffersRunNotRetry_AndQueuesTheSameRun()
    {
        await using var app = await ExecutionHarness.CreateAsync();
        var digest = await app.CreateScheduleAsync("Weekly digest");
        var skipped = await app.SeedAsync(digest, Monday, ExecutionStatus.Skipped, reason: "Missed; only the latest missed run is run.");
        var cut = app.Render<ExecutionsPage>();
        cut.WaitForAssertion(() => Assert.Equal(["skipped"], Rows(cut).Select(Status)));

        var button = cut.Find("button[data-testid=execution-retry]");
        Assert.Equal("Run", button.TextContent.Trim());
        button.Click();

        cut.WaitForAssertion(() => Assert.Equal(["pending"], Rows(cut).Select(Status)));
        await using var db = await app.NewDbContextAsync();
        var stored = await db.Executions.SingleAsync(e => e.Id == skipped.Id, Ct);
        Assert.Equal(ExecutionStatus.Pending, stored.Status);
        Assert.Equal("Run requested (it was skipped).", stored.Reason);
        Assert.Null(stored.CompletedAt);
        Assert.NotNull(stored.HangfireJobId);
        Assert.Equal(1, await db.Executions.CountAsync(Ct));
    }

    [Fact]
    public async Task LiveRefresh_RunAddedAfterRender_AppearsAfterFiveSeconds()
    {
        await using var app = await ExecutionHarness.CreateAsync();
        var digest = await app.CreateScheduleAsync("Weekly digest");
        await app.SeedAsync(digest, Monday.AddDays(-1), ExecutionStatus.Completed);
        var cut = app.Render<ExecutionsPage>();
        cut.WaitForAssertion(() => Assert.Single(Rows(cut)));

        await app.SeedAsync(digest, Monday, ExecutionStatus.Failed, error: "late failure");
        Assert.Single(Rows(cut));
        app.Clock.Advance(ExecutionDisplay.RefreshInterval);

        cut.WaitForAssertion(() => Assert.Equal(["failed", "completed"], Rows(cut).Select(Status)));
    }

    [Fact]
    public async Task Render_AsReadOnlyManager_HasNoRetryButtons()
    {
        await using var app = await ExecutionHarness.CreateAsync();
        var digest = await app.CreateScheduleAsync("Weekly digest");
        await app.SeedAsync(digest, Monday, ExecutionStatus.Failed, error: "boom");
        await app.ActAsManagerAsync();

        var cut = app.Render<ExecutionsPage>();

        cut.WaitForAssertion(() => Assert.Single(Rows(cut)));
        Assert.Empty(cut.FindAll("[data-testid=execution-retry]"));
    }
}
