using Bunit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using Scheduling.Web.Data;
using Scheduling.Web.Features.Executions;
using Scheduling.Web.Features.Schedules;
using Scheduling.Web.Tests.Components.Schedules;
using Scheduling.Web.Tests.Infrastructure;

namespace Scheduling.Web.Tests.Components;

/// <summary>
/// The backfill dialog against the real BackfillService on SQLite, with the fixed clock of <see cref="ScheduleHarness"/>
/// (Tue 10 Mar 2026, 09:30 UTC) and a viewer in Europe/Paris. Nothing runs in the background: created runs stay pending.
/// The weekly schedule runs Mondays and Wednesdays at 09:00 in New York from 1 Mar 2026: in the past are Mon 2 Mar and
/// Wed 4 Mar (14:00 UTC) and Mon 9 Mar (13:00 UTC, New York being on summer time since 8 Mar).
/// </summary>
public sealed class ScheduleBackfillDialogTests
{
    private static readonly DateTime March2 = new(2026, 3, 2, 14, 0, 0, DateTimeKind.Utc);
    private static readonly DateTime March4 = new(2026, 3, 4, 14, 0, 0, DateTimeKind.Utc);
    private static readonly DateTime March9 = new(2026, 3, 9, 13, 0, 0, DateTimeKind.Utc);
    private const string SkippedSwitch = "[data-testid=backfill-include-skipped] input, input[data-testid=backfill-include-skipped]";

    private static CancellationToken Ct => Xunit.TestContext.Current.CancellationToken;

    [Fact]
    public async Task Preview_CountsRunsToCreateAndAlreadyRecorded_ListsThemInTheViewersZone()
    {
        await using var app = await ScheduleHarness.CreateAsync(viewerZone: "Europe/Paris");
        var weekly = await app.CreateWeeklyAsync("Weekly digest");
        await SeedRunAsync(app, weekly, March4);

        var cut = await OpenAsync(app, weekly, from: new DateTime(2026, 3, 1, 0, 0, 0, DateTimeKind.Utc), to: new DateTime(2026, 3, 10, 0, 0, 0, DateTimeKind.Utc));

        cut.WaitForAssertion(() => Assert.Equal("2 runs will be created, 1 already recorded", cut.Find("[data-testid=backfill-summary]").TextContent.Trim()));
        var rows = cut.FindAll("[data-testid=backfill-occurrence]");
        Assert.Equal(2, rows.Count);
        // 14:00 UTC is 15:00 in Paris (winter time) and 09:00 in New York; on 9 Mar New York is on summer time already.
        Assert.Contains("Mon 2 Mar 2026, 15:00", rows[0].TextContent, StringComparison.Ordinal);
        Assert.Contains("Mon 2 Mar 2026, 09:00 (America/New_York)", rows[0].TextContent, StringComparison.Ordinal);
        Assert.Contains("Mon 9 Mar 2026, 14:00", rows[1].TextContent, StringComparison.Ordinal);
        Assert.Contains("Backfill 2 runs", cut.Find("button[data-testid=confirm-backfill]").TextContent, StringComparison.Ordinal);
        Assert.False(cut.Find("button[data-testid=confirm-backfill]").HasAttribute("disabled"));
        Assert.Empty(cut.FindAll("[data-testid=backfill-error]"));
        // A preview writes nothing.
        Assert.Equal([March4], await PlannedRunsAsync(app));
    }

    [Fact]
    public async Task SkippedOccurrences_RunAgainByDefault_TheSwitchLeavesThemOut_AndBackfillResetsThem()
    {
        await using var app = await ScheduleHarness.CreateAsync(viewerZone: "Europe/Paris");
        var weekly = await app.CreateWeeklyAsync("Weekly digest");
        await SeedRunAsync(app, weekly, March2, ExecutionStatus.Skipped);
        await SeedRunAsync(app, weekly, March4);

        var cut = await OpenAsync(app, weekly, from: new DateTime(2026, 3, 1, 0, 0, 0, DateTimeKind.Utc), to: new DateTime(2026, 3, 10, 0, 0, 0, DateTimeKind.Utc));

        cut.WaitForAssertion(() => Assert.Equal("1 run will be created, 1 skipped will run again, 1 already recorded", cut.Find("[data-testid=backfill-summary]").TextContent.Trim()));
        Assert.Contains("Run the 1 run recorded as skipped again", cut.Find("[data-testid=backfill-preview]").TextContent, StringComparison.Ordinal);
        var rows = cut.FindAll("[data-testid=backfill-occurrence]");
        Assert.Equal(2, rows.Count);
        Assert.Contains("Mon 2 Mar 2026, 15:00", rows[0].TextContent, StringComparison.Ordinal);
        Assert.Contains("Mon 9 Mar 2026, 14:00", rows[1].TextContent, StringComparison.Ordinal);
        Assert.Contains("Backfill 2 runs", cut.Find("button[data-testid=confirm-backfill]").TextContent, StringComparison.Ordinal);

        // Left out: the skipped one counts as recorded and is not listed.
        cut.Find(SkippedSwitch).Change(false);
        cut.WaitForAssertion(() => Assert.Equal("1 run will be created, 2 already recorded", cut.Find("[data-testid=backfill-summary]").TextContent.Trim()));
        Assert.Single(cut.FindAll("[data-testid=backfill-occurrence]"));
        Assert.Contains("Backfill 1 run", cut.Find("button[data-testid=confirm-backfill]").TextContent, StringComparison.Ordinal);

        // Back on, and run: the skipped run is pending again (same row), the missing one is created.
        cut.Find(SkippedSwitch).Change(true);
        cut.WaitForAssertion(() => Assert.Contains("Backfill 2 runs", cut.Find("button[data-testid=confirm-backfill]").TextContent, StringComparison.Ordinal));
        cut.Find("button[data-testid=confirm-backfill]").Click();
        cut.WaitForAssertion(() => Assert.Empty(cut.FindAll("[data-testid=backfill-preview]")));
        Assert.Equal([March2, March4, March9], await PlannedRunsAsync(app));
        await using var db = await app.Context.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync(Ct);
        var statuses = await db.Executions.IgnoreQueryFilters().OrderBy(e => e.ScheduledFor).Select(e => e.Status).ToListAsync(Ct);
        Assert.Equal([ExecutionStatus.Pending, ExecutionStatus.Completed, ExecutionStatus.Pending], statuses);
    }

    [Fact]
    public async Task ToInTheFuture_ShowsAReadableErrorOnTo_ThenCorrectingTheTimeShowsThePreview_WithNothingLost()
    {
        await using var app = await ScheduleHarness.CreateAsync(viewerZone: "Europe/Paris");
        var weekly = await app.CreateWeeklyAsync("Weekly digest");

        // To = 10 Mar 11:00 in Paris = 10:00 UTC: half an hour ahead of the clock.
        var cut = await OpenAsync(app, weekly, from: new DateTime(2026, 3, 1, 0, 0, 0, DateTimeKind.Utc), to: new DateTime(2026, 3, 10, 10, 0, 0, DateTimeKind.Utc));

        var error = cut.WaitForElement("[data-testid=backfill-error]");
        Assert.Contains("to is in the future: a backfill is for the past", error.TextContent, StringComparison.Ordinal);
        // The To field says it too.
        Assert.Contains(cut.FindAll(".mud-input-helper-text"), h => h.TextContent.Contains("to is in the future", StringComparison.Ordinal));
        Assert.Empty(cut.FindAll("[data-testid=backfill-summary]"));
        Assert.True(cut.Find("button[data-testid=confirm-backfill]").HasAttribute("disabled"));

        // 10:00 in Paris (09:00 UTC) is in the past: the preview comes back; From is as entered.
        cut.Find("[data-testid=backfill-to-time] input, input[data-testid=backfill-to-time]").Change("10:00");
        cut.WaitForAssertion(() => Assert.Equal("3 runs will be created, 0 already recorded", cut.Find("[data-testid=backfill-summary]").TextContent.Trim()));
        Assert.Empty(cut.FindAll("[data-testid=backfill-error]"));
        Assert.Equal("2026-03-01", cut.Find("[data-testid=backfill-from-date] input, input[data-testid=backfill-from-date]").GetAttribute("value"));
        Assert.Empty(await PlannedRunsAsync(app));
    }

    [Fact]
    public async Task DetailsPage_BackfillAction_OpensTheDialogOnTheLastDay_AndBackfillCreatesTheRun()
    {
        await using var app = await ScheduleHarness.CreateAsync(viewerZone: "Europe/Paris");
        var weekly = await app.CreateWeeklyAsync("Weekly digest");
        var cut = app.Render<ScheduleDetailsPage>(new Dictionary<string, object?> { [nameof(ScheduleDetailsPage.Id)] = weekly.Id });

        cut.WaitForElement("button[data-testid=backfill]").Click();

        // The last 24 hours by default: Mon 9 Mar 13:00 UTC only.
        cut.WaitForAssertion(() => Assert.Equal("1 run will be created, 0 already recorded", cut.Find("[data-testid=backfill-summary]").TextContent.Trim()));
        cut.Find("button[data-testid=confirm-backfill]").Click();
        cut.WaitForAssertion(() => Assert.Empty(cut.FindAll("[data-testid=backfill-preview]")));
        Assert.Equal([March9], await PlannedRunsAsync(app));
        var schedule = await app.Schedules.GetAsync(weekly.Id, Ct);
        Assert.Equal(0, schedule.RunCount);
        Assert.Equal(weekly.NextRunAt, schedule.NextRunAt);
    }

    [Fact]
    public async Task BackfillFailing_ShowsTheMessage_AndKeepsTheDialogAndTheRange()
    {
        await using var app = await ScheduleHarness.CreateAsync(viewerZone: "Europe/Paris");
        var weekly = await app.CreateWeeklyAsync("Weekly digest");
        var cut = await OpenAsync(app, weekly, from: new DateTime(2026, 3, 1, 0, 0, 0, DateTimeKind.Utc), to: new DateTime(2026, 3, 10, 0, 0, 0, DateTimeKind.Utc));
        cut.WaitForAssertion(() => Assert.Equal("3 runs will be created, 0 already recorded", cut.Find("[data-testid=backfill-summary]").TextContent.Trim()));

        // Cancelled meanwhile (another tab, another member).
        await app.Schedules.CancelAsync(weekly.Id, Ct);
        cut.Find("button[data-testid=confirm-backfill]").Click();

        var error = cut.WaitForElement("[data-testid=backfill-run-error]");
        Assert.Contains("Nothing was backfilled: A cancelled schedule does not run", error.TextContent, StringComparison.Ordinal);
        // The counts were asked for again: the same answer, and no button to press.
        cut.WaitForAssertion(() => Assert.Contains("A cancelled schedule does not run", cut.Find("[data-testid=backfill-error]").TextContent, StringComparison.Ordinal));
        Assert.True(cut.Find("button[data-testid=confirm-backfill]").HasAttribute("disabled"));
        Assert.Equal("2026-03-01", cut.Find("[data-testid=backfill-from-date] input, input[data-testid=backfill-from-date]").GetAttribute("value"));
        Assert.Equal("2026-03-10", cut.Find("[data-testid=backfill-to-date] input, input[data-testid=backfill-to-date]").GetAttribute("value"));
        Assert.Empty(await PlannedRunsAsync(app));
    }

    [Fact]
    public async Task OccurrencesFromTheSchedulesNextRun_AreLeftToTheSchedule_AndNothingIsOffered()
    {
        await using var app = await ScheduleHarness.CreateAsync(viewerZone: "Europe/Paris");
        // Once at 06:00 in New York (10:00 UTC); two hours later it has not been dispatched (nothing runs here):
        // its next run is in the past and the schedule's own.
        var once = await app.CreateOnceAsync("Launch video", "2026-03-10T06:00:00");
        app.Clock.Advance(TimeSpan.FromHours(2));

        var cut = await OpenAsync(app, once, from: new DateTime(2026, 3, 10, 0, 0, 0, DateTimeKind.Utc), to: new DateTime(2026, 3, 10, 11, 0, 0, DateTimeKind.Utc));

        cut.WaitForAssertion(() => Assert.Equal("0 runs will be created, 0 already recorded", cut.Find("[data-testid=backfill-summary]").TextContent.Trim()));
        Assert.Contains("1 run at or after the schedule's next run is left to the schedule", cut.Find("[data-testid=backfill-left]").TextContent, StringComparison.Ordinal);
        Assert.True(cut.Find("button[data-testid=confirm-backfill]").HasAttribute("disabled"));
    }

    [Fact]
    public async Task Manager_SeesNoBackfillAction()
    {
        await using var app = await ScheduleHarness.CreateAsync();
        var weekly = await app.CreateWeeklyAsync("Weekly digest");
        await app.ActAsManagerAsync();

        var cut = app.Render<ScheduleDetailsPage>(new Dictionary<string, object?> { [nameof(ScheduleDetailsPage.Id)] = weekly.Id });

        cut.WaitForElement("[data-testid=details-name]");
        Assert.Empty(cut.FindAll("[data-testid=backfill]"));
    }

    private static async Task<IRenderedComponent<ContainerFragment>> OpenAsync(ScheduleHarness app, ScheduleView schedule, DateTime from, DateTime to)
    {
        var cut = app.Render<ContainerFragment>();
        var dialogs = app.Context.Services.GetRequiredService<IDialogService>();
        await cut.InvokeAsync(() => dialogs.ShowAsync<ScheduleBackfillDialog>("Backfill", new DialogParameters<ScheduleBackfillDialog>
        {
            { d => d.ScheduleId, schedule.Id },
            { d => d.ScheduleName, schedule.Name },
            { d => d.ScheduleZone, schedule.Timezone },
            { d => d.ViewerZone, "Europe/Paris" },
            { d => d.From, from },
            { d => d.To, to },
        }));
        return cut;
    }

    private static async Task SeedRunAsync(ScheduleHarness app, ScheduleView schedule, DateTime scheduledFor, ExecutionStatus status = ExecutionStatus.Completed)
    {
        await using var db = await app.Context.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync(Ct);
        db.Executions.Add(RecordedRuns.Planned(app.Workspace.WorkspaceId!.Value, schedule.Id, schedule.Priority, schedule.JobType, scheduledFor, status));
        await db.SaveChangesAsync(Ct);
    }

    private static async Task<List<DateTime>> PlannedRunsAsync(ScheduleHarness app)
    {
        await using var db = await app.Context.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync(Ct);
        return await db.Executions.IgnoreQueryFilters().Where(e => !e.IsManual).OrderBy(e => e.ScheduledFor).Select(e => e.ScheduledFor).ToListAsync(Ct);
    }
}
