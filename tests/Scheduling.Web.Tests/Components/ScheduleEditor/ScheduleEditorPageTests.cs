using AngleSharp.Dom;
using Bunit;
using Scheduling.Web.Api;
using Scheduling.Core.Recurrence;
using Scheduling.Core.Scheduling;
using Scheduling.Web.Features.Schedules;

namespace Scheduling.Web.Tests.Components.ScheduleEditor;

/// <summary>
/// /schedules/new and /schedules/{id}/edit against the real ScheduleService on SQLite. The clock is fixed at
/// Friday 1 March 2030, 12:00 UTC; the viewer's zone is Europe/Paris (13:00 there), so a new form is
/// "weekly on Saturday at 09:00" from 1 March.
/// </summary>
public sealed class ScheduleEditorPageTests
{
    private static CancellationToken Ct => Xunit.TestContext.Current.CancellationToken;

    private static Dictionary<string, object?> Edit(Guid id) => new() { [nameof(ScheduleEditorPage.Id)] = id };

    [Fact]
    public async Task RenderNew_FromACalendarSlot_IsAOneTimeScheduleAtThatTimeAndZone()
    {
        await using var app = await EditorHarness.CreateAsync();
        app.Navigation.NavigateTo("schedules/new?at=2030-03-05T15:30&tz=America/New_York");

        var cut = app.Render<ScheduleEditorPage>();

        cut.WaitForAssertion(() => Assert.Equal("Once on Tue 5 Mar 2030 at 15:30 (America/New_York)", cut.Find("[data-testid=recurrence-description]").TextContent.Trim()));
        Assert.NotEmpty(cut.FindAll("[data-testid=schedule-once-time]"));
    }

    [Fact]
    public async Task RenderNew_WithAnUnreadableSlot_KeepsTheUsualDefaults()
    {
        await using var app = await EditorHarness.CreateAsync();
        app.Navigation.NavigateTo("schedules/new?at=yesterday&tz=Mars/Olympus");

        var cut = app.Render<ScheduleEditorPage>();

        cut.WaitForAssertion(() => Assert.Equal("Every week on Saturday at 09:00 (Europe/Paris)", cut.Find("[data-testid=recurrence-description]").TextContent.Trim()));
    }

    [Fact]
    public async Task RenderNew_DefaultForm_ShowsSentenceAndTenPreviewRows()
    {
        await using var app = await EditorHarness.CreateAsync();

        var cut = app.Render<ScheduleEditorPage>();

        cut.WaitForElement("[data-testid=schedule-preview]");
        Assert.Equal("Every week on Saturday at 09:00 (Europe/Paris)", cut.Find("[data-testid=recurrence-description]").TextContent.Trim());
        var rows = cut.FindAll("[data-testid=preview-occurrence]");
        Assert.Equal(10, rows.Count);
        Assert.Contains("Sat 2 Mar 2030, 09:00", rows[0].TextContent, StringComparison.Ordinal);
        Assert.Contains("Sat 4 May 2030, 09:00", rows[9].TextContent, StringComparison.Ordinal);
        // Paris moves to summer time on Sunday 31 March: the first run after it is marked.
        var dst = Assert.Single(cut.FindAll("[data-testid=preview-dst]"));
        Assert.Contains("UTC+02", dst.TextContent, StringComparison.Ordinal);
        Assert.Contains("Sat 6 Apr 2030, 09:00", rows[5].TextContent, StringComparison.Ordinal);
        Assert.Same(rows[5], dst.Closest("[data-testid=preview-occurrence]"));
        Assert.Empty(cut.FindAll("[data-testid=preview-errors]"));
        // The schedule is in the viewer's own zone: no second column.
        Assert.DoesNotContain("You (", cut.Markup, StringComparison.Ordinal);
        Assert.Contains("Create schedule", cut.Find("[data-testid=save-schedule]").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ChooseOnce_DefaultForm_ShowsDateAndTimeAndOnePreviewRow()
    {
        await using var app = await EditorHarness.CreateAsync();
        var cut = app.Render<ScheduleEditorPage>();
        cut.WaitForElement("[data-testid=schedule-preview]");
        Assert.Empty(cut.FindAll("[data-testid=schedule-once-date]"));

        cut.Find("[data-testid=schedule-type-once]").Click();

        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("[data-testid=preview-occurrence]")));
        Assert.NotEmpty(cut.FindAll("[data-testid=schedule-once-date]"));
        Assert.NotEmpty(cut.FindAll("[data-testid=schedule-once-time]"));
        Assert.Empty(cut.FindAll("[data-testid=recurrence-mode]"));
        Assert.Equal("Once on Sat 2 Mar 2030 at 09:00 (Europe/Paris)", cut.Find("[data-testid=recurrence-description]").TextContent.Trim());
        Assert.Contains("Sat 2 Mar 2030, 09:00", cut.Find("[data-testid=preview-occurrence]").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CronTab_InvalidExpression_ShowsPreviewError()
    {
        await using var app = await EditorHarness.CreateAsync();
        var cut = app.Render<ScheduleEditorPage>();
        cut.WaitForElement("[data-testid=schedule-preview]");

        Tab(cut, "Cron").Click();
        var cron = cut.WaitForElement("[data-testid=recurrence-cron] input, input[data-testid=recurrence-cron]");
        cron.Input("61 9 * * *");
        // MudBlazor's debounce timer runs on the app's TimeProvider, which is the fake clock here.
        app.Clock.Advance(TimeSpan.FromMilliseconds(400));

        cut.WaitForAssertion(() =>
            Assert.Contains("is not a valid cron expression", cut.Find("[data-testid=preview-errors]").TextContent, StringComparison.Ordinal),
            TimeSpan.FromSeconds(5));
        Assert.Empty(cut.FindAll("[data-testid=preview-occurrence]"));
        Assert.Empty(cut.FindAll("[data-testid=recurrence-description]"));
    }

    [Fact]
    public async Task CronTab_ValidExpression_PreviewsItsRuns()
    {
        await using var app = await EditorHarness.CreateAsync();
        var cut = app.Render<ScheduleEditorPage>();
        cut.WaitForElement("[data-testid=schedule-preview]");

        Tab(cut, "Cron").Click();
        cut.WaitForElement("[data-testid=recurrence-cron] input, input[data-testid=recurrence-cron]").Input("30 8 * * 1-5");
        app.Clock.Advance(TimeSpan.FromMilliseconds(400));

        cut.WaitForAssertion(() =>
            Assert.Contains("Mon 4 Mar 2030, 08:30", cut.FindAll("[data-testid=preview-occurrence]")[0].TextContent, StringComparison.Ordinal),
            TimeSpan.FromSeconds(5));
        Assert.Empty(cut.FindAll("[data-testid=preview-errors]"));
        Assert.Equal(10, cut.FindAll("[data-testid=preview-occurrence]").Count);
    }

    [Fact]
    public async Task Save_EmptyName_ShowsNameRequiredAndCreatesNothing()
    {
        await using var app = await EditorHarness.CreateAsync();
        var cut = app.Render<ScheduleEditorPage>();
        cut.WaitForElement("[data-testid=schedule-preview]");
        var before = app.Navigation.Uri;

        cut.Find("button[data-testid=save-schedule], [data-testid=save-schedule] button").Click();

        cut.WaitForAssertion(() => Assert.Contains("Name is required", cut.Markup, StringComparison.Ordinal));
        var list = await app.Schedules.ListAsync(new ScheduleQuery(), Ct);
        Assert.Equal(0, list.Total);
        Assert.Equal(before, app.Navigation.Uri);
    }

    [Fact]
    public async Task Save_WebhookUrlThePolicyRefuses_ShowsItUnderTheFieldAndCreatesNothing()
    {
        await using var app = await EditorHarness.CreateAsync();
        var cut = app.Render<ScheduleEditorPage>();
        cut.WaitForElement("[data-testid=schedule-preview]");
        cut.Find("[data-testid=schedule-name] input, input[data-testid=schedule-name]").Change("Weekend render");
        cut.Find("[data-testid=advanced-panel] .mud-expand-panel-header").Click();

        cut.WaitForElement("[data-testid=schedule-webhook] input, input[data-testid=schedule-webhook]").Change("http://127.0.0.1:8080/hooks");
        cut.Find("button[data-testid=save-schedule], [data-testid=save-schedule] button").Click();

        cut.WaitForAssertion(() => Assert.Contains("Webhooks are not delivered there", cut.Find("[data-testid=advanced-panel]").TextContent, StringComparison.Ordinal));
        Assert.Equal(0, (await app.Schedules.ListAsync(new ScheduleQuery(), Ct)).Total);
        // Nothing typed is lost.
        Assert.Equal("http://127.0.0.1:8080/hooks", cut.Find("[data-testid=schedule-webhook] input, input[data-testid=schedule-webhook]").GetAttribute("value"));
    }

    [Fact]
    public async Task Save_ValidForm_CreatesScheduleAndNavigatesToIt()
    {
        await using var app = await EditorHarness.CreateAsync();
        var cut = app.Render<ScheduleEditorPage>();
        cut.WaitForElement("[data-testid=schedule-preview]");

        cut.Find("[data-testid=schedule-name] input, input[data-testid=schedule-name]").Change("Weekend render");
        cut.Find("button[data-testid=save-schedule], [data-testid=save-schedule] button").Click();

        var list = await WaitForSchedulesAsync(app, 1);
        var saved = Assert.Single(list.Items);
        Assert.Equal("Weekend render", saved.Name);
        Assert.Equal("Europe/Paris", saved.Timezone);
        Assert.Equal(ScheduleType.Recurring, saved.ScheduleType);
        Assert.Equal("FREQ=WEEKLY;BYDAY=SA;BYHOUR=9;BYMINUTE=0", saved.Recurrence!.Rrule);
        Assert.Equal("2030-03-02T09:00:00", saved.NextRunLocal);
        cut.WaitForAssertion(() => Assert.Equal($"http://localhost/schedules/{saved.Id}", app.Navigation.Uri));
    }

    [Fact]
    public async Task RenderEdit_CancelledSchedule_ShowsCannotBeEditedAndNoForm()
    {
        await using var app = await EditorHarness.CreateAsync();
        var created = await app.Schedules.CreateAsync(Weekly("Old digest"), Ct);
        await app.Schedules.CancelAsync(created.Id, Ct);

        var cut = app.Render<ScheduleEditorPage>(Edit(created.Id));

        cut.WaitForAssertion(() => Assert.Contains("This schedule is cancelled and cannot be edited", cut.Markup, StringComparison.Ordinal));
        Assert.Empty(cut.FindAll("[data-testid=save-schedule]"));
        Assert.Empty(cut.FindAll("[data-testid=schedule-preview]"));
    }

    [Fact]
    public async Task RenderEdit_CronSchedule_OpensOnCronTabWithExpression()
    {
        await using var app = await EditorHarness.CreateAsync();
        var created = await app.Schedules.CreateAsync(Weekly("Weekday report") with
        {
            Recurrence = new RecurrenceInput { Cron = "0 9 * * 1-5", Start = "2030-03-04T00:00:00" },
        }, Ct);

        var cut = app.Render<ScheduleEditorPage>(Edit(created.Id));

        var cron = cut.WaitForElement("[data-testid=recurrence-cron] input, input[data-testid=recurrence-cron]");
        Assert.Equal("0 9 * * 1-5", cron.GetAttribute("value"));
        Assert.Equal("Cron", cut.Find(".mud-tab.mud-tab-active").TextContent.Trim());
        Assert.Empty(cut.FindAll("[data-testid=recurrence-rrule]"));
        Assert.Empty(cut.FindAll("[data-testid=recurrence-frequency]"));
        Assert.Contains("Edit Weekday report", cut.Markup, StringComparison.Ordinal);
        Assert.Contains("Mon 4 Mar 2030, 09:00", cut.FindAll("[data-testid=preview-occurrence]")[0].TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RenderEdit_RuleTheBuilderCannotShow_OpensOnRruleTab()
    {
        await using var app = await EditorHarness.CreateAsync();
        var created = await app.Schedules.CreateAsync(Weekly("Month end") with
        {
            Recurrence = new RecurrenceInput { Rrule = "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1", Start = "2030-03-01T17:00:00" },
        }, Ct);

        var cut = app.Render<ScheduleEditorPage>(Edit(created.Id));

        var rrule = cut.WaitForElement("[data-testid=recurrence-rrule] input, input[data-testid=recurrence-rrule]");
        Assert.Equal("FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1", rrule.GetAttribute("value"));
        Assert.Equal("RRULE", cut.Find(".mud-tab.mud-tab-active").TextContent.Trim());
        Assert.Contains("Fri 29 Mar 2030, 17:00", cut.FindAll("[data-testid=preview-occurrence]")[0].TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SaveEdit_ChangedName_UpdatesScheduleAndNavigatesBack()
    {
        await using var app = await EditorHarness.CreateAsync();
        var created = await app.Schedules.CreateAsync(Weekly("Digest"), Ct);
        var cut = app.Render<ScheduleEditorPage>(Edit(created.Id));
        cut.WaitForElement("[data-testid=schedule-preview]");
        Assert.Contains("Save changes", cut.Find("[data-testid=save-schedule]").TextContent, StringComparison.Ordinal);

        cut.Find("[data-testid=schedule-name] input, input[data-testid=schedule-name]").Change("Digest v2");
        cut.Find("button[data-testid=save-schedule], [data-testid=save-schedule] button").Click();

        cut.WaitForAssertion(() => Assert.Equal($"http://localhost/schedules/{created.Id}", app.Navigation.Uri));
        var saved = await app.Schedules.GetAsync(created.Id, Ct);
        Assert.Equal("Digest v2", saved.Name);
        Assert.Equal(created.Recurrence!.Rrule, saved.Recurrence!.Rrule);
        Assert.Equal(created.Recurrence.Start, saved.Recurrence.Start);
    }

    /// <summary>Every Monday and Wednesday at 09:00 in New York, from Monday 4 March 2030.</summary>
    private static ScheduleInput Weekly(string name) => new()
    {
        Name = name,
        JobType = JobType.Publish,
        ScheduleType = ScheduleType.Recurring,
        Timezone = "America/New_York",
        Recurrence = new RecurrenceInput
        {
            Frequency = Frequency.Weekly,
            ByDay = ["MO", "WE"],
            TimesOfDay = ["09:00"],
            Start = "2030-03-04T00:00:00",
        },
    };

    private static IElement Tab(IRenderedComponent<ContainerFragment> cut, string text) =>
        cut.FindAll(".mud-tab").Single(t => t.TextContent.Trim() == text);

    private static async Task<PagedResult<ScheduleView>> WaitForSchedulesAsync(EditorHarness app, int count)
    {
        for (var attempt = 0; ; attempt++)
        {
            var list = await app.Schedules.ListAsync(new ScheduleQuery(), Ct);
            if (list.Total >= count || attempt == 50)
            {
                return list;
            }
            await Task.Delay(50, Ct);
        }
    }
}
