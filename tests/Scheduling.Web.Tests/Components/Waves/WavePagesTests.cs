using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using Scheduling.Core.Channels;
using Scheduling.Core.Scheduling;
using Scheduling.Web.Features.Calendar;
using Scheduling.Web.Features.Channels;
using Scheduling.Web.Features.Content;
using Scheduling.Web.Features.Waves;
using Scheduling.Web.Features.Workspaces;

namespace Scheduling.Web.Tests.Components.Waves;

/// <summary>
/// The wave composer, the wave's page and waves on the calendar's timeline (clock: Tuesday 10 March 2026, 09:30 UTC;
/// viewer in UTC). Channels: "Blog" in Paris (UTC+1) posting daily at 10:00, and "Shorts" in UTC posting daily at 12:00.
/// </summary>
public sealed class WavePagesTests
{
    private static CancellationToken Ct => Xunit.TestContext.Current.CancellationToken;

    private static IRenderedComponent<ContainerFragment> Render<TPage>(AppServicesHarness app, string uri, Guid? id = null) where TPage : IComponent
    {
        app.Context.Services.GetRequiredService<NavigationManager>().NavigateTo(uri);
        return app.Context.Render<ContainerFragment>(p => p.AddChildContent(builder =>
        {
            builder.OpenComponent<MudPopoverProvider>(0);
            builder.CloseComponent();
            builder.OpenComponent<MudSnackbarProvider>(1);
            builder.CloseComponent();
            builder.OpenComponent<MudDialogProvider>(2);
            builder.CloseComponent();
            builder.OpenComponent<TPage>(3);
            if (id is { } routeId)
            {
                builder.AddAttribute(4, "Id", routeId);
            }
            builder.CloseComponent();
        }));
    }

    private static async Task<(AppServicesHarness App, ChannelView Blog, ChannelView Shorts, ContentView Launch)> SetUpAsync(ConflictMode blogMode = ConflictMode.Warn, string? blogBlackout = null)
    {
        var app = await AppServicesHarness.CreateAsync();
        await app.ActAsync(await app.CreateUserAsync("ada@example.com"), "ada's workspace");
        var channels = app.Context.Services.GetRequiredService<ChannelService>();
        var everyDay = new[] { "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday" };
        var blog = await channels.CreateAsync(new ChannelInput
        {
            Name = "Blog", Platform = ChannelPlatform.Blog, Color = "#1E88E5", Timezone = "Europe/Paris",
            PostingTimes = [.. everyDay.Select(d => new PostingTimeInput(d, "10:00"))], ConflictMode = blogMode,
            BlackoutDates = blogBlackout is null ? [] : [blogBlackout],
        }, Ct);
        var shorts = await channels.CreateAsync(new ChannelInput
        {
            Name = "Shorts", Platform = ChannelPlatform.Tiktok, Color = "#D81B60", Timezone = "UTC",
            PostingTimes = [.. everyDay.Select(d => new PostingTimeInput(d, "12:00"))],
        }, Ct);
        var launch = await app.Context.Services.GetRequiredService<ContentService>().CreateAsync(new ContentInput
        {
            Title = "Spring launch", JobType = JobType.Publish,
        }, Ct);
        return (app, blog, shorts, launch);
    }

    private static async Task CheckAsync(IRenderedComponent<ContainerFragment> cut, string channel)
    {
        var box = cut.FindComponents<MudCheckBox<bool>>().Single(b => b.Markup.Contains(channel, StringComparison.Ordinal));
        await cut.InvokeAsync(() => box.Instance.ValueChanged.InvokeAsync(true));
    }

    private static List<string> PreviewTimes(IRenderedComponent<ContainerFragment> cut) =>
        [.. cut.FindAll("[data-testid=wave-preview-item]").Select(i => i.GetAttribute("data-channel") + ": " + i.QuerySelector("[data-testid=wave-preview-time]")!.TextContent.Trim())];

    [Fact]
    public async Task Composer_PreviewsEachChannelsTimeInItsZone_InTheOrderChosen_ThenCreatesTheWave()
    {
        var (app, _, _, launch) = await SetUpAsync();
        await using var __ = app;
        var cut = Render<WaveComposerPage>(app, $"waves/new?content={launch.Id}");
        cut.WaitForAssertion(() => Assert.Equal("Choose the content and at least one channel.", cut.Find("[data-testid=wave-preview-message]").TextContent.Trim()));

        // Shorts first, then the blog: staggered 60 minutes from tomorrow 09:00 UTC (the viewer's zone).
        await CheckAsync(cut, "Shorts");
        await CheckAsync(cut, "Blog");
        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("[data-testid=wave-preview-item]").Count));
        var times = PreviewTimes(cut);
        Assert.StartsWith("Shorts: ", times[0], StringComparison.Ordinal);
        Assert.Contains("09:00 (UTC)", times[0], StringComparison.Ordinal);
        Assert.StartsWith("Blog: ", times[1], StringComparison.Ordinal);
        Assert.Contains("11:00 (Europe/Paris)", times[1], StringComparison.Ordinal);
        Assert.Contains("10:00 (UTC)", times[1], StringComparison.Ordinal);
        // Both off their grids (warn mode): warnings, and the button says so.
        Assert.Equal(2, cut.FindAll("[data-testid=wave-warning]").Count);
        Assert.Equal("Create anyway", cut.Find("[data-testid=save-wave]").TextContent.Trim());

        // The blog first instead: 09:00 UTC is 10:00 in Paris, on its grid.
        cut.FindAll("[data-testid=wave-earlier]")[1].Click();
        cut.WaitForAssertion(() => Assert.StartsWith("Blog: ", PreviewTimes(cut)[0], StringComparison.Ordinal));
        Assert.Contains("10:00 (Europe/Paris)", PreviewTimes(cut)[0], StringComparison.Ordinal);
        Assert.Single(cut.FindAll("[data-testid=wave-warning]"));

        cut.Find("[data-testid=save-wave]").Click();
        var navigation = app.Context.Services.GetRequiredService<NavigationManager>();
        cut.WaitForAssertion(() => Assert.Matches("/waves/[0-9a-f-]{36}$", navigation.Uri));
        await using var db = await app.NewDbContextAsync();
        var wave = await db.Waves.SingleAsync(Ct);
        Assert.Equal((launch.Id, WaveMode.Staggered), (wave.ContentId, wave.Mode));
        var posts = await db.ChannelPosts.Where(p => p.WaveId == wave.Id).Join(db.Schedules, p => p.ScheduleId, s => s.Id, (p, s) => s.NextRunAt).OrderBy(t => t).ToListAsync(Ct);
        Assert.Equal([new DateTime(2026, 3, 11, 9, 0, 0), new DateTime(2026, 3, 11, 10, 0, 0)], posts.Select(p => p!.Value));
    }

    [Fact]
    public async Task Composer_AChannelThatBlocks_NamesTheRule_AndCreateStaysOffUntilTheTimeChanges()
    {
        var (app, _, _, launch) = await SetUpAsync(ConflictMode.Block, blogBlackout: "2026-03-11");
        await using var __ = app;
        var cut = Render<WaveComposerPage>(app, $"waves/new?content={launch.Id}");
        await CheckAsync(cut, "Blog");
        await CheckAsync(cut, "Shorts");

        cut.WaitForAssertion(() => Assert.Contains("blackout", cut.Find("[data-testid=wave-conflict]").TextContent, StringComparison.Ordinal));
        Assert.NotNull(cut.Find("[data-testid=wave-blocked]"));
        Assert.True(cut.Find("[data-testid=save-wave]").HasAttribute("disabled"));

        var picker = cut.FindComponents<MudDatePicker>().Single();
        await cut.InvokeAsync(() => picker.Instance.DateChanged.InvokeAsync(new DateTime(2026, 3, 12)));
        cut.WaitForAssertion(() => Assert.Empty(cut.FindAll("[data-testid=wave-conflict]")));
        Assert.False(cut.Find("[data-testid=save-wave]").HasAttribute("disabled"));
        await using var db = await app.NewDbContextAsync();
        Assert.Equal(0, await db.Waves.CountAsync(Ct));
    }

    [Fact]
    public async Task WavePage_ShowsEachChannelsPost_PausesAsAUnit_AndAManagerOnlyReads()
    {
        var (app, blog, shorts, launch) = await SetUpAsync();
        await using var __ = app;
        var wave = await app.Context.Services.GetRequiredService<WaveService>().CreateAsync(new WaveInput
        {
            ContentId = launch.Id, ChannelIds = [blog.Id, shorts.Id], Mode = WaveMode.Simultaneous, At = "2026-03-12T12:00", Timezone = "UTC",
        }, Ct);
        var cut = Render<WaveDetailsPage>(app, $"waves/{wave.Id}", wave.Id);
        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("td[data-testid=wave-item]").Count));
        Assert.Equal(["Blog", "Shorts"], cut.FindAll("td[data-testid=wave-item]").Select(i => i.GetAttribute("data-channel")));
        Assert.StartsWith("0 of 2 posts out · from ", cut.Find("[data-testid=wave-summary]").TextContent.Trim(), StringComparison.Ordinal);
        Assert.Contains("date=2026-03-12", cut.Find("[data-testid=wave-on-calendar]").GetAttribute("href"), StringComparison.Ordinal);

        cut.Find("[data-testid=pause-wave]").Click();
        cut.WaitForAssertion(() => Assert.All(cut.FindAll("[data-testid=wave-item-status]"), s => Assert.Equal("paused", s.TextContent.Trim())));
        await using (var db = await app.NewDbContextAsync())
        {
            Assert.All(await db.Schedules.Where(s => s.ChannelId != null).ToListAsync(Ct), s => Assert.Equal(ScheduleStatus.Paused, s.Status));
        }
        Assert.NotNull(cut.Find("[data-testid=resume-wave]"));

        await app.Context.DisposeComponentsAsync();
        var workspace = app.Workspace;
        workspace.Set(workspace.UserId!, workspace.WorkspaceId!.Value, workspace.WorkspaceName, WorkspaceRole.Manager, isInstanceAdmin: false);
        var read = Render<WaveDetailsPage>(app, $"waves/{wave.Id}", wave.Id);
        read.WaitForAssertion(() => Assert.Equal(2, read.FindAll("td[data-testid=wave-item]").Count));
        Assert.Empty(read.FindAll("[data-testid=resume-wave], [data-testid=cancel-wave], [data-testid=move-wave]"));
    }

    [Fact]
    public async Task Timeline_DrawsAWaveAcrossTheChannelLanes_NamedAndLinked_AndTheDrawerNamesIt()
    {
        var (app, blog, shorts, launch) = await SetUpAsync();
        await using var __ = app;
        var wave = await app.Context.Services.GetRequiredService<WaveService>().CreateAsync(new WaveInput
        {
            ContentId = launch.Id, ChannelIds = [blog.Id, shorts.Id], Mode = WaveMode.Staggered, At = "2026-03-12T09:00", Timezone = "UTC", StaggerMinutes = 180,
        }, Ct);
        var cut = Render<CalendarPage>(app, "calendar?view=timeline&date=2026-03-12&lanes=channel");
        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("[data-testid=calendar-wave-bar]")));

        var bar = cut.Find("[data-testid=calendar-wave-bar]");
        Assert.Equal(("Spring launch", $"waves/{wave.Id}"), (bar.TextContent.Trim(), bar.GetAttribute("href")));
        Assert.Single(cut.FindAll("[data-testid=calendar-wave-band]"));
        // The band spans from the first post (Thursday 09:00) to the last (12:00) plus an item's width, over both lanes.
        var lanes = cut.FindAll("[data-testid=calendar-lane]");
        Assert.NotNull(lanes.Single(l => l.GetAttribute("data-lane") == blog.Id.ToString()).QuerySelector("[data-testid=calendar-item]"));
        Assert.NotNull(lanes.Single(l => l.GetAttribute("data-lane") == shorts.Id.ToString()).QuerySelector("[data-testid=calendar-item]"));
        var style = cut.Find("[data-testid=calendar-wave-band]").GetAttribute("style")!;
        // Week of Monday 9 March: Thursday 09:00 is 3 days 9 hours in, 81/168 of the week.
        Assert.StartsWith($"left:{81.0 / 168 * 100:0.###}%", style, StringComparison.Ordinal);

        cut.FindAll("[data-testid=calendar-item]")[0].Click();
        cut.WaitForAssertion(() => Assert.Equal("Spring launch", cut.Find("[data-testid=occurrence-wave]").TextContent.Trim()));
    }
}
