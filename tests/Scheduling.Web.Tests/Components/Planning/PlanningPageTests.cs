using System.Globalization;
using Bunit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using Scheduling.Core.Channels;
using Scheduling.Core.Recurrence;
using Scheduling.Core.Scheduling;
using Scheduling.Web.Features.Accounts;
using Scheduling.Web.Features.Channels;
using Scheduling.Web.Features.Planning;
using Scheduling.Web.Features.Schedules;
using Scheduling.Web.Features.Workspaces;

namespace Scheduling.Web.Tests.Components.Planning;

/// <summary>
/// The planning page against the real services on SQLite (clock: Tuesday 10 March 2026, 09:30 UTC, 10:30 in Paris; viewer
/// in Paris). Channel "Blog" (Paris, every day at 10:00 and 18:00, 4 h apart at least, warn mode) has "Launch" on Thursday
/// 12 March at 10:00 and "Teaser" an hour later: both break the gap, and Teaser is outside the posting times.
/// </summary>
public sealed class PlanningPageTests
{
    private const string Paris = "Europe/Paris";
    private static CancellationToken Ct => Xunit.TestContext.Current.CancellationToken;

    private sealed record Scenario(AppServicesHarness App, ChannelView Blog, ScheduleView Launch, ScheduleView Teaser) : IAsyncDisposable
    {
        public PlanningService Planning => App.Context.Services.GetRequiredService<PlanningService>();

        public ValueTask DisposeAsync() => App.DisposeAsync();
    }

    private static PostingTimeInput[] EveryDayAt(params string[] times) =>
        [.. new[] { "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday" }.SelectMany(d => times.Select(t => new PostingTimeInput(d, t)))];

    private static async Task<Scenario> SetUpAsync()
    {
        var app = await AppServicesHarness.CreateAsync();
        await app.ActAsync(await app.CreateUserAsync("ada@example.com"), "ada's workspace");
        await app.Context.Services.GetRequiredService<ProfileService>().UpdateAsync(Paris, darkMode: null, Ct);
        var blog = await app.Context.Services.GetRequiredService<ChannelService>().CreateAsync(new ChannelInput
        {
            Name = "Blog",
            Platform = ChannelPlatform.Blog,
            Color = "#1E88E5",
            Timezone = Paris,
            PostingTimes = EveryDayAt("10:00", "18:00"),
            MinGapMinutes = 240,
            ConflictMode = ConflictMode.Warn,
        }, Ct);
        var launch = await OnceAsync(app, "Launch", "2026-03-12T10:00:00", blog.Id);
        var teaser = await OnceAsync(app, "Teaser", "2026-03-12T11:00:00", blog.Id);
        return new Scenario(app, blog, launch, teaser);
    }

    private static Task<ScheduleView> OnceAsync(AppServicesHarness app, string name, string at, Guid channelId) =>
        app.Context.Services.GetRequiredService<ScheduleService>().CreateAsync(new ScheduleInput
        {
            Name = name,
            JobType = JobType.Publish,
            ScheduleType = ScheduleType.Once,
            ScheduledAt = at,
            Timezone = Paris,
            ChannelId = channelId,
        }, Ct);

    private static IRenderedComponent<ContainerFragment> Render(AppServicesHarness app) =>
        app.Context.Render<ContainerFragment>(p => p.AddChildContent(builder =>
        {
            builder.OpenComponent<MudPopoverProvider>(0);
            builder.CloseComponent();
            builder.OpenComponent<PlanningPage>(1);
            builder.CloseComponent();
        }));

    private static List<(string Name, string Code)> Conflicts(IRenderedComponent<ContainerFragment> cut) =>
        [.. cut.FindAll("[data-testid=planning-conflict]")
            .Select(r => (r.QuerySelector("[data-testid=planning-conflict-name]")!.TextContent.Trim(), r.GetAttribute("data-code")!))
            .OrderBy(c => c.Item1, StringComparer.Ordinal).ThenBy(c => c.Item2, StringComparer.Ordinal)];

    [Fact]
    public async Task Conflicts_AreListedWithTheirRule_AndFixMovesThePostToTheChannelsFirstFreeSlot_SoTheConflictIsGone()
    {
        await using var s = await SetUpAsync();
        var cut = Render(s.App);

        cut.WaitForAssertion(() => Assert.Equal([("Launch", "min_gap"), ("Teaser", "min_gap"), ("Teaser", "outside_posting_times")], Conflicts(cut)));
        var teaserRow = cut.Find($"[data-testid=planning-conflict][data-schedule-id='{s.Teaser.Id}'][data-code=outside_posting_times]");
        Assert.Equal("Thu 12 Mar 2026, 11:00", teaserRow.QuerySelector("[data-testid=planning-conflict-time]")!.TextContent.Trim());
        Assert.Equal("Warning", teaserRow.QuerySelector("[data-testid=planning-conflict-effect]")!.TextContent.Trim());
        Assert.Contains("Blog", teaserRow.TextContent, StringComparison.Ordinal);
        Assert.Contains("#1E88E5", teaserRow.QuerySelector(".planning-swatch")!.GetAttribute("style"), StringComparison.Ordinal);
        Assert.Equal(3, cut.FindAll("button[data-testid=planning-fix]").Count);

        teaserRow.QuerySelector("button[data-testid=planning-fix]")!.Click();

        // The first free grid slot after now (10:30 in Paris) is today at 18:00: four hours and more from Launch.
        cut.WaitForAssertion(() => Assert.Equal("Moved 'Teaser' to Tue 10 Mar 18:00.", cut.Find("[data-testid=planning-notice] .mud-alert-message").TextContent.Trim()));
        var stored = await s.App.Context.Services.GetRequiredService<ScheduleService>().GetAsync(s.Teaser.Id, Ct);
        Assert.Equal("2026-03-10T18:00:00", stored.ScheduledAt);
        Assert.Empty(await s.Planning.ConflictsAsync("2026-03-10", "2026-04-06", null, Ct));
        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[data-testid=planning-no-conflicts]")));
        Assert.Empty(cut.FindAll("[data-testid=planning-conflict]"));
    }

    [Fact]
    public async Task Fix_OfARecurringPost_MovesThatOccurrenceOnly_ThroughTheOccurrenceMove()
    {
        await using var s = await SetUpAsync();
        var services = s.App.Context.Services;
        var newsletter = await services.GetRequiredService<ChannelService>().CreateAsync(new ChannelInput
        {
            Name = "Newsletter",
            Platform = ChannelPlatform.Newsletter,
            Color = "#2E7D32",
            Timezone = Paris,
            PostingTimes = EveryDayAt("10:00", "18:00"),
            MinGapMinutes = 240,
            BlackoutDates = ["2026-03-13"],
            ConflictMode = ConflictMode.Warn,
        }, Ct);
        var digest = await services.GetRequiredService<ScheduleService>().CreateAsync(new ScheduleInput
        {
            Name = "Digest",
            JobType = JobType.Newsletter,
            ScheduleType = ScheduleType.Recurring,
            Timezone = Paris,
            ChannelId = newsletter.Id,
            Recurrence = new RecurrenceInput { Frequency = Frequency.Daily, TimesOfDay = ["10:00"], Start = "2026-03-11T10:00:00" },
        }, Ct);
        var cut = Render(s.App);
        cut.WaitForAssertion(() => Assert.Single(cut.FindAll($"[data-testid=planning-conflict][data-schedule-id='{digest.Id}']")));
        var row = cut.Find($"[data-testid=planning-conflict][data-schedule-id='{digest.Id}']");
        Assert.Equal(("blackout", "Fri 13 Mar 2026, 10:00"), (row.GetAttribute("data-code"), row.QuerySelector("[data-testid=planning-conflict-time]")!.TextContent.Trim()));

        row.QuerySelector("button[data-testid=planning-fix]")!.Click();

        cut.WaitForAssertion(() => Assert.Equal("Moved 'Digest' to Tue 10 Mar 18:00.", cut.Find("[data-testid=planning-notice] .mud-alert-message").TextContent.Trim()));
        await using (var db = await s.App.NewDbContextAsync())
        {
            var move = await db.ScheduleExceptions.AsNoTracking().SingleAsync(e => e.ScheduleId == digest.Id, Ct);
            Assert.Equal((ScheduleExceptionKind.Move, "2026-03-13T10:00:00", "2026-03-10T18:00:00"), (move.Kind, move.Original, move.Replacement));
        }
        Assert.Empty(await s.Planning.ConflictsAsync("2026-03-10", "2026-04-06", newsletter.Id, Ct));
        // The other days keep their 10:00 post: only the 13th (the blackout) is now empty.
        var gaps = Assert.Single(await s.Planning.GapsAsync("2026-03-11", "2026-03-15", newsletter.Id, Ct));
        Assert.Equal(["2026-03-13"], gaps.Days);
        cut.WaitForAssertion(() => Assert.Empty(cut.FindAll($"[data-testid=planning-conflict][data-schedule-id='{digest.Id}']")));
    }

    [Fact]
    public async Task Manager_SeesTheConflicts_WithoutFix()
    {
        await using var s = await SetUpAsync();
        var workspace = s.App.Workspace;
        workspace.Set(workspace.UserId!, workspace.WorkspaceId!.Value, workspace.WorkspaceName, WorkspaceRole.Manager, isInstanceAdmin: false);
        Assert.False(workspace.CanEdit);

        var cut = Render(s.App);

        cut.WaitForAssertion(() => Assert.Equal(3, cut.FindAll("[data-testid=planning-conflict]").Count));
        Assert.Empty(cut.FindAll("[data-testid=planning-fix]"));
    }

    [Fact]
    public async Task Utilisation_TableShowsSlotsFilledAndPercentPerWeek_GapsLinkEachEmptyDay_AndTheLengthNarrowsTheRange()
    {
        await using var s = await SetUpAsync();
        var cut = Render(s.App);

        // Four weeks from today (Tuesday 10 March) in the viewer's zone: 10 March to 6 April, weeks starting on Mondays.
        cut.WaitForAssertion(() => Assert.Equal(5, cut.FindAll("[data-testid=planning-utilisation-row]").Count));
        Assert.Equal(
            [("2026-03-09", "12", "2", "17 %"), ("2026-03-16", "14", "0", "0 %"), ("2026-03-23", "14", "0", "0 %"), ("2026-03-30", "14", "0", "0 %"), ("2026-04-06", "2", "0", "0 %")],
            UtilisationRows(cut));
        var expected = Assert.Single(await s.Planning.UtilisationAsync("2026-03-10", "2026-04-06", Ct));
        Assert.Equal(expected.Weeks.Select(w => w.Percent.ToString(CultureInfo.InvariantCulture) + " %"), UtilisationRows(cut).Select(r => r.Used));
        Assert.NotEmpty(cut.FindAll("[data-testid=planning-utilisation] th[scope=col]"));

        var gaps = cut.FindAll("a[data-testid=planning-gap]");
        Assert.Equal(27, gaps.Count); // 28 days, Thursday 12 March has its posts.
        Assert.DoesNotContain(gaps, g => g.GetAttribute("data-date") == "2026-03-12");
        Assert.Equal("calendar?view=day&date=2026-03-10", gaps[0].GetAttribute("href"));
        Assert.Equal("calendar?view=day&date=2026-04-06", gaps[^1].GetAttribute("href"));

        var length = cut.FindComponents<MudSelect<int>>().Single();
        await cut.InvokeAsync(() => length.Instance.ValueChanged.InvokeAsync(1));

        cut.WaitForAssertion(() => Assert.Equal([("2026-03-09", "12", "2", "17 %"), ("2026-03-16", "2", "0", "0 %")], UtilisationRows(cut)));
        Assert.Equal(["2026-03-10", "2026-03-11", "2026-03-13", "2026-03-14", "2026-03-15", "2026-03-16"],
            cut.FindAll("a[data-testid=planning-gap]").Select(g => g.GetAttribute("data-date")));
    }

    [Fact]
    public async Task ManyConflicts_ArePaged_TwentyAPage()
    {
        await using var s = await SetUpAsync();
        // 22 more posts, one a day at 14:00 (off the grid, 4 h from nothing): one conflict each, 25 in all.
        for (var day = 0; day < 22; day++)
        {
            await OnceAsync(s.App, $"Extra {day + 1}", new DateTime(2026, 3, 13).AddDays(day).ToString("yyyy-MM-dd'T'14:00:00", CultureInfo.InvariantCulture), s.Blog.Id);
        }
        var cut = Render(s.App);

        cut.WaitForAssertion(() => Assert.Equal(20, cut.FindAll("[data-testid=planning-conflict]").Count));
        Assert.Contains("(25)", cut.Find("#planning-conflicts-heading").TextContent, StringComparison.Ordinal);
        var pages = cut.FindComponents<MudPagination>().Single();

        await cut.InvokeAsync(() => pages.Instance.SelectedChanged.InvokeAsync(2));

        cut.WaitForAssertion(() => Assert.Equal(5, cut.FindAll("[data-testid=planning-conflict]").Count));
        Assert.Equal(["Extra 18", "Extra 19", "Extra 20", "Extra 21", "Extra 22"],
            cut.FindAll("[data-testid=planning-conflict-name]").Select(n => n.TextContent.Trim()));
    }

    [Fact]
    public async Task ABadStartDate_SaysWhy_InsteadOfFailing()
    {
        await using var s = await SetUpAsync();
        var cut = Render(s.App);
        cut.WaitForAssertion(() => Assert.Equal(3, cut.FindAll("[data-testid=planning-conflict]").Count));
        var start = cut.FindComponents<MudDatePicker>().Single();

        await cut.InvokeAsync(() => start.Instance.DateChanged.InvokeAsync(new DateTime(1999, 12, 31)));
        cut.WaitForAssertion(() => Assert.Contains("YYYY-MM-DD", cut.Find("[data-testid=planning-error]").TextContent, StringComparison.Ordinal));
        Assert.Empty(cut.FindAll("[data-testid=planning-conflict]"));

        await cut.InvokeAsync(() => start.Instance.DateChanged.InvokeAsync(null));
        cut.WaitForAssertion(() => Assert.Contains("Pick a start date", cut.Find("[data-testid=planning-error]").TextContent, StringComparison.Ordinal));

        await cut.InvokeAsync(() => start.Instance.DateChanged.InvokeAsync(new DateTime(2026, 3, 12)));
        cut.WaitForAssertion(() => Assert.Equal(3, cut.FindAll("[data-testid=planning-conflict]").Count));
        Assert.Empty(cut.FindAll("[data-testid=planning-error]"));
    }

    private static List<(string Week, string Slots, string Filled, string Used)> UtilisationRows(IRenderedComponent<ContainerFragment> cut) =>
        [.. cut.FindAll("[data-testid=planning-utilisation-row]").Select(r =>
        {
            var cells = r.QuerySelectorAll("td").Select(c => c.TextContent.Trim()).ToList();
            return (r.GetAttribute("data-week")!, cells[1], cells[2], cells[3]);
        })];
}
