using Microsoft.EntityFrameworkCore;
using NodaTime;
using NodaTime.Text;
using Scheduling.Core.Calendar;
using Scheduling.Core.Recurrence;
using Scheduling.Core.Common;
using Scheduling.Core.Scheduling;
using Scheduling.Core.Templates;
using Scheduling.Web.Api;
using Scheduling.Web.Data;
using Scheduling.Web.Features.Executions;
using Scheduling.Web.Features.Schedules;
using Scheduling.Web.Features.Workspaces;

namespace Scheduling.Web.Features.Calendar;

/// <summary>An item of the calendar with what the views need of its schedule.</summary>
public sealed record CalendarOccurrence(CalendarEntry Entry, Schedule Schedule, string Title)
{
    /// <summary>The wave the post is part of (null for other items).</summary>
    public CalendarWave? Wave { get; init; }

    public string Status => Entry.Status ?? (Entry.Kind == CalendarItemKind.Skipped ? "skipped" : "planned");
}

/// <summary>A wave as the calendar names it.</summary>
public sealed record CalendarWave(Guid Id, string Name);

/// <summary>Which schedules a calendar shows.</summary>
public sealed record CalendarFilter(JobType? JobType = null, ScheduleStatus? Status = null, SchedulePriority? Priority = null, bool IncludeCompleted = false, bool IncludeCancelled = false);

/// <summary>
/// The content calendar of the current workspace (the API and the calendar page call this): the occurrences
/// of its schedules in a range, computed from the rules for that range only and merged with the executions
/// recorded there. Two queries whatever the range: the schedules (with their exceptions), the executions.
/// Readable by every role, Managers included.
/// </summary>
public sealed class CalendarService(IDbContextFactory<AppDbContext> contexts, WorkspaceContext current)
{
    public const int MaxDays = 366;
    /// <summary>An item's wall time in the calendar's zone (<see cref="CalendarItem.Local"/>).</summary>
    internal static readonly LocalDateTimePattern LocalPattern = LocalDateTimePattern.CreateWithInvariantCulture("uuuu'-'MM'-'dd'T'HH':'mm':'ss");

    /// <summary>The calendar of a range; the API writes it with <see cref="CalendarJson"/> (a <see cref="CalendarResponse"/>).</summary>
    public async Task<CalendarResult> GetAsync(CalendarQuery query, CancellationToken ct = default)
    {
        var userId = current.RequireUser();
        current.RequireWorkspace();
        if (query.StartDate.Year < 1900 || query.StartDate.Year > 2999)
        {
            throw new RequestValidationException("startDate", "The start date is between the years 1900 and 2999.");
        }
        if (query.EndDate < query.StartDate)
        {
            throw new RequestValidationException("endDate", "The end date is on or after the start date.");
        }
        if (Period.Between(query.StartDate, query.EndDate, PeriodUnits.Days).Days + 1 > MaxDays)
        {
            throw new RequestValidationException("endDate", $"A calendar covers at most {MaxDays} days (start and end included).");
        }
        var zoneId = query.TimeZone;
        if (zoneId is not null && DateTimeZoneProviders.Tzdb.GetZoneOrNull(zoneId) is null)
        {
            throw new RequestValidationException("timezone", $"'{(zoneId.Length <= 60 ? zoneId : zoneId[..60] + "…")}' is not a known IANA time zone (for example Europe/London).");
        }
        zoneId ??= await ProfileZoneAsync(userId, ct) ?? "UTC";
        var zone = DateTimeZoneProviders.Tzdb[zoneId];

        var start = zone.AtStartOfDay(query.StartDate).ToInstant();
        var end = zone.AtStartOfDay(query.EndDate.PlusDays(1)).ToInstant();
        var filter = new CalendarFilter(query.JobType, query.Status, query.Priority, query.IncludeCompleted, query.IncludeCancelled);
        var days = new List<CalendarResultDay>();
        if (query.GroupBy == CalendarGrouping.Month)
        {
            // Counts only: no items, no titles, no per-item objects beyond the projection's entries.
            var (entries, _, _) = await LoadAsync(start, end, filter, CalendarRunColumns.Counting, ct);
            var counts = new Dictionary<LocalDate, int>();
            foreach (var entry in entries)
            {
                var date = entry.At.InZone(zone).Date;
                counts[date] = counts.GetValueOrDefault(date) + 1;
            }
            for (var date = query.StartDate; date <= query.EndDate; date = date.PlusDays(1))
            {
                days.Add(new CalendarResultDay(ScheduleTiming.FormatDate(date), counts.GetValueOrDefault(date), null));
            }
            return new CalendarResult(ScheduleTiming.FormatDate(query.StartDate), ScheduleTiming.FormatDate(query.EndDate), zone, entries.Count, days);
        }

        // The items come in time order: each day's are one run of the list.
        CalendarOccurrence[] occurrences = [.. await ProjectAsync(start, end, filter, titles: true, ct)];
        var next = 0;
        for (var date = query.StartDate; date <= query.EndDate; date = date.PlusDays(1))
        {
            var dayEnd = zone.AtStartOfDay(date.PlusDays(1)).ToInstant();
            var first = next;
            while (next < occurrences.Length && occurrences[next].Entry.At < dayEnd)
            {
                next++;
            }
            days.Add(new CalendarResultDay(ScheduleTiming.FormatDate(date), next - first, new ArraySegment<CalendarOccurrence>(occurrences, first, next - first)));
        }
        return new CalendarResult(ScheduleTiming.FormatDate(query.StartDate), ScheduleTiming.FormatDate(query.EndDate), zone, occurrences.Length, days);
    }

    /// <summary>The items in [start, end), in time order; <paramref name="titles"/> false skips rendering titles (counts only).</summary>
    /// <remarks>Each item's <see cref="CalendarOccurrence.Schedule"/> holds only what calendars show (not its job config, webhook or description).</remarks>
    public async Task<IReadOnlyList<CalendarOccurrence>> ProjectAsync(Instant start, Instant end, CalendarFilter filter, bool titles = true, CancellationToken ct = default)
    {
        var (entries, schedules, executionTitles) = await LoadAsync(start, end, filter, titles ? CalendarRunColumns.ItemsWithTitles : CalendarRunColumns.Items, ct);
        var episodes = titles ? await EpisodesAsync(start, end, ct) : [];
        var waves = titles ? await WavesAsync(start, end, ct) : [];
        return [.. entries.Select(entry =>
        {
            var schedule = schedules[entry.ScheduleId];
            if (entry.ExecutionId is null && episodes.TryGetValue((entry.ScheduleId, entry.At.ToDateTimeUtc()), out var episode))
            {
                // A series' episode before its run: its own title (retitled ones too), and skipped when skipped by hand.
                var kind = episode.Status == Series.EpisodeStatus.Skipped && entry.Kind == CalendarItemKind.Planned ? CalendarItemKind.Skipped : entry.Kind;
                return new CalendarOccurrence(entry with { Kind = kind }, schedule, episode.Title);
            }
            var title = titles ? Title(entry, schedule, executionTitles) : schedule.Name;
            return new CalendarOccurrence(entry, schedule, entry.Kind == CalendarItemKind.Publish ? "Publish · " + title : title)
            {
                Wave = waves.GetValueOrDefault(entry.ScheduleId),
            };
        })];
    }

    /// <summary>
    /// The series' episodes planned in [start, end) by schedule and planned time (one read; a workspace's series hold
    /// at most a few thousand episodes). A run once created carries the episode's title itself.
    /// </summary>
    private async Task<Dictionary<(Guid ScheduleId, DateTime PlannedAt), (string Title, Series.EpisodeStatus Status)>> EpisodesAsync(Instant start, Instant end, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var from = start.ToDateTimeUtc();
        var to = end.ToDateTimeUtc();
        var rows = await db.SeriesEpisodes.AsNoTracking()
            .Where(e => e.PlannedAt >= from && e.PlannedAt < to)
            .Select(e => new { e.ScheduleId, e.PlannedAt, e.Title, e.Status })
            .ToListAsync(ct);
        var episodes = new Dictionary<(Guid, DateTime), (string, Series.EpisodeStatus)>(rows.Count);
        foreach (var row in rows)
        {
            episodes[(row.ScheduleId, DateTime.SpecifyKind(row.PlannedAt, DateTimeKind.Utc))] = (row.Title, row.Status);
        }
        return episodes;
    }

    /// <summary>
    /// The waves of the one-time posts planned or run in [start, end), by schedule (one read through the unique
    /// ChannelPosts.ScheduleId index; nothing when the workspace has no waves in range).
    /// </summary>
    private async Task<Dictionary<Guid, CalendarWave>> WavesAsync(Instant start, Instant end, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var from = start.ToDateTimeUtc();
        var to = end.ToDateTimeUtc();
        var rows = await db.ChannelPosts.AsNoTracking().Where(p => p.WaveId != null)
            .Join(db.Schedules.Where(s => s.ScheduleType == ScheduleType.Once
                    && ((s.NextRunAt >= from && s.NextRunAt < to) || (s.LastRunAt >= from && s.LastRunAt < to))),
                p => p.ScheduleId, s => s.Id, (p, s) => new { p.ScheduleId, p.WaveId })
            .Join(db.Waves, x => x.WaveId, w => w.Id, (x, w) => new { x.ScheduleId, w.Id, w.Name })
            .ToListAsync(ct);
        return rows.ToDictionary(r => r.ScheduleId, r => new CalendarWave(r.Id, r.Name));
    }

    /// <summary>Two no-tracking reads of only the columns the projection needs (the schedules with their exceptions, the runs in range: <see cref="CalendarRuns"/>), then the Core projection.</summary>
    private async Task<(IReadOnlyList<CalendarEntry> Entries, Dictionary<Guid, Schedule> Schedules, Dictionary<Guid, string> ExecutionTitles)> LoadAsync(
        Instant start, Instant end, CalendarFilter filter, CalendarRunColumns columns, CancellationToken ct)
    {
        var titles = columns == CalendarRunColumns.ItemsWithTitles;
        var workspaceId = current.RequireWorkspace();
        await using var db = await contexts.CreateDbContextAsync(ct);
        var schedules = await Schedules(db, filter)
            .Select(s => new Schedule
            {
                Id = s.Id,
                WorkspaceId = s.WorkspaceId,
                Name = s.Name,
                JobType = s.JobType,
                ScheduleType = s.ScheduleType,
                TimeZone = s.TimeZone,
                ScheduledAt = s.ScheduledAt,
                RecurrenceRule = s.RecurrenceRule,
                RecurrenceStart = s.RecurrenceStart,
                CronExpression = s.CronExpression,
                Status = s.Status,
                Priority = s.Priority,
                NextRunAt = s.NextRunAt,
                RunCount = s.RunCount,
                MaxRuns = s.MaxRuns,
                TimeoutSeconds = s.TimeoutSeconds,
                TitleTemplate = s.TitleTemplate,
                ChannelId = s.ChannelId,
                CreatedByUserId = s.CreatedByUserId,
                Version = s.Version,
                Exceptions = s.Exceptions.Select(e => new ScheduleException { Id = e.Id, Kind = e.Kind, Original = e.Original, Replacement = e.Replacement }).ToList(),
            })
            .ToDictionaryAsync(s => s.Id, ct);

        var from = start.ToDateTimeUtc();
        var to = end.ToDateTimeUtc();
        var executions = await CalendarRuns.ReadAsync(db, workspaceId, from, to, columns, ct);
        executions.RemoveAll(e => !schedules.ContainsKey(e.ScheduleId));
        var executionTitles = titles ? executions.Where(e => e.Title is not null).ToDictionary(e => e.Id, e => e.Title!) : [];

        var sources = new List<CalendarSource>(schedules.Count);
        var overrides = new List<CalendarOverride>();
        foreach (var schedule in schedules.Values)
        {
            sources.Add(Source(schedule, overrides));
        }
        var runs = executions.Select(e => new CalendarRun(e.ScheduleId, e.Id, Instant.FromDateTimeUtc(e.ScheduledFor), e.IsManual, e.Status.ToWire()));
        var entries = CalendarProjection.Project(sources, runs, overrides, start, end);

        // Produce now, publish later: a produced run waiting for its publish time is an item of its own at that time
        // (dragging it moves the publishing, not the production).
        var held = await db.Executions.AsNoTracking()
            .Where(e => e.Status == ExecutionStatus.Pending && e.WaitReason == WaitReason.PublishAt && e.PublishAt >= from && e.PublishAt < to)
            .Select(e => new { e.Id, e.ScheduleId, e.ScheduledFor, PublishAt = e.PublishAt!.Value, Title = titles ? e.Title : null })
            .ToListAsync(ct);
        held.RemoveAll(e => !schedules.ContainsKey(e.ScheduleId));
        if (held.Count == 0)
        {
            return (entries, schedules, executionTitles);
        }
        foreach (var run in held.Where(e => e.Title is not null))
        {
            executionTitles[run.Id] = run.Title!;
        }
        var publishing = held.Select(e => new CalendarEntry(e.ScheduleId, Instant.FromDateTimeUtc(e.PublishAt), CalendarItemKind.Publish,
            Instant.FromDateTimeUtc(e.ScheduledFor), e.Id, "ready", null));
        return ([.. entries.Concat(publishing).OrderBy(e => e.At)], schedules, executionTitles);
    }

    private static IQueryable<Schedule> Schedules(AppDbContext db, CalendarFilter filter)
    {
        var rows = db.Schedules.AsNoTracking().AsQueryable();
        if (filter.Status is { } status)
        {
            rows = rows.Where(s => s.Status == status);
        }
        else
        {
            if (!filter.IncludeCompleted)
            {
                rows = rows.Where(s => s.Status != ScheduleStatus.Completed);
            }
            if (!filter.IncludeCancelled)
            {
                rows = rows.Where(s => s.Status != ScheduleStatus.Cancelled);
            }
        }
        if (filter.JobType is { } jobType)
        {
            rows = rows.Where(s => s.JobType == jobType);
        }
        if (filter.Priority is { } priority)
        {
            rows = rows.Where(s => s.Priority == priority);
        }
        return rows;
    }

    /// <summary>
    /// A schedule as the projection sees it: planned from its next run while active (what the engine will claim),
    /// its EXDATEs as skip overrides so that they show as skipped rather than vanish.
    /// </summary>
    private static CalendarSource Source(Schedule schedule, List<CalendarOverride> overrides)
    {
        var timing = Timings.Get(schedule);
        Instant? plannedFrom = schedule.Status == ScheduleStatus.Active && schedule.NextRunAt is { } next ? Instant.FromDateTimeUtc(next) : null;
        int? remaining = schedule.MaxRuns is { } max ? Math.Max(0, max - schedule.RunCount) : null;
        var needsSequence = schedule.TitleTemplate?.Contains("{run}", StringComparison.Ordinal) == true;
        overrides.AddRange(timing.Skips);
        return new CalendarSource(schedule.Id, timing.Set, timing.Once, plannedFrom, remaining, needsSequence);
    }

    /// <summary>
    /// Parsed rules kept between requests, keyed by schedule and version (every change of a rule or its exceptions
    /// claims a new version) and checked against the stored text: the RRULE parse and the rule's compiled expansion
    /// are not redone for each request. Bounded: cleared when it grows past <see cref="Capacity"/>.
    /// </summary>
    private static class Timings
    {
        private const int Capacity = 20_000;
        private static readonly System.Collections.Concurrent.ConcurrentDictionary<Guid, Parsed> Cache = new();

        public sealed record Parsed(int Version, string? Rule, string? Start, string? At, int ExceptionCount, RecurrenceSet? Set, Instant? Once, CalendarOverride[] Skips);

        public static Parsed Get(Schedule schedule)
        {
            if (Cache.TryGetValue(schedule.Id, out var cached) && cached.Version == schedule.Version && cached.Rule == schedule.RecurrenceRule
                && cached.Start == schedule.RecurrenceStart && cached.At == schedule.ScheduledAt && cached.ExceptionCount == schedule.Exceptions.Count)
            {
                return cached;
            }
            var timing = ScheduleTiming.FromSchedule(schedule);
            Parsed parsed;
            if (timing.Type == ScheduleType.Once)
            {
                parsed = new(schedule.Version, schedule.RecurrenceRule, schedule.RecurrenceStart, schedule.ScheduledAt, schedule.Exceptions.Count,
                    null, ScheduleTiming.ToInstant(timing.ScheduledAt!.Value, timing.Zone), []);
            }
            else
            {
                var set = timing.Set!;
                parsed = new(schedule.Version, schedule.RecurrenceRule, schedule.RecurrenceStart, schedule.ScheduledAt, schedule.Exceptions.Count,
                    set with { ExDates = [] }, null, [.. set.ExDates.Select(local => new CalendarOverride(schedule.Id, ScheduleTiming.ToInstant(local, timing.Zone)))]);
            }
            if (Cache.Count >= Capacity)
            {
                Cache.Clear();
            }
            Cache[schedule.Id] = parsed;
            return parsed;
        }
    }

    private static string Title(CalendarEntry entry, Schedule schedule, Dictionary<Guid, string> executionTitles)
    {
        if (entry.ExecutionId is { } id && executionTitles.TryGetValue(id, out var recorded))
        {
            return recorded;
        }
        return schedule.TitleTemplate is { Length: > 0 } template
            ? TitleTemplate.Render(template, entry.At, schedule.TimeZone, schedule.RunCount + (entry.Sequence ?? 1))
            : schedule.Name;
    }

    internal static CalendarItem ToItem(CalendarOccurrence o, DateTimeZone zone) => new(
        o.Schedule.Id,
        o.Schedule.Name,
        o.Title,
        o.Schedule.JobType,
        o.Schedule.Priority,
        o.Status,
        o.Entry.At.ToDateTimeUtc(),
        LocalPattern.Format(o.Entry.At.InZone(zone).LocalDateTime),
        o.Entry.Kind,
        o.Entry.ExecutionId,
        o.Entry.Original?.ToDateTimeUtc(),
        o.Entry.DstShifted);

    private async Task<string?> ProfileZoneAsync(string userId, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var zone = await db.Users.Where(u => u.Id == userId).Select(u => u.TimeZone).FirstOrDefaultAsync(ct);
        return zone is not null && DateTimeZoneProviders.Tzdb.GetZoneOrNull(zone) is not null ? zone : null;
    }
}
