using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using Scheduling.Core.Channels;
using Scheduling.Core.Scheduling;
using Scheduling.Web.Features.Calendar;
using Scheduling.Web.Features.Channels;
using Scheduling.Web.Features.Schedules;

namespace Scheduling.Web.Tests.Components.Calendar;

/// <summary>
/// The calendar page over channels (clock: Tuesday 10 March 2026, 09:30 UTC; viewer in UTC; channel "Blog" in Paris,
/// UTC+1, posting every day at 10:00, blackout Thursday 19 March): a drop onto a channel's rule is refused by name in
/// block mode and saved with a visible warning in warn mode; the timeline has one lane per channel.
/// </summary>
public sealed class CalendarChannelTests
{
    private static CancellationToken Ct => Xunit.TestContext.Current.CancellationToken;

    private static IRenderedComponent<ContainerFragment> Render(AppServicesHarness app, string query)
    {
        app.Context.Services.GetRequiredService<NavigationManager>().NavigateTo("calendar?" + query);
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

    private static async Task<(AppServicesHarness App, ChannelView Blog, ScheduleView Launch, ScheduleView Digest)> SetUpAsync(ConflictMode mode)
    {
        var app = await AppServicesHarness.CreateAsync();
        await app.ActAsync(await app.CreateUserAsync("ada@example.com"), "ada's workspace");
        var blog = await app.Context.Services.GetRequiredService<ChannelService>().CreateAsync(new ChannelInput
        {
            Name = "Blog",
            Platform = ChannelPlatform.Blog,
            Color = "#1E88E5",
            Timezone = "Europe/Paris",
            PostingTimes = [.. new[] { "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday" }.Select(d => new PostingTimeInput(d, "10:00"))],
            BlackoutDates = ["2026-03-19"],
            ConflictMode = mode,
        }, Ct);
        var schedules = app.Context.Services.GetRequiredService<ScheduleService>();
        var launch = await schedules.CreateAsync(new ScheduleInput
        {
            Name = "Launch post",
            JobType = JobType.Publish,
            ScheduleType = ScheduleType.Once,
            ScheduledAt = "2026-03-18T10:00:00",
            Timezone = "Europe/Paris",
            ChannelId = blog.Id,
        }, Ct);
        var digest = await schedules.CreateAsync(new ScheduleInput
        {
            Name = "Digest",
            JobType = JobType.Newsletter,
            ScheduleType = ScheduleType.Once,
            ScheduledAt = "2026-03-17T08:00:00",
            Timezone = "UTC",
        }, Ct);
        return (app, blog, launch, digest);
    }

    private static AngleSharp.Dom.IElement ItemOf(IRenderedComponent<ContainerFragment> cut, Guid scheduleId, string occurrence) =>
        cut.Find($"[data-testid=calendar-item][data-schedule-id='{scheduleId}'][data-occurrence='{occurrence}']");

    [Fact]
    public async Task DropOntoTheChannelsBlackoutDate_InBlockMode_IsRefusedNamingTheRule_AndNothingMoves()
    {
        var (app, _, launch, _) = await SetUpAsync(ConflictMode.Block);
        await using var __ = app;
        var cut = Render(app, "view=week&date=2026-03-18");
        cut.WaitForAssertion(() => ItemOf(cut, launch.Id, "2026-03-18T09:00:00Z"));

        ItemOf(cut, launch.Id, "2026-03-18T09:00:00Z").DragStart();
        cut.Find("[data-testid=calendar-slot][data-start='2026-03-19T09:00:00']").Drop();

        cut.WaitForAssertion(() => Assert.Equal(
            "Not moved: Channel 'Blog' blocks this post: 2026-03-19 is a blackout date of the channel.",
            cut.Find("[data-testid=calendar-drop-notice] .mud-alert-message").TextContent.Trim()));
        Assert.NotNull(ItemOf(cut, launch.Id, "2026-03-18T09:00:00Z"));
        var stored = await app.Context.Services.GetRequiredService<ScheduleService>().GetAsync(launch.Id, Ct);
        Assert.Equal(("2026-03-18T10:00:00", launch.Version), (stored.ScheduledAt, stored.Version));
    }

    [Fact]
    public async Task DropOntoTheChannelsBlackoutDate_InWarnMode_MovesAndShowsTheWarning()
    {
        var (app, _, launch, _) = await SetUpAsync(ConflictMode.Warn);
        await using var __ = app;
        var cut = Render(app, "view=week&date=2026-03-18");
        cut.WaitForAssertion(() => ItemOf(cut, launch.Id, "2026-03-18T09:00:00Z"));

        ItemOf(cut, launch.Id, "2026-03-18T09:00:00Z").DragStart();
        cut.Find("[data-testid=calendar-slot][data-start='2026-03-19T09:00:00']").Drop();

        cut.WaitForAssertion(() => ItemOf(cut, launch.Id, "2026-03-19T09:00:00Z"));
        Assert.Equal("Moved, but the channel's rules warn: 2026-03-19 is a blackout date of the channel.",
            cut.Find("[data-testid=calendar-drop-notice] .mud-alert-message").TextContent.Trim());
        var stored = await app.Context.Services.GetRequiredService<ScheduleService>().GetAsync(launch.Id, Ct);
        Assert.Equal("2026-03-19T10:00:00", stored.ScheduledAt);
    }

    [Fact]
    public async Task Timeline_ByChannel_HasALanePerChannelInItsColourAndNoChannel_AndSwitchesBackToJobTypes()
    {
        var (app, blog, launch, digest) = await SetUpAsync(ConflictMode.Warn);
        await using var __ = app;
        var cut = Render(app, "view=timeline&date=2026-03-18&lanes=channel");
        cut.WaitForAssertion(() => ItemOf(cut, launch.Id, "2026-03-18T09:00:00Z"));

        var lanes = cut.FindAll("[data-testid=calendar-lane]");
        Assert.Equal([blog.Id.ToString(), "none"], lanes.Select(l => l.GetAttribute("data-lane")));
        Assert.Equal(["Blog", "No channel"], cut.FindAll("[data-testid=calendar-lane-label]").Select(l => l.TextContent.Trim()));
        Assert.Contains("#1E88E5", lanes[0].QuerySelector(".cal-swatch")!.GetAttribute("style"), StringComparison.Ordinal);
        Assert.Contains("#1E88E5", ItemOf(cut, launch.Id, "2026-03-18T09:00:00Z").GetAttribute("style"), StringComparison.Ordinal);
        Assert.NotNull(lanes[0].QuerySelector($"[data-schedule-id='{launch.Id}']"));
        Assert.NotNull(lanes[1].QuerySelector($"[data-schedule-id='{digest.Id}']"));

        var toggle = cut.FindComponents<MudToggleGroup<string>>().Single();
        await cut.InvokeAsync(() => toggle.Instance.ValueChanged.InvokeAsync("job_type"));

        cut.WaitForAssertion(() => Assert.Equal(["newsletter", "publish"], cut.FindAll("[data-testid=calendar-lane]").Select(l => l.GetAttribute("data-lane"))));
        Assert.DoesNotContain("lanes=channel", app.Context.Services.GetRequiredService<NavigationManager>().Uri, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Month_MarksTheChannelsDaysWithoutContent_FromTheUrl_AndABadChannelSaysSo()
    {
        var (app, blog, _, _) = await SetUpAsync(ConflictMode.Warn);
        await using var __ = app;
        var cut = Render(app, $"view=month&date=2026-03-18&gaps={blog.Id}");
        cut.WaitForAssertion(() => Assert.Contains("cal-marked", cut.Find("[data-testid=calendar-day][data-date='2026-03-17']").ClassName, StringComparison.Ordinal));

        // The launch post is the blog's only one: its day is not marked, the others of the month are, saying why.
        Assert.DoesNotContain("cal-marked", cut.Find("[data-testid=calendar-day][data-date='2026-03-18']").ClassName, StringComparison.Ordinal);
        Assert.Equal("nothing on Blog", cut.Find("[data-testid=calendar-day][data-date='2026-03-17'] [data-testid=calendar-day-marked]").TextContent.Trim());
        Assert.EndsWith(", nothing on Blog", cut.Find("[data-testid=calendar-day][data-date='2026-03-17']").GetAttribute("aria-label"), StringComparison.Ordinal);
        Assert.Equal(41, cut.FindAll("[data-testid=calendar-day].cal-marked").Count);

        await app.Context.DisposeComponentsAsync();
        var bad = Render(app, "view=month&date=2026-03-18&gaps=nope");
        bad.WaitForAssertion(() => Assert.Contains("'nope' is not a channel", bad.Markup, StringComparison.Ordinal));
        Assert.Empty(bad.FindAll("[data-testid=calendar-day].cal-marked"));
    }
}
