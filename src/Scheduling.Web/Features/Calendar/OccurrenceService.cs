using Microsoft.EntityFrameworkCore;
using NodaTime;
using Scheduling.Core.Recurrence;
using Scheduling.Core.Scheduling;
using Scheduling.Web.Api;
using Scheduling.Web.Data;
using Scheduling.Web.Features.Channels;
using Scheduling.Web.Features.Schedules;

namespace Scheduling.Web.Features.Calendar;

/// <summary>"This and following": the schedule that ended and the one that continues it.</summary>
public sealed record SplitResult(ScheduleView Ended, ScheduleView Started);

/// <summary>
/// Edits of one occurrence, the way calendar users know them: skip, move, restore ("this occurrence") and split
/// ("this and following"). An occurrence is named by its planned UTC instant (what the rule yields; for a moved
/// one, where it now runs is accepted too). Skips and moves are the schedule's exceptions (EXDATE, moves), so
/// the engine, <c>/next</c> and the calendar all honour them; each edit bumps the schedule's version like an edit.
/// </summary>
public sealed class OccurrenceService(ScheduleService schedules, ChannelPlanner channels)
{
    /// <summary>The occurrence does not run; the dispatcher records it as skipped ("Skipped by hand.") when its time passes.</summary>
    public Task<ScheduleView> SkipAsync(Guid scheduleId, Instant occurrence, CancellationToken ct = default) =>
        schedules.ChangeOccurrencesAsync(scheduleId, (db, schedule, timing, now) =>
        {
            if (timing.Type == ScheduleType.Once)
            {
                throw new RequestValidationException("occurrence", "A one-time schedule has a single occurrence: pause or cancel the schedule instead of skipping it.");
            }
            var target = Find(schedule, timing, occurrence);
            RequireFuture(target.Current ?? target.Original, now, "occurrence", "This occurrence has already passed: only a later one can be skipped.");
            Remove(db, schedule, target.Edits);
            Add(db, schedule, ScheduleExceptionKind.Skip, target.Local, null);
        }, ct);

    /// <summary>
    /// The occurrence runs once at <paramref name="to"/> (a wall time in the schedule's zone) instead; a one-time schedule
    /// moves itself. On a channel, the post at its new time is checked against the channel's rules before anything is
    /// saved: a 409 naming the channel and the rule in block mode, <see cref="ScheduleView.Warnings"/> in warn mode.
    /// </summary>
    public Task<ScheduleView> MoveAsync(Guid scheduleId, Instant occurrence, LocalDateTime to, CancellationToken ct = default)
    {
        (Instant To, Instant? Vacated)? placed = null;
        return schedules.ChangeOccurrencesAsync(scheduleId, (db, schedule, timing, now) =>
        {
            if (!SupportedDates.Contains(to.Date))
            {
                throw new RequestValidationException("to", $"'{ScheduleTiming.FormatLocal(to)}' is outside the supported dates: {SupportedDates.Range}.");
            }
            var zone = timing.Zone;
            var target = Find(schedule, timing, occurrence);
            RequireFuture(target.Current ?? target.Original, now, "occurrence", "This occurrence has already passed: only a later one can be moved.");
            var toInstant = ScheduleTiming.ToInstant(to, zone);
            RequireFuture(toInstant, now, "to", $"{ScheduleTiming.FormatLocal(to)} ({zone.Id}) has already passed: move the occurrence to a later time.");
            if (timing.Type == ScheduleType.Once)
            {
                schedule.ScheduledAt = ScheduleTiming.FormatLocal(to);
                placed = (toInstant, target.Current);
                return;
            }

            if (timing.Set!.BlackoutDates.Contains(to.Date))
            {
                throw new RequestValidationException("to", $"{ScheduleTiming.FormatDate(to.Date)} is a blackout date of this schedule: nothing runs that day.");
            }
            Remove(db, schedule, target.Edits);
            if (toInstant == target.Original)
            {
                return; // Moved back onto its own time: a restore.
            }
            // Another occurrence already at that instant would run twice there (or be swallowed): say which one.
            var others = ScheduleTiming.FromSchedule(schedule).Set!;
            if (others.NextOccurrence(toInstant, inclusive: true) is { } clash && clash.Instant == toInstant)
            {
                throw new ConflictException(
                    $"The schedule already runs at {ScheduleTiming.FormatLocal(clash.Local)} ({zone.Id}, {NodaTime.Text.InstantPattern.General.Format(toInstant)}): pick another time, or skip this occurrence.");
            }
            Add(db, schedule, ScheduleExceptionKind.Move, target.Local, ScheduleTiming.FormatLocal(to));
            placed = (toInstant, target.Current);
        }, ct, check: (db, schedule, token) => placed is { } post ? CheckChannelAsync(db, schedule, post.To, post.Vacated, token) : NoWarnings);
    }

    private static readonly Task<IReadOnlyList<RuleWarning>> NoWarnings = Task.FromResult<IReadOnlyList<RuleWarning>>([]);

    private async Task<IReadOnlyList<RuleWarning>> CheckChannelAsync(AppDbContext db, Schedule schedule, Instant to, Instant? vacated, CancellationToken ct)
    {
        // A channel deleted meanwhile detached its schedules: nothing to check.
        if (schedule.ChannelId is not { } channelId || await db.Channels.AsNoTracking().FirstOrDefaultAsync(c => c.Id == channelId, ct) is not { } channel)
        {
            return [];
        }
        return await channels.CheckMoveAsync(db, channel, to, schedule.Id, vacated, ct);
    }

    /// <summary>Undoes a skip or a move of the occurrence: it runs at its planned time again.</summary>
    public Task<ScheduleView> RestoreAsync(Guid scheduleId, Instant occurrence, CancellationToken ct = default) =>
        schedules.ChangeOccurrencesAsync(scheduleId, (db, schedule, timing, now) =>
        {
            if (timing.Type == ScheduleType.Once)
            {
                throw new RequestValidationException("occurrence", "A one-time schedule has no skipped or moved occurrences to restore: move it instead.");
            }
            var target = Find(schedule, timing, occurrence);
            RequireFuture(target.Original, now, "occurrence", "This occurrence has already passed: it cannot be restored.");
            if (target.Current is { } current && current <= now)
            {
                throw new RequestValidationException("occurrence", "This occurrence was moved to a time that has already passed: it cannot be restored.");
            }
            Remove(db, schedule, target.Edits);
        }, ct);

    /// <summary>"This and following": ends the schedule before <paramref name="from"/> and creates <paramref name="schedule"/> starting at it, linked; returns both.</summary>
    public async Task<SplitResult> SplitAsync(Guid scheduleId, Instant from, ScheduleInput schedule, CancellationToken ct = default)
    {
        var (ended, started) = await schedules.SplitAsync(scheduleId, from, schedule, ct);
        return new SplitResult(ended, started);
    }

    /// <param name="Original">The instant the rule planned.</param>
    /// <param name="Local">Its wall time in the schedule's zone (what exceptions store).</param>
    /// <param name="Current">Where it runs now: moved, or the original; null when skipped.</param>
    /// <param name="Edits">The schedule's skips and moves of it.</param>
    private sealed record Target(Instant Original, string Local, Instant? Current, List<ScheduleException> Edits);

    /// <summary>The occurrence the rule yields at <paramref name="occurrence"/> (or a moved one now there), else 404.</summary>
    private static Target Find(Schedule schedule, ScheduleTiming timing, Instant occurrence)
    {
        var zone = timing.Zone;
        if (timing.Type == ScheduleType.Once)
        {
            var at = ScheduleTiming.ToInstant(timing.ScheduledAt!.Value, zone);
            return at == occurrence && schedule.RunCount == 0
                ? new Target(at, ScheduleTiming.FormatLocal(timing.ScheduledAt.Value), at, [])
                : throw new NotFoundException("Occurrence");
        }

        // Exceptions are matched by the instant they name, so 02:30 and 03:30 on a spring-forward day are one occurrence.
        var edits = schedule.Exceptions
            .Where(e => e.Kind is ScheduleExceptionKind.Skip or ScheduleExceptionKind.Move)
            .Select(e => (Exception: e, Original: ScheduleTiming.ToInstant(Parse(e.Original), zone), Replacement: e.Replacement is null ? (Instant?)null : ScheduleTiming.ToInstant(Parse(e.Replacement), zone)))
            .ToList();
        var bare = timing.Set! with { ExDates = [], Overrides = [] };
        var original = occurrence;
        if (!Yields(bare, occurrence) && edits.FirstOrDefault(e => e.Replacement == occurrence) is { Exception: not null } moved)
        {
            original = moved.Original;
        }
        if (bare.NextOccurrence(original, inclusive: true) is not { } planned || planned.Instant != original)
        {
            throw new NotFoundException("Occurrence");
        }
        var mine = edits.Where(e => e.Original == original).ToList();
        Instant? current = mine.Any(e => e.Exception.Kind == ScheduleExceptionKind.Skip) ? null
            : mine.FirstOrDefault(e => e.Exception.Kind == ScheduleExceptionKind.Move).Replacement ?? original;
        return new Target(original, ScheduleTiming.FormatLocal(planned.Local), current, [.. mine.Select(e => e.Exception)]);
    }

    private static bool Yields(RecurrenceSet set, Instant instant) => set.NextOccurrence(instant, inclusive: true) is { } o && o.Instant == instant;

    private static void RequireFuture(Instant? at, Instant now, string field, string message)
    {
        if (at is { } instant && instant <= now)
        {
            throw new RequestValidationException(field, message);
        }
    }

    private static void Remove(AppDbContext db, Schedule schedule, List<ScheduleException> edits)
    {
        foreach (var edit in edits)
        {
            schedule.Exceptions.Remove(edit);
            db.ScheduleExceptions.Remove(edit);
        }
    }

    private static void Add(AppDbContext db, Schedule schedule, ScheduleExceptionKind kind, string original, string? replacement)
    {
        if (schedule.Exceptions.Count >= ScheduleLimits.MaxExceptions)
        {
            throw new RequestValidationException("occurrence", $"A schedule has at most {ScheduleLimits.MaxExceptions} exceptions (skips, moves and blackout dates together): restore some first.");
        }
        var exception = new ScheduleException
        {
            Id = Guid.CreateVersion7(),
            WorkspaceId = schedule.WorkspaceId,
            ScheduleId = schedule.Id,
            Kind = kind,
            Original = original,
            Replacement = replacement,
        };
        schedule.Exceptions.Add(exception);
        // A new row with its own id: say so, or change tracking would take it for an existing one to update.
        db.ScheduleExceptions.Add(exception);
    }

    private static LocalDateTime Parse(string stored) =>
        ScheduleTiming.ParseLocal(stored, "occurrence", [], required: true) ?? throw new InvalidOperationException($"Unreadable stored local time {stored}.");
}
