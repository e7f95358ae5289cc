using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using NodaTime;
using Scheduling.Core.Common;
using Scheduling.Core.Recurrence;
using Scheduling.Core.Scheduling;
using Scheduling.Core.Templates;
using Scheduling.Web.Api;
using Scheduling.Web.Data;
using Scheduling.Web.Engine;
using Scheduling.Web.Features.Executions;
using Scheduling.Web.Features.Schedules;
using Scheduling.Web.Features.Workspaces;

namespace Scheduling.Web.Features.Series;

/// <summary>
/// Series of episodes (issue 11): the series, its episodes and the one recurring schedule that releases them
/// (decision 0017). The schedule's timing and validation are the schedule feature's (ScheduleService.NewAsync);
/// the engine keeps the episodes in order (SeriesEngine).
/// </summary>
public sealed class SeriesService(
    IDbContextFactory<AppDbContext> contexts,
    WorkspaceContext current,
    ScheduleService schedules,
    ExecutionService executions,
    RunTransitions transitions,
    ExecutionQueue queue,
    SeriesEngine engine,
    TimeProvider clock)
{
    public const int PreviewCount = 5;
    private Instant Now => Instant.FromDateTimeOffset(clock.GetUtcNow());

    public async Task<SeriesView> CreateAsync(SeriesInput input, CancellationToken ct = default)
    {
        current.RequireEditor();
        var (template, count, onFailure) = ValidateOwn(input);
        var schedule = await NewScheduleAsync(input, count, ct);
        schedule.TitleTemplate = ScheduleTitleTemplate(template, schedule.Name);
        var planned = Plan(schedule, ScheduleTiming.FromSchedule(schedule), schedule.NextRunAt, inclusive: true, count);
        if (planned.Count < count)
        {
            throw new RequestValidationException("recurrence", $"The recurrence has {planned.Count} occurrence(s) from now; the series needs {count}.");
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var series = new Series
        {
            Id = Guid.CreateVersion7(),
            WorkspaceId = schedule.WorkspaceId,
            ScheduleId = schedule.Id,
            Name = schedule.Name,
            Description = schedule.Description,
            TitleTemplate = template,
            JobConfig = schedule.JobConfig,
            EpisodeCount = count,
            ChannelId = input.ChannelId,
            Status = SeriesStatus.Active,
            OnFailure = onFailure,
            CreatedByUserId = schedule.CreatedByUserId,
            CreatedAt = now,
            UpdatedAt = now,
        };
        series.Episodes.AddRange(planned.Select((at, i) => NewEpisode(series, i + 1, at, schedule.TimeZone)));

        await using var db = await contexts.CreateDbContextAsync(ct);
        if (await schedules.NeedsApprovalAsync(db, ct))
        {
            // A Creator's series in an approval workspace releases nothing until its schedule is approved (decision 0029).
            schedule.Status = ScheduleStatus.Draft;
            schedule.NextRunAt = null;
        }
        db.Schedules.Add(schedule);
        db.Series.Add(series);
        await db.SaveChangesAsync(ct);
        series.Schedule = schedule;
        return ToView(series);
    }

    /// <summary>The first episodes' titles and times as the input would plan them (the editor's live preview); nothing is saved.</summary>
    public async Task<IReadOnlyList<EpisodePreview>> PreviewAsync(SeriesInput input, int count, CancellationToken ct = default)
    {
        var (template, _, _) = ValidateOwn(input with { EpisodeCount = input.EpisodeCount ?? count });
        var schedule = await NewScheduleAsync(input, Math.Max(count, input.EpisodeCount ?? count), ct);
        var zone = DateTimeZoneProviders.Tzdb[schedule.TimeZone];
        return [.. Plan(schedule, ScheduleTiming.FromSchedule(schedule), schedule.NextRunAt, inclusive: true, Math.Min(count, input.EpisodeCount ?? count))
            .Select((at, i) => new EpisodePreview(i + 1, RenderTitle(template, schedule.Name, i + 1, at, schedule.TimeZone), at.ToDateTimeUtc(),
                ScheduleTiming.FormatLocal(at.InZone(zone).LocalDateTime)))];
    }

    public async Task<PagedResult<SeriesSummary>> ListAsync(SeriesStatus? status, int page, int pageSize, CancellationToken ct = default)
    {
        current.RequireWorkspace();
        if (page < 1)
        {
            throw new RequestValidationException("page", "Page starts at 1.");
        }
        if (pageSize is < 1 or > SeriesLimits.MaxPageSize)
        {
            throw new RequestValidationException("pageSize", $"Page size is between 1 and {SeriesLimits.MaxPageSize}.");
        }
        await using var db = await contexts.CreateDbContextAsync(ct);
        var rows = db.Series.AsNoTracking();
        if (status is { } wanted)
        {
            rows = rows.Where(s => s.Status == wanted);
        }
        var total = await rows.CountAsync(ct);
        var items = await rows.OrderByDescending(s => s.CreatedAt).ThenByDescending(s => s.Id)
            .Skip((page - 1) * pageSize).Take(pageSize)
            .Select(s => new SeriesSummary(
                s.Id,
                s.Name,
                s.Schedule!.JobType,
                s.EpisodeCount,
                s.Episodes.Where(e => e.Status != EpisodeStatus.Released && e.Status != EpisodeStatus.Skipped).Min(e => (int?)e.Number) ?? s.EpisodeCount,
                s.Episodes.Count(e => e.Status == EpisodeStatus.Released),
                s.Status,
                s.Schedule.TimeZone,
                s.Status == SeriesStatus.Active ? s.Episodes.Where(e => e.Status == EpisodeStatus.Scheduled).Min(e => (DateTime?)e.PlannedAt) : null,
                s.CreatedAt))
            .ToListAsync(ct);
        return new PagedResult<SeriesSummary>(items, total, page, pageSize);
    }

    public async Task<SeriesView> GetAsync(Guid id, CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return ToView(await FindAsync(db, id, tracked: false, ct));
    }

    /// <summary>
    /// The series without its episodes (<see cref="SeriesView.Episodes"/> empty): progress and next release by query, so
    /// the series page of a 1,000-episode series loads its header without the episodes (they page: <see cref="EpisodesAsync"/>).
    /// </summary>
    public async Task<SeriesView> GetHeaderAsync(Guid id, CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var series = await db.Series.AsNoTracking().Include(s => s.Schedule).ThenInclude(s => s!.Exceptions).AsSplitQuery()
            .FirstOrDefaultAsync(s => s.Id == id, ct) ?? throw new NotFoundException("Series");
        var episodes = db.SeriesEpisodes.AsNoTracking().Where(e => e.SeriesId == id);
        var released = await episodes.CountAsync(e => e.Status == EpisodeStatus.Released, ct);
        var current = await episodes.Where(e => e.Status != EpisodeStatus.Released && e.Status != EpisodeStatus.Skipped).MinAsync(e => (int?)e.Number, ct);
        var next = series.Status == SeriesStatus.Active
            ? await episodes.Where(e => e.Status == EpisodeStatus.Scheduled).OrderBy(e => e.Number).Select(e => (DateTime?)e.PlannedAt).FirstOrDefaultAsync(ct)
            : null;
        return ToView(series) with { ReleasedCount = released, CurrentEpisode = current ?? series.EpisodeCount, NextReleaseAt = next };
    }

    /// <summary>
    /// One page of the episodes in order, optionally of one status. <paramref name="containing"/> (an episode number) picks
    /// the page that holds that episode, or the first after it that matches the filter (the page's "jump to next episode").
    /// </summary>
    public async Task<PagedResult<EpisodeView>> EpisodesAsync(Guid id, EpisodeStatus? status, int page, int pageSize, int? containing, CancellationToken ct = default)
    {
        current.RequireWorkspace();
        if (page < 1)
        {
            throw new RequestValidationException("page", "Page starts at 1.");
        }
        if (pageSize is < 1 or > SeriesLimits.MaxPageSize)
        {
            throw new RequestValidationException("pageSize", $"Page size is between 1 and {SeriesLimits.MaxPageSize}.");
        }
        if (containing is < 1)
        {
            throw new RequestValidationException("containing", "An episode number starts at 1.");
        }
        await using var db = await contexts.CreateDbContextAsync(ct);
        var series = await db.Series.AsNoTracking().Where(s => s.Id == id).Select(s => new { s.Schedule!.TimeZone }).FirstOrDefaultAsync(ct)
            ?? throw new NotFoundException("Series");
        var rows = db.SeriesEpisodes.AsNoTracking().Where(e => e.SeriesId == id);
        if (status is { } wanted)
        {
            rows = rows.Where(e => e.Status == wanted);
        }
        var total = await rows.CountAsync(ct);
        if (containing is { } number)
        {
            var before = await rows.CountAsync(e => e.Number < number, ct);
            page = Math.Max(1, Math.Min(before, Math.Max(total - 1, 0)) / pageSize + 1);
        }
        var items = await rows.OrderBy(e => e.Number).Skip((page - 1) * pageSize).Take(pageSize).ToListAsync(ct);
        var zone = DateTimeZoneProviders.Tzdb[series.TimeZone];
        return new PagedResult<EpisodeView>([.. items.Select(e => ToView(e, zone))], total, page, pageSize);
    }

    public Task<SeriesView> PauseAsync(Guid id, CancellationToken ct = default) => ChangeStatusAsync(id, SeriesStatus.Paused, async series =>
    {
        if (series.Schedule!.Status == ScheduleStatus.Active)
        {
            await schedules.PauseAsync(series.ScheduleId, "Paused with its series.", ct);
        }
    }, ct);

    /// <summary>Episodes missed while paused are released on resume, in order (the schedule runs every missed run).</summary>
    public Task<SeriesView> ResumeAsync(Guid id, CancellationToken ct = default) => ChangeStatusAsync(id, SeriesStatus.Active, async series =>
    {
        if (series.Schedule!.Status == ScheduleStatus.Paused)
        {
            await schedules.ResumeAsync(series.ScheduleId, runMissed: true, ct);
        }
    }, ct);

    /// <summary>Cancels: no more releases; unreleased episodes go back to draft, released ones keep their history.</summary>
    public Task<SeriesView> CancelAsync(Guid id, CancellationToken ct = default) => ChangeStatusAsync(id, SeriesStatus.Cancelled, async series =>
    {
        if (series.Schedule!.Status is ScheduleStatus.Active or ScheduleStatus.Paused)
        {
            await schedules.CancelAsync(series.ScheduleId, ct);
        }
        else if (series.Schedule.Status == ScheduleStatus.Completed)
        {
            // Every run claimed already (some may still wait their turn): the engine cancels a run of a cancelled schedule.
            await using var db = await contexts.CreateDbContextAsync(ct);
            var scheduleId = series.ScheduleId;
            await db.Schedules.Where(s => s.Id == scheduleId).ExecuteUpdateAsync(set => set
                .SetProperty(s => s.Status, ScheduleStatus.Cancelled).SetProperty(s => s.Version, s => s.Version + 1), ct);
        }
    }, ct);

    public async Task<SeriesView> UpdateEpisodeAsync(Guid id, int number, EpisodeInput input, CancellationToken ct = default)
    {
        current.RequireEditor();
        var errors = new List<ValidationError>();
        var title = input.Title?.Trim();
        if (input.Title is not null && title!.Length is 0 or > SeriesLimits.MaxTitleLength)
        {
            errors.Add(new("title", $"An episode title is 1 to {SeriesLimits.MaxTitleLength} characters."));
        }
        var config = input.UseTemplateConfig == true ? null : ReadConfig(input.JobConfig, "jobConfig", errors);
        ThrowIfAny(errors);

        await using var db = await contexts.CreateDbContextAsync(ct);
        var series = await FindAsync(db, id, tracked: true, ct);
        var episode = series.Episodes.FirstOrDefault(e => e.Number == number) ?? throw new NotFoundException($"Episode {number}");
        if (episode.Status == EpisodeStatus.Released)
        {
            throw new ConflictException($"Episode {number} is released: it keeps its history.");
        }
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var before = (episode.Title, episode.JobConfig);
        var run = episode.ExecutionId is { } runId ? await db.Executions.FirstOrDefaultAsync(e => e.Id == runId, ct) : null;
        if (title is not null)
        {
            episode.Title = title;
            if (run is { Status: ExecutionStatus.Pending })
            {
                run.Title = title;
            }
        }
        if (input.UseTemplateConfig == true)
        {
            episode.JobConfig = null;
        }
        else if (config is not null)
        {
            episode.JobConfig = config;
        }
        // What goes out changed (its title or its job config): an approved series goes back to review. A skip sends less: it does not.
        if (episode.Title != before.Title || episode.JobConfig != before.JobConfig)
        {
            await schedules.ReturnToReviewAsync(db, series.Schedule!, $"Episode {number} changed after approval.", ct);
        }
        var skipped = false;
        if (input.Skip == true && episode.Status != EpisodeStatus.Skipped)
        {
            if (run is { Status: ExecutionStatus.Running })
            {
                throw new ConflictException($"Episode {number} is being released now: it cannot be skipped.");
            }
            episode.Status = EpisodeStatus.Skipped;
            await db.SaveChangesAsync(ct);
            if (run is { Status: ExecutionStatus.Pending } pending
                && !await transitions.EndUnstartedAsync(db, pending, ExecutionStatus.Skipped, SeriesEngine.SkippedByHand, clock.GetUtcNow().UtcDateTime, ct))
            {
                throw new ConflictException($"Episode {number} changed meanwhile (it may be going out now): look at it again.");
            }
            if (await SeriesEngine.CompleteIfDoneAsync(db, series.Id, clock.GetUtcNow().UtcDateTime, ct) == 1)
            {
                await engine.AnnounceAsync(db, series.WorkspaceId, series.Id, Events.EventTypes.SeriesCompleted, null, ct);
            }
            skipped = true;
        }
        series.UpdatedAt = clock.GetUtcNow().UtcDateTime;
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        if (skipped)
        {
            await ReleaseNextAsync(db, series.ScheduleId, ct);
        }
        return await GetAsync(id, ct);
    }

    /// <summary>Runs a failed episode again (same run, so the integration sees the same idempotency key).</summary>
    public async Task<SeriesView> RetryEpisodeAsync(Guid id, int number, CancellationToken ct = default)
    {
        current.RequireEditor();
        await using var db = await contexts.CreateDbContextAsync(ct);
        var series = await FindAsync(db, id, tracked: false, ct);
        var episode = series.Episodes.FirstOrDefault(e => e.Number == number) ?? throw new NotFoundException($"Episode {number}");
        if (episode is not { Status: EpisodeStatus.Failed, ExecutionId: { } runId })
        {
            throw new ConflictException($"Only a failed episode can be retried; episode {number} is {WireNames.ToWire(episode.Status)}.");
        }
        if (series.Status == SeriesStatus.Cancelled)
        {
            throw new ConflictException("The series is cancelled.");
        }
        if (series.Episodes.Any(e => e.Number > number && e.Status == EpisodeStatus.Released))
        {
            throw new ConflictException($"A later episode is already released: episode {number} would go out of order. Skip it instead.");
        }
        await executions.RetryAsync(runId, ct);
        return await GetAsync(id, ct);
    }

    /// <summary>Adds episodes after the last one, on the same recurrence; a completed series becomes active again.</summary>
    public async Task<SeriesView> ExtendAsync(Guid id, int? count, CancellationToken ct = default)
    {
        current.RequireEditor();
        await using var db = await contexts.CreateDbContextAsync(ct);
        var series = await FindAsync(db, id, tracked: true, ct);
        var room = SeriesLimits.MaxEpisodes - series.EpisodeCount;
        if (count is not { } added || added < 1 || added > room)
        {
            throw new RequestValidationException("count", room > 0
                ? $"Add 1 to {room} episodes (a series has at most {SeriesLimits.MaxEpisodes})."
                : $"The series has the most episodes a series may have ({SeriesLimits.MaxEpisodes}).");
        }
        if (series.Status == SeriesStatus.Cancelled)
        {
            throw new ConflictException("The series is cancelled: episodes cannot be added.");
        }
        var schedule = series.Schedule!;
        var last = series.Episodes.Max(e => e.PlannedAt);
        var planned = Plan(schedule, ScheduleTiming.FromSchedule(schedule), last, inclusive: false, added);
        if (planned.Count < added)
        {
            throw new RequestValidationException("count", $"The recurrence has only {planned.Count} more occurrence(s).");
        }

        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        // Added explicitly: new rows with their keys set would be taken for existing ones through the tracked collection.
        db.SeriesEpisodes.AddRange(planned.Select((at, i) => NewEpisode(series, series.EpisodeCount + i + 1, at, schedule.TimeZone)));
        series.EpisodeCount += added;
        series.UpdatedAt = clock.GetUtcNow().UtcDateTime;
        if (series.Status == SeriesStatus.Completed)
        {
            series.Status = SeriesStatus.Active;
        }
        // More episodes go out: an approved series goes back to review.
        var returned = await schedules.ReturnToReviewAsync(db, schedule, $"{added} episode(s) added after approval.", ct);
        await db.SaveChangesAsync(ct);
        // The dispatcher may be claiming this schedule now: counts are added in SQL, and a schedule it completed meanwhile
        // starts again at the first new episode.
        var scheduleId = schedule.Id;
        var first = planned[0].ToDateTimeUtc();
        await db.Schedules.Where(s => s.Id == scheduleId).ExecuteUpdateAsync(set => set.SetProperty(s => s.MaxRuns, s => (s.MaxRuns ?? 0) + added), ct);
        await db.Schedules.Where(s => s.Id == scheduleId && s.Status == ScheduleStatus.Completed)
            .ExecuteUpdateAsync(set => set.SetProperty(s => s.Status, returned ? ScheduleStatus.InReview : ScheduleStatus.Active)
                .SetProperty(s => s.NextRunAt, returned ? null : first), ct);
        await transaction.CommitAsync(ct);
        return await GetAsync(id, ct);
    }

    private async Task<SeriesView> ChangeStatusAsync(Guid id, SeriesStatus target, Func<Series, Task> onSchedule, CancellationToken ct)
    {
        current.RequireEditor();
        await using var db = await contexts.CreateDbContextAsync(ct);
        var series = await FindAsync(db, id, tracked: true, ct);
        var allowed = (series.Status, target) switch
        {
            (SeriesStatus.Active, SeriesStatus.Paused or SeriesStatus.Cancelled) => true,
            (SeriesStatus.Paused, SeriesStatus.Active or SeriesStatus.Cancelled) => true,
            (SeriesStatus.Completed, SeriesStatus.Cancelled) => true,
            _ => false,
        };
        if (!allowed)
        {
            throw new ConflictException(series.Status == target
                ? $"The series is already {WireNames.ToWire(target)}."
                : $"A {WireNames.ToWire(series.Status)} series cannot become {WireNames.ToWire(target)}.");
        }
        // The schedule first: once it is stopped, nothing new goes out while the episodes are updated.
        await onSchedule(series);
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var seriesId = series.Id;
        var status = series.Status;
        var now = clock.GetUtcNow().UtcDateTime;
        // The schedule's change may have moved the series already (it follows its schedule, decision 0025).
        if (await db.Series.Where(s => s.Id == seriesId && (s.Status == status || s.Status == target))
                .ExecuteUpdateAsync(set => set.SetProperty(s => s.Status, target).SetProperty(s => s.UpdatedAt, now), ct) == 0)
        {
            throw new ConflictException("The series changed meanwhile: look at it again.");
        }
        if (target == SeriesStatus.Cancelled)
        {
            await db.SeriesEpisodes.Where(e => e.SeriesId == seriesId && (e.Status == EpisodeStatus.Scheduled || e.Status == EpisodeStatus.Failed))
                .ExecuteUpdateAsync(set => set.SetProperty(e => e.Status, EpisodeStatus.Draft), ct);
        }
        await transaction.CommitAsync(ct);
        return await GetAsync(id, ct);
    }

    /// <summary>An episode skipped by hand lets the next one, held behind it, go at once (else its recheck would, a minute later).</summary>
    private async Task ReleaseNextAsync(AppDbContext db, Guid scheduleId, CancellationToken ct)
    {
        var next = await db.Executions.Where(e => e.ScheduleId == scheduleId && e.Status == ExecutionStatus.Pending && e.WaitReason == WaitReason.PreviousEpisode)
            .OrderBy(e => e.ScheduledFor).Select(e => new { e.Id, e.Priority }).FirstOrDefaultAsync(ct);
        if (next is not null)
        {
            queue.Enqueue(next.Id, next.Priority);
        }
    }

    private async Task<Schedule> NewScheduleAsync(SeriesInput input, int count, CancellationToken ct)
    {
        var recurrence = input.Recurrence ?? throw new RequestValidationException("recurrence", "A series needs a recurrence: a preset, the structured fields, an RRULE or cron.");
        if (recurrence.Start is null && input.Start is not null)
        {
            recurrence = recurrence with { Start = input.Start };
        }
        var scheduleInput = new ScheduleInput
        {
            Name = input.Name,
            Description = input.Description,
            JobType = input.JobType,
            JobConfig = input.Template?.JobConfig,
            ScheduleType = ScheduleType.Recurring,
            Timezone = input.Timezone,
            Recurrence = recurrence,
            MaxRuns = count,
            // Every episode goes out, in order: missed ones all run (catching up in order), a late one queues.
            MissedPolicy = MissedRunPolicy.RunAll,
            OverlapPolicy = OverlapPolicy.QueueAll,
            WebhookUrl = input.WebhookUrl,
            Retry = input.Retry,
            PublishAt = input.PublishAt,
        };
        try
        {
            return await schedules.NewAsync(scheduleInput, ct);
        }
        catch (RequestValidationException invalid)
        {
            // The schedule's field names, as the series spells them.
            throw new RequestValidationException(invalid.Errors.ToDictionary(
                e => e.Key switch { "jobConfig" => "template.jobConfig", "maxRuns" => "episodeCount", "scheduledAt" => "start", var other => other },
                e => e.Value));
        }
    }

    /// <summary>
    /// The episode titles as the schedule's own template: the n-th run of the schedule is episode n, so {episode} is its
    /// {run}. The calendar (which projects schedules) then titles planned episodes without knowing series; an episode
    /// given its own title shows it once its run exists (the run carries the episode's title).
    /// </summary>
    internal static string? ScheduleTitleTemplate(string template, string seriesName)
    {
        var text = template.Replace("{episode}", "{run}", StringComparison.Ordinal).Replace("{title}", seriesName, StringComparison.Ordinal);
        return text.Length <= SeriesLimits.MaxTitleLength ? text : null;
    }

    private static (string Template, int Count, SeriesFailurePolicy OnFailure) ValidateOwn(SeriesInput input)
    {
        var errors = new List<ValidationError>();
        var template = input.Template?.TitleTemplate?.Trim();
        if (string.IsNullOrEmpty(template))
        {
            template = "{title} #{episode}";
        }
        if (template.Length > SeriesLimits.MaxTitleLength)
        {
            errors.Add(new("template.titleTemplate", $"The title template is at most {SeriesLimits.MaxTitleLength} characters."));
        }
        if (input.EpisodeCount is not (>= 1 and <= SeriesLimits.MaxEpisodes))
        {
            errors.Add(new("episodeCount", $"Episode count is between 1 and {SeriesLimits.MaxEpisodes}."));
        }
        ThrowIfAny(errors);
        return (template, input.EpisodeCount!.Value, input.OnFailure ?? SeriesFailurePolicy.Block);
    }

    private static string? ReadConfig(JsonElement? value, string field, List<ValidationError> errors)
    {
        if (value is not { ValueKind: not JsonValueKind.Null and not JsonValueKind.Undefined } config)
        {
            return null;
        }
        if (config.ValueKind != JsonValueKind.Object)
        {
            errors.Add(new(field, "Job config must be a JSON object, such as {\"format\": \"mp4\"}."));
            return null;
        }
        var text = config.GetRawText();
        if (text.Length > ScheduleLimits.MaxJobConfigLength)
        {
            errors.Add(new(field, $"Job config is at most {ScheduleLimits.MaxJobConfigLength / 1024} KB."));
        }
        return text;
    }

    private static void ThrowIfAny(List<ValidationError> errors)
    {
        if (errors.Count > 0)
        {
            throw new RequestValidationException(new ValidationResult(errors).ToDictionary());
        }
    }

    /// <summary>The next <paramref name="count"/> occurrences of the schedule from <paramref name="from"/>: the episodes' times.</summary>
    private static List<Instant> Plan(Schedule schedule, ScheduleTiming timing, DateTime? from, bool inclusive, int count) =>
        from is { } start && timing.Set is { } set
            ? [.. set.OccurrencesAfter(Instant.FromDateTimeUtc(DateTime.SpecifyKind(start, DateTimeKind.Utc)), inclusive).Take(count).Select(o => o.Instant)]
            : [];

    private static SeriesEpisode NewEpisode(Series series, int number, Instant at, string zone) => new()
    {
        Id = Guid.CreateVersion7(),
        WorkspaceId = series.WorkspaceId,
        SeriesId = series.Id,
        ScheduleId = series.ScheduleId,
        Number = number,
        Title = RenderTitle(series.TitleTemplate, series.Name, number, at, zone),
        PlannedAt = at.ToDateTimeUtc(),
        Status = EpisodeStatus.Scheduled,
    };

    /// <summary>The schedule title variables first ({episode} and {title} stay as written there), then the series' own.</summary>
    public static string RenderTitle(string template, string seriesName, int number, Instant at, string zone)
    {
        var title = TitleTemplate.Render(template, at, zone, number)
            .Replace("{episode}", number.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("{title}", seriesName, StringComparison.Ordinal);
        return title.Length <= SeriesLimits.MaxTitleLength ? title : title[..SeriesLimits.MaxTitleLength];
    }

    private static async Task<Series> FindAsync(AppDbContext db, Guid id, bool tracked, CancellationToken ct)
    {
        var query = db.Series.Include(s => s.Schedule).ThenInclude(s => s!.Exceptions).Include(s => s.Episodes).AsSplitQuery();
        return await (tracked ? query : query.AsNoTracking()).FirstOrDefaultAsync(s => s.Id == id, ct) ?? throw new NotFoundException("Series");
    }

    public static SeriesView ToView(Series s)
    {
        var schedule = s.Schedule!;
        var zone = DateTimeZoneProviders.Tzdb[schedule.TimeZone];
        var episodes = s.Episodes.OrderBy(e => e.Number).ToList();
        using var config = JsonDocument.Parse(s.JobConfig);
        return new SeriesView(
            s.Id, s.Name, s.Description, schedule.JobType, new SeriesTemplateView(config.RootElement.Clone(), s.TitleTemplate), s.EpisodeCount,
            episodes.FirstOrDefault(e => e.Status is not (EpisodeStatus.Released or EpisodeStatus.Skipped))?.Number ?? s.EpisodeCount,
            episodes.Count(e => e.Status == EpisodeStatus.Released), s.Status, s.OnFailure, schedule.TimeZone,
            ScheduleTiming.FromSchedule(schedule).Describe(), s.ChannelId, s.ScheduleId,
            s.Status == SeriesStatus.Active ? episodes.FirstOrDefault(e => e.Status == EpisodeStatus.Scheduled)?.PlannedAt : null,
            s.CreatedAt,
            [.. episodes.Select(e => ToView(e, zone))])
        {
            Approval = schedule.Status is ScheduleStatus.Draft or ScheduleStatus.InReview ? schedule.Status : null,
        };
    }

    private static EpisodeView ToView(SeriesEpisode e, DateTimeZone zone)
    {
        JsonElement? config = null;
        if (e.JobConfig is { } text)
        {
            using var document = JsonDocument.Parse(text);
            config = document.RootElement.Clone();
        }
        var local = Instant.FromDateTimeUtc(DateTime.SpecifyKind(e.PlannedAt, DateTimeKind.Utc)).InZone(zone).LocalDateTime;
        return new EpisodeView(e.Number, e.Title, e.PlannedAt, ScheduleTiming.FormatLocal(local), e.Status, e.ExecutionId, e.ReleasedAt, config);
    }
}
