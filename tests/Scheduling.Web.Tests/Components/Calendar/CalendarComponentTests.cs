using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using NodaTime;
using Scheduling.Web.Components.Calendar;

namespace Scheduling.Web.Tests.Components.Calendar;

/// <summary>The generic calendar and its views, rendered alone with plain test items and a fake clock.</summary>
public sealed class CalendarComponentTests : IAsyncDisposable
{
    // Tuesday 1 December 2026, 10:30 UTC.
    private static readonly DateTimeOffset Start = new(2026, 12, 1, 10, 30, 0, TimeSpan.Zero);
    private static readonly DateTimeZone NewYork = DateTimeZoneProviders.Tzdb["America/New_York"];

    private readonly BunitContext _context;
    private readonly FakeTimeProvider _clock = new(Start);
    private readonly List<CalendarRange> _ranges = [];
    private readonly List<CalendarView> _views = [];
    private readonly List<LocalDate> _dates = [];
    private readonly List<TestItem> _clicked = [];
    private readonly List<LocalDateTime> _slots = [];
    private readonly List<CalendarDrop<TestItem>> _drops = [];

    public CalendarComponentTests()
    {
        _context = MudBunit.NewContext(services => services.AddSingleton<TimeProvider>(_clock));
    }

    public ValueTask DisposeAsync() => _context.DisposeAsync();

    public sealed record TestItem(string Id, Instant At, string Lane = "video");

    private static TestItem Item(string id, int month, int day, int hour, int minute = 0, string lane = "video") =>
        new(id, Instant.FromUtc(2026, month, day, hour, minute), lane);

    private IRenderedComponent<Calendar<TestItem>> Render(CalendarView view, LocalDate date, IReadOnlyList<TestItem> items, DateTimeZone? zone = null,
        bool canDrag = false, Action<ComponentParameterCollectionBuilder<Calendar<TestItem>>>? more = null) =>
        _context.Render<Calendar<TestItem>>(p =>
        {
            p.Add(c => c.Items, items)
             .Add(c => c.StartOf, i => i.At)
             .Add(c => c.Zone, zone ?? DateTimeZone.Utc)
             .Add(c => c.View, view)
             .Add(c => c.Date, date)
             .Add(c => c.CanDrag, canDrag)
             .Add(c => c.LaneOf, i => i.Lane)
             .Add(c => c.AttributesOf, i => new Dictionary<string, object> { ["data-schedule-id"] = i.Id, ["data-occurrence"] = i.At.ToString() })
             .Add(c => c.ItemTemplate, (RenderFragment<TestItem>)(i => b => b.AddContent(0, "Item " + i.Id)))
             .Add(c => c.OnRangeChanged, (CalendarRange r) => _ranges.Add(r))
             .Add(c => c.ViewChanged, (CalendarView v) => _views.Add(v))
             .Add(c => c.DateChanged, (LocalDate d) => _dates.Add(d))
             .Add(c => c.OnItemClick, (TestItem i) => _clicked.Add(i))
             .Add(c => c.OnSlotClick, (LocalDateTime s) => _slots.Add(s))
             .Add(c => c.OnItemDrop, (CalendarDrop<TestItem> d) => _drops.Add(d));
            more?.Invoke(p);
        });

    [Fact]
    public void Month_ShowsSixWeeksFromMonday_CountsPerDay_ThreeChipsAndMoreOpeningTheDay()
    {
        var items = Enumerable.Range(0, 5).Select(i => Item($"a{i}", 12, 7, 9 + i)).Append(Item("b", 12, 24, 15)).ToList();

        var cut = Render(CalendarView.Month, new LocalDate(2026, 12, 7), items);

        var days = cut.FindAll("[data-testid=calendar-day]");
        Assert.Equal(42, days.Count);
        Assert.Equal("2026-11-30", days[0].GetAttribute("data-date"));
        Assert.Equal("2027-01-10", days[^1].GetAttribute("data-date"));
        var seventh = cut.Find("[data-testid=calendar-day][data-date='2026-12-07']");
        Assert.Equal("5", seventh.QuerySelector("[data-testid=calendar-day-count]")!.TextContent);
        var chips = seventh.QuerySelectorAll("[data-testid=calendar-item]");
        Assert.Equal(["a0", "a1", "a2"], chips.Select(c => c.GetAttribute("data-schedule-id")));
        Assert.Contains("09:00", chips[0].TextContent, StringComparison.Ordinal);
        Assert.Equal("+2 more", seventh.QuerySelector("[data-testid=calendar-more]")!.TextContent.Trim());
        Assert.Single(cut.Find("[data-testid=calendar-day][data-date='2026-12-24']").QuerySelectorAll("[data-testid=calendar-item]"));
        Assert.Equal("December 2026", cut.Find("[data-testid=calendar-title]").TextContent);

        cut.Find("[data-testid=calendar-day][data-date='2026-12-07'] [data-testid=calendar-more]").Click();

        Assert.Equal([CalendarView.Day], _views);
        Assert.Empty(_dates); // already the shown date
        Assert.Equal(5, cut.FindAll("[data-testid=calendar-item]").Count);
        Assert.Equal(new CalendarRange(new LocalDate(2026, 12, 7), new LocalDate(2026, 12, 8), Instant.FromUtc(2026, 12, 7, 0, 0), Instant.FromUtc(2026, 12, 8, 0, 0)), _ranges[^1]);
    }

    [Fact]
    public void Week_PrevNextToday_AnnounceEachNewRangeOnce_InTheShownZone()
    {
        var cut = Render(CalendarView.Week, new LocalDate(2026, 12, 9), [], NewYork);

        var first = Assert.Single(_ranges);
        Assert.Equal(new LocalDate(2026, 12, 7), first.First);
        Assert.Equal(new LocalDate(2026, 12, 14), first.EndExclusive);
        Assert.Equal(Instant.FromUtc(2026, 12, 7, 5, 0), first.Start); // midnight in New York (EST, UTC-5)

        cut.Find("[data-testid=calendar-next] button, button[data-testid=calendar-next]").Click();
        Assert.Equal(new LocalDate(2026, 12, 16), _dates[^1]);
        Assert.Equal(new LocalDate(2026, 12, 14), _ranges[^1].First);

        cut.Find("button[data-testid=calendar-prev]").Click();
        cut.Find("button[data-testid=calendar-prev]").Click();
        Assert.Equal(new LocalDate(2026, 11, 30), _ranges[^1].First);

        cut.Find("button[data-testid=calendar-today]").Click();
        // Today is 1 December in New York (05:30): its week starts on Monday 30 November, already shown: no new range.
        Assert.Equal(new LocalDate(2026, 12, 1), _dates[^1]);
        Assert.Equal(4, _ranges.Count);
        Assert.Equal(new LocalDate(2026, 11, 30), _ranges[^1].First);
    }

    [Fact]
    public void Month_RangeAcrossTheDstChange_StartsAndEndsAtLocalMidnight()
    {
        Render(CalendarView.Month, new LocalDate(2026, 3, 15), [], NewYork);

        var range = Assert.Single(_ranges);
        Assert.Equal(new LocalDate(2026, 2, 23), range.First);
        Assert.Equal(Instant.FromUtc(2026, 2, 23, 5, 0), range.Start); // EST
        Assert.Equal(new LocalDate(2026, 4, 6), range.EndExclusive);
        Assert.Equal(Instant.FromUtc(2026, 4, 6, 4, 0), range.End); // EDT after 8 March
    }

    [Fact]
    public void ViewSwitch_ChangesTheViewAndTheRange()
    {
        var cut = Render(CalendarView.Month, new LocalDate(2026, 12, 9), []);

        cut.Find("button[data-testid=calendar-view-workweek]").Click();

        Assert.Equal([CalendarView.WorkWeek], _views);
        Assert.Equal("workweek", cut.Find("[data-testid=calendar]").GetAttribute("data-view"));
        Assert.Equal(5, _ranges[^1].Days);
        Assert.Equal("true", cut.Find("button[data-testid=calendar-view-workweek]").GetAttribute("aria-pressed"));
        Assert.Equal("false", cut.Find("button[data-testid=calendar-view-month]").GetAttribute("aria-pressed"));
    }

    [Fact]
    public void WorkWeek_SlotsOfThirtyMinutesBetweenTheDayHours_CarryTheirLocalStart_AndAClickGivesIt()
    {
        var cut = Render(CalendarView.WorkWeek, new LocalDate(2026, 12, 9), [], NewYork, more: p => p
            .Add(c => c.SlotMinutes, 30).Add(c => c.DayStartHour, 8).Add(c => c.DayEndHour, 18));

        var slots = cut.FindAll("[data-testid=calendar-slot]");
        Assert.Equal(5 * 20, slots.Count);
        Assert.Equal("2026-12-07T08:00:00", slots[0].GetAttribute("data-start"));
        Assert.Equal("2026-12-07T08:30:00", slots[1].GetAttribute("data-start"));
        Assert.Equal("2026-12-11T17:30:00", slots[^1].GetAttribute("data-start"));

        cut.Find("[data-testid=calendar-slot][data-start='2026-12-08T09:30:00']").Click();

        Assert.Equal([new LocalDateTime(2026, 12, 8, 9, 30)], _slots);
    }

    [Fact]
    public void Day_ShowsTheCurrentTimeLineFromTheClock_AndOverlappingItemsSideBySide()
    {
        var items = new[] { Item("x", 12, 1, 9), Item("y", 12, 1, 9, 15), Item("z", 12, 1, 14) };

        var cut = Render(CalendarView.Day, new LocalDate(2026, 12, 1), items);

        // 10:30 of 24 hours = 43.75 %.
        Assert.Contains("top: 43.75%", cut.Find("[data-testid=calendar-now]").GetAttribute("style"), StringComparison.Ordinal);
        var styles = cut.FindAll("[data-testid=calendar-item]").ToDictionary(e => e.GetAttribute("data-schedule-id")!, e => e.GetAttribute("style")!);
        Assert.Contains("left:0%; width:calc(50% - 2px)", styles["x"], StringComparison.Ordinal);
        Assert.Contains("left:50%; width:calc(50% - 2px)", styles["y"], StringComparison.Ordinal);
        Assert.Contains("left:0%; width:calc(100% - 2px)", styles["z"], StringComparison.Ordinal);

        _clock.Advance(TimeSpan.FromDays(1));
        cut.Render();
        Assert.Empty(cut.FindAll("[data-testid=calendar-now]"));
    }

    [Fact]
    public void DropOnASlot_GivesTheSlotStartInTheShownZone_AndMonthDropsKeepTheTimeOfDay()
    {
        var item = Item("m", 12, 9, 14, 30); // 09:30 in New York
        var cut = Render(CalendarView.Week, new LocalDate(2026, 12, 9), [item], NewYork, canDrag: true);

        var element = cut.Find("[data-testid=calendar-item]");
        Assert.Equal("true", element.GetAttribute("draggable"));
        element.DragStart();
        cut.Find("[data-testid=calendar-slot][data-start='2026-12-10T11:00:00']").Drop();

        var drop = Assert.Single(_drops);
        Assert.Same(item, drop.Item);
        Assert.Equal(new LocalDateTime(2026, 12, 10, 11, 0), drop.To);
        Assert.Equal(Instant.FromUtc(2026, 12, 10, 16, 0), drop.ToInstant);

        var month = Render(CalendarView.Month, new LocalDate(2026, 12, 9), [item], NewYork, canDrag: true);
        month.Find("[data-testid=calendar-item]").DragStart();
        month.Find("[data-testid=calendar-day][data-date='2026-12-22']").Drop();

        Assert.Equal(new LocalDateTime(2026, 12, 22, 9, 30), _drops[^1].To);
    }

    [Fact]
    public void WithoutDrag_ItemsAreNotDraggable_AndADropDoesNothing()
    {
        var cut = Render(CalendarView.Week, new LocalDate(2026, 12, 9), [Item("r", 12, 9, 14)], canDrag: false);

        var element = cut.Find("[data-testid=calendar-item]");
        Assert.Equal("false", element.GetAttribute("draggable"));
        element.DragStart();
        cut.Find("[data-testid=calendar-slot][data-start='2026-12-10T11:00:00']").Drop();

        Assert.Empty(_drops);
    }

    [Fact]
    public void Keyboard_ItemsAreFocusable_EnterOpens_ArrowsMoveBetweenDaysAndSlots()
    {
        var item = Item("k", 12, 9, 14);
        var cut = Render(CalendarView.Month, new LocalDate(2026, 12, 9), [item]);

        var element = cut.Find("[data-testid=calendar-item]");
        Assert.Equal("0", element.GetAttribute("tabindex"));
        Assert.Equal("button", element.GetAttribute("role"));
        element.KeyDown(new Microsoft.AspNetCore.Components.Web.KeyboardEventArgs { Key = "Enter" });
        Assert.Equal([item], _clicked);
        // One day cell is in the tab order (the shown date); arrows move the focus to the neighbour.
        Assert.Equal("0", cut.Find("[data-testid=calendar-day][data-date='2026-12-09']").GetAttribute("tabindex"));
        Assert.Equal("-1", cut.Find("[data-testid=calendar-day][data-date='2026-12-10']").GetAttribute("tabindex"));

        cut.Find("[data-testid=calendar-day][data-date='2026-12-09']").KeyDown(new Microsoft.AspNetCore.Components.Web.KeyboardEventArgs { Key = "ArrowDown" });
        cut.Find("[data-testid=calendar-day][data-date='2026-12-09']").KeyDown(new Microsoft.AspNetCore.Components.Web.KeyboardEventArgs { Key = "ArrowLeft" });

        var focused = _context.JSInterop.Invocations.Where(i => i.Identifier == "schedulingApp.focusSelector").Select(i => (string)i.Arguments[0]!).ToList();
        Assert.Equal(["[data-testid=calendar-day][data-date=\"2026-12-16\"]", "[data-testid=calendar-day][data-date=\"2026-12-08\"]"], focused);

        var week = Render(CalendarView.Week, new LocalDate(2026, 12, 9), [item]);
        week.Find("[data-testid=calendar-slot][data-start='2026-12-09T10:00:00']").KeyDown(new Microsoft.AspNetCore.Components.Web.KeyboardEventArgs { Key = "ArrowDown" });
        week.Find("[data-testid=calendar-slot][data-start='2026-12-09T10:00:00']").KeyDown(new Microsoft.AspNetCore.Components.Web.KeyboardEventArgs { Key = "ArrowRight" });
        focused = _context.JSInterop.Invocations.Where(i => i.Identifier == "schedulingApp.focusSelector").Select(i => (string)i.Arguments[0]!).ToList();
        Assert.Equal("[data-testid=calendar-slot][data-start=\"2026-12-09T11:00:00\"]", focused[^2]);
        Assert.Equal("[data-testid=calendar-slot][data-start=\"2026-12-10T10:00:00\"]", focused[^1]);
        // Enter on an empty slot asks for a new item there.
        week.Find("[data-testid=calendar-slot][data-start='2026-12-09T10:00:00']").KeyDown(new Microsoft.AspNetCore.Components.Web.KeyboardEventArgs { Key = "Enter" });
        Assert.Equal(new LocalDateTime(2026, 12, 9, 10, 0), _slots[^1]);
    }

    [Fact]
    public void ArrowPastTheGrid_MovesTheCalendarOn()
    {
        var cut = Render(CalendarView.Week, new LocalDate(2026, 12, 9), []);

        cut.Find("[data-testid=calendar-slot][data-start='2026-12-13T10:00:00']").KeyDown(new Microsoft.AspNetCore.Components.Web.KeyboardEventArgs { Key = "ArrowRight" });

        Assert.Equal(new LocalDate(2026, 12, 14), _dates[^1]);
        Assert.Equal(new LocalDate(2026, 12, 14), _ranges[^1].First);
        Assert.Single(cut.FindAll("[data-testid=calendar-slot][data-start='2026-12-14T10:00:00']"));
    }

    [Fact]
    public void Agenda_GroupsByDay_AndVirtualisesALongRange()
    {
        var items = new[] { Item("p", 12, 3, 9), Item("q", 12, 3, 12), Item("s", 12, 20, 8) };
        var cut = Render(CalendarView.Agenda, new LocalDate(2026, 12, 1), items);

        var days = cut.FindAll("[data-testid=calendar-agenda-day]");
        Assert.Equal(["2026-12-03", "2026-12-20"], days.Select(d => d.GetAttribute("data-date")));
        Assert.Equal(3, cut.FindAll("[data-testid=calendar-item]").Count);
        Assert.Equal(30, _ranges[^1].Days);

        var many = Enumerable.Range(0, 600).Select(i => new TestItem($"v{i}", Instant.FromUtc(2026, 12, 1, 0, 0).Plus(Duration.FromMinutes(60 * i)))).ToList();
        var big = Render(CalendarView.Agenda, new LocalDate(2026, 12, 1), many);

        // Only the rows in sight (and the overscan) are rendered.
        Assert.InRange(big.FindAll("[data-testid=calendar-item]").Count, 0, 200);
    }

    [Fact]
    public void Timeline_HasOneLanePerKey_WithItemsAlongTheWeek()
    {
        var items = new[] { Item("t1", 12, 7, 0, lane: "publish"), Item("t2", 12, 10, 12, lane: "export"), Item("t3", 12, 10, 12, 30, lane: "export") };

        var cut = Render(CalendarView.Timeline, new LocalDate(2026, 12, 9), items);

        var lanes = cut.FindAll("[data-testid=calendar-lane]");
        Assert.Equal(["export", "publish"], lanes.Select(l => l.GetAttribute("data-lane")));
        var export = lanes[0].QuerySelectorAll("[data-testid=calendar-item]");
        Assert.Equal(2, export.Length);
        // Thursday 12:00 = 3.5 of 7 days; the second one collides and goes to the lane's next row.
        Assert.Contains("left:50%", export[0].GetAttribute("style"), StringComparison.Ordinal);
        Assert.Contains("top:calc(1 * var(--cal-lane-row))", export[1].GetAttribute("style"), StringComparison.Ordinal);
        Assert.Contains("left:0%", lanes[1].QuerySelector("[data-testid=calendar-item]")!.GetAttribute("style"), StringComparison.Ordinal);
    }

    [Fact]
    public void MonthStrip_OfOneWeek_IsTheDashboardsThisWeek()
    {
        var cut = Render(CalendarView.Month, new LocalDate(2026, 12, 1), [Item("w", 12, 2, 9)], more: p => p.Add(c => c.MonthWeeks, 1).Add(c => c.ShowToolbar, false));

        Assert.Equal(7, cut.FindAll("[data-testid=calendar-day]").Count);
        Assert.Equal("2026-11-30", cut.Find("[data-testid=calendar-day]").GetAttribute("data-date"));
        Assert.Empty(cut.FindAll("[data-testid=calendar-next]"));
        Assert.Single(cut.FindAll("[data-testid=calendar-item]"));
    }

    [Fact]
    public void LayOut_PutsOverlappingBlocksInColumns_AndSeparateClustersAtFullWidth()
    {
        var day = new LocalDate(2026, 12, 1);
        var placed = CalendarMath.LayOut([("a", day.At(new LocalTime(9, 0))), ("b", day.At(new LocalTime(9, 10))), ("c", day.At(new LocalTime(9, 35))), ("d", day.At(new LocalTime(11, 0)))], 30);

        var byId = placed.ToDictionary(p => p.Item);
        Assert.Equal((0, 2), (byId["a"].Column, byId["a"].Columns));
        Assert.Equal((1, 2), (byId["b"].Column, byId["b"].Columns));
        Assert.Equal((0, 2), (byId["c"].Column, byId["c"].Columns)); // overlaps b (till 9:40), takes the column a freed at 9:30
        Assert.Equal((0, 1), (byId["d"].Column, byId["d"].Columns));
    }
}
