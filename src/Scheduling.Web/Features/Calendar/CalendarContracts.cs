using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Mvc;
using NodaTime;
using NodaTime.Text;
using Scheduling.Core.Calendar;
using Scheduling.Core.Scheduling;
using Scheduling.Web.Api;

namespace Scheduling.Web.Features.Calendar;

/// <summary>day and week list every item by day; month gives per-day counts only.</summary>
public enum CalendarGrouping
{
    Day,
    Week,
    Month,
}

/// <summary>
/// A calendar request: local dates in <see cref="TimeZone"/> (null = the caller's profile zone, else UTC), end
/// inclusive. Schedule filters: by default completed and cancelled schedules are left out (an explicit
/// <see cref="Status"/> shows that status whatever the flags say).
/// </summary>
public sealed record CalendarQuery(
    LocalDate StartDate,
    LocalDate EndDate,
    string? TimeZone = null,
    CalendarGrouping GroupBy = CalendarGrouping.Day,
    JobType? JobType = null,
    ScheduleStatus? Status = null,
    SchedulePriority? Priority = null,
    bool IncludeCompleted = false,
    bool IncludeCancelled = false);

/// <summary>The answer of <c>GET /api/v1/schedules/calendar</c>: every day of the range, empty ones with a count of 0.</summary>
public sealed record CalendarResponse(string StartDate, string EndDate, string Timezone, int TotalExecutions, IReadOnlyList<CalendarDay> Days);

/// <param name="Executions">The items of the day in time order; absent for groupBy=month.</param>
public sealed record CalendarDay(
    string Date,
    int TotalCount,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<CalendarItem>? Executions);

/// <summary>One occurrence or run on the calendar.</summary>
/// <param name="Title">The rendered title template (the schedule's name without one).</param>
/// <param name="Status">The execution's status when there is one; "planned" for planned and moved occurrences, "skipped" for skipped ones.</param>
/// <param name="ScheduledFor">The UTC instant it runs (a moved occurrence: where it now runs).</param>
/// <param name="Local">Wall time in the calendar's zone.</param>
/// <param name="OriginalScheduledFor">Where a moved occurrence came from.</param>
/// <param name="DstShifted">The rule asked for a wall time that a DST gap skips (02:30 on a spring-forward day); it runs at the shifted time (03:30).</param>
public sealed record CalendarItem(
    Guid ScheduleId,
    string ScheduleName,
    string Title,
    JobType JobType,
    SchedulePriority Priority,
    string Status,
    DateTime ScheduledFor,
    string Local,
    CalendarItemKind Kind,
    Guid? ExecutionId,
    DateTime? OriginalScheduledFor,
    bool DstShifted = false);

/// <summary>The query string, in the API's spelling; every problem is a 400 naming its field.</summary>
public sealed record CalendarParameters
{
    [FromQuery] public string? StartDate { get; init; }
    [FromQuery] public string? EndDate { get; init; }
    [FromQuery] public string? Timezone { get; init; }
    [FromQuery] public string? GroupBy { get; init; }
    [FromQuery] public string? JobType { get; init; }
    [FromQuery] public string? Status { get; init; }
    [FromQuery] public string? Priority { get; init; }
    [FromQuery] public string? IncludeCompleted { get; init; }
    [FromQuery] public string? IncludeCancelled { get; init; }

    public CalendarQuery ToQuery() => new(
        Date(StartDate, "startDate"),
        Date(EndDate, "endDate"),
        string.IsNullOrWhiteSpace(Timezone) ? null : Timezone.Trim(),
        QueryValues.ParseEnum<CalendarGrouping>(GroupBy, "groupBy") ?? CalendarGrouping.Day,
        QueryValues.ParseEnum<JobType>(JobType, "jobType"),
        QueryValues.ParseEnum<ScheduleStatus>(Status, "status"),
        QueryValues.ParseEnum<SchedulePriority>(Priority, "priority"),
        Flag(IncludeCompleted, "includeCompleted"),
        Flag(IncludeCancelled, "includeCancelled"));

    private static LocalDate Date(string? text, string field)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            throw new RequestValidationException(field, "Required: a date such as 2026-12-01.");
        }
        var parsed = LocalDatePattern.Iso.Parse(text.Trim());
        return parsed.Success
            ? parsed.Value
            : throw new RequestValidationException(field, $"'{Clip(text)}' is not a date (yyyy-MM-dd, a day that exists).");
    }

    private static bool Flag(string? text, string field) =>
        string.IsNullOrWhiteSpace(text) ? false
        : bool.TryParse(text.Trim(), out var value) ? value
        : throw new RequestValidationException(field, $"'{Clip(text)}' is not true or false.");

    private static string Clip(string value) => value.Length <= 40 ? value : value[..40] + "…";
}
