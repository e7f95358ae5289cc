using System.Globalization;
using System.Text.Json;
using MudBlazor;
using NodaTime;
using NodaTime.Text;
using Scheduling.Core.Common;
using Scheduling.Core.Scheduling;

namespace Scheduling.Web.Features.Schedules;

/// <summary>
/// How the schedule pages show times and names: instants in the viewer's zone (their profile), with the
/// schedule's own zone beside them when the two differ. NodaTime's TZDB only, never the server's clock or zone.
/// </summary>
public static partial class ScheduleDisplay
{
    private static readonly LocalDateTimePattern WallTime = LocalDateTimePattern.CreateWithInvariantCulture("ddd d MMM yyyy, HH:mm");
    private static readonly LocalDateTimePattern IsoLocal = LocalDateTimePattern.CreateWithInvariantCulture("uuuu'-'MM'-'dd'T'HH':'mm':'ss");
    private static readonly LocalDatePattern IsoDate = LocalDatePattern.Iso;
    private static readonly LocalDatePattern DayPattern = LocalDatePattern.CreateWithInvariantCulture("ddd d MMM yyyy");
    private static readonly LocalDatePattern ShortDay = LocalDatePattern.CreateWithInvariantCulture("d MMM yyyy");
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>The zone to show times in: the viewer's when known and valid, else the schedule's.</summary>
    public static DateTimeZone ZoneOrDefault(string? viewerZone, string scheduleZone) =>
        (viewerZone is null ? null : DateTimeZoneProviders.Tzdb.GetZoneOrNull(viewerZone))
        ?? DateTimeZoneProviders.Tzdb.GetZoneOrNull(scheduleZone)
        ?? DateTimeZone.Utc;

    /// <summary>"Thu 3 Jan 2030, 09:00 (America/New_York)".</summary>
    public static string Format(DateTime utc, DateTimeZone zone) =>
        $"{WallTime.Format(Instant.FromDateTimeUtc(DateTime.SpecifyKind(utc, DateTimeKind.Utc)).InZone(zone).LocalDateTime)} ({zone.Id})";

    public static string Format(DateTime utc, string zoneId) => Format(utc, ZoneOrDefault(zoneId, zoneId));

    /// <summary>"Thu 3 Jan 2030, 09:00": the wall time in the zone, without its name.</summary>
    public static string FormatWallTime(DateTime utc, DateTimeZone zone) =>
        WallTime.Format(Instant.FromDateTimeUtc(DateTime.SpecifyKind(utc, DateTimeKind.Utc)).InZone(zone).LocalDateTime);

    public static string FormatWallTime(DateTime utc, string zoneId) => FormatWallTime(utc, ZoneOrDefault(zoneId, zoneId));

    /// <summary>"24 Nov 2026": the date in the zone.</summary>
    public static string FormatDay(DateTime utc, DateTimeZone zone) =>
        ShortDay.Format(Instant.FromDateTimeUtc(DateTime.SpecifyKind(utc, DateTimeKind.Utc)).InZone(zone).Date);

    /// <summary>A stored local wall time ("2030-01-03T09:00:00") as "Thu 3 Jan 2030, 09:00"; the text as given when unreadable.</summary>
    public static string FormatLocal(string local)
    {
        var parsed = IsoLocal.Parse(local);
        return parsed.Success ? WallTime.Format(parsed.Value) : local;
    }

    /// <summary>A stored local date ("2030-12-25") as "Wed 25 Dec 2030".</summary>
    public static string FormatDate(string date)
    {
        var parsed = IsoDate.Parse(date);
        return parsed.Success ? DayPattern.Format(parsed.Value) : date;
    }

    /// <summary>"in 3 h 20 min", "in 2 d 4 h", "overdue 5 min", "due now".</summary>
    public static string Relative(DateTime nextUtc, DateTimeOffset now)
    {
        var delta = DateTime.SpecifyKind(nextUtc, DateTimeKind.Utc) - now.UtcDateTime;
        var overdue = delta < TimeSpan.Zero;
        var span = overdue ? delta.Negate() : delta;
        if (span < TimeSpan.FromMinutes(1))
        {
            return overdue ? "overdue by less than a minute" : "in less than a minute";
        }
        var text = Duration(span);
        return overdue ? $"overdue {text}" : $"in {text}";
    }

    private static string Duration(TimeSpan span)
    {
        var days = (int)span.TotalDays;
        if (days >= 730)
        {
            return $"about {days / 365} years";
        }
        if (days >= 60)
        {
            return $"about {days / 30} months";
        }
        if (days >= 1)
        {
            return span.Hours == 0 ? $"{days} d" : $"{days} d {span.Hours} h";
        }
        if (span.Hours >= 1)
        {
            return span.Minutes == 0 ? $"{span.Hours} h" : $"{span.Hours} h {span.Minutes} min";
        }
        return $"{span.Minutes} min";
    }

    public static string Label(ScheduleStatus status) => status.ToWire();

    /// <summary>"video_generation" → "Video generation".</summary>
    public static string Label(JobType type) => Sentence(type.ToWire());

    public static string Label(SchedulePriority priority) => Sentence(priority.ToWire());

    public static string Label(MissedRunPolicy policy) => policy switch
    {
        MissedRunPolicy.RunAll => "Run every missed occurrence",
        MissedRunPolicy.RunLatest => "Run the latest missed occurrence once",
        MissedRunPolicy.Skip => "Skip missed occurrences",
        _ => Sentence(policy.ToWire()),
    };

    public static string Label(OverlapPolicy policy) => policy switch
    {
        OverlapPolicy.Skip => "Skip a run while the previous one is still going",
        OverlapPolicy.QueueOne => "Queue one run behind the running one",
        OverlapPolicy.QueueAll => "Queue every run",
        OverlapPolicy.Allow => "Allow runs to overlap",
        _ => Sentence(policy.ToWire()),
    };

    public static string Label(RetryView retry) => retry.Strategy == RetryStrategy.None || retry.MaxAttempts <= 1
        ? "No retry"
        : $"{Sentence(retry.Strategy.ToWire())} backoff, up to {retry.MaxAttempts} attempts (base {Seconds(retry.BaseDelaySeconds)}, cap {Seconds(retry.MaxDelaySeconds)})";

    public static string Timeout(int? seconds) => seconds is { } s ? Seconds(s) : "Default";

    public static string Seconds(int seconds) => seconds switch
    {
        < 60 => $"{seconds} s",
        < 3600 when seconds % 60 == 0 => $"{seconds / 60} min",
        < 3600 => $"{seconds / 60} min {seconds % 60} s",
        _ when seconds % 3600 == 0 => $"{seconds / 3600} h",
        _ => $"{seconds / 3600} h {seconds % 3600 / 60} min",
    };

    public static string PrettyJson(JsonElement json) =>
        json.ValueKind is JsonValueKind.Undefined ? "{}" : JsonSerializer.Serialize(json, Indented);

    public static Color ChipColor(ScheduleStatus status) => status switch
    {
        ScheduleStatus.Active => Color.Success,
        ScheduleStatus.Paused => Color.Warning,
        ScheduleStatus.Cancelled => Color.Error,
        ScheduleStatus.InReview => Color.Info,
        _ => Color.Default,
    };

    public static Color ChipColor(SchedulePriority priority) => priority switch
    {
        SchedulePriority.Urgent => Color.Error,
        SchedulePriority.High => Color.Warning,
        SchedulePriority.Low => Color.Default,
        _ => Color.Info,
    };

    /// <summary>Active, paused, draft or in-review schedules can be edited; completed and cancelled ones are kept as they are.</summary>
    public static bool IsEditable(ScheduleStatus status) => status is ScheduleStatus.Active or ScheduleStatus.Paused or ScheduleStatus.Draft or ScheduleStatus.InReview;

    private static string Sentence(string wire)
    {
        var words = wire.Replace('_', ' ');
        return words.Length == 0 ? words : char.ToUpper(words[0], CultureInfo.InvariantCulture) + words[1..];
    }

    /// <summary>
    /// What ends the runs, after the run count: the schedule's max runs, else the rule's own end (COUNT or
    /// UNTIL), else none. "Runs 0 (no limit)" on a rule with COUNT=12 said the opposite of the truth.
    /// </summary>
    public static string RunLimit(ScheduleView schedule)
    {
        if (schedule.MaxRuns is { } max)
        {
            return $"of {max}";
        }
        if (schedule.ScheduleType == Scheduling.Core.Scheduling.ScheduleType.Once)
        {
            return "(runs once)";
        }
        var rule = schedule.Recurrence?.Rrule ?? "";
        if (RuleCount().Match(rule) is { Success: true } count)
        {
            return $"(the rule ends after {count.Groups[1].Value} runs)";
        }
        if (RuleUntil().Match(rule) is { Success: true } until)
        {
            var day = until.Groups[1].Value;
            return $"(the rule ends on {day[..4]}-{day[4..6]}-{day[6..8]})";
        }
        return "(no limit)";
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"(?:^|;)COUNT=(\d+)")]
    private static partial System.Text.RegularExpressions.Regex RuleCount();

    [System.Text.RegularExpressions.GeneratedRegex(@"(?:^|;)UNTIL=(\d{8})")]
    private static partial System.Text.RegularExpressions.Regex RuleUntil();
}
