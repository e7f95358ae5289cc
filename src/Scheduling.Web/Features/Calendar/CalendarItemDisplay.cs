using System.Globalization;
using NodaTime;
using NodaTime.Text;
using Scheduling.Core.Calendar;
using Scheduling.Core.Common;
using Scheduling.Core.Scheduling;

namespace Scheduling.Web.Features.Calendar;

/// <summary>How an occurrence looks on the calendar page and the dashboard strip: classes, tooltip, stable hooks.</summary>
public static class CalendarItemDisplay
{
    private static readonly InstantPattern Utc = InstantPattern.CreateWithInvariantCulture("uuuu'-'MM'-'dd'T'HH':'mm':'ss'Z'");

    /// <summary>The occurrence's key: the planned instant (a moved one: where it came from), what the occurrence edits take.</summary>
    public static Instant Occurrence(CalendarOccurrence o) => o.Entry.Original ?? o.Entry.At;

    public static string FormatUtc(Instant instant) => Utc.Format(instant);

    public static object Key(CalendarOccurrence o) => (o.Entry.ScheduleId, o.Entry.At, o.Entry.ExecutionId);

    public static string Classes(CalendarOccurrence o)
    {
        var kind = $"cal-kind-{o.Entry.Kind.ToString().ToLowerInvariant()} cal-job-{o.Schedule.JobType.ToWire()}";
        var status = o.Entry.Kind == CalendarItemKind.Executed && o.Entry.Status is { } s ? $" cal-status-{s}" : "";
        return kind + status;
    }

    /// <summary>
    /// No aria-label: the item's name is its visible text (time and title), so that speech input finds it by what it
    /// shows; the kind follows as visually hidden text in the page's template.
    /// data-occurrence is the instant the item shows (where a moved one now runs) in UTC with Z: what a browser
    /// test sees on screen; the occurrence edits use <see cref="Occurrence"/>.
    /// </summary>
    public static IReadOnlyDictionary<string, object> Attributes(CalendarOccurrence o) => new Dictionary<string, object>
    {
        ["data-schedule-id"] = o.Entry.ScheduleId.ToString(),
        ["data-occurrence"] = FormatUtc(o.Entry.At),
        ["data-kind"] = o.Entry.Kind.ToString().ToLowerInvariant(),
        ["data-status"] = o.Status,
    };

    public static string KindLabel(CalendarOccurrence o) => o.Entry.Kind switch
    {
        CalendarItemKind.Executed => o.Status,
        CalendarItemKind.Moved => "moved",
        CalendarItemKind.Skipped => "skipped",
        CalendarItemKind.Publish => "ready to publish",
        _ => "planned",
    };

    /// <summary>Title, kind, and the schedule's own wall time when its zone differs from the shown one.</summary>
    public static string Tooltip(CalendarOccurrence o, DateTimeZone shown)
    {
        var text = $"{o.Title} · {o.Schedule.JobType.ToWire().Replace('_', ' ')} · {KindLabel(o)}";
        if (o.Schedule.TimeZone != shown.Id && DateTimeZoneProviders.Tzdb.GetZoneOrNull(o.Schedule.TimeZone) is { } own)
        {
            text += $" · {o.Entry.At.InZone(own).ToString("ddd d MMM HH:mm", CultureInfo.InvariantCulture)} {own.Id}";
        }
        if (o.Entry.Kind == CalendarItemKind.Publish && o.Entry.Original is { } produced)
        {
            text += $" · produced for {produced.InZone(shown).ToString("ddd d MMM HH:mm", CultureInfo.InvariantCulture)}";
        }
        else if (o.Entry.Original is { } from)
        {
            text += $" · moved from {from.InZone(shown).ToString("ddd d MMM HH:mm", CultureInfo.InvariantCulture)}";
        }
        if (CalendarItemMarks.IsDstShifted(o))
        {
            text += " · shifted by a daylight-saving gap";
        }
        return text;
    }

    /// <summary>Only what has not run can be dragged: planned and moved occurrences, and a produced run's publishing (its publish time moves).</summary>
    public static bool Draggable(CalendarOccurrence o) => o.Entry.Kind is CalendarItemKind.Planned or CalendarItemKind.Moved or CalendarItemKind.Publish;

    /// <summary>The broken channel rules a move went through with (warn mode), in one sentence list.</summary>
    public static string ChannelWarnings(IReadOnlyList<Channels.RuleWarning> warnings) =>
        "the channel's rules warn: " + string.Join(" ", warnings.Select(w => w.Message));

    public static string Lane(CalendarOccurrence o) => o.Schedule.JobType.ToWire().Replace('_', ' ');
}
