using System.Globalization;
using System.Text.RegularExpressions;
using NodaTime;
using NodaTime.Text;
using NodaTime.TimeZones;
using Scheduling.Core.Common;

namespace Scheduling.Core.Scheduling;

/// <summary>
/// When a run's publishing stages go, apart from when production runs (issue 14, "produce now, publish later").
/// Written as text so the API, the editor and CSV import share one form:
/// <list type="bullet">
/// <item><c>2026-12-24T12:00</c>: a local wall time in the schedule's zone (one-time schedules only).</item>
/// <item><c>+2d@12:00</c>: two local days after the occurrence, at 12:00 local; <c>+0d@18:00</c> the same day.</item>
/// <item><c>+1d</c>: one local day later at the occurrence's own local time (a calendar day, not 24 hours, across DST).</item>
/// <item><c>+3h</c>, <c>+90m</c>, <c>+1d2h30m</c>: elapsed time after the occurrence (days here are local days).</item>
/// </list>
/// A local time that a DST change skips is moved forward by the gap; one it repeats is the earlier of the two.
/// </summary>
public sealed partial record PublishTime
{
    public const int MaxDays = 366;

    private PublishTime(string text, LocalDateTime? at, int days, Duration elapsed, LocalTime? timeOfDay)
    {
        Text = text;
        At = at;
        Days = days;
        Elapsed = elapsed;
        TimeOfDay = timeOfDay;
    }

    /// <summary>The rule as written (normalised): what is stored and shown.</summary>
    public string Text { get; }

    /// <summary>A fixed local wall time; null for an offset.</summary>
    public LocalDateTime? At { get; }

    /// <summary>Local days after the occurrence (offsets).</summary>
    public int Days { get; }

    /// <summary>Elapsed hours and minutes after the days (offsets without a time of day).</summary>
    public Duration Elapsed { get; }

    /// <summary>The local time of day publishing goes at (<c>+Nd@HH:mm</c>).</summary>
    public LocalTime? TimeOfDay { get; }

    public bool IsOffset => At is null;

    [GeneratedRegex(@"^\+(?:(?<d>\d{1,3})d)?(?:(?<h>\d{1,4})h)?(?:(?<m>\d{1,6})m)?(?:@(?<t>\d{1,2}:\d{2}))?$", RegexOptions.CultureInvariant)]
    private static partial Regex OffsetPattern();

    private static readonly LocalDateTimePattern[] WallTimePatterns =
    [
        LocalDateTimePattern.CreateWithInvariantCulture("uuuu'-'MM'-'dd'T'HH':'mm"),
        LocalDateTimePattern.CreateWithInvariantCulture("uuuu'-'MM'-'dd'T'HH':'mm':'ss"),
        LocalDateTimePattern.CreateWithInvariantCulture("uuuu'-'MM'-'dd' 'HH':'mm"),
    ];

    /// <summary>Reads a rule; the error says what is accepted.</summary>
    public static ParseOutcome<PublishTime> Parse(string? text)
    {
        var value = text?.Trim() ?? "";
        if (value.Length == 0)
        {
            return Fail("publishAt is empty: give a local time such as 2026-12-24T12:00 or an offset such as +2d@12:00.");
        }
        if (value.StartsWith('+'))
        {
            return ParseOffset(value.ToLowerInvariant().Replace(" ", "", StringComparison.Ordinal));
        }
        foreach (var pattern in WallTimePatterns)
        {
            if (pattern.Parse(value) is { Success: true } parsed)
            {
                var at = TruncateToMinute(parsed.Value);
                return ParseOutcome<PublishTime>.Success(new PublishTime(WallTimePatterns[0].Format(at), at, 0, Duration.Zero, null));
            }
        }
        return Fail($"publishAt '{Clip(value)}' is not a time: give a local time in the schedule's zone (2026-12-24T12:00) or an offset after each occurrence (+2d@12:00, +1d, +3h, +90m).");
    }

    private static ParseOutcome<PublishTime> ParseOffset(string value)
    {
        var match = OffsetPattern().Match(value);
        if (!match.Success || value == "+" || !(match.Groups["d"].Success || match.Groups["h"].Success || match.Groups["m"].Success))
        {
            return Fail($"publishAt '{Clip(value)}' is not an offset: write +2d@12:00 (two days later at 12:00), +1d (a day later, same time), +3h or +90m.");
        }
        var days = match.Groups["d"].Success ? int.Parse(match.Groups["d"].Value, CultureInfo.InvariantCulture) : 0;
        var hours = match.Groups["h"].Success ? long.Parse(match.Groups["h"].Value, CultureInfo.InvariantCulture) : 0;
        var minutes = match.Groups["m"].Success ? long.Parse(match.Groups["m"].Value, CultureInfo.InvariantCulture) : 0;
        LocalTime? timeOfDay = null;
        if (match.Groups["t"].Success)
        {
            if (hours != 0 || minutes != 0 || match.Groups["h"].Success || match.Groups["m"].Success)
            {
                return Fail($"publishAt '{Clip(value)}': a time of day goes with days only (+2d@12:00), not with hours or minutes.");
            }
            var parts = match.Groups["t"].Value.Split(':');
            var (h, m) = (int.Parse(parts[0], CultureInfo.InvariantCulture), int.Parse(parts[1], CultureInfo.InvariantCulture));
            if (h > 23 || m > 59)
            {
                return Fail($"publishAt '{Clip(value)}': {match.Groups["t"].Value} is not a time of day (00:00 to 23:59).");
            }
            timeOfDay = new LocalTime(h, m);
        }
        var elapsed = Duration.FromHours(hours) + Duration.FromMinutes(minutes);
        if (days + elapsed.TotalDays > MaxDays)
        {
            return Fail($"publishAt '{Clip(value)}' is more than {MaxDays} days after the occurrence.");
        }
        if (days == 0 && elapsed == Duration.Zero && timeOfDay is null)
        {
            return Fail("publishAt +0 publishes with production: leave publishAt empty instead.");
        }
        var text = "+" + (days > 0 || timeOfDay is not null ? $"{days}d" : "")
            + (hours > 0 ? $"{hours}h" : "") + (minutes > 0 ? $"{minutes}m" : "")
            + (timeOfDay is { } t ? $"@{t.Hour:00}:{t.Minute:00}" : "");
        return ParseOutcome<PublishTime>.Success(new PublishTime(text, null, days, elapsed, timeOfDay));
    }

    /// <summary>The instant publishing goes for the occurrence <paramref name="occurrence"/> of a schedule in <paramref name="zone"/>.</summary>
    public Instant Resolve(Instant occurrence, DateTimeZone zone)
    {
        ArgumentNullException.ThrowIfNull(zone);
        if (At is { } at)
        {
            return zone.ResolveLocal(at, Resolvers.LenientResolver).ToInstant();
        }
        var local = occurrence.InZone(zone).LocalDateTime.PlusDays(Days);
        if (TimeOfDay is { } time)
        {
            local = local.Date + time;
        }
        return zone.ResolveLocal(local, Resolvers.LenientResolver).ToInstant() + Elapsed;
    }

    /// <summary>In words, for the schedule's view: "publishes 2 days later at 12:00".</summary>
    public string Describe() => "publishes " + When();

    /// <summary>When, in words ("2 days later at 12:00", "at 2026-12-24 12:00"): the editor's hint says it after "Publishing".</summary>
    public string When()
    {
        if (At is { } at)
        {
            return $"at {at.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)}";
        }
        if (TimeOfDay is { } time)
        {
            return Days switch
            {
                0 => $"the same day at {time:HH:mm}",
                1 => $"the next day at {time:HH:mm}",
                _ => $"{Days} days later at {time:HH:mm}",
            };
        }
        var parts = new List<string>();
        if (Days > 0)
        {
            parts.Add(Days == 1 ? "1 day" : $"{Days} days");
        }
        var hours = (long)Elapsed.TotalHours;
        var minutes = Elapsed.Minutes;
        if (hours > 0)
        {
            parts.Add(hours == 1 ? "1 hour" : $"{hours} hours");
        }
        if (minutes > 0)
        {
            parts.Add(minutes == 1 ? "1 minute" : $"{minutes} minutes");
        }
        return $"{string.Join(" ", parts)} after production starts";
    }

    private static ParseOutcome<PublishTime> Fail(string message) => ParseOutcome<PublishTime>.Failure([new ValidationError("publishAt", message)]);

    private static LocalDateTime TruncateToMinute(LocalDateTime value) => value.Date + new LocalTime(value.Hour, value.Minute);

    private static string Clip(string value) => value.Length <= 40 ? value : value[..40] + "…";
}
