using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using NodaTime;
using Scheduling.Core.Recurrence;
using Scheduling.Core.Scheduling;
using Scheduling.Web.Api;
using Scheduling.Web.Features.Calendar;
using Scheduling.Web.Features.Schedules;
using Scheduling.Web.Features.Workspaces;

namespace Scheduling.Web.Tests.Components.Calendar;

/// <summary>
/// The calendar page with the app's services on a real SQLite database (clock: Tuesday 10 March 2026, 09:30 UTC;
/// the viewer's zone is UTC, the schedules' zone Paris, UTC+1 in March).
/// </summary>
public sealed class CalendarPageTests
{
    private const string Email = "ada@example.com";
    private const string Workspace = "ada's workspace";
    private static CancellationToken Ct => Xunit.TestContext.Current.CancellationToken;

    private static IRenderedComponent<ContainerFragment> Render(AppServicesHarness app, string view, string date)
    {
        // The page reads its view and date from the URL, as after a reload.
        app.Context.Services.GetRequiredService<NavigationManager>().NavigateTo($"calendar?view={view}&date={date}");
        return app.Context.Render<ContainerFragment>(p => p.AddChildContent(builder =>
        {
            builder.OpenComponent<MudPopoverProvider>(0);
            builder.CloseComponent();
            builder.OpenComponent<MudSnackbarProvider>(1);
            builder.CloseComponent();
            builder.OpenComponent<CalendarPage>(2);
            builder.CloseComponent();
        }));
    }

    private static async Task<(AppServicesHarness App, ScheduleView Once, ScheduleView Daily)> SetUpAsync(WorkspaceRole? role = null)
    {
        var app = await AppServicesHarness.CreateAsync();
        await app.ActAsync(await app.CreateUserAsync(Email), Workspace);
        var schedules = app.Context.Services.GetRequiredService<ScheduleService>();
        var once = await schedules.CreateAsync(new ScheduleInput
        {
            Name = "Launch video",
            JobType = JobType.VideoGeneration,
            ScheduleType = ScheduleType.Once,
            ScheduledAt = "2026-03-18T14:00:00",
            Timezone = "Europe/Paris",
        }, Ct);
        var daily = await schedules.CreateAsync(new ScheduleInput
        {
            Name = "Daily digest",
            JobType = JobType.Newsletter,
            ScheduleType = ScheduleType.Recurring,
            Timezone = "Europe/Paris",
            Recurrence = new RecurrenceInput { Frequency = Frequency.Daily, TimesOfDay = ["09:00"], Start = "2026-03-09T00:00:00" },
        }, Ct);
        if (role is { } r)
        {
            var w = app.Workspace;
            w.Set(w.UserId!, w.WorkspaceId!.Value, w.WorkspaceName, r, isInstanceAdmin: false);
        }
        return (app, once, daily);
    }

    private static AngleSharp.Dom.IElement ItemOf(IRenderedComponent<ContainerFragment> cut, Guid scheduleId, string occurrence) =>
        cut.Find($"[data-testid=calendar-item][data-schedule-id='{scheduleId}'][data-occurrence='{occurrence}']");

    [Fact]
    public async Task ARunningOccurrence_ShowsItsReportedProgress_AndFollowsTheNextReportLive()
    {
        var (app, _, daily) = await SetUpAsync();
        await using var _ = app;
        // Today's 09:00 Paris run (08:00 UTC) is running, as the engine leaves a run its integration accepted with 202.
        var at = new DateTime(2026, 3, 10, 8, 0, 0, DateTimeKind.Utc);
        var run = new Scheduling.Web.Features.Executions.Execution
        {
            Id = Guid.CreateVersion7(), WorkspaceId = app.Workspace.WorkspaceId!.Value, ScheduleId = daily.Id,
            OccurrenceKey = Scheduling.Web.Features.Executions.Execution.PlannedKey(at), ScheduledFor = at, CreatedAt = at,
            Status = Scheduling.Web.Features.Executions.ExecutionStatus.Running, Attempts = 1, StartedAt = at, AttemptStartedAt = at,
            AwaitingCallback = true, JobType = JobType.Newsletter, Priority = SchedulePriority.Normal,
        };
        await using (var db = await app.Context.Services.GetRequiredService<IDbContextFactory<Scheduling.Web.Data.AppDbContext>>().CreateDbContextAsync(Ct))
        {
            db.Executions.Add(run);
            await db.SaveChangesAsync(Ct);
        }
        var progress = app.Context.Services.GetRequiredService<Scheduling.Web.Features.Executions.Progress.ExecutionProgressService>();
        await progress.ReportAsync(run.Id, new(60, "generate", "Writing the digest"), Ct);

        var cut = Render(app, "day", "2026-03-10");

        cut.WaitForAssertion(() => Assert.Equal("60", cut.Find("[data-testid=calendar-item] [data-testid=run-progress]").GetAttribute("data-percent")));
        Assert.Single(cut.FindAll("[data-testid=run-progress]"));
        var item = cut.FindAll("[data-testid=calendar-item]").Single(i => i.QuerySelector("[data-testid=run-progress]") is not null);
        Assert.Contains("Progress 60 %, stage generate", item.TextContent, StringComparison.Ordinal);

        // The next report reaches the open page without a reload (the clock stands still: no poll).
        await progress.ReportAsync(run.Id, new(80, "generate", null), Ct);
        cut.WaitForAssertion(() => Assert.Equal("80", cut.Find("[data-testid=calendar-item] [data-testid=run-progress]").GetAttribute("data-percent")));
    }

    [Fact]
    public async Task Week_ShowsTheOccurrencesInTheViewersZone_WithTheStableHooks()
    {
        var (app, once, daily) = await SetUpAsync();
        await using var _ = app;

        var cut = Render(app, "week", "2026-03-18");

        cut.WaitForAssertion(() => Assert.Equal(8, cut.FindAll("[data-testid=calendar-item]").Count));
        var item = ItemOf(cut, once.Id, "2026-03-18T13:00:00Z");
        Assert.Contains("13:00", item.TextContent, StringComparison.Ordinal);
        Assert.Contains("Europe/Paris", item.GetAttribute("title"), StringComparison.Ordinal); // the schedule's own zone differs
        Assert.Equal("true", item.GetAttribute("draggable"));
        // The visible text is the time and the title; the kind follows for screen readers only.
        Assert.Equal("Daily digest, planned", ItemOf(cut, daily.Id, "2026-03-16T08:00:00Z").TextContent[5..].Trim());
        Assert.Equal(", planned", ItemOf(cut, daily.Id, "2026-03-16T08:00:00Z").QuerySelector(".visually-hidden")!.TextContent);
        Assert.Equal("2026-03-16T00:00:00", cut.Find("[data-testid=calendar-slot]").GetAttribute("data-start"));
    }

    [Fact]
    public async Task DragOneTimeSchedule_ToAnotherSlot_MovesTheScheduleItself()
    {
        var (app, once, _) = await SetUpAsync();
        await using var __ = app;
        var cut = Render(app, "week", "2026-03-18");
        cut.WaitForAssertion(() => ItemOf(cut, once.Id, "2026-03-18T13:00:00Z"));

        ItemOf(cut, once.Id, "2026-03-18T13:00:00Z").DragStart();
        cut.Find("[data-testid=calendar-slot][data-start='2026-03-19T16:00:00']").Drop();

        cut.WaitForAssertion(() => ItemOf(cut, once.Id, "2026-03-19T16:00:00Z"));
        var stored = await app.Context.Services.GetRequiredService<ScheduleService>().GetAsync(once.Id, Ct);
        Assert.Equal("2026-03-19T17:00:00", stored.ScheduledAt); // Paris wall time
        Assert.Contains("moved to Thu 19 Mar 16:00", cut.Markup, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AProducedRunsPublishing_IsAnItemAtItsPublishTime_DraggingItMovesOnlyThePublishing_AndUndoPutsItBack()
    {
        var (app, _, daily) = await SetUpAsync();
        await using var __ = app;
        // Today's 09:00 Paris run (08:00 UTC) was produced and waits to publish tomorrow at 12:00 Paris (11:00 UTC).
        var at = new DateTime(2026, 3, 10, 8, 0, 0, DateTimeKind.Utc);
        var publishAt = new DateTime(2026, 3, 11, 11, 0, 0, DateTimeKind.Utc);
        var run = new Scheduling.Web.Features.Executions.Execution
        {
            Id = Guid.CreateVersion7(), WorkspaceId = app.Workspace.WorkspaceId!.Value, ScheduleId = daily.Id,
            OccurrenceKey = Scheduling.Web.Features.Executions.Execution.PlannedKey(at), ScheduledFor = at, CreatedAt = at,
            Status = Scheduling.Web.Features.Executions.ExecutionStatus.Pending, Attempts = 1, StartedAt = at, AttemptStartedAt = at,
            WaitReason = WaitReason.PublishAt, PublishAt = publishAt, NotBefore = publishAt, JobType = JobType.Newsletter, Priority = SchedulePriority.Normal,
        };
        await using (var db = await app.Context.Services.GetRequiredService<IDbContextFactory<Scheduling.Web.Data.AppDbContext>>().CreateDbContextAsync(Ct))
        {
            db.Executions.Add(run);
            await db.SaveChangesAsync(Ct);
        }
        var cut = Render(app, "week", "2026-03-10");
        cut.WaitForAssertion(() => Assert.Equal("publish", ItemOf(cut, daily.Id, "2026-03-11T11:00:00Z").GetAttribute("data-kind")));
        Assert.Contains("Publish · Daily digest", ItemOf(cut, daily.Id, "2026-03-11T11:00:00Z").TextContent, StringComparison.Ordinal);
        // The production stays where it ran.
        Assert.Equal("executed", ItemOf(cut, daily.Id, "2026-03-10T08:00:00Z").GetAttribute("data-kind"));

        ItemOf(cut, daily.Id, "2026-03-11T11:00:00Z").DragStart();
        cut.Find("[data-testid=calendar-slot][data-start='2026-03-12T15:00:00']").Drop();

        cut.WaitForAssertion(() => Assert.Equal("publish", ItemOf(cut, daily.Id, "2026-03-12T15:00:00Z").GetAttribute("data-kind")));
        Assert.Empty(cut.FindAll($"[data-testid=calendar-item][data-occurrence='2026-03-11T11:00:00Z'][data-kind=publish]"));
        Assert.Equal("executed", ItemOf(cut, daily.Id, "2026-03-10T08:00:00Z").GetAttribute("data-kind"));
        var executions = app.Context.Services.GetRequiredService<Scheduling.Web.Features.Executions.ExecutionService>();
        Assert.Equal(new DateTime(2026, 3, 12, 15, 0, 0, DateTimeKind.Utc), (await executions.GetAsync(run.Id, Ct)).Execution.PublishAt);

        cut.FindAll(".mud-snackbar button").Single(b => b.TextContent.Contains("Undo", StringComparison.Ordinal)).Click();
        cut.WaitForAssertion(() => Assert.Equal("publish", ItemOf(cut, daily.Id, "2026-03-11T11:00:00Z").GetAttribute("data-kind")));
        Assert.Equal(publishAt, (await executions.GetAsync(run.Id, Ct)).Execution.PublishAt);
    }

    [Fact]
    public async Task DragOccurrenceOfASeries_MovesThatOccurrenceOnly_AndUndoPutsItBack()
    {
        var (app, _, daily) = await SetUpAsync();
        await using var __ = app;
        var cut = Render(app, "week", "2026-03-18");
        cut.WaitForAssertion(() => ItemOf(cut, daily.Id, "2026-03-18T08:00:00Z"));

        ItemOf(cut, daily.Id, "2026-03-18T08:00:00Z").DragStart();
        cut.Find("[data-testid=calendar-slot][data-start='2026-03-18T15:00:00']").Drop();

        cut.WaitForAssertion(() => Assert.Equal("moved", ItemOf(cut, daily.Id, "2026-03-18T15:00:00Z").GetAttribute("data-kind")));
        Assert.Equal("planned", ItemOf(cut, daily.Id, "2026-03-19T08:00:00Z").GetAttribute("data-kind"));
        var view = await app.Context.Services.GetRequiredService<ScheduleService>().GetAsync(daily.Id, Ct);
        var move = Assert.Single(view.Recurrence!.Moves);
        Assert.Equal(("2026-03-18T09:00:00", "2026-03-18T16:00:00"), (move.From, move.To));

        cut.FindAll(".mud-snackbar button").Single(b => b.TextContent.Contains("Undo", StringComparison.Ordinal)).Click();

        cut.WaitForAssertion(() => Assert.Equal("planned", ItemOf(cut, daily.Id, "2026-03-18T08:00:00Z").GetAttribute("data-kind")));
        view = await app.Context.Services.GetRequiredService<ScheduleService>().GetAsync(daily.Id, Ct);
        Assert.Empty(view.Recurrence!.Moves);
    }

    [Fact]
    public async Task DropIntoThePast_IsRefusedWithTheReason_AndNothingChanges()
    {
        var (app, _, daily) = await SetUpAsync();
        await using var __ = app;
        var cut = Render(app, "week", "2026-03-11");
        cut.WaitForAssertion(() => ItemOf(cut, daily.Id, "2026-03-12T08:00:00Z"));

        ItemOf(cut, daily.Id, "2026-03-12T08:00:00Z").DragStart();
        cut.Find("[data-testid=calendar-slot][data-start='2026-03-10T08:00:00']").Drop();

        cut.WaitForAssertion(() => Assert.Contains("That time has passed", cut.Markup, StringComparison.Ordinal));
        Assert.Equal("planned", ItemOf(cut, daily.Id, "2026-03-12T08:00:00Z").GetAttribute("data-kind"));
        var view = await app.Context.Services.GetRequiredService<ScheduleService>().GetAsync(daily.Id, Ct);
        Assert.Empty(view.Recurrence!.Moves);
    }

    [Fact]
    public async Task SkipFromTheDrawer_ShowsTheOccurrenceSkipped_AndRestoreBringsItBack()
    {
        var (app, _, daily) = await SetUpAsync();
        await using var __ = app;
        var cut = Render(app, "week", "2026-03-18");
        cut.WaitForAssertion(() => ItemOf(cut, daily.Id, "2026-03-20T08:00:00Z"));

        ItemOf(cut, daily.Id, "2026-03-20T08:00:00Z").Click();
        Assert.Equal("2026-03-20T08:00:00Z", cut.Find("[data-testid=occurrence-utc]").TextContent);
        Assert.Contains("09:00", cut.Find("[data-testid=occurrence-schedule-local]").TextContent, StringComparison.Ordinal);
        cut.Find("button[data-testid=occurrence-skip]").Click();

        cut.WaitForAssertion(() => Assert.Equal("skipped", ItemOf(cut, daily.Id, "2026-03-20T08:00:00Z").GetAttribute("data-kind")));
        Assert.Contains("cal-kind-skipped", ItemOf(cut, daily.Id, "2026-03-20T08:00:00Z").ClassName, StringComparison.Ordinal);

        ItemOf(cut, daily.Id, "2026-03-20T08:00:00Z").Click();
        cut.Find("button[data-testid=occurrence-restore]").Click();
        cut.WaitForAssertion(() => Assert.Equal("planned", ItemOf(cut, daily.Id, "2026-03-20T08:00:00Z").GetAttribute("data-kind")));
    }

    [Fact]
    public async Task AnEpisodeInTheDrawer_NamesItsSeries_AndOffersTheSeriesPage_NotTheOccurrenceEditsTheSeriesRefuses()
    {
        var (app, _, daily) = await SetUpAsync();
        await using var __ = app;
        var seriesService = app.Context.Services.GetRequiredService<Scheduling.Web.Features.Series.SeriesService>();
        var series = await seriesService.CreateAsync(new Scheduling.Web.Features.Series.SeriesInput
        {
            Name = "Night Tales",
            JobType = JobType.Publish,
            Template = new Scheduling.Web.Features.Series.SeriesTemplateInput(null, "{title} #{episode}"),
            EpisodeCount = 3,
            Recurrence = new RecurrenceInput { Frequency = Frequency.Daily, TimesOfDay = ["09:00"], Start = "2026-03-11T00:00:00" },
            Timezone = "America/New_York",
        }, Ct);
        await seriesService.UpdateEpisodeAsync(series.Id, 2, new Scheduling.Web.Features.Series.EpisodeInput("The Lighthouse Keeper", null, null, null), Ct);
        await seriesService.UpdateEpisodeAsync(series.Id, 3, new Scheduling.Web.Features.Series.EpisodeInput(null, null, true, null), Ct);
        var cut = Render(app, "week", "2026-03-11");
        // Episode 2: Thursday 12 March, 09:00 in New York (EDT since 8 March) = 13:00 UTC; each episode under its own
        // title, the one skipped by hand shown skipped before its time.
        cut.WaitForAssertion(() => ItemOf(cut, series.ScheduleId, "2026-03-12T13:00:00Z"));
        Assert.Contains("Night Tales #1", ItemOf(cut, series.ScheduleId, "2026-03-11T13:00:00Z").TextContent, StringComparison.Ordinal);
        Assert.Contains("The Lighthouse Keeper", ItemOf(cut, series.ScheduleId, "2026-03-12T13:00:00Z").TextContent, StringComparison.Ordinal);
        Assert.Equal("planned", ItemOf(cut, series.ScheduleId, "2026-03-12T13:00:00Z").GetAttribute("data-kind"));
        Assert.Equal("skipped", ItemOf(cut, series.ScheduleId, "2026-03-13T13:00:00Z").GetAttribute("data-kind"));

        ItemOf(cut, series.ScheduleId, "2026-03-12T13:00:00Z").Click();
        cut.WaitForAssertion(() => Assert.Equal($"series/{series.Id}", cut.Find("[data-testid=occurrence-open-series]").GetAttribute("href")));
        Assert.Equal("Night Tales", cut.Find("[data-testid=occurrence-series]").TextContent.Trim());
        Assert.Contains("series page", cut.Find("[data-testid=occurrence-series-note]").TextContent, StringComparison.Ordinal);
        Assert.Empty(cut.FindAll("[data-testid=occurrence-run-now], [data-testid=occurrence-skip], [data-testid=occurrence-move], [data-testid=occurrence-split], [data-testid=occurrence-edit]"));

        // Pausing from the drawer pauses the series with its schedule.
        cut.Find("button[data-testid=occurrence-pause]").Click();
        cut.WaitForAssertion(() => Assert.Contains("The series Night Tales is paused.", cut.Markup, StringComparison.Ordinal));
        Assert.Equal(Scheduling.Web.Features.Series.SeriesStatus.Paused,
            (await app.Context.Services.GetRequiredService<Scheduling.Web.Features.Series.SeriesService>().GetAsync(series.Id, Ct)).Status);

        // A plain schedule's occurrence (the drawer closed after the pause) still offers every edit.
        cut.WaitForAssertion(() => Assert.Empty(cut.FindAll("[data-testid=occurrence-utc]")));
        ItemOf(cut, daily.Id, "2026-03-12T08:00:00Z").Click();
        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("button[data-testid=occurrence-run-now]")));
        Assert.NotNull(cut.Find("button[data-testid=occurrence-skip]"));
        Assert.Empty(cut.FindAll("[data-testid=occurrence-series]"));
    }

    [Fact]
    public async Task MoveToFromTheDrawer_IsTheKeyboardAlternativeToDragging()
    {
        var (app, _, daily) = await SetUpAsync();
        await using var __ = app;
        var cut = Render(app, "week", "2026-03-18");
        cut.WaitForAssertion(() => ItemOf(cut, daily.Id, "2026-03-19T08:00:00Z"));

        ItemOf(cut, daily.Id, "2026-03-19T08:00:00Z").KeyDown(new Microsoft.AspNetCore.Components.Web.KeyboardEventArgs { Key = "Enter" });
        cut.Find("button[data-testid=occurrence-move]").Click();
        cut.Find("[data-testid=move-time] input, input[data-testid=move-time]").Change("11:30");
        cut.Find("button[data-testid=move-confirm]").Click();

        cut.WaitForAssertion(() => Assert.Equal("moved", ItemOf(cut, daily.Id, "2026-03-19T11:30:00Z").GetAttribute("data-kind")));
    }

    [Fact]
    public async Task Manager_SeesTheCalendarReadOnly_NoDragNoActions()
    {
        var (app, once, _) = await SetUpAsync(WorkspaceRole.Manager);
        await using var __ = app;
        var cut = Render(app, "week", "2026-03-18");
        cut.WaitForAssertion(() => ItemOf(cut, once.Id, "2026-03-18T13:00:00Z"));

        Assert.NotNull(cut.Find("[data-testid=calendar-read-only]"));
        Assert.All(cut.FindAll("[data-testid=calendar-item]"), i => Assert.Equal("false", i.GetAttribute("draggable")));
        ItemOf(cut, once.Id, "2026-03-18T13:00:00Z").DragStart();
        cut.Find("[data-testid=calendar-slot][data-start='2026-03-19T16:00:00']").Drop();
        ItemOf(cut, once.Id, "2026-03-18T13:00:00Z").Click();

        Assert.NotNull(cut.Find("[data-testid=occurrence-utc]"));
        Assert.Empty(cut.FindAll("[data-testid=occurrence-skip], [data-testid=occurrence-move], [data-testid=occurrence-run-now], [data-testid=occurrence-pause]"));
        var stored = await app.Context.Services.GetRequiredService<ScheduleService>().GetAsync(once.Id, Ct);
        Assert.Equal("2026-03-18T14:00:00", stored.ScheduledAt);
        var navigation = app.Context.Services.GetRequiredService<NavigationManager>();
        cut.Find("[data-testid=calendar-slot][data-start='2026-03-19T10:00:00']").Click();
        Assert.DoesNotContain("schedules/new", navigation.Uri, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EmptySlotClick_OpensTheEditorPrefilledWithThatTime()
    {
        var (app, _, _) = await SetUpAsync();
        await using var __ = app;
        var cut = Render(app, "day", "2026-03-18");
        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("[data-testid=calendar-slot]")));

        cut.Find("[data-testid=calendar-slot][data-start='2026-03-18T15:00:00']").Click();

        var uri = app.Context.Services.GetRequiredService<NavigationManager>().Uri;
        Assert.EndsWith("schedules/new?at=2026-03-18T15:00&tz=UTC", uri, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BadUrlValues_SayWhatIsWrong_AndFallBack()
    {
        var (app, _, _) = await SetUpAsync();
        await using var __ = app;

        var cut = Render(app, "fortnight", "2026-13-45");

        var problem = cut.Find("[data-testid=calendar-url-problem]").TextContent;
        Assert.Contains("'fortnight' is not a view", problem, StringComparison.Ordinal);
        Assert.Contains("'2026-13-45' is not a date", problem, StringComparison.Ordinal);
        Assert.Equal("month", cut.Find("[data-testid=calendar]").GetAttribute("data-view"));
        Assert.NotNull(cut.Find("[data-testid=calendar-day][data-date='2026-03-10']"));
    }

    [Fact]
    public async Task DashboardWeekStrip_ShowsThisWeekFromTheSameComponent()
    {
        var (app, _, daily) = await SetUpAsync();
        await using var __ = app;

        var cut = app.Context.Render<CalendarWeekStrip>();

        cut.WaitForAssertion(() => Assert.Equal(7, cut.FindAll("[data-testid=calendar-day]").Count));
        Assert.Equal("2026-03-09", cut.Find("[data-testid=calendar-day]").GetAttribute("data-date"));
        // This week: the daily digest from tomorrow (today's 09:00 in Paris has passed) to Sunday.
        cut.WaitForAssertion(() => Assert.Equal(5, cut.FindAll($"[data-testid=calendar-item][data-schedule-id='{daily.Id}']").Count));
        Assert.Empty(cut.FindAll("[data-testid=calendar-next]"));
    }

    [Fact]
    public async Task OccurrenceService_RefusesUnknownOccurrencesAndThePast()
    {
        var (app, _, daily) = await SetUpAsync();
        await using var __ = app;
        var occurrences = app.Context.Services.GetRequiredService<OccurrenceService>();

        await Assert.ThrowsAsync<NotFoundException>(() => occurrences.SkipAsync(daily.Id, Instant.FromUtc(2026, 3, 18, 8, 5), Ct));
        await Assert.ThrowsAsync<NotFoundException>(() => occurrences.SkipAsync(Guid.NewGuid(), Instant.FromUtc(2026, 3, 18, 8, 0), Ct));
        var past = await Assert.ThrowsAsync<RequestValidationException>(() => occurrences.MoveAsync(daily.Id, Instant.FromUtc(2026, 3, 18, 8, 0), new LocalDateTime(2026, 3, 9, 9, 0), Ct));
        Assert.Contains("to", past.Errors.Keys);

        var skipped = await occurrences.SkipAsync(daily.Id, Instant.FromUtc(2026, 3, 18, 8, 0), Ct);
        Assert.Equal(["2026-03-18T09:00:00"], skipped.Recurrence!.Exdates);
        var restored = await occurrences.RestoreAsync(daily.Id, Instant.FromUtc(2026, 3, 18, 8, 0), Ct);
        Assert.Empty(restored.Recurrence!.Exdates);
    }
}
