using NodaTime;
using Scheduling.Core.Recurrence;
using Scheduling.Core.Scheduling;
using Scheduling.Web.Api;
using Scheduling.Web.Features.Schedules;

namespace Scheduling.Web.Features.Calendar;

public sealed record SplitResult(ScheduleView Ended, ScheduleView Started);

/// <summary>
/// Edits of one occurrence of a schedule (skip, move, restore) and "this and following" (split), the way
/// calendar users know them. This version rewrites the schedule's exceptions through
/// <see cref="ScheduleService.UpdateAsync"/>, so the editor's validation and the next-run bookkeeping apply.
/// </summary>
public sealed class OccurrenceService(ScheduleService schedules, TimeProvider clock)
{
    // occurrence = the planned UTC instant; throws NotFoundException (unknown occurrence/schedule), RequestValidationException (past, invalid)
    public async Task<ScheduleView> SkipAsync(Guid scheduleId, Instant occurrence, CancellationToken ct = default)
    {
        var view = await schedules.GetAsync(scheduleId, ct);
        var (_, local) = Locate(view, occurrence);
        NotPast(occurrence, "occurrence");
        if (view.Recurrence is not { } recurrence)
        {
            throw new RequestValidationException("occurrence", "A one-time schedule has a single run: pause or cancel the schedule instead of skipping it.");
        }
        var text = ScheduleTiming.FormatLocal(local);
        var input = InputOf(view);
        return await schedules.UpdateAsync(scheduleId, input with
        {
            Recurrence = input.Recurrence! with
            {
                Exdates = [.. recurrence.Exdates.Where(d => d != text), text],
                Moves = [.. recurrence.Moves.Where(m => m.From != text)],
            },
        }, ct);
    }

    // to = local wall time in the SCHEDULE's zone; for a one-time schedule it moves the schedule itself
    public async Task<ScheduleView> MoveAsync(Guid scheduleId, Instant occurrence, LocalDateTime to, CancellationToken ct = default)
    {
        var view = await schedules.GetAsync(scheduleId, ct);
        var (zone, local) = Locate(view, occurrence);
        NotPast(ScheduleTiming.ToInstant(to, zone), "to");
        var target = ScheduleTiming.FormatLocal(to);
        var input = InputOf(view);
        if (view.Recurrence is not { } recurrence)
        {
            return await schedules.UpdateAsync(scheduleId, input with { ScheduledAt = target }, ct);
        }
        var text = ScheduleTiming.FormatLocal(local);
        return await schedules.UpdateAsync(scheduleId, input with
        {
            Recurrence = input.Recurrence! with
            {
                Exdates = [.. recurrence.Exdates.Where(d => d != text)],
                Moves = [.. recurrence.Moves.Where(m => m.From != text), new OccurrenceMove(text, target)],
            },
        }, ct);
    }

    public async Task<ScheduleView> RestoreAsync(Guid scheduleId, Instant occurrence, CancellationToken ct = default)
    {
        var view = await schedules.GetAsync(scheduleId, ct);
        var (_, local) = Locate(view, occurrence);
        if (view.Recurrence is not { } recurrence)
        {
            return view;
        }
        var text = ScheduleTiming.FormatLocal(local);
        var input = InputOf(view);
        return await schedules.UpdateAsync(scheduleId, input with
        {
            Recurrence = input.Recurrence! with
            {
                Exdates = [.. recurrence.Exdates.Where(d => d != text)],
                Moves = [.. recurrence.Moves.Where(m => m.From != text)],
            },
        }, ct);
    }

    // ends the schedule before `from` and creates `schedule` starting at it, linked; returns both
    public async Task<SplitResult> SplitAsync(Guid scheduleId, Instant from, ScheduleInput schedule, CancellationToken ct = default)
    {
        var view = await schedules.GetAsync(scheduleId, ct);
        if (view.Recurrence is not { } recurrence || RRuleText.Parse(recurrence.Rrule).Value is not { } rule)
        {
            throw new RequestValidationException("from", "Only a recurring schedule can be split.");
        }
        var (_, local) = Locate(view, from);
        NotPast(from, "from");
        var start = ScheduleTiming.FormatLocal(local);
        var started = await schedules.CreateAsync(schedule.Recurrence is { Start: null } next
            ? schedule with { Recurrence = next with { Start = start } }
            : schedule, ct);
        var input = InputOf(view);
        var ended = await schedules.UpdateAsync(scheduleId, input with
        {
            Recurrence = input.Recurrence! with
            {
                Cron = null,
                Rrule = RRuleText.Format(rule with { Count = null, Until = RecurrenceUntil.AtLocal(local.PlusSeconds(-1)) }),
            },
        }, ct);
        return new SplitResult(ended, started);
    }

    /// <summary>The schedule's zone and the occurrence's local time there; 404 when the rule does not yield it.</summary>
    private static (DateTimeZone Zone, LocalDateTime Local) Locate(ScheduleView view, Instant occurrence)
    {
        var zone = DateTimeZoneProviders.Tzdb[view.Timezone];
        var timing = ScheduleTiming.FromSchedule(new Schedule
        {
            Name = view.Name,
            TimeZone = view.Timezone,
            CreatedByUserId = "",
            ScheduleType = view.ScheduleType,
            ScheduledAt = view.ScheduledAt,
            RecurrenceRule = view.Recurrence?.Rrule,
            RecurrenceStart = view.Recurrence?.Start,
            CronExpression = view.Recurrence?.Cron,
        });
        var yields = timing.Type == ScheduleType.Once
            ? ScheduleTiming.ToInstant(timing.ScheduledAt!.Value, zone) == occurrence
            : (timing.Set! with { ExDates = [], Overrides = [], BlackoutDates = [] }).NextOccurrence(occurrence, inclusive: true)?.Instant == occurrence;
        if (!yields)
        {
            throw new NotFoundException($"An occurrence of this schedule at {occurrence}");
        }
        return (zone, occurrence.InZone(zone).LocalDateTime);
    }

    private void NotPast(Instant at, string field)
    {
        if (at < Instant.FromDateTimeOffset(clock.GetUtcNow()))
        {
            throw new RequestValidationException(field, "That time has passed: pick a time in the future.");
        }
    }

    /// <summary>The schedule as it is, as an update input (exceptions and version included).</summary>
    private static ScheduleInput InputOf(ScheduleView view) => new()
    {
        Name = view.Name,
        Description = view.Description,
        JobType = view.JobType,
        JobConfig = view.JobConfig,
        ScheduleType = view.ScheduleType,
        ScheduledAt = view.ScheduledAt,
        Timezone = view.Timezone,
        Recurrence = view.Recurrence is not { } recurrence ? null : new RecurrenceInput
        {
            Rrule = recurrence.Cron is null ? recurrence.Rrule : null,
            Cron = recurrence.Cron,
            Start = recurrence.Start,
            Exdates = recurrence.Exdates,
            Moves = recurrence.Moves,
            BlackoutDates = recurrence.BlackoutDates,
        },
        Priority = view.Priority,
        MaxRuns = view.MaxRuns,
        MissedPolicy = view.MissedPolicy,
        OverlapPolicy = view.OverlapPolicy,
        Retry = new RetryInput(view.Retry.MaxAttempts, view.Retry.Strategy, view.Retry.BaseDelaySeconds, view.Retry.MaxDelaySeconds),
        TimeoutSeconds = view.TimeoutSeconds,
        JitterSeconds = view.JitterSeconds,
        WebhookUrl = view.WebhookUrl,
        TitleTemplate = view.TitleTemplate,
        Version = view.Version,
    };
}
