using Bunit;
using Microsoft.AspNetCore.Components.Forms;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using Scheduling.Web.Features.Schedules;
using Scheduling.Web.Features.Schedules.Bulk;
using Scheduling.Web.Tests.Components.Schedules;

namespace Scheduling.Web.Tests.Components.Bulk;

/// <summary>
/// The create-many and import dialogs against the real services on SQLite, with the fixed clock of
/// <see cref="ScheduleHarness"/> (Tue 10 Mar 2026, 09:30 UTC).
/// </summary>
public sealed class BulkDialogTests
{
    private static CancellationToken Ct => Xunit.TestContext.Current.CancellationToken;

    private static string Field(string testId) => $"input[data-testid={testId}], [data-testid={testId}] input";

    private static async Task<IRenderedComponent<ContainerFragment>> OpenAsync<TDialog>(ScheduleHarness app, DialogParameters<TDialog>? parameters = null)
        where TDialog : Microsoft.AspNetCore.Components.IComponent
    {
        var cut = app.Render<ContainerFragment>();
        var dialogs = app.Context.Services.GetRequiredService<IDialogService>();
        await cut.InvokeAsync(() => dialogs.ShowAsync<TDialog>("Dialog", parameters ?? []));
        return cut;
    }

    private static List<string> Names(IRenderedComponent<ContainerFragment> cut) =>
        [.. cut.FindAll("[data-testid=create-many-name]").Select(n => n.TextContent.Trim())];

    [Fact]
    public async Task CreateMany_PreviewsTheNamesLive_FromEachRunsDate_AndCreatesThemAllInOneRequest()
    {
        await using var app = await ScheduleHarness.CreateAsync();
        var cut = await OpenAsync(app, new DialogParameters<ScheduleCreateManyDialog>
        {
            { d => d.Zone, "Europe/Paris" },
            { d => d.FirstDate, "2026-03-11" },
            { d => d.Count, 3 },
            { d => d.EveryDays, 2 },
        });

        cut.WaitForAssertion(() => Assert.Equal(["Tip #1: Wednesday 2026-03-11", "Tip #2: Friday 2026-03-13", "Tip #3: Sunday 2026-03-15"], Names(cut)));
        cut.Find(Field("create-many-pattern")).Input("Episode {n} ({month} {day})");
        cut.WaitForAssertion(() => Assert.Equal(["Episode 1 (March 11)", "Episode 2 (March 13)", "Episode 3 (March 15)"], Names(cut)));
        cut.Find(Field("create-many-zone")).Input("Mars/Olympus");
        cut.WaitForAssertion(() => Assert.Contains("not a known IANA time zone", cut.Find("[data-testid=create-many-problem]").TextContent, StringComparison.Ordinal));
        Assert.True(cut.Find("button[data-testid=confirm-create-many]").HasAttribute("disabled"));
        cut.Find(Field("create-many-zone")).Input("Europe/Paris");
        cut.WaitForAssertion(() => Assert.Equal(3, Names(cut).Count));

        cut.Find("button[data-testid=confirm-create-many]").Click();

        cut.WaitForAssertion(() => Assert.Empty(cut.FindAll("[data-testid=confirm-create-many]")));
        var created = await app.Schedules.ListAsync(new ScheduleQuery(Sort: "name"), Ct);
        Assert.Equal(["Episode 1 (March 11)", "Episode 2 (March 13)", "Episode 3 (March 15)"], created.Items.Select(s => s.Name));
        Assert.Equal("2026-03-13T09:00:00", created.Items[1].ScheduledAt);
        Assert.All(created.Items, s => Assert.Equal("Europe/Paris", s.Timezone));
    }

    private const string Header = "name,jobType,timezone,scheduledAt,rrule,start";

    [Fact]
    public async Task Import_MarksTheCellsInError_CreatesNothing_ThenTheFixedFileImports()
    {
        await using var app = await ScheduleHarness.CreateAsync();
        var cut = await OpenAsync<ScheduleImportDialog>(app);
        var bad = $"""
            {Header}
            Morning,publish,Europe/Paris,2030-01-01T09:00,,
            Evening,publish,Mars/Olympus,2030-01-01T19:00,,
            Daily,newsletter,Europe/Paris,,FREQ=DAILY;BYHOUR=8,2030-01-01T00:00
            """;

        await cut.InvokeAsync(() => cut.FindComponent<InputFile>().UploadFiles(InputFileContent.CreateFromText(bad, "schedules.csv")));

        cut.WaitForAssertion(() => Assert.Contains("3 row(s): 2 ready, 1 with errors", cut.Find("[data-testid=import-summary]").TextContent, StringComparison.Ordinal));
        var zones = cut.FindAll("[data-testid=import-cell-timezone]");
        Assert.Equal("false", zones[0].GetAttribute("data-error"));
        Assert.Equal("true", zones[1].GetAttribute("data-error"));
        Assert.Contains("Mars/Olympus", zones[1].GetAttribute("title"), StringComparison.Ordinal);
        Assert.Equal("false", cut.FindAll("[data-testid=import-cell-name]")[1].GetAttribute("data-error"));
        Assert.Contains("timezone", cut.FindAll("[data-testid=import-row-errors]")[1].TextContent, StringComparison.Ordinal);
        Assert.True(cut.Find("button[data-testid=confirm-import]").HasAttribute("disabled"));
        Assert.Equal("/samples/schedules-import-sample.csv", cut.Find("[data-testid=import-sample]").GetAttribute("href"));
        Assert.Equal(0, (await app.Schedules.ListAsync(new ScheduleQuery(), Ct)).Total);

        await cut.InvokeAsync(() => cut.FindComponent<InputFile>().UploadFiles(InputFileContent.CreateFromText(bad.Replace("Mars/Olympus", "Europe/Berlin", StringComparison.Ordinal), "fixed.csv")));
        cut.WaitForAssertion(() => Assert.Contains("3 row(s): 3 ready, 0 with errors", cut.Find("[data-testid=import-summary]").TextContent, StringComparison.Ordinal));
        Assert.Contains("Import 3 schedules", cut.Find("button[data-testid=confirm-import]").TextContent, StringComparison.Ordinal);
        cut.Find("button[data-testid=confirm-import]").Click();

        cut.WaitForAssertion(() => Assert.Empty(cut.FindAll("[data-testid=confirm-import]")));
        var imported = await app.Schedules.ListAsync(new ScheduleQuery(Sort: "name"), Ct);
        Assert.Equal(["Daily", "Evening", "Morning"], imported.Items.Select(s => s.Name));
        Assert.Equal("Europe/Berlin", imported.Items[1].Timezone);
    }
}
