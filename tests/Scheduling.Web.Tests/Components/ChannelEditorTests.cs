using Bunit;
using Microsoft.EntityFrameworkCore;
using NodaTime;
using Scheduling.Web.Features.Channels;

namespace Scheduling.Web.Tests.Components;

/// <summary>The weekly slot grid and the channel editor, rendered with the app's services on a real SQLite database.</summary>
public sealed class ChannelEditorTests
{
    [Fact]
    public async Task SlotGrid_AddATime_ThenEachCellToggles()
    {
        await using var app = await AppServicesHarness.CreateAsync();
        await app.ActAsync(await app.CreateUserAsync("grid@example.com"), "grid's workspace");
        var selected = new HashSet<(IsoDayOfWeek Day, LocalTime Time)> { (IsoDayOfWeek.Saturday, new LocalTime(11, 0)) };
        var changes = 0;
        var cut = app.Context.Render<SlotGrid>(p => p.Add(g => g.Selected, selected).Add(g => g.SelectedChanged, () => changes++));

        Assert.Equal("true", cut.Find("[data-testid=slot-saturday-1100]").GetAttribute("aria-pressed"));
        cut.Find("[data-testid=slot-time] input, input[data-testid=slot-time]").Change("25:00");
        cut.Find("[data-testid=slot-add-time]").Click();
        Assert.Contains("A time is HH:mm", cut.Markup, StringComparison.Ordinal);
        cut.Find("[data-testid=slot-time] input, input[data-testid=slot-time]").Change("09:00");
        cut.Find("[data-testid=slot-add-time]").Click();

        var monday = cut.Find("[data-testid=slot-monday-0900]");
        Assert.Equal(("false", "Monday 09:00"), (monday.GetAttribute("aria-pressed"), monday.GetAttribute("aria-label")));
        monday.Click();
        Assert.Contains((IsoDayOfWeek.Monday, new LocalTime(9, 0)), selected);
        Assert.Equal("true", cut.Find("[data-testid=slot-monday-0900]").GetAttribute("aria-pressed"));
        cut.Find("[data-testid=slot-saturday-1100]").Click();
        Assert.DoesNotContain((IsoDayOfWeek.Saturday, new LocalTime(11, 0)), selected);
        Assert.Equal(2, changes);
    }

    [Fact]
    public async Task Editor_CreatesTheChannelWithItsGrid_AndKeepsInputOnBadFields()
    {
        await using var app = await AppServicesHarness.CreateAsync();
        await app.ActAsync(await app.CreateUserAsync("editor@example.com"), "editor's workspace");
        var cut = app.Context.RenderWithPopovers<ChannelEditorPage>();

        cut.Find("[data-testid=channel-name] input, input[data-testid=channel-name]").Change("Weekly blog");
        cut.Find("[data-testid=channel-blackouts] textarea, textarea[data-testid=channel-blackouts]").Change("2030-12-25, 2030-02-30");
        cut.Find("[data-testid=slot-time] input, input[data-testid=slot-time]").Change("18:00");
        cut.Find("[data-testid=slot-add-time]").Click();
        cut.Find("[data-testid=slot-friday-1800]").Click();
        cut.Find("[data-testid=save-channel]").Click();

        // A bad date is named; what was typed stays.
        cut.WaitForAssertion(() => Assert.Contains("A date is YYYY-MM-DD", cut.Markup, StringComparison.Ordinal));
        Assert.Equal("Weekly blog", cut.Find("[data-testid=channel-name] input, input[data-testid=channel-name]").GetAttribute("value"));
        Assert.Equal("true", cut.Find("[data-testid=slot-friday-1800]").GetAttribute("aria-pressed"));

        cut.Find("[data-testid=channel-blackouts] textarea, textarea[data-testid=channel-blackouts]").Change("2030-12-25");
        cut.Find("[data-testid=save-channel]").Click();
        await using var db = await app.NewDbContextAsync();
        cut.WaitForAssertion(() => Assert.Equal(1, db.Channels.IgnoreQueryFilters().Count()));
        var channel = db.Channels.IgnoreQueryFilters().Single();
        Assert.Equal(("Weekly blog", "friday 18:00", "2030-12-25"), (channel.Name, channel.PostingTimes, channel.BlackoutDates));
    }
}
