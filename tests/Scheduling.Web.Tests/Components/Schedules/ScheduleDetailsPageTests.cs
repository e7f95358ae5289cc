using Bunit;
using Microsoft.Extensions.DependencyInjection;
using Scheduling.Core.Scheduling;
using Scheduling.Web.Features.Schedules;

namespace Scheduling.Web.Tests.Components.Schedules;

/// <summary>/schedules/{id} against the real ScheduleService on SQLite, with a fixed clock (10 Mar 2026, 09:30 UTC).</summary>
public sealed class ScheduleDetailsPageTests
{
    private static CancellationToken Ct => Xunit.TestContext.Current.CancellationToken;

    private static Dictionary<string, object?> For(Guid id) => new() { [nameof(ScheduleDetailsPage.Id)] = id };

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Split_EachPageLinksToTheOtherSchedule(bool showStarted)
    {
        await using var app = await ScheduleHarness.CreateAsync(viewerZone: "Europe/Paris");
        var weekly = await app.CreateWeeklyAsync("Weekly digest", "America/New_York");
        // From Monday 16 March 09:00 EDT (13:00Z) on, a new schedule continues it.
        var split = await app.Context.Services.GetRequiredService<Scheduling.Web.Features.Calendar.OccurrenceService>().SplitAsync(weekly.Id,
            NodaTime.Instant.FromUtc(2026, 3, 16, 13, 0), new ScheduleInput { Name = "Weekly digest (Mondays)", JobType = JobType.Publish, Timezone = "America/New_York", Recurrence = new RecurrenceInput { Rrule = "FREQ=WEEKLY;BYDAY=MO;BYHOUR=9;BYMINUTE=0" } }, Ct);

        // One page a test (the harness renders one popover provider, as the app does).
        var cut = app.Render<ScheduleDetailsPage>(For(showStarted ? split.Started.Id : weekly.Id));

        var (shown, absent, target) = showStarted ? ("split-from", "split-into", weekly.Id) : ("split-into", "split-from", split.Started.Id);
        Assert.Equal($"schedules/{target}", cut.WaitForElement($"[data-testid={shown}] a").GetAttribute("href"));
        Assert.Empty(cut.FindAll($"[data-testid={absent}]"));
    }

    [Fact]
    public async Task Render_WeeklySchedule_ShowsSummaryRecurrenceExceptionsAndTenOccurrencesInBothZones()
    {
        await using var app = await ScheduleHarness.CreateAsync(viewerZone: "Europe/Paris");
        var weekly = await app.CreateWeeklyAsync("Weekly digest", "America/New_York", exdates: ["2026-03-11T09:00:00"]);

        var cut = app.Render<ScheduleDetailsPage>(For(weekly.Id));

        cut.WaitForElement("[data-testid=details-name]");
        Assert.Equal("Weekly digest", cut.Find("[data-testid=details-name]").TextContent.Trim());
        Assert.Equal("active", cut.Find("[data-testid=schedule-status]").TextContent.Trim());
        Assert.Equal(weekly.Summary, cut.Find("[data-testid=schedule-summary]").TextContent.Trim());
        Assert.Equal("America/New_York", cut.Find("[data-testid=details-timezone]").TextContent.Trim());
        Assert.Contains("FREQ=WEEKLY", cut.Find("[data-testid=details-rrule]").TextContent, StringComparison.Ordinal);
        Assert.Equal("Wed 11 Mar 2026, 09:00", cut.Find("[data-testid=details-exdates]").TextContent.Trim());

        var rows = cut.FindAll("[data-testid=next-occurrence]");
        Assert.Equal(10, rows.Count);
        // Wed 11 Mar is skipped: the first is Mon 16 Mar, 09:00 in New York (EDT) = 14:00 in Paris (CET).
        Assert.Contains("Mon 16 Mar 2026, 09:00", rows[0].TextContent, StringComparison.Ordinal);
        Assert.Contains("Mon 16 Mar 2026, 14:00", rows[0].TextContent, StringComparison.Ordinal);
        Assert.Contains("Wed 18 Mar 2026, 09:00", rows[1].TextContent, StringComparison.Ordinal);
        // Paris moves to summer time on 29 Mar: 09:00 in New York is then 15:00 there.
        Assert.Contains("Mon 30 Mar 2026, 15:00", rows[4].TextContent, StringComparison.Ordinal);
        Assert.Equal("Mon 16 Mar 2026, 14:00 (Europe/Paris)", cut.Find("[data-testid=next-run-viewer]").TextContent.Trim());
        Assert.Equal($"schedules/{weekly.Id}/edit", cut.Find("[data-testid=edit-schedule]").GetAttribute("href"));

        cut.FindAll(".mud-tab").Single(t => t.TextContent.Contains("History", StringComparison.Ordinal)).Click();
        cut.WaitForAssertion(() => Assert.Contains("No runs yet.", cut.Find("[data-testid=history-empty]").TextContent, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Render_OnceSchedule_ShowsPrettyJobConfigAndPolicies()
    {
        await using var app = await ScheduleHarness.CreateAsync();
        var launch = await app.CreateOnceAsync("Launch video", "2026-03-12T09:00:00", priority: SchedulePriority.High);

        var cut = app.Render<ScheduleDetailsPage>(For(launch.Id));

        var config = cut.WaitForElement("[data-testid=details-job-config]").TextContent;
        Assert.Contains("\"format\": \"mp4\"", config, StringComparison.Ordinal);
        Assert.Contains("\n", config, StringComparison.Ordinal);
        Assert.Equal("High", cut.Find("[data-testid=details-priority]").TextContent.Trim());
        Assert.Equal("Video generation", cut.Find("[data-testid=details-job-type]").TextContent.Trim());
        Assert.Contains("Run the latest missed occurrence once", cut.Find("[data-testid=details-policies]").TextContent, StringComparison.Ordinal);
        Assert.Equal("0 (runs once)", cut.Find("[data-testid=details-runs]").TextContent.Trim());
        Assert.Single(cut.FindAll("[data-testid=next-occurrence]"));
    }

    [Fact]
    public async Task Render_UnknownId_ShowsNotFoundMessage()
    {
        await using var app = await ScheduleHarness.CreateAsync();

        var cut = app.Render<ScheduleDetailsPage>(For(Guid.NewGuid()));

        var message = cut.WaitForElement("[data-testid=schedule-not-found]");
        Assert.Contains("Schedule not found", message.TextContent, StringComparison.Ordinal);
        Assert.Empty(cut.FindAll("[data-testid=details-name]"));
    }

    [Fact]
    public async Task Render_CancelledSchedule_HasNoEditButtonAndNoOccurrences()
    {
        await using var app = await ScheduleHarness.CreateAsync();
        var weekly = await app.CreateWeeklyAsync("Weekly digest");
        await app.Schedules.CancelAsync(weekly.Id, Ct);

        var cut = app.Render<ScheduleDetailsPage>(For(weekly.Id));

        cut.WaitForElement("[data-testid=details-name]");
        Assert.Equal("cancelled", cut.Find("[data-testid=schedule-status]").TextContent.Trim());
        Assert.Empty(cut.FindAll("[data-testid=edit-schedule]"));
        Assert.Empty(cut.FindAll("[data-testid=next-occurrence]"));
        Assert.Contains("the schedule is cancelled", cut.Find("[data-testid=no-occurrences]").TextContent, StringComparison.Ordinal);
        Assert.Empty(cut.FindAll("[data-testid=action-cancel]"));
    }

    [Fact]
    public async Task PauseAction_WithNote_ShowsPausedChipAndNoteThenResumeMakesItActive()
    {
        await using var app = await ScheduleHarness.CreateAsync();
        var weekly = await app.CreateWeeklyAsync("Weekly digest");
        var cut = app.Render<ScheduleDetailsPage>(For(weekly.Id));

        cut.WaitForElement("button[data-testid=action-pause]").Click();
        cut.WaitForElement("textarea[data-testid=pause-note], [data-testid=pause-note] textarea").Input("Holiday break");
        cut.Find("button[data-testid=confirm-pause]").Click();

        cut.WaitForAssertion(() => Assert.Equal("paused", cut.Find("[data-testid=schedule-status]").TextContent.Trim()));
        Assert.Contains("Holiday break", cut.Find("[data-testid=pause-note-text]").TextContent, StringComparison.Ordinal);

        cut.Find("button[data-testid=action-resume]").Click();
        cut.WaitForAssertion(() => Assert.Equal("active", cut.Find("[data-testid=schedule-status]").TextContent.Trim()));
        Assert.Equal(ScheduleStatus.Active, (await app.Schedules.GetAsync(weekly.Id, Ct)).Status);
    }

    [Fact]
    public async Task Render_AsReadOnlyManager_HidesEditAndActions()
    {
        await using var app = await ScheduleHarness.CreateAsync();
        var weekly = await app.CreateWeeklyAsync("Weekly digest");
        await app.ActAsManagerAsync();

        var cut = app.Render<ScheduleDetailsPage>(For(weekly.Id));

        cut.WaitForElement("[data-testid=details-name]");
        Assert.Empty(cut.FindAll("[data-testid=edit-schedule]"));
        Assert.Empty(cut.FindAll("[data-testid^=action-]"));
        Assert.Equal(10, cut.FindAll("[data-testid=next-occurrence]").Count);
    }
}
