using NodaTime;
using NodaTime.Text;
using Scheduling.Core.Channels;

namespace Scheduling.Web.Features.Channels;

/// <summary>The stored text of a channel's grid ("monday 09:00,saturday 11:00") and dates ("2026-12-25,2026-12-26").</summary>
public static class ChannelText
{
    private static readonly LocalTimePattern Time = LocalTimePattern.CreateWithInvariantCulture("HH:mm");

    public static string WeekdayName(IsoDayOfWeek day) => day.ToString().ToLowerInvariant();

    public static bool TryWeekday(string? text, out IsoDayOfWeek day)
    {
        day = IsoDayOfWeek.None;
        return text is not null && Enum.TryParse(text.Trim(), ignoreCase: true, out day) && day != IsoDayOfWeek.None
            && !int.TryParse(text, out _);
    }

    public static bool TryTime(string? text, out LocalTime time)
    {
        var result = Time.Parse(text?.Trim() ?? "");
        time = result.Success ? result.Value : default;
        return result.Success;
    }

    public static string FormatTime(LocalTime time) => Time.Format(time);

    public static string FormatPostingTimes(IEnumerable<PostingTime> times) =>
        string.Join(',', times.OrderBy(t => t.Weekday).ThenBy(t => t.Time).Select(t => $"{WeekdayName(t.Weekday)} {FormatTime(t.Time)}"));

    public static IReadOnlyList<PostingTime> ParsePostingTimes(string stored) =>
        [.. stored.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(entry =>
        {
            var parts = entry.Split(' ');
            TryWeekday(parts[0], out var day);
            TryTime(parts[1], out var time);
            return new PostingTime(day, time);
        })];

    public static string FormatDates(IEnumerable<LocalDate> dates) =>
        string.Join(',', dates.Distinct().Order().Select(d => LocalDatePattern.Iso.Format(d)));

    public static IReadOnlyList<LocalDate> ParseDates(string stored) =>
        [.. stored.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(d => LocalDatePattern.Iso.Parse(d).Value)];
}
