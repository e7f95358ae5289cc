using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using Scheduling.Core.Scheduling;
using Scheduling.Web.Features.Schedules;

namespace Scheduling.Web.Tests.Components.Schedules;

/// <summary>The schedules grid against the real ScheduleService on SQLite, with a fixed clock (10 Mar 2026, 09:30 UTC).</summary>
public sealed class SchedulesPageTests
{
    private static CancellationToken Ct => Xunit.TestContext.Current.CancellationToken;

    private static IReadOnlyList<string> RowNames(IRenderedComponent<ContainerFragment> cut) =>
        [.. cut.FindAll("[data-testid=schedule-row]").Select(a => a.TextContent.Trim())];

    /// <summary>The grid row (tr) whose name link says <paramref name="name"/>.</summary>
    private static AngleSharp.Dom.IElement Row(IRenderedComponent<ContainerFragment> cut, string name) =>
        cut.FindAll("[data-testid=schedules-grid] tbody tr").Single(tr => tr.QuerySelector("[data-testid=schedule-row]")?.TextContent.Trim() == name);

    private static string Status(AngleSharp.Dom.IElement row) => row.QuerySelector("[data-testid=schedule-status]")!.TextContent.Trim();

    [Fact]
    public async Task Render_WithSchedules_ListsRowsWithColouredStatusChips()
    {
        await using var app = await ScheduleHarness.CreateAsync();
        await app.CreateOnceAsync("Launch video", "2026-03-12T09:00:00");
        var paused = await app.CreateOnceAsync("Teaser", "2026-03-13T09:00:00");
        await app.Schedules.PauseAsync(paused.Id, "Waiting for the intro", Ct);
        var cancelled = await app.CreateWeeklyAsync("Weekly digest");
        await app.Schedules.CancelAsync(cancelled.Id, Ct);

        var cut = app.Render<SchedulesPage>();

        cut.WaitForAssertion(() => Assert.Equal(3, RowNames(cut).Count));
        // Default order: next run first, schedules without one (cancelled) last.
        Assert.Equal(["Launch video", "Teaser", "Weekly digest"], RowNames(cut));
        Assert.Equal("active", Status(Row(cut, "Launch video")));
        Assert.Equal("paused", Status(Row(cut, "Teaser")));
        Assert.Equal("cancelled", Status(Row(cut, "Weekly digest")));
        Assert.Contains("mud-chip-color-success", Row(cut, "Launch video").QuerySelector("[data-testid=schedule-status]")!.ClassName);
        Assert.Contains("mud-chip-color-warning", Row(cut, "Teaser").QuerySelector("[data-testid=schedule-status]")!.ClassName);
        Assert.Contains("mud-chip-color-error", Row(cut, "Weekly digest").QuerySelector("[data-testid=schedule-status]")!.ClassName);
        // The pause note is the paused chip's tooltip.
        Assert.Equal("Waiting for the intro", Row(cut, "Teaser").QuerySelector("[data-testid=schedule-status]")!.GetAttribute("title"));
        // The name links to the details page.
        Assert.Equal($"schedules/{paused.Id}", Row(cut, "Teaser").QuerySelector("[data-testid=schedule-row]")!.GetAttribute("href"));
    }

    [Fact]
    public async Task Render_ViewerInParis_ShowsNextRunInViewerZoneWithScheduleZoneAndCountdown()
    {
        await using var app = await ScheduleHarness.CreateAsync(viewerZone: "Europe/Paris");
        // 09:00 in New York (EDT, UTC-4) is 13:00 UTC, 14:00 in Paris (CET, UTC+1).
        await app.CreateOnceAsync("Launch video", "2026-03-12T09:00:00", "America/New_York");

        var cut = app.Render<SchedulesPage>();

        var nextRun = cut.WaitForElement("[data-testid=schedules-grid] [data-testid=schedule-next-run]");
        Assert.Equal("Thu 12 Mar 2026, 14:00 (Europe/Paris)", nextRun.QuerySelector("[data-testid=next-run-viewer]")!.TextContent.Trim());
        Assert.Equal("Thu 12 Mar 2026, 09:00 (America/New_York)", nextRun.QuerySelector("[data-testid=next-run-schedule-zone]")!.TextContent.Trim());
        Assert.Equal("in 2 d 3 h", nextRun.QuerySelector("[data-testid=next-run-relative]")!.TextContent.Trim());
    }

    [Fact]
    public async Task Render_ViewerWithoutZone_FallsBackToScheduleZoneOnly()
    {
        await using var app = await ScheduleHarness.CreateAsync(viewerZone: null);
        await app.CreateOnceAsync("Launch video", "2026-03-12T09:00:00", "America/New_York");

        var cut = app.Render<SchedulesPage>();

        var nextRun = cut.WaitForElement("[data-testid=schedules-grid] [data-testid=schedule-next-run]");
        Assert.Equal("Thu 12 Mar 2026, 09:00 (America/New_York)", nextRun.QuerySelector("[data-testid=next-run-viewer]")!.TextContent.Trim());
        Assert.Null(nextRun.QuerySelector("[data-testid=next-run-schedule-zone]"));
    }

    [Fact]
    public async Task Countdown_ClockAdvancesPastRefresh_IsRedrawnAndTurnsOverdue()
    {
        await using var app = await ScheduleHarness.CreateAsync();
        // 11:00 in New York = 15:00 UTC: 5 h 30 min after the harness's 09:30 UTC.
        await app.CreateOnceAsync("Soon", "2026-03-10T11:00:00", "America/New_York");
        var cut = app.Render<SchedulesPage>();
        cut.WaitForAssertion(() => Assert.Equal("in 5 h 30 min", cut.Find("[data-testid=next-run-relative]").TextContent.Trim()));

        app.Clock.Advance(TimeSpan.FromMinutes(31));
        cut.WaitForAssertion(() => Assert.Equal("in 4 h 59 min", cut.Find("[data-testid=next-run-relative]").TextContent.Trim()));

        app.Clock.Advance(TimeSpan.FromHours(5));
        cut.WaitForAssertion(() => Assert.Equal("overdue 1 min", cut.Find("[data-testid=next-run-relative]").TextContent.Trim()));
    }

    [Fact]
    public async Task FilterStatus_Paused_ListsOnlyPausedSchedules()
    {
        await using var app = await ScheduleHarness.CreateAsync();
        await app.CreateOnceAsync("Launch video", "2026-03-12T09:00:00");
        var teaser = await app.CreateOnceAsync("Teaser", "2026-03-13T09:00:00");
        await app.Schedules.PauseAsync(teaser.Id, null, Ct);
        var cut = app.Render<SchedulesPage>();
        cut.WaitForAssertion(() => Assert.Equal(2, RowNames(cut).Count));

        var select = cut.FindComponents<MudSelect<ScheduleStatus?>>().Single();
        await cut.InvokeAsync(() => select.Instance.ValueChanged.InvokeAsync(ScheduleStatus.Paused));

        cut.WaitForAssertion(() => Assert.Equal(["Teaser"], RowNames(cut)));
    }

    [Fact]
    public async Task Search_TypedText_ListsMatchingNamesAfterDebounce()
    {
        await using var app = await ScheduleHarness.CreateAsync();
        await app.CreateOnceAsync("Launch video", "2026-03-12T09:00:00");
        await app.CreateOnceAsync("Newsletter March", "2026-03-13T09:00:00", jobType: JobType.Newsletter);
        var cut = app.Render<SchedulesPage>();
        cut.WaitForAssertion(() => Assert.Equal(2, RowNames(cut).Count));

        cut.Find("input[data-testid=schedule-search], [data-testid=schedule-search] input").Input("newsletter");
        // Debounced: nothing is asked before the interval has passed (MudBlazor times it with the app's TimeProvider).
        Assert.Equal(2, RowNames(cut).Count);
        app.Clock.Advance(TimeSpan.FromMilliseconds(400));

        cut.WaitForAssertion(() => Assert.Equal(["Newsletter March"], RowNames(cut)));
    }

    [Fact]
    public async Task SortByName_HeaderClicked_ReordersRows()
    {
        await using var app = await ScheduleHarness.CreateAsync();
        await app.CreateOnceAsync("Zebra", "2026-03-11T09:00:00");
        await app.CreateOnceAsync("Alpha", "2026-03-12T09:00:00");
        var cut = app.Render<SchedulesPage>();
        cut.WaitForAssertion(() => Assert.Equal(["Zebra", "Alpha"], RowNames(cut)));

        var nameHeader = cut.FindAll("[data-testid=schedules-grid] thead th").Single(th => th.TextContent.Contains("Name", StringComparison.Ordinal));
        // The header's own click target (MudDataGrid wires the sort on an inner element of the th).
        nameHeader.QuerySelectorAll("*").First(e => e.HasAttribute("blazor:onclick")).Click();

        cut.WaitForAssertion(() => Assert.Equal(["Alpha", "Zebra"], RowNames(cut)));
    }

    [Fact]
    public async Task PauseAction_WithNote_ChipBecomesPausedAndNoteIsStored()
    {
        await using var app = await ScheduleHarness.CreateAsync();
        var launch = await app.CreateOnceAsync("Launch video", "2026-03-12T09:00:00");
        var cut = app.Render<SchedulesPage>();
        cut.WaitForAssertion(() => Assert.Equal("active", Status(Row(cut, "Launch video"))));

        Row(cut, "Launch video").QuerySelector("button[data-testid=action-pause]")!.Click();
        cut.WaitForElement("textarea[data-testid=pause-note], [data-testid=pause-note] textarea").Input("Waiting for the intro");
        cut.Find("button[data-testid=confirm-pause]").Click();

        cut.WaitForAssertion(() => Assert.Equal("paused", Status(Row(cut, "Launch video"))));
        Assert.Equal("Waiting for the intro", Row(cut, "Launch video").QuerySelector("[data-testid=schedule-status]")!.GetAttribute("title"));
        var stored = await app.Schedules.GetAsync(launch.Id, Ct);
        Assert.Equal(ScheduleStatus.Paused, stored.Status);
        Assert.Equal("Waiting for the intro", stored.PauseNote);
        // A paused row offers resume instead of pause.
        Assert.NotNull(Row(cut, "Launch video").QuerySelector("button[data-testid=action-resume]"));
        Assert.Null(Row(cut, "Launch video").QuerySelector("button[data-testid=action-pause]"));
    }

    [Fact]
    public async Task CancelAction_AsksConfirmation_CancelsOnlyWhenConfirmed()
    {
        await using var app = await ScheduleHarness.CreateAsync();
        var launch = await app.CreateOnceAsync("Launch video", "2026-03-12T09:00:00");
        var cut = app.Render<SchedulesPage>();
        cut.WaitForAssertion(() => Assert.Equal("active", Status(Row(cut, "Launch video"))));

        Row(cut, "Launch video").QuerySelector("button[data-testid=action-cancel]")!.Click();
        cut.WaitForAssertion(() => Assert.Contains("It will never run again", cut.Markup, StringComparison.Ordinal));
        // Asked, not done.
        Assert.Equal(ScheduleStatus.Active, (await app.Schedules.GetAsync(launch.Id, Ct)).Status);
        cut.FindAll(".mud-dialog button").Single(b => b.TextContent.Trim() == "Keep it").Click();
        cut.WaitForAssertion(() => Assert.DoesNotContain("It will never run again", cut.Markup, StringComparison.Ordinal));
        Assert.Equal(ScheduleStatus.Active, (await app.Schedules.GetAsync(launch.Id, Ct)).Status);

        Row(cut, "Launch video").QuerySelector("button[data-testid=action-cancel]")!.Click();
        cut.WaitForElements(".mud-dialog button").Single(b => b.TextContent.Trim() == "Cancel schedule").Click();

        cut.WaitForAssertion(() => Assert.Equal("cancelled", Status(Row(cut, "Launch video"))));
        Assert.Equal(ScheduleStatus.Cancelled, (await app.Schedules.GetAsync(launch.Id, Ct)).Status);
    }

    [Fact]
    public async Task BulkPause_SelectionWithCancelledRow_PausesOthersAndReportsSkipped()
    {
        await using var app = await ScheduleHarness.CreateAsync();
        await app.CreateOnceAsync("One", "2026-03-11T09:00:00");
        await app.CreateOnceAsync("Two", "2026-03-12T09:00:00");
        var three = await app.CreateOnceAsync("Three", "2026-03-13T09:00:00");
        await app.Schedules.CancelAsync(three.Id, Ct);
        var cut = app.Render<SchedulesPage>();
        cut.WaitForAssertion(() => Assert.Equal(3, RowNames(cut).Count));

        foreach (var name in new[] { "One", "Two", "Three" })
        {
            Row(cut, name).QuerySelector("input[type=checkbox]")!.Change(true);
        }
        cut.WaitForAssertion(() => Assert.Contains("3", cut.Find("[data-testid=selected-count]").TextContent, StringComparison.Ordinal));
        cut.Find("button[data-testid=bulk-pause]").Click();
        cut.WaitForElement("button[data-testid=confirm-pause]").Click();

        cut.WaitForAssertion(() => Assert.Equal("2 paused, 1 skipped: already cancelled", cut.Find("[data-testid=bulk-result]").TextContent.Trim()));
        cut.WaitForAssertion(() => Assert.Equal("paused", Status(Row(cut, "One"))));
        Assert.Equal("paused", Status(Row(cut, "Two")));
        Assert.Equal("cancelled", Status(Row(cut, "Three")));
    }

    [Fact]
    public async Task BulkResume_Result_ShownOnceInlineAndClearedWhenTheNextActionStarts()
    {
        await using var app = await ScheduleHarness.CreateAsync();
        var one = await app.CreateOnceAsync("One", "2026-03-11T09:00:00");
        var two = await app.CreateOnceAsync("Two", "2026-03-12T09:00:00");
        await app.Schedules.PauseAsync(one.Id, null, Ct);
        await app.Schedules.PauseAsync(two.Id, null, Ct);
        var snackbar = app.Context.Services.GetRequiredService<ISnackbar>();
        var cut = app.Render<SchedulesPage>();
        cut.WaitForAssertion(() => Assert.Equal("paused", Status(Row(cut, "One"))));

        Row(cut, "One").QuerySelector("input[type=checkbox]")!.Change(true);
        cut.WaitForElement("button[data-testid=bulk-resume]").Click();

        // One summary: the inline alert, and no toast repeating it.
        cut.WaitForAssertion(() => Assert.Equal("1 resumed", cut.Find("[data-testid=bulk-result]").TextContent.Trim()));
        cut.WaitForAssertion(() => Assert.Equal("active", Status(Row(cut, "One"))));
        Assert.Single(cut.FindAll("[data-testid=bulk-result]"));
        Assert.Empty(snackbar.ShownSnackbars);

        // Selecting rows for the next action clears the old summary before anything runs.
        Row(cut, "Two").QuerySelector("input[type=checkbox]")!.Change(true);
        cut.WaitForAssertion(() => Assert.Empty(cut.FindAll("[data-testid=bulk-result]")));
        cut.Find("button[data-testid=bulk-resume]").Click();
        cut.WaitForAssertion(() => Assert.Equal("1 resumed", cut.Find("[data-testid=bulk-result]").TextContent.Trim()));

        // So does a filter change.
        var statusFilter = cut.FindComponents<MudSelect<ScheduleStatus?>>().Single();
        await cut.InvokeAsync(() => statusFilter.Instance.ValueChanged.InvokeAsync(ScheduleStatus.Active));
        cut.WaitForAssertion(() => Assert.Empty(cut.FindAll("[data-testid=bulk-result]")));
    }

    [Fact]
    public async Task Render_AsReadOnlyManager_HidesNewButtonSelectionAndRowActions()
    {
        await using var app = await ScheduleHarness.CreateAsync();
        await app.CreateOnceAsync("Launch video", "2026-03-12T09:00:00");
        await app.ActAsManagerAsync();

        var cut = app.Render<SchedulesPage>();

        cut.WaitForAssertion(() => Assert.Equal(["Launch video"], RowNames(cut)));
        Assert.Empty(cut.FindAll("[data-testid=new-schedule]"));
        Assert.Empty(cut.FindAll("[data-testid^=action-]"));
        Assert.Empty(cut.FindAll("[data-testid=schedules-grid] input[type=checkbox]"));
        Assert.NotNull(cut.Find("[data-testid=read-only-notice]"));
    }

    [Fact]
    public async Task Render_NoSchedules_ShowsEmptyStateWithCallToAction()
    {
        await using var app = await ScheduleHarness.CreateAsync();

        var cut = app.Render<SchedulesPage>();

        var empty = cut.WaitForElement("[data-testid=schedules-empty]");
        Assert.Contains("No schedules yet", empty.TextContent, StringComparison.Ordinal);
        Assert.Equal("schedules/new", empty.QuerySelector("[data-testid=empty-new-schedule]")!.GetAttribute("href"));
        Assert.Equal("schedules/new", cut.Find("[data-testid=new-schedule]").GetAttribute("href"));
    }
}
