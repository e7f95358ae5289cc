using Bunit;
using Microsoft.Extensions.DependencyInjection;
using Scheduling.Core.Common;
using Scheduling.Core.Recurrence;
using Scheduling.Core.Scheduling;
using Scheduling.Web.Features.Schedules;
using Scheduling.Web.Features.Workspaces;

namespace Scheduling.Web.Tests.Components.ScheduleEditor;

/// <summary>
/// The editor never loses an edit: a schedule with exceptions saves, a save over someone else's change says so and
/// keeps the input, errors are said in words and the first one gets the focus, a read-only member is told up front.
/// </summary>
public sealed class ScheduleEditorSafetyTests
{
    private static CancellationToken Ct => Xunit.TestContext.Current.CancellationToken;

    private const string NameInput = "[data-testid=schedule-name] input, input[data-testid=schedule-name]";
    private const string SaveButton = "button[data-testid=save-schedule], [data-testid=save-schedule] button";

    private static Dictionary<string, object?> Edit(Guid id) => new() { [nameof(ScheduleEditorPage.Id)] = id };

    /// <summary>Daily at 09:00 in Paris from 4 March 2030, without the run of 5 March.</summary>
    private static ScheduleInput DailyWithSkip(string name) => new()
    {
        Name = name,
        JobType = JobType.Publish,
        ScheduleType = ScheduleType.Recurring,
        Timezone = "Europe/Paris",
        Recurrence = new RecurrenceInput { Rrule = "FREQ=DAILY;BYHOUR=9;BYMINUTE=0", Start = "2030-03-04T00:00:00", Exdates = ["2030-03-05T09:00:00"] },
    };

    [Fact]
    public async Task SaveEdit_ScheduleWithASkippedRun_SavesAndKeepsTheSkip()
    {
        await using var app = await EditorHarness.CreateAsync();
        var created = await app.Schedules.CreateAsync(DailyWithSkip("Daily"), Ct);
        var cut = app.Render<ScheduleEditorPage>(Edit(created.Id));
        cut.WaitForElement("[data-testid=schedule-preview]");

        cut.Find(NameInput).Change("Daily v2");
        cut.Find(SaveButton).Click();

        cut.WaitForAssertion(() => Assert.Equal($"http://localhost/schedules/{created.Id}", app.Navigation.Uri));
        var saved = await app.Schedules.GetAsync(created.Id, Ct);
        Assert.Equal("Daily v2", saved.Name);
        Assert.Equal(["2030-03-05T09:00:00"], saved.Recurrence!.Exdates);
        Assert.Empty(cut.FindAll("[data-testid=save-failure]"));
    }

    [Fact]
    public async Task SaveEdit_ChangedBySomeoneElse_SaysSoKeepsTheInput_ReloadShowsTheirs()
    {
        await using var app = await EditorHarness.CreateAsync();
        var created = await app.Schedules.CreateAsync(DailyWithSkip("Digest"), Ct);
        var cut = app.Render<ScheduleEditorPage>(Edit(created.Id));
        cut.WaitForElement("[data-testid=schedule-preview]");
        // Someone else saves while the form is open.
        await app.Schedules.UpdateAsync(created.Id, DailyWithSkip("Theirs"), Ct);

        cut.Find(NameInput).Change("Mine");
        cut.Find(SaveButton).Click();

        var conflict = cut.WaitForElement("[data-testid=save-conflict]");
        Assert.Contains("This schedule was changed by someone else — reload", conflict.TextContent, StringComparison.Ordinal);
        Assert.Equal("Mine", cut.Find(NameInput).GetAttribute("value"));
        Assert.Equal("Theirs", (await app.Schedules.GetAsync(created.Id, Ct)).Name);
        Assert.Equal($"http://localhost/", app.Navigation.Uri);

        cut.Find("button[data-testid=conflict-reload], [data-testid=conflict-reload] button").Click();

        cut.WaitForAssertion(() => Assert.Equal("Theirs", cut.Find(NameInput).GetAttribute("value")));
        Assert.Empty(cut.FindAll("[data-testid=save-conflict]"));
        // Saved from the reloaded version, the next change goes through.
        cut.Find(NameInput).Change("Mine after all");
        cut.Find(SaveButton).Click();
        cut.WaitForAssertion(() => Assert.Equal($"http://localhost/schedules/{created.Id}", app.Navigation.Uri));
        Assert.Equal("Mine after all", (await app.Schedules.GetAsync(created.Id, Ct)).Name);
    }

    [Fact]
    public async Task Save_EmptyName_FocusesTheNameField()
    {
        await using var app = await EditorHarness.CreateAsync();
        var cut = app.Render<ScheduleEditorPage>();
        cut.WaitForElement("[data-testid=schedule-preview]");
        var focusCallsBefore = FocusCalls(app);

        cut.Find(SaveButton).Click();

        cut.WaitForAssertion(() => Assert.Contains("Name is required", cut.Markup, StringComparison.Ordinal));
        cut.WaitForAssertion(() => Assert.True(FocusCalls(app) > focusCallsBefore, "No focus call after the failed save."));
    }

    private static int FocusCalls(EditorHarness app) =>
        app.Context.JSInterop.Invocations.Count(i => i.Identifier.Contains("focus", StringComparison.OrdinalIgnoreCase));

    [Fact]
    public async Task RenderNew_AsManager_SaysReadOnlyUpFrontAndDisablesFields()
    {
        await using var app = await EditorHarness.CreateAsync();
        var workspace = app.Context.Services.GetRequiredService<WorkspaceContext>();
        workspace.Set(workspace.UserId!, workspace.WorkspaceId!.Value, workspace.WorkspaceName, WorkspaceRole.Manager, isInstanceAdmin: false);

        var cut = app.Render<ScheduleEditorPage>();
        cut.WaitForElement("[data-testid=schedule-preview]");

        Assert.Contains("Read-only", cut.Find("[data-testid=read-only]").TextContent, StringComparison.Ordinal);
        Assert.True(cut.Find(NameInput).HasAttribute("disabled"));
        Assert.True(cut.Find(SaveButton).HasAttribute("disabled"));
    }

    [Fact]
    public async Task RunLimit_RuleWithCount_ShowsTheRulesEndNotNoLimit()
    {
        await using var app = await EditorHarness.CreateAsync();
        var counted = await app.Schedules.CreateAsync(DailyWithSkip("Twelve") with
        {
            Recurrence = new RecurrenceInput { Rrule = "FREQ=DAILY;COUNT=12;BYHOUR=9;BYMINUTE=0", Start = "2030-03-04T00:00:00" },
        }, Ct);
        var open = await app.Schedules.CreateAsync(DailyWithSkip("Open"), Ct);
        var capped = await app.Schedules.CreateAsync(DailyWithSkip("Capped") with { MaxRuns = 5 }, Ct);

        Assert.Equal("(the rule ends after 12 runs)", ScheduleDisplay.RunLimit(counted));
        Assert.Equal("(no limit)", ScheduleDisplay.RunLimit(open));
        Assert.Equal("of 5", ScheduleDisplay.RunLimit(capped));
    }

    [Theory]
    [InlineData("{\n  \"x\":\n}", "Job config must be a JSON object: line 2, a value is missing after 'x':")]
    [InlineData("{\"a\": 1,}", "Job config must be a JSON object: line 1, a comma is followed by nothing (remove the last comma).")]
    [InlineData("{'a': 1}", "Job config must be a JSON object: line 1, use double quotes (\") around names and text, not single quotes.")]
    [InlineData("{\"a\": 1", "Job config must be a JSON object: the text ends too early (a closing } or ], a quote or a value is missing).")]
    [InlineData("{\"a\": 1 \"b\": 2}", "Job config must be a JSON object: line 1, a comma is missing before '\"'.")]
    [InlineData("[1, 2]", "Job config must be a JSON object in braces, such as {\"format\": \"mp4\"}.")]
    public void ToInput_BadJobConfig_SaysWhatIsWrongInWords(string json, string expected)
    {
        var form = ScheduleForm.New("Europe/Paris", NodaTime.Instant.FromUtc(2030, 3, 1, 12, 0));
        form.Name = "x";
        form.JobConfigJson = json;
        var errors = new List<ValidationError>();

        form.ToInput(errors);

        var error = Assert.Single(errors);
        Assert.Equal("jobConfig", error.Field);
        Assert.Equal(expected, error.Message);
    }

    [Fact]
    public async Task AddSkip_ScheduleStartedInThePast_DefaultsToTheNextRun()
    {
        await using var app = await EditorHarness.CreateAsync();
        // Started on 4 January; the clock says Friday 1 March 2030, 13:00 in Paris: the next run is Saturday 2 March, 09:00.
        var created = await app.Schedules.CreateAsync(DailyWithSkip("Daily") with
        {
            Recurrence = new RecurrenceInput { Rrule = "FREQ=DAILY;BYHOUR=9;BYMINUTE=0", Start = "2030-01-04T00:00:00" },
        }, Ct);
        var cut = app.Render<ScheduleEditorPage>(Edit(created.Id));
        cut.WaitForElement("[data-testid=schedule-preview]");

        if (cut.FindAll("[data-testid=add-skip]").Count == 0)
        {
            cut.Find("[data-testid=exceptions-panel] .mud-expand-panel-header").Click();
        }
        cut.WaitForElement("button[data-testid=add-skip], [data-testid=add-skip] button").Click();

        var date = cut.WaitForElement("[data-testid=skip-date] input, input[data-testid=skip-date]");
        Assert.Equal("2030-03-02", date.GetAttribute("value"));
        Assert.Equal("09:00", cut.Find("[data-testid=skip-time] input, input[data-testid=skip-time]").GetAttribute("value"));
    }
}
