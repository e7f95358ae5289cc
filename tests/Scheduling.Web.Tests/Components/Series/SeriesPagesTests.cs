using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using Scheduling.Core.Recurrence;
using Scheduling.Core.Scheduling;
using Scheduling.Web.Features.Schedules;
using Scheduling.Web.Features.Series;
using Scheduling.Web.Tests.Components.Schedules;

namespace Scheduling.Web.Tests.Components.Series;

/// <summary>The series editor, the series page and a series' schedule page against the real services on SQLite (fixed clock: 10 Mar 2026).</summary>
public sealed class SeriesPagesTests
{
    private static CancellationToken Ct => Xunit.TestContext.Current.CancellationToken;

    // MudBlazor puts a text field's attributes on its input.
    private static string Field(string testId) => $"input[data-testid={testId}], [data-testid={testId}] input";

    private static SeriesService Service(ScheduleHarness app) => app.Context.Services.GetRequiredService<SeriesService>();

    private static Task<SeriesView> CreateSeriesAsync(ScheduleHarness app, int count) => Service(app).CreateAsync(new SeriesInput
    {
        Name = "Night Tales",
        JobType = JobType.Publish,
        Template = new SeriesTemplateInput(null, "{title} #{episode}"),
        EpisodeCount = count,
        Recurrence = new RecurrenceInput { Frequency = Frequency.Daily, TimesOfDay = ["09:00"], Start = "2026-03-11T00:00:00" },
        Timezone = "America/New_York",
    }, Ct);

    private static List<string> PreviewTitles(IRenderedComponent<ContainerFragment> cut) =>
        [.. cut.FindAll("[data-testid=preview-title]").Select(t => t.TextContent.Trim())];

    private static List<int> EpisodeNumbers(IRenderedComponent<ContainerFragment> cut) =>
        [.. cut.FindAll("[data-testid=episode-number]").Select(n => int.Parse(n.TextContent.Trim(), System.Globalization.CultureInfo.InvariantCulture))];

    [Fact]
    public async Task Editor_PreviewsTitlesLive_ShowsValidationMessages_KeepsInput_AndCreatesTheSeries()
    {
        await using var app = await ScheduleHarness.CreateAsync(viewerZone: "Europe/Paris");
        var cut = app.Render<SeriesEditorPage>();

        cut.WaitForAssertion(() => Assert.Equal(["My series #1", "My series #2", "My series #3", "My series #4", "My series #5"], PreviewTitles(cut)));

        cut.Find(Field("series-title-template")).Input("{title}, part {episode}");
        // The field debounces on the app's TimeProvider (the harness's fake clock).
        AdvanceUntil(app, cut, () => Assert.Equal("My series, part 2", PreviewTitles(cut)[1]));

        // No name: the preview says why, Create shows the message; nothing is created and what was typed is kept.
        cut.Find(Field("series-name-input")).Input("");
        AdvanceUntil(app, cut, () => Assert.NotEmpty(cut.Find("[data-testid=series-preview-error]").TextContent.Trim()));
        cut.Find("button[data-testid=save-series]").Click();
        cut.WaitForAssertion(() => Assert.NotEmpty(cut.Find("[data-testid=series-save-error]").TextContent.Trim()), TimeSpan.FromSeconds(5));
        Assert.Equal(0, (await Service(app).ListAsync(null, 1, 20, Ct)).Total);
        Assert.Equal("{title}, part {episode}", cut.Find(Field("series-title-template")).GetAttribute("value"));

        cut.Find(Field("series-name-input")).Input("My series");
        cut.Find(Field("series-episode-count")).Change("3");
        AdvanceUntil(app, cut, () => Assert.Equal(3, PreviewTitles(cut).Count));
        cut.Find("button[data-testid=save-series]").Click();

        var navigation = app.Context.Services.GetRequiredService<NavigationManager>();
        cut.WaitForAssertion(() => Assert.Contains("series/", navigation.Uri, StringComparison.Ordinal), TimeSpan.FromSeconds(5));
        var created = await Service(app).GetAsync(Guid.Parse(navigation.Uri[(navigation.Uri.LastIndexOf('/') + 1)..]), Ct);
        Assert.Equal(["My series, part 1", "My series, part 2", "My series, part 3"], created.Episodes.Select(e => e.Title));
    }

    /// <summary>
    /// Moves the fake clock past the fields' debounce until <paramref name="assertion"/> holds: the field's handler
    /// registers its timer asynchronously, so on a busy machine one advance may come before the timer exists.
    /// </summary>
    private static void AdvanceUntil<TComponent>(ScheduleHarness app, IRenderedComponent<TComponent> cut, Action assertion)
        where TComponent : Microsoft.AspNetCore.Components.IComponent
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            app.Clock.Advance(TimeSpan.FromSeconds(1));
            try
            {
                cut.WaitForAssertion(assertion, TimeSpan.FromMilliseconds(500));
                return;
            }
            catch (Bunit.Extensions.WaitForHelpers.WaitForFailedException) when (DateTime.UtcNow < deadline)
            {
            }
        }
    }

    [Fact]
    public async Task SeriesPage_PagesEpisodesOnTheServer_EditsOneTitle_SkipsOne_AndJumpsToTheNext()
    {
        await using var app = await ScheduleHarness.CreateAsync(viewerZone: "Europe/Paris");
        var series = await CreateSeriesAsync(app, 60);
        var cut = app.Render<SeriesDetailsPage>(new Dictionary<string, object?> { [nameof(SeriesDetailsPage.Id)] = series.Id });

        cut.WaitForAssertion(() => Assert.Equal(Enumerable.Range(1, 25), EpisodeNumbers(cut)));
        Assert.Equal("0 of 60 released", cut.Find("[data-testid=series-progress]").TextContent.Split('·')[0].Trim());
        // The recurrence's sentence names the zone once (it was shown twice).
        var progress = cut.Find("[data-testid=series-progress]").TextContent;
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(progress, "America/New_York"));

        cut.FindAll("button[data-testid=edit-episode]")[1].Click();
        cut.Find(Field("episode-title-input")).Change("The Lighthouse");
        cut.Find("button[data-testid=save-episode]").Click();
        cut.WaitForAssertion(() => Assert.Equal("The Lighthouse", cut.FindAll("[data-testid=episode-title]")[1].TextContent.Trim()));
        Assert.Equal("Night Tales #3", cut.FindAll("[data-testid=episode-title]")[2].TextContent.Trim());

        cut.FindAll("button[data-testid=skip-episode]")[2].Click();
        cut.WaitForAssertion(() => Assert.Equal("skipped", cut.FindAll("[data-testid=episode-status]")[2].TextContent.Trim()));
        Assert.Equal(Enumerable.Range(1, 25), EpisodeNumbers(cut));

        // Episodes 1 to 30 out of the way: the next episode is 31, on the second page (26..50).
        for (var n = 1; n <= 30; n++)
        {
            await Service(app).UpdateEpisodeAsync(series.Id, n, new EpisodeInput(null, null, true, null), Ct);
        }
        cut.Find("button[data-testid=jump-to-next]").Click();
        cut.WaitForAssertion(() => Assert.Equal(Enumerable.Range(26, 25), EpisodeNumbers(cut)));
        Assert.Contains("#31", cut.Find("button[data-testid=jump-to-next]").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SchedulePageOfASeries_SaysPartOfSeries_LinksToIt_AndOffersNoEditOrDelete()
    {
        await using var app = await ScheduleHarness.CreateAsync(viewerZone: "Europe/Paris");
        var series = await CreateSeriesAsync(app, 5);

        var cut = app.Render<ScheduleDetailsPage>(new Dictionary<string, object?> { [nameof(ScheduleDetailsPage.Id)] = series.ScheduleId });

        cut.WaitForElement("[data-testid=part-of-series]");
        Assert.Contains("Night Tales", cut.Find("[data-testid=part-of-series]").TextContent, StringComparison.Ordinal);
        Assert.Equal($"series/{series.Id}", cut.Find("a[data-testid=part-of-series-link]").GetAttribute("href"));
        Assert.Equal($"series/{series.Id}", cut.Find("[data-testid=edit-series]").GetAttribute("href"));
        Assert.Empty(cut.FindAll("[data-testid=edit-schedule]"));
        Assert.Empty(cut.FindAll("[data-testid=action-delete]"));
        Assert.NotEmpty(cut.FindAll("[data-testid=action-pause]"));
    }

    [Fact]
    public async Task ScheduleEditorOfASeries_RefusesWithALinkToTheSeries()
    {
        await using var app = await ScheduleHarness.CreateAsync(viewerZone: "Europe/Paris");
        var series = await CreateSeriesAsync(app, 5);

        var cut = app.Render<ScheduleEditorPage>(new Dictionary<string, object?> { [nameof(ScheduleEditorPage.Id)] = series.ScheduleId });

        cut.WaitForAssertion(() => Assert.Contains("series 'Night Tales'", cut.Find("[data-testid=load-error]").TextContent, StringComparison.Ordinal));
        Assert.Equal($"series/{series.Id}", cut.Find("a[data-testid=edit-series-link]").GetAttribute("href"));
    }

    [Fact]
    public async Task SeriesPage_ACreatorsSeriesInAnApprovalWorkspace_SaysItIsADraft_AndSubmitsIt()
    {
        await using var app = await ScheduleHarness.CreateAsync(viewerZone: "Europe/Paris");
        await using (var db = await app.Context.Services.GetRequiredService<Microsoft.EntityFrameworkCore.IDbContextFactory<Scheduling.Web.Data.AppDbContext>>().CreateDbContextAsync(Ct))
        {
            var workspace = await Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.SingleAsync(
                Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.IgnoreQueryFilters(db.Workspaces), w => w.Id == app.Workspace.WorkspaceId, Ct);
            workspace.RequireApproval = true;
            await db.SaveChangesAsync(Ct);
        }
        await app.ActAsync(app.Workspace.UserId!, app.Workspace.WorkspaceName, Scheduling.Web.Features.Workspaces.WorkspaceRole.Creator);
        var series = await CreateSeriesAsync(app, 3);
        Assert.Equal(ScheduleStatus.Draft, series.Approval);

        var cut = app.Render<SeriesDetailsPage>(new Dictionary<string, object?> { [nameof(SeriesDetailsPage.Id)] = series.Id });
        cut.WaitForAssertion(() => Assert.Contains("Draft: this series releases nothing", cut.Find("[data-testid=series-approval-banner]").TextContent, StringComparison.Ordinal));
        cut.Find("button[data-testid=submit-series]").Click();

        cut.WaitForAssertion(() => Assert.Contains("In review", cut.Find("[data-testid=series-approval-banner]").TextContent, StringComparison.Ordinal));
        Assert.Equal(ScheduleStatus.InReview, (await Service(app).GetAsync(series.Id, Ct)).Approval);
    }
}
