using NodaTime;

namespace Scheduling.Web.Components.Calendar;

/// <summary>The views of <see cref="Calendar{TItem}"/>; their wire names are the page's <c>view=</c> values.</summary>
public enum CalendarView
{
    Month,
    Week,
    WorkWeek,
    Day,
    Agenda,
    Timeline,
}

/// <summary>The days a view shows: [<see cref="First"/>, <see cref="EndExclusive"/>) as dates in the shown zone and as instants.</summary>
public sealed record CalendarRange(LocalDate First, LocalDate EndExclusive, Instant Start, Instant End)
{
    public int Days => Period.Between(First, EndExclusive, PeriodUnits.Days).Days;
}

/// <summary>An item dropped on a day or slot: <see cref="To"/> is the local time in the shown zone (month drops keep the time of day).</summary>
/// <summary>A timeline lane the owner names ahead (shown even when empty, in the order given): its key (what LaneOf returns), label and colour (#RRGGBB).</summary>
public sealed record CalendarLane(string Key, string Label, string? Color = null);

/// <summary>Items released together (a wave): the timeline draws one band across the lanes over their times, named, linking to <see cref="Href"/>.</summary>
public sealed record CalendarGroup(string Key, string Label, string? Href = null);

public sealed record CalendarDrop<TItem>(TItem Item, LocalDateTime To, Instant ToInstant);

/// <summary>An item placed in a day column: where it starts (minutes from midnight) and its side-by-side column.</summary>
public sealed record PlacedItem<TItem>(TItem Item, LocalDateTime Local, int Column, int Columns);

/// <summary>The calendar's date arithmetic, kept pure so that it is tested without rendering.</summary>
public static class CalendarMath
{
    public static readonly IReadOnlyDictionary<string, CalendarView> ViewNames = new Dictionary<string, CalendarView>(StringComparer.OrdinalIgnoreCase)
    {
        ["month"] = CalendarView.Month,
        ["week"] = CalendarView.Week,
        ["workweek"] = CalendarView.WorkWeek,
        ["day"] = CalendarView.Day,
        ["agenda"] = CalendarView.Agenda,
        ["timeline"] = CalendarView.Timeline,
    };

    public static string WireName(this CalendarView view) => view.ToString().ToLowerInvariant();

    public static LocalDate StartOfWeek(LocalDate date) => date.PlusDays(-((int)date.DayOfWeek - 1));

    /// <param name="monthWeeks">6 = a whole month grid; fewer = that many weeks from the date's week (the dashboard strip).</param>
    public static CalendarRange RangeOf(CalendarView view, LocalDate date, DateTimeZone zone, int monthWeeks = 6, int agendaDays = 30)
    {
        var (first, days) = view switch
        {
            CalendarView.Month when monthWeeks >= 6 => (StartOfWeek(new LocalDate(date.Year, date.Month, 1)), 42),
            CalendarView.Month => (StartOfWeek(date), 7 * Math.Max(1, monthWeeks)),
            CalendarView.Week or CalendarView.Timeline => (StartOfWeek(date), 7),
            CalendarView.WorkWeek => (StartOfWeek(date), 5),
            CalendarView.Day => (date, 1),
            _ => (date, agendaDays),
        };
        var end = first.PlusDays(days);
        return new CalendarRange(first, end, zone.AtStartOfDay(first).ToInstant(), zone.AtStartOfDay(end).ToInstant());
    }

    /// <summary>The date that previous (-1) or next (+1) shows.</summary>
    public static LocalDate Step(CalendarView view, LocalDate date, int direction, int monthWeeks = 6, int agendaDays = 30) => view switch
    {
        CalendarView.Month when monthWeeks >= 6 => date.PlusMonths(direction),
        CalendarView.Month => date.PlusWeeks(direction * Math.Max(1, monthWeeks)),
        CalendarView.Week or CalendarView.WorkWeek or CalendarView.Timeline => date.PlusWeeks(direction),
        CalendarView.Day => date.PlusDays(direction),
        _ => date.PlusDays(direction * agendaDays),
    };

    /// <summary>
    /// Side by side: items of one day whose nominal blocks (<paramref name="blockMinutes"/> long: runs are
    /// instants, not spans) overlap share the width, each in the first free column of its cluster.
    /// </summary>
    public static IReadOnlyList<PlacedItem<TItem>> LayOut<TItem>(IEnumerable<(TItem Item, LocalDateTime Local)> items, int blockMinutes)
    {
        var sorted = items.OrderBy(i => i.Local).ToList();
        var placed = new List<PlacedItem<TItem>>(sorted.Count);
        var cluster = new List<(TItem Item, LocalDateTime Local, int Column)>();
        var columnEnds = new List<LocalDateTime>();
        var clusterEnd = LocalDateTime.MinIsoValue;

        void Flush()
        {
            var columns = columnEnds.Count;
            placed.AddRange(cluster.Select(c => new PlacedItem<TItem>(c.Item, c.Local, c.Column, columns)));
            cluster.Clear();
            columnEnds.Clear();
        }

        foreach (var (item, local) in sorted)
        {
            if (cluster.Count > 0 && local >= clusterEnd)
            {
                Flush();
            }
            var end = local.PlusMinutes(blockMinutes);
            var column = columnEnds.FindIndex(e => e <= local);
            if (column < 0)
            {
                column = columnEnds.Count;
                columnEnds.Add(end);
            }
            else
            {
                columnEnds[column] = end;
            }
            cluster.Add((item, local, column));
            clusterEnd = cluster.Count == 1 || end > clusterEnd ? end : clusterEnd;
        }
        Flush();
        return placed;
    }
}
