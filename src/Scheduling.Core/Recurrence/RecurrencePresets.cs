using System.Collections.Frozen;
using NodaTime;

namespace Scheduling.Core.Recurrence;

/// <summary>A named, ready-made rule offered by the editor and <c>GET /api/v1/patterns</c>.</summary>
/// <param name="Key">Stable snake_case identifier used by the API.</param>
/// <param name="DisplayName">Short label for the picker.</param>
/// <param name="Rule">The structured rule; its <see cref="RecurrenceRule.TimesOfDay"/> holds the preset's time.</param>
public sealed record RecurrencePreset(string Key, string DisplayName, RecurrenceRule Rule)
{
    /// <summary>A schedule for this preset starting on <paramref name="startDate"/> in <paramref name="timeZone"/>.</summary>
    /// <example><c>RecurrencePresets.Get("last_friday").ToSet(new LocalDate(2026, 1, 1), "Europe/London")</c></example>
    public RecurrenceSet ToSet(LocalDate startDate, string timeZone) =>
        new(Rule, startDate.At(Rule.TimesOfDay.Count > 0 ? Rule.TimesOfDay[0] : LocalTime.Midnight), timeZone);

    public string Describe(string? timeZone = null) => RecurrenceDescriber.Describe(Rule, null, timeZone);
}

/// <summary>The common patterns from the product brief (seed 002, Tuesday) plus monthly/quarterly ones.</summary>
public static class RecurrencePresets
{
    private static readonly WeekdayNum[] MondayToFriday =
        [.. Enumerable.Range(1, 5).Select(d => WeekdayNum.Every((IsoDayOfWeek)d))];

    public static IReadOnlyList<RecurrencePreset> All { get; } =
    [
        new("daily_9am", "Daily at 09:00", Daily(9)),
        new("weekdays_6pm", "Weekdays at 18:00", Weekly(18, MondayToFriday)),
        new("weekly_monday", "Weekly on Monday at 10:00", Weekly(10, [WeekdayNum.Every(IsoDayOfWeek.Monday)])),
        new("twice_weekly", "Twice weekly (Monday and Thursday at 09:00)",
            Weekly(9, [WeekdayNum.Every(IsoDayOfWeek.Monday), WeekdayNum.Every(IsoDayOfWeek.Thursday)])),
        new("first_of_month", "First of the month at 12:00",
            new RecurrenceRule { Frequency = Frequency.Monthly, ByMonthDay = [1], TimesOfDay = [new LocalTime(12, 0)] }),
        new("every_2_weeks", "Every 2 weeks on Monday at 09:00",
            Weekly(9, [WeekdayNum.Every(IsoDayOfWeek.Monday)]) with { Interval = 2 }),
        new("last_friday", "Last Friday of the month at 18:00",
            new RecurrenceRule { Frequency = Frequency.Monthly, ByDay = [WeekdayNum.Last(IsoDayOfWeek.Friday)], TimesOfDay = [new LocalTime(18, 0)] }),
        new("last_weekday", "Last weekday of the month at 17:00",
            new RecurrenceRule { Frequency = Frequency.Monthly, ByDay = MondayToFriday, BySetPos = [-1], TimesOfDay = [new LocalTime(17, 0)] }),
        new("quarterly", "Quarterly (1 January, April, July, October at 09:00)",
            new RecurrenceRule { Frequency = Frequency.Yearly, ByMonth = [1, 4, 7, 10], ByMonthDay = [1], TimesOfDay = [new LocalTime(9, 0)] }),
    ];

    private static readonly FrozenDictionary<string, RecurrencePreset> ByKey =
        All.ToFrozenDictionary(p => p.Key, StringComparer.OrdinalIgnoreCase);

    public static bool TryGet(string? key, out RecurrencePreset preset)
    {
        if (key is not null && ByKey.TryGetValue(key, out var found))
        {
            preset = found;
            return true;
        }

        preset = null!;
        return false;
    }

    public static RecurrencePreset Get(string key) =>
        TryGet(key, out var preset) ? preset : throw new KeyNotFoundException($"No recurrence preset '{key}'.");

    private static RecurrenceRule Daily(int hour) =>
        new() { Frequency = Frequency.Daily, TimesOfDay = [new LocalTime(hour, 0)] };

    private static RecurrenceRule Weekly(int hour, WeekdayNum[] days) =>
        new() { Frequency = Frequency.Weekly, ByDay = days, TimesOfDay = [new LocalTime(hour, 0)] };
}
