using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using NodaTime;
using NodaTime.Text;
using Scheduling.Core.Common;
using Scheduling.Core.Recurrence;
using Scheduling.Core.Scheduling;
using Scheduling.Web.Api;
using Scheduling.Web.Data;
using Scheduling.Web.Features.Executions;
using Scheduling.Web.Features.Workspaces;

namespace Scheduling.Web.Features.Schedules;

/// <summary>Schedules of the current workspace: the one place the UI and the API change them.</summary>
public sealed class ScheduleService(IDbContextFactory<AppDbContext> contexts, WorkspaceContext current, TimeProvider clock,
    Engine.WebhookTargetPolicy webhookTargets, RunTransitions transitions, Channels.ChannelPlanner channelRules, Events.LifecycleOutbox outbox)
{
    private Instant Now => Instant.FromDateTimeOffset(clock.GetUtcNow());

    public async Task<PagedResult<ScheduleView>> ListAsync(ScheduleQuery query, CancellationToken ct = default)
    {
        current.RequireWorkspace();
        if (query.Page < 1)
        {
            throw new RequestValidationException("page", "Page starts at 1.");
        }
        if (query.PageSize is < 1 or > ScheduleLimits.MaxPageSize)
        {
            throw new RequestValidationException("pageSize", $"Page size is between 1 and {ScheduleLimits.MaxPageSize}.");
        }

        await using var db = await contexts.CreateDbContextAsync(ct);
        var rows = new Bulk.BulkFilter(query.Status, query.JobType, query.Priority, query.Search, query.ChannelId, query.SeriesId)
            .Apply(db.Schedules.AsNoTracking().Include(s => s.Exceptions), db);

        rows = (query.Sort ?? "nextRunAt") switch
        {
            "name" => rows.OrderBy(s => s.Name).ThenBy(s => s.Id),
            "-name" => rows.OrderByDescending(s => s.Name).ThenBy(s => s.Id),
            "nextRunAt" => rows.OrderBy(s => s.NextRunAt == null).ThenBy(s => s.NextRunAt).ThenBy(s => s.Id),
            "-nextRunAt" => rows.OrderBy(s => s.NextRunAt == null).ThenByDescending(s => s.NextRunAt).ThenBy(s => s.Id),
            "priority" => rows.OrderBy(s => s.Priority).ThenBy(s => s.Id),
            "-priority" => rows.OrderByDescending(s => s.Priority).ThenBy(s => s.Id),
            "createdAt" => rows.OrderBy(s => s.CreatedAt).ThenBy(s => s.Id),
            "-createdAt" => rows.OrderByDescending(s => s.CreatedAt).ThenBy(s => s.Id),
            "status" => rows.OrderBy(s => s.Status).ThenBy(s => s.Id),
            "-status" => rows.OrderByDescending(s => s.Status).ThenBy(s => s.Id),
            var other => throw new RequestValidationException("sort", $"Cannot sort by '{other}': use name, nextRunAt, priority, createdAt or status, with '-' for descending."),
        };

        var total = await rows.CountAsync(ct);
        var page = await rows.Skip((query.Page - 1) * query.PageSize).Take(query.PageSize).ToListAsync(ct);
        // A row knows its series (one indexed query per page), so the grid offers what the series allows (decision 0025).
        var owners = await Series.SeriesOwnership.OwnersAsync(db, [.. page.Select(s => s.Id)], ct);
        return new PagedResult<ScheduleView>(
            [.. page.Select(s => ToView(s) with { PartOfSeries = owners.GetValueOrDefault(s.Id) })], total, query.Page, query.PageSize);
    }

    /// <summary>The list's filters, shared with the bulk operations and the export so that "these schedules" means the same everywhere.</summary>
    internal static IQueryable<Schedule> Filter(IQueryable<Schedule> rows, ScheduleStatus? status, JobType? jobType, SchedulePriority? priority, string? search)
    {
        if (status is { } s1)
        {
            rows = rows.Where(s => s.Status == s1);
        }
        if (jobType is { } type)
        {
            rows = rows.Where(s => s.JobType == type);
        }
        if (priority is { } level)
        {
            rows = rows.Where(s => s.Priority == level);
        }
        if (!string.IsNullOrWhiteSpace(search))
        {
            var needle = search.Trim().ToLower();
            rows = rows.Where(s => s.Name.ToLower().Contains(needle) || (s.Description != null && s.Description.ToLower().Contains(needle)));
        }
        return rows;
    }

    public async Task<ScheduleView> GetAsync(Guid id, CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var schedule = await FindAsync(db, id, ct);
        return ToView(schedule) with
        {
            Reviews = await Approval.ApprovalService.HistoryAsync(db, Approval.ApprovalService.ScheduleKind, id, ct),
            PartOfSeries = await Series.SeriesOwnership.OwnerAsync(db, id, ct),
        };
    }

    /// <summary>The series that owns the schedule, if any: its occurrences are episodes, changed on the series' page (decision 0025).</summary>
    public async Task<Series.SeriesRef?> SeriesOfAsync(Guid scheduleId, CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await Series.SeriesOwnership.OwnerAsync(db, scheduleId, ct);
    }

    public async Task<ScheduleView> CreateAsync(ScheduleInput input, CancellationToken ct = default)
    {
        var schedule = await NewAsync(input, ct);
        await using var db = await contexts.CreateDbContextAsync(ct);
        var warnings = await CheckChannelAsync(db, schedule, input.ChannelId, ScheduleTiming.FromSchedule(schedule), ct);
        if (await NeedsApprovalAsync(db, ct))
        {
            // Runs nothing until approved; the next run is computed from the approval.
            schedule.Status = ScheduleStatus.Draft;
            schedule.NextRunAt = null;
        }
        db.Schedules.Add(schedule);
        var view = ToView(schedule);
        await outbox.AddScheduleEventAsync(db, schedule.WorkspaceId, Events.EventTypes.ScheduleCreated, view, ct);
        await db.SaveChangesAsync(ct);
        return view with { Warnings = warnings };
    }

    /// <summary>A new active schedule from validated input, not saved: a series saves it with its episodes, in one commit.</summary>
    internal async Task<Schedule> NewAsync(ScheduleInput input, CancellationToken ct)
    {
        var userId = current.RequireUser();
        var workspaceId = current.RequireWorkspace();
        current.RequireEditor();
        var errors = new List<ValidationError>();
        var schedule = BuildNew(input, workspaceId, userId, errors, await WorkspacePipelinesAsync(ct));
        ThrowIfAny(errors);
        await EnsureDeliverableAsync(schedule!.WebhookUrl, ct);
        await EnsurePipelineDeliverableAsync(schedule.PipelineJson, ct);
        return schedule;
    }

    /// <summary>
    /// Replaces the definition; the next run is recomputed from now (runs so far are kept).
    /// <paramref name="ifMatch"/> (the HTTP If-Match version) or <see cref="ScheduleInput.Version"/> make it
    /// conditional: a schedule changed since that version is not overwritten (412 and 409).
    /// </summary>
    public async Task<ScheduleView> UpdateAsync(Guid id, ScheduleInput input, CancellationToken ct = default, int? ifMatch = null)
    {
        current.RequireEditor();
        await EnsureDeliverableAsync(input.WebhookUrl, ct);
        await EnsurePipelineDeliverableAsync(input.Pipeline, ct);
        await using var db = await contexts.CreateDbContextAsync(ct);
        var schedule = await FindAsync(db, id, ct);
        await RefuseIfPartOfSeriesAsync(db, id, "edit", ct);
        if (ifMatch is { } expected && expected != schedule.Version)
        {
            throw new PreconditionFailedException(
                $"The schedule was changed by someone else since version {expected} (it is now version {schedule.Version}): reload it and apply your change again.");
        }
        if (input.Version is { } bodyVersion && bodyVersion != schedule.Version)
        {
            throw new StaleVersionException(
                $"This schedule was changed by someone else since you loaded it (version {bodyVersion}, now {schedule.Version}): reload it and apply your change again.");
        }
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        await ClaimNextVersionAsync(db, schedule, ct);
        await WithdrawClaimedAheadAsync(db, schedule, ct);
        if (schedule.Status is ScheduleStatus.Completed or ScheduleStatus.Cancelled)
        {
            throw new ConflictException($"A {schedule.Status.ToWire()} schedule cannot be edited: clone it instead.");
        }
        var (fields, timing) = Validate(input, await WorkspacePipelinesAsync(db, ct));
        var warnings = await CheckChannelAsync(db, schedule, input.ChannelId, timing, ct);
        var before = ToView(schedule);
        db.ScheduleExceptions.RemoveRange(schedule.Exceptions);
        schedule.Exceptions.Clear();
        Apply(schedule, fields, timing);
        // The new rows carry their own ids, so change tracking would take them for existing rows to update
        // (an UPDATE of nothing: DbUpdateConcurrencyException). They are new: say so.
        db.ScheduleExceptions.AddRange(schedule.Exceptions);
        schedule.UpdatedAt = clock.GetUtcNow().UtcDateTime;
        schedule.NextRunAt = schedule.Status is ScheduleStatus.Draft or ScheduleStatus.InReview ? null : NextRun(schedule, timing, Now);
        if (schedule.Status is ScheduleStatus.Active or ScheduleStatus.Paused && await NeedsApprovalAsync(db, ct) && Approval.ReviewSnapshot.ChangesWhatRuns(before, ToView(schedule)))
        {
            // A Creator changed what an approved schedule runs: back to review, its planned runs held (runs claimed ahead were withdrawn above).
            MarkReturned(db, schedule, "Changed after approval.");
        }
        var view = ToView(schedule);
        await outbox.AddScheduleEventAsync(db, schedule.WorkspaceId, Events.EventTypes.ScheduleUpdated, view, ct);
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        return view with { Warnings = warnings };
    }

    /// <summary>
    /// Puts the schedule on <paramref name="channelId"/> (or none) after checking the channel's rules on its timing:
    /// a 400 for another workspace's or an unknown channel and for a past post, a 409 for a broken rule in block mode;
    /// the warnings of warn mode are returned.
    /// </summary>
    private async Task<IReadOnlyList<Channels.RuleWarning>> CheckChannelAsync(AppDbContext db, Schedule schedule, Guid? channelId, ScheduleTiming timing, CancellationToken ct)
    {
        schedule.ChannelId = channelId;
        if (channelId is not { } id)
        {
            return [];
        }
        var channel = await Channels.ChannelPlanner.ChannelForScheduleAsync(db, id, "channelId", ct);
        return await channelRules.CheckScheduleAsync(db, channel, timing, schedule.Id, ct);
    }

    /// <summary>
    /// Compare-and-set of <see cref="Schedule.Version"/> inside the change's transaction: of two changes made
    /// from the same version, the second finds it gone (409) instead of overwriting the first.
    /// </summary>
    internal static async Task ClaimNextVersionAsync(AppDbContext db, Schedule schedule, CancellationToken ct)
    {
        var loaded = schedule.Version;
        var claimed = await db.Schedules
            .Where(s => s.Id == schedule.Id && s.Version == loaded)
            .ExecuteUpdateAsync(update => update.SetProperty(s => s.Version, loaded + 1), ct);
        if (claimed == 0)
        {
            throw new StaleVersionException("This schedule was changed by someone else at the same moment: reload it and apply your change again.");
        }
        schedule.Version = loaded + 1;
    }

    public async Task DeleteAsync(Guid id, CancellationToken ct = default)
    {
        current.RequireEditor();
        await using var db = await contexts.CreateDbContextAsync(ct);
        var schedule = await FindAsync(db, id, ct);
        // Deleting it would delete the series with it (cascade): the series is cancelled, not deleted.
        await RefuseIfPartOfSeriesAsync(db, id, "cancel", ct);
        db.Schedules.Remove(schedule);
        await outbox.AddScheduleEventAsync(db, schedule.WorkspaceId, Events.EventTypes.ScheduleDeleted, ToView(schedule), ct);
        await db.SaveChangesAsync(ct);
    }

    /// <summary>Stops runs; the next run is kept and shown, with the optional note.</summary>
    public Task<ScheduleView> PauseAsync(Guid id, string? note, CancellationToken ct = default)
    {
        var checkedNote = PauseNote(note);
        return TransitionAsync(id, ScheduleStatus.Paused, Events.EventTypes.SchedulePaused, (schedule, _, _) => schedule.PauseNote = checkedNote, ct);
    }

    /// <summary>The pause note as stored (trimmed, empty = none); a 400 when too long.</summary>
    internal static string? PauseNote(string? note)
    {
        var trimmed = note?.Trim();
        if (trimmed is { Length: > 500 })
        {
            throw new RequestValidationException("note", "A pause note is at most 500 characters.");
        }
        return string.IsNullOrEmpty(trimmed) ? null : trimmed;
    }

    /// <summary>
    /// Runs again. By default the next run is recomputed from now (missed occurrences are not run);
    /// with <paramref name="runMissed"/> the kept next run stays, so the dispatcher applies the
    /// schedule's missed-run policy to what was missed while paused.
    /// </summary>
    public Task<ScheduleView> ResumeAsync(Guid id, bool runMissed, CancellationToken ct = default) =>
        TransitionAsync(id, ScheduleStatus.Active, Events.EventTypes.ScheduleResumed, 
            // A series' missed episodes always go out (in order): none is dropped by resuming from now.
            (schedule, timing, partOfSeries) => Resumed(schedule, timing, runMissed || partOfSeries, Now), ct);

    internal static void Resumed(Schedule schedule, ScheduleTiming timing, bool runMissed, Instant now)
    {
        schedule.PauseNote = null;
        if (!runMissed || schedule.NextRunAt is null)
        {
            schedule.NextRunAt = NextRun(schedule, timing, now);
        }
    }

    public Task<ScheduleView> CancelAsync(Guid id, CancellationToken ct = default) =>
        TransitionAsync(id, ScheduleStatus.Cancelled, Events.EventTypes.ScheduleCancelled, (schedule, _, _) => Cancelled(schedule), ct);

    internal static void Cancelled(Schedule schedule)
    {
        schedule.NextRunAt = null;
        schedule.PauseNote = null;
    }

    public async Task<ScheduleView> CloneAsync(Guid id, string? name, CancellationToken ct = default)
    {
        current.RequireEditor();
        await using var db = await contexts.CreateDbContextAsync(ct);
        var source = await FindAsync(db, id, ct);
        var cloneName = string.IsNullOrWhiteSpace(name) ? $"{source.Name} (copy)" : name.Trim();
        if (cloneName.Length > ScheduleLimits.MaxNameLength)
        {
            cloneName = name is null ? cloneName[..ScheduleLimits.MaxNameLength] : throw new RequestValidationException("name", $"Name is at most {ScheduleLimits.MaxNameLength} characters.");
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var clone = new Schedule
        {
            Id = Guid.CreateVersion7(),
            WorkspaceId = source.WorkspaceId,
            Name = cloneName,
            Description = source.Description,
            JobType = source.JobType,
            JobConfig = source.JobConfig,
            ScheduleType = source.ScheduleType,
            TimeZone = source.TimeZone,
            ScheduledAt = source.ScheduledAt,
            RecurrenceRule = source.RecurrenceRule,
            RecurrenceStart = source.RecurrenceStart,
            CronExpression = source.CronExpression,
            Status = ScheduleStatus.Active,
            Priority = source.Priority,
            MaxRuns = source.MaxRuns,
            MissedPolicy = source.MissedPolicy,
            OverlapPolicy = source.OverlapPolicy,
            RetryStrategy = source.RetryStrategy,
            RetryMaxAttempts = source.RetryMaxAttempts,
            RetryBaseDelaySeconds = source.RetryBaseDelaySeconds,
            RetryMaxDelaySeconds = source.RetryMaxDelaySeconds,
            TimeoutSeconds = source.TimeoutSeconds,
            JitterSeconds = source.JitterSeconds,
            WebhookUrl = source.WebhookUrl,
            TitleTemplate = source.TitleTemplate,
            PipelineJson = source.PipelineJson,
            PublishAt = source.PublishAt,
            ChannelId = source.ChannelId,
            CreatedByUserId = current.RequireUser(),
            CreatedAt = now,
            UpdatedAt = now,
            Exceptions = [.. source.Exceptions.Select(e => new ScheduleException { Id = Guid.CreateVersion7(), WorkspaceId = e.WorkspaceId, Kind = e.Kind, Original = e.Original, Replacement = e.Replacement })],
        };
        // A clone starts fresh: no runs yet, next run from now (a past once-schedule has none and completes).
        clone.NextRunAt = NextRun(clone, ScheduleTiming.FromSchedule(clone), Now);
        if (clone.NextRunAt is null)
        {
            clone.Status = ScheduleStatus.Completed;
        }
        else if (await NeedsApprovalAsync(db, ct))
        {
            clone.Status = ScheduleStatus.Draft;
            clone.NextRunAt = null;
        }
        db.Schedules.Add(clone);
        var view = ToView(clone);
        await outbox.AddScheduleEventAsync(db, clone.WorkspaceId, Events.EventTypes.ScheduleCreated, view, ct);
        await db.SaveChangesAsync(ct);
        return view;
    }

    /// <summary>The next <paramref name="count"/> planned runs from now (none for a cancelled or completed schedule).</summary>
    public async Task<OccurrencesResponse> NextAsync(Guid id, int count, CancellationToken ct = default)
    {
        if (count is < 1 or > ScheduleLimits.MaxPreviewCount)
        {
            throw new RequestValidationException("count", $"Count is between 1 and {ScheduleLimits.MaxPreviewCount}.");
        }
        await using var db = await contexts.CreateDbContextAsync(ct);
        var schedule = await FindAsync(db, id, ct);
        var timing = ScheduleTiming.FromSchedule(schedule);
        if (schedule.Status is ScheduleStatus.Cancelled or ScheduleStatus.Completed)
        {
            return new OccurrencesResponse([], timing.Describe());
        }
        var remaining = schedule.MaxRuns is { } max ? Math.Max(0, max - schedule.RunCount) : int.MaxValue;
        var take = Math.Min(count, remaining);
        if (timing.Type == ScheduleType.Once)
        {
            var at = schedule.RunCount == 0 && take > 0 ? timing.NextAtOrAfter(Instant.MinValue) : null;
            return new OccurrencesResponse(at is { } instant ? [View(instant.InZone(timing.Zone), moved: false)] : [], timing.Describe());
        }
        var from = Now;
        var occurrences = timing.Set!.Next(from, take, inclusive: true);
        return new OccurrencesResponse([.. occurrences.Select(View)], timing.Describe());
    }

    /// <summary>Stateless preview of a rule (DTSTART and EXDATEs are local wall times in the zone).</summary>
    public static OccurrencesResponse Preview(PreviewRequest request, Instant now)
    {
        var errors = new List<ValidationError>();
        var count = request.Count ?? 10;
        if (count is < 1 or > ScheduleLimits.MaxPreviewCount)
        {
            errors.Add(new("count", $"Count is between 1 and {ScheduleLimits.MaxPreviewCount}."));
        }
        if (string.IsNullOrWhiteSpace(request.Timezone))
        {
            errors.Add(new("timezone", "Time zone is required (an IANA name such as America/New_York)."));
        }
        else if (!RecurrenceValidator.IsKnownTimeZone(request.Timezone))
        {
            errors.Add(new("timezone", $"'{request.Timezone}' is not a known IANA time zone."));
        }
        if (request.Dtstart is null)
        {
            errors.Add(new("dtstart", "Required: the local start, such as 2026-03-01T09:00:00."));
        }
        ThrowIfAny(errors);

        var input = new RecurrenceInput { Rrule = request.Rrule, Cron = request.Cron, Start = request.Dtstart, Exdates = request.Exdates };
        var rule = RecurrenceOnly(input, errors);
        var start = ScheduleTiming.ParseLocal(request.Dtstart, "dtstart", errors, required: true);
        var exdates = new List<LocalDateTime>();
        foreach (var (text, index) in (request.Exdates ?? []).Select((t, i) => (t, i)))
        {
            if (ScheduleTiming.ParseLocal(text, $"exdates[{index}]", errors, required: true) is { } value)
            {
                exdates.Add(value);
            }
        }
        ThrowIfAny(errors);

        // The preview shows the rule from its start, past occurrences included.
        var set = new RecurrenceSet(rule!, start!.Value, request.Timezone!) { ExDates = exdates };
        var validation = RecurrenceValidator.ValidateRule(rule);
        ThrowIfAny([.. validation.Errors.Select(e => e with { Field = e.Field == RecurrenceFields.Rule ? "rrule" : e.Field })]);
        return new OccurrencesResponse([.. set.Occurrences().Take(count).Select(View)], set.Describe());
    }

    private static RecurrenceRule? RecurrenceOnly(RecurrenceInput input, List<ValidationError> errors)
    {
        if ((input.Rrule is null) == (input.Cron is null))
        {
            errors.Add(new("rrule", "Give exactly one of rrule or cron."));
            return null;
        }
        var outcome = input.Rrule is not null ? RRuleText.Parse(input.Rrule) : CronText.Parse(input.Cron);
        errors.AddRange(outcome.Errors);
        return outcome.Value;
    }

    /// <param name="apply">The change; its last argument says whether the schedule is a series' (decision 0025).</param>
    private Task<ScheduleView> TransitionAsync(Guid id, ScheduleStatus target, string eventType, Action<Schedule, ScheduleTiming, bool> apply, CancellationToken ct) =>
        MutateAsync(id, eventType, target, (schedule, timing, partOfSeries) =>
        {
            if (TransitionProblem(schedule.Status, target) is { } problem)
            {
                throw new ConflictException($"The schedule {problem}.");
            }
            schedule.Status = target;
            apply(schedule, timing, partOfSeries);
        }, withdrawAhead: target != ScheduleStatus.Active, ct);

    /// <summary>A 409 naming the series when the schedule is one's: its definition changes only through the series.</summary>
    internal static async Task RefuseIfPartOfSeriesAsync(AppDbContext db, Guid scheduleId, string what, CancellationToken ct)
    {
        if (await Series.SeriesOwnership.OwnerAsync(db, scheduleId, ct) is { } series)
        {
            throw new Series.PartOfSeriesException(series, what);
        }
    }

    /// <summary>Why a schedule in <paramref name="from"/> cannot become <paramref name="target"/> ("is already paused"), or null when it can.</summary>
    internal static string? TransitionProblem(ScheduleStatus from, ScheduleStatus target) =>
        from == target && target != ScheduleStatus.Active ? $"is already {target.ToWire()}"
        : target == ScheduleStatus.Active && from is ScheduleStatus.Draft or ScheduleStatus.InReview
            ? $"is {from.ToWire()}: a {from.ToWire()} schedule runs once an Owner or Admin approves it, not by resuming it"
        : !ScheduleStatusMachine.CanTransition(from, target) ? $"is {from.ToWire()} and cannot become {target.ToWire()}"
        : null;

    private async Task<ScheduleView> MutateAsync(Guid id, string eventType, ScheduleStatus target, Action<Schedule, ScheduleTiming, bool> change, bool withdrawAhead, CancellationToken ct)
    {
        current.RequireEditor();
        await using var db = await contexts.CreateDbContextAsync(ct);
        var schedule = await FindAsync(db, id, ct);
        var partOfSeries = await Series.SeriesOwnership.OwnerAsync(db, id, ct) is not null;
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        await ClaimNextVersionAsync(db, schedule, ct);
        if (withdrawAhead)
        {
            await WithdrawClaimedAheadAsync(db, schedule, ct);
        }
        change(schedule, ScheduleTiming.FromSchedule(schedule), partOfSeries);
        schedule.UpdatedAt = clock.GetUtcNow().UtcDateTime;
        if (partOfSeries)
        {
            // Paused, resumed or cancelled from the schedule's side: the series follows (decision 0025).
            await Series.SeriesOwnership.FollowScheduleAsync(db, [id], target, schedule.UpdatedAt, ct);
        }
        var view = ToView(schedule);
        await outbox.AddScheduleEventAsync(db, schedule.WorkspaceId, eventType, view, ct);
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        return view;
    }

    /// <summary>
    /// An edit of one occurrence (the calendar's OccurrenceService): made like an edit of the schedule (its version
    /// is claimed, runs claimed ahead are taken back) by <paramref name="change"/>, which adds or removes the
    /// schedule's exceptions through the context it is given; the next run is then recomputed. <paramref name="check"/>
    /// (the channel's rules on a moved post) runs before the save: it throws to refuse, or returns warnings for the view.
    /// </summary>
    internal async Task<ScheduleView> ChangeOccurrencesAsync(Guid id, Action<AppDbContext, Schedule, ScheduleTiming, Instant> change, CancellationToken ct,
        Func<AppDbContext, Schedule, CancellationToken, Task<IReadOnlyList<Channels.RuleWarning>>>? check = null)
    {
        current.RequireEditor();
        await using var db = await contexts.CreateDbContextAsync(ct);
        var schedule = await FindAsync(db, id, ct);
        // Episode n is the n-th occurrence, planned at a fixed time: moving or skipping one is the series' to do.
        await RefuseIfPartOfSeriesAsync(db, id, "skip or edit episodes through", ct);
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        await ClaimNextVersionAsync(db, schedule, ct);
        await WithdrawClaimedAheadAsync(db, schedule, ct);
        if (schedule.Status is ScheduleStatus.Completed or ScheduleStatus.Cancelled)
        {
            throw new ConflictException($"A {schedule.Status.ToWire()} schedule plans no more runs: its occurrences cannot be changed.");
        }
        var now = Now;
        change(db, schedule, ScheduleTiming.FromSchedule(schedule), now);
        // Before the save: a refused change (a channel rule in block mode) leaves nothing behind.
        IReadOnlyList<Channels.RuleWarning> warnings = check is null ? [] : await check(db, schedule, ct);
        if (schedule.NextRunAt is { } next)
        {
            // From the kept next run when it is still due (missed runs stay the dispatcher's), else from now.
            var from = Instant.FromDateTimeUtc(next) < now ? Instant.FromDateTimeUtc(next) : now;
            schedule.NextRunAt = NextRun(schedule, ScheduleTiming.FromSchedule(schedule), from);
        }
        schedule.UpdatedAt = now.ToDateTimeUtc();
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        return ToView(schedule) with { Warnings = warnings };
    }

    /// <summary>
    /// "This and following": the schedule's rule ends just before <paramref name="from"/> (one of its future
    /// occurrences; its history is kept) and a new schedule made from <paramref name="input"/> starts at it (its
    /// recurrence starts there unless the input says otherwise); both are linked. One transaction.
    /// </summary>
    internal async Task<(ScheduleView Ended, ScheduleView Started)> SplitAsync(Guid id, Instant from, ScheduleInput input, CancellationToken ct)
    {
        var userId = current.RequireUser();
        var workspaceId = current.RequireWorkspace();
        current.RequireEditor();
        await EnsureDeliverableAsync(input.WebhookUrl, ct);
        await EnsurePipelineDeliverableAsync(input.Pipeline, ct);
        await using var db = await contexts.CreateDbContextAsync(ct);
        var original = await FindAsync(db, id, ct);
        await RefuseIfPartOfSeriesAsync(db, id, "edit", ct);
        var now = Now;
        if (original.ScheduleType == ScheduleType.Once)
        {
            throw new RequestValidationException("from", "A one-time schedule has no following occurrences: edit it instead.");
        }
        if (original.Status is ScheduleStatus.Completed or ScheduleStatus.Cancelled)
        {
            throw new ConflictException($"A {original.Status.ToWire()} schedule plans no more runs: it cannot be split.");
        }
        if (original.SplitIntoId is not null)
        {
            throw new ConflictException("This schedule was already split: edit the schedule that continues it.");
        }
        var timing = ScheduleTiming.FromSchedule(original);
        var bare = timing.Set! with { ExDates = [], Overrides = [] };
        if (bare.NextOccurrence(from, inclusive: true) is not { } occurrence || occurrence.Instant != from)
        {
            throw new NotFoundException("Occurrence");
        }
        if (from <= now)
        {
            throw new RequestValidationException("from", "This occurrence has already passed: split at a later one.");
        }
        var zoneId = string.IsNullOrWhiteSpace(input.Timezone) ? original.TimeZone : input.Timezone.Trim();
        if (input.Recurrence is { Start: null } recurrence && DateTimeZoneProviders.Tzdb.GetZoneOrNull(zoneId) is { } zone)
        {
            input = input with { Timezone = zoneId, Recurrence = recurrence with { Start = ScheduleTiming.FormatLocal(from.InZone(zone).LocalDateTime) } };
        }
        else if (input.Recurrence is null && input.ScheduledAt is null && input.ScheduleType is null or ScheduleType.Once && DateTimeZoneProviders.Tzdb.GetZoneOrNull(zoneId) is { } onceZone)
        {
            input = input with { Timezone = zoneId, ScheduledAt = ScheduleTiming.FormatLocal(from.InZone(onceZone).LocalDateTime) };
        }
        var (fields, newTiming) = Validate(input, await WorkspacePipelinesAsync(db, ct));

        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        await ClaimNextVersionAsync(db, original, ct);
        await WithdrawClaimedAheadAsync(db, original, ct);

        // UNTIL (UTC, exact whatever DST does) one second before the occurrence: it and every later one are gone. COUNT
        // cannot stand beside UNTIL (RFC 5545); as `from` is one of the rule's occurrences, UNTIL keeps exactly the earlier ones.
        var endedRule = timing.Set!.Rule with { Count = null, Until = RecurrenceUntil.AtInstant(from - Duration.FromSeconds(1)) };
        original.RecurrenceRule = RRuleText.Format(endedRule);
        original.CronExpression = null;
        var endedTiming = ScheduleTiming.FromSchedule(original);
        if (original.NextRunAt is { } next)
        {
            var nextFrom = Instant.FromDateTimeUtc(next) < now ? Instant.FromDateTimeUtc(next) : now;
            original.NextRunAt = NextRun(original, endedTiming, nextFrom);
            if (original.NextRunAt is null && original.Status == ScheduleStatus.Active)
            {
                original.Status = ScheduleStatus.Completed;
            }
        }
        var nowUtc = now.ToDateTimeUtc();
        original.UpdatedAt = nowUtc;

        var started = new Schedule
        {
            Id = Guid.CreateVersion7(),
            WorkspaceId = workspaceId,
            Name = fields.Name,
            TimeZone = newTiming.TimeZone,
            CreatedByUserId = userId,
            CreatedAt = nowUtc,
            UpdatedAt = nowUtc,
            Status = ScheduleStatus.Active,
            SplitFromId = original.Id,
        };
        Apply(started, fields, newTiming);
        started.NextRunAt = ToUtc(newTiming.NextAtOrAfter(now));
        original.SplitIntoId = started.Id;
        db.Schedules.Add(started);
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        return (ToView(original), ToView(started));
    }

    /// <summary>
    /// The dispatcher claims runs a few seconds ahead of their time (Execution:DispatchLookahead). When the
    /// schedule is edited, paused or cancelled before such a run started, the run is taken back (it no
    /// longer counts, and the schedule is as it was before the claim), so the change holds even a second
    /// before the run.
    /// </summary>
    internal async Task WithdrawClaimedAheadAsync(AppDbContext db, Schedule schedule, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var ahead = await db.Executions
            .Where(e => e.ScheduleId == schedule.Id && e.Status == ExecutionStatus.Pending && e.Attempts == 0 && !e.IsManual && e.ScheduledFor > now)
            .Select(e => new { e.Id, e.ScheduledFor })
            .ToListAsync(ct);
        if (ahead.Count == 0)
        {
            return;
        }
        var ids = ahead.Select(a => a.Id).ToList();
        // Only rows still untouched: a worker that started one meanwhile keeps it.
        var removed = await transitions.WithdrawAsync(db, ids, ct);
        if (removed == 0)
        {
            return;
        }
        schedule.RunCount = Math.Max(0, schedule.RunCount - removed);
        schedule.NextRunAt = ahead.Min(a => a.ScheduledFor);
        schedule.LastRunAt = await db.Executions
            .Where(e => e.ScheduleId == schedule.Id && !e.IsManual && e.Status != ExecutionStatus.Skipped && !ids.Contains(e.Id))
            .MaxAsync(e => (DateTime?)e.ScheduledFor, ct);
        if (schedule.Status == ScheduleStatus.Completed)
        {
            // Completed only by the runs claimed ahead: it has not run them yet.
            schedule.Status = ScheduleStatus.Active;
        }
    }

    /// <summary>
    /// A Creator changed what an approved schedule runs by another way than its own edit (a series' episode content, more
    /// episodes): it goes back to review as an edit does, its runs claimed ahead withdrawn, nothing run until approved
    /// again. In the caller's transaction; true when it went back.
    /// </summary>
    internal async Task<bool> ReturnToReviewAsync(AppDbContext db, Schedule schedule, string why, CancellationToken ct)
    {
        // Completed: a finished series given more episodes.
        if (schedule.Status is not (ScheduleStatus.Active or ScheduleStatus.Paused or ScheduleStatus.Completed) || !await NeedsApprovalAsync(db, ct))
        {
            return false;
        }
        await ClaimNextVersionAsync(db, schedule, ct);
        await WithdrawClaimedAheadAsync(db, schedule, ct);
        schedule.UpdatedAt = clock.GetUtcNow().UtcDateTime;
        MarkReturned(db, schedule, why);
        await outbox.AddScheduleEventAsync(db, schedule.WorkspaceId, Events.EventTypes.ScheduleUpdated, ToView(schedule), ct);
        return true;
    }

    /// <summary>Back to review with its planned runs held, and a "returned" entry in its review history.</summary>
    private void MarkReturned(AppDbContext db, Schedule schedule, string why)
    {
        schedule.Status = ScheduleStatus.InReview;
        schedule.NextRunAt = null;
        schedule.PauseNote = null;
        Approval.ApprovalService.Record(db, schedule, Approval.ReviewDecision.Returned, current.RequireUser(), why, schedule.UpdatedAt);
    }

    /// <summary>Does the current user's change need an approver's approval (the workspace requires it, and they are a Creator)?</summary>
    internal async Task<bool> NeedsApprovalAsync(AppDbContext db, CancellationToken ct)
    {
        if (current.Role != WorkspaceRole.Creator)
        {
            return false;
        }
        var workspaceId = current.RequireWorkspace();
        return await db.Workspaces.Where(w => w.Id == workspaceId).Select(w => w.RequireApproval).FirstOrDefaultAsync(ct);
    }

    internal static async Task<Schedule> FindAsync(AppDbContext db, Guid id, CancellationToken ct) =>
        await db.Schedules.Include(s => s.Exceptions).FirstOrDefaultAsync(s => s.Id == id, ct) ?? throw new NotFoundException("Schedule");

    /// <summary>The next run of a schedule that has run <see cref="Schedule.RunCount"/> times, from <paramref name="from"/>.</summary>
    internal static DateTime? NextRun(Schedule schedule, ScheduleTiming timing, Instant from)
    {
        if (schedule.MaxRuns is { } max && schedule.RunCount >= max)
        {
            return null;
        }
        if (timing.Type == ScheduleType.Once && schedule.RunCount > 0)
        {
            return null;
        }
        return ToUtc(timing.NextAtOrAfter(from));
    }

    private static DateTime? ToUtc(Instant? instant) => instant?.ToDateTimeUtc();

    private sealed record ValidatedFields(
        string Name, string? Description, JobType JobType, string JobConfig, SchedulePriority Priority, int? MaxRuns,
        MissedRunPolicy MissedPolicy, OverlapPolicy OverlapPolicy, RetryStrategy RetryStrategy, int RetryMaxAttempts,
        int RetryBaseDelaySeconds, int RetryMaxDelaySeconds, int? TimeoutSeconds, int JitterSeconds, string? WebhookUrl, string? TitleTemplate,
        string? PipelineJson = null, string? PublishAt = null);

    /// <summary>
    /// A new active schedule from <paramref name="input"/>, validated in memory (no database): null with the problems
    /// added to <paramref name="errors"/> when it is not valid. The one place a create (single, bulk, import) is checked.
    /// </summary>
    /// <param name="workspacePipelines">The workspace's own pipelines (<see cref="WorkspacePipelinesAsync"/>): publishAt needs a
    /// stage marked publishing in the pipeline the schedule will run.</param>
    internal Schedule? BuildNew(ScheduleInput input, Guid workspaceId, string userId, List<ValidationError> errors, WorkspacePipelines workspacePipelines)
    {
        var before = errors.Count;
        var checkedInput = Check(input, errors, workspacePipelines);
        if (errors.Count > before || checkedInput is not var (fields, timing))
        {
            return null;
        }
        var now = clock.GetUtcNow().UtcDateTime;
        var schedule = new Schedule
        {
            Id = Guid.CreateVersion7(),
            WorkspaceId = workspaceId,
            Name = fields.Name,
            TimeZone = timing.TimeZone,
            CreatedByUserId = userId,
            CreatedAt = now,
            UpdatedAt = now,
            Status = ScheduleStatus.Active,
        };
        Apply(schedule, fields, timing);
        schedule.NextRunAt = ToUtc(timing.NextAtOrAfter(Now));
        return schedule;
    }

    /// <summary>The timing <paramref name="input"/> would get when saved, or a 400 naming its fields: for checks before saving (Planning).</summary>
    internal ScheduleTiming TimingOf(ScheduleInput input) => Validate(input, WorkspacePipelines.None).Timing;

    /// <summary>As <see cref="WorkspacePipelinesAsync(AppDbContext, CancellationToken)"/>, in a context of its own.</summary>
    internal async Task<WorkspacePipelines> WorkspacePipelinesAsync(CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await WorkspacePipelinesAsync(db, ct);
    }

    /// <summary>The current workspace's own pipelines by job type, read once for the checks of a save.</summary>
    internal async Task<WorkspacePipelines> WorkspacePipelinesAsync(AppDbContext db, CancellationToken ct)
    {
        var rows = await db.WorkspacePipelines.AsNoTracking().Select(p => new { p.JobType, p.StagesJson }).ToListAsync(ct);
        return new WorkspacePipelines(rows.ToDictionary(r => r.JobType, r => Pipelines.Pipelines.Deserialize(r.StagesJson)));
    }

    private (ValidatedFields Fields, ScheduleTiming Timing) Validate(ScheduleInput input, WorkspacePipelines workspacePipelines)
    {
        var errors = new List<ValidationError>();
        var result = Check(input, errors, workspacePipelines);
        ThrowIfAny(errors);
        return result!.Value;
    }

    private (ValidatedFields Fields, ScheduleTiming Timing)? Check(ScheduleInput input, List<ValidationError> outer, WorkspacePipelines workspacePipelines)
    {
        // Each check below looks at its own list (ScheduleTiming.Parse gives up when it finds any problem in it).
        var errors = new List<ValidationError>();
        var name = input.Name?.Trim() ?? "";
        if (name.Length is 0 or > ScheduleLimits.MaxNameLength)
        {
            errors.Add(new("name", $"Name is required, 1 to {ScheduleLimits.MaxNameLength} characters."));
        }
        var description = string.IsNullOrWhiteSpace(input.Description) ? null : input.Description.Trim();
        if (description is { Length: > ScheduleLimits.MaxDescriptionLength })
        {
            errors.Add(new("description", $"Description is at most {ScheduleLimits.MaxDescriptionLength} characters."));
        }
        if (input.JobType is null)
        {
            errors.Add(new("jobType", $"Job type is required: {string.Join(", ", WireNames.All<JobType>())}."));
        }
        var jobConfig = "{}";
        if (input.JobConfig is { ValueKind: not JsonValueKind.Null and not JsonValueKind.Undefined } config)
        {
            if (config.ValueKind != JsonValueKind.Object)
            {
                errors.Add(new("jobConfig", "Job config must be a JSON object, such as {\"format\": \"mp4\"}."));
            }
            jobConfig = config.GetRawText();
            if (jobConfig.Length > ScheduleLimits.MaxJobConfigLength)
            {
                errors.Add(new("jobConfig", $"Job config is at most {ScheduleLimits.MaxJobConfigLength / 1024} KB."));
            }
        }
        if (input.MaxRuns is < 1 or > 1_000_000)
        {
            errors.Add(new("maxRuns", "Max runs is between 1 and 1,000,000, or empty for no limit."));
        }
        var retry = input.Retry;
        var strategy = retry?.Strategy ?? RetryStrategy.None;
        var attempts = retry?.MaxAttempts ?? (strategy == RetryStrategy.None ? 1 : 3);
        var baseDelay = retry?.BaseDelaySeconds ?? 30;
        var maxDelay = retry?.MaxDelaySeconds ?? 3600;
        if (attempts is < 1 or > ScheduleLimits.MaxRetryAttempts)
        {
            errors.Add(new("retry.maxAttempts", $"Attempts are between 1 and {ScheduleLimits.MaxRetryAttempts} (1 = no retry)."));
        }
        if (baseDelay is < 1 or > 86_400)
        {
            errors.Add(new("retry.baseDelaySeconds", "The base delay is between 1 second and 1 day."));
        }
        if (maxDelay < baseDelay || maxDelay > 7 * 86_400)
        {
            errors.Add(new("retry.maxDelaySeconds", "The delay cap is at least the base delay and at most 7 days."));
        }
        if (input.TimeoutSeconds is < 1 or > ScheduleLimits.MaxTimeoutSeconds)
        {
            errors.Add(new("timeoutSeconds", "The timeout is between 1 second and 24 hours, or empty for the default."));
        }
        if (input.JitterSeconds is < 0 or > Jitter.MaxSeconds)
        {
            errors.Add(new("jitterSeconds", $"Jitter is between 0 and {Jitter.MaxSeconds} seconds (an hour)."));
        }
        var webhook = string.IsNullOrWhiteSpace(input.WebhookUrl) ? null : input.WebhookUrl.Trim();
        if (webhook is not null && (webhook.Length > 2000 || !Uri.TryCreate(webhook, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")))
        {
            errors.Add(new("webhookUrl", "The webhook URL must be an absolute http(s) URL."));
        }
        var template = string.IsNullOrWhiteSpace(input.TitleTemplate) ? null : input.TitleTemplate.Trim();
        if (template is { Length: > 500 })
        {
            errors.Add(new("titleTemplate", "The title template is at most 500 characters."));
        }
        var pipeline = input.Pipeline is null ? null : Pipelines.Pipelines.Check(input.Pipeline, "pipeline", errors);

        var timing = ScheduleTiming.Parse(input, Now, errors);
        var publishAt = CheckPublishAt(input, timing, pipeline, workspacePipelines, errors);
        if (errors.Count > 0)
        {
            outer.AddRange(errors);
            return null;
        }
        var fields = new ValidatedFields(name, description, input.JobType!.Value, jobConfig, input.Priority ?? SchedulePriority.Normal, input.MaxRuns,
            input.MissedPolicy ?? MissedRunPolicy.RunLatest, input.OverlapPolicy ?? OverlapPolicy.Skip, strategy, attempts, baseDelay, maxDelay,
            input.TimeoutSeconds, input.JitterSeconds ?? 0, webhook, template, pipeline is null ? null : Pipelines.Pipelines.Serialize(pipeline), publishAt?.Text);
        return (fields, timing!);
    }

    /// <summary>
    /// A schedule's publish time: readable, a wall time only for a one-time schedule and not before its production, and a
    /// pipeline that has something to hold: the one its runs will run (its own, else the workspace's for the job type,
    /// else the built-in one). A workspace pipeline losing its publishing stage later is refused there (PipelineService).
    /// </summary>
    private static PublishTime? CheckPublishAt(ScheduleInput input, ScheduleTiming? timing, IReadOnlyList<Pipelines.PipelineStage>? ownPipeline,
        WorkspacePipelines workspacePipelines, List<ValidationError> errors)
    {
        if (string.IsNullOrWhiteSpace(input.PublishAt))
        {
            return null;
        }
        var parsed = PublishTime.Parse(input.PublishAt);
        if (!parsed.IsSuccess)
        {
            errors.AddRange(parsed.Errors);
            return null;
        }
        var rule = parsed.Value!;
        if (timing is not null && !rule.IsOffset)
        {
            if (timing.Type != ScheduleType.Once)
            {
                errors.Add(new("publishAt", "A recurring schedule publishes each run at an offset after its occurrence, such as +2d@12:00 or +3h: a single date would hold every run until then."));
            }
            else if (timing.ScheduledAt is { } production && rule.At < production)
            {
                errors.Add(new("publishAt", $"publishAt {rule.Text} is before production ({ScheduleTiming.FormatLocal(production)}): publishing never goes before production."));
            }
        }
        var workspaceStages = ownPipeline is null && input.JobType is { } type ? workspacePipelines.Of(type) : null;
        var stages = ownPipeline ?? workspaceStages ?? (input.JobType is { } jobType ? Pipelines.Pipelines.Default(jobType) : null);
        if (stages is not null && !stages.Any(s => s.Publishing))
        {
            errors.Add(new("publishAt",
                ownPipeline is not null ? "The schedule's pipeline has no stage marked publishing: mark the stage that publishes (upload, send), or leave publishAt empty."
                : workspaceStages is not null ? $"The workspace's pipeline for {input.JobType!.Value.ToWire()} (Settings › Pipelines) has no stage marked publishing: mark the stage that publishes there, give the schedule its own pipeline, or leave publishAt empty."
                : $"Job type {input.JobType!.Value.ToWire()} runs one stage, with nothing to hold for publishing: give the schedule a pipeline with a stage marked publishing, or leave publishAt empty."));
        }
        return rule;
    }

    // A webhook URL this instance would refuse to deliver to is said when it is saved, not when a run fails. It may
    // wait for DNS, so an update checks it before its transaction; a URL that is not http(s) at all is Validate's.
    internal Task EnsureDeliverableAsync(string? webhookUrl, CancellationToken ct) =>
        Uri.TryCreate(webhookUrl?.Trim(), UriKind.Absolute, out var url) && url.Scheme is "http" or "https"
            ? webhookTargets.EnsureDeliverableAsync(url, "webhookUrl", ct)
            : Task.CompletedTask;

    /// <summary>The own targets of a pipeline's stages, through the same policy (400 naming the stage's field).</summary>
    internal Task EnsurePipelineDeliverableAsync(string? pipelineJson, CancellationToken ct) =>
        pipelineJson is null ? Task.CompletedTask : EnsurePipelineDeliverableAsync(new Pipelines.PipelineInput(Pipelines.Pipelines.Deserialize(pipelineJson)), ct);

    internal async Task EnsurePipelineDeliverableAsync(Pipelines.PipelineInput? pipeline, CancellationToken ct)
    {
        var stages = pipeline?.Stages ?? [];
        for (var i = 0; i < stages.Count; i++)
        {
            if (Uri.TryCreate(stages[i]?.Target?.Trim(), UriKind.Absolute, out var url) && url.Scheme is "http" or "https")
            {
                await webhookTargets.EnsureDeliverableAsync(url, $"pipeline.stages[{i}].target", ct);
            }
        }
    }

    internal static void ThrowIfAny(List<ValidationError> errors)
    {
        if (errors.Count > 0)
        {
            throw new RequestValidationException(new ValidationResult(errors).ToDictionary());
        }
    }

    private static void Apply(Schedule schedule, ValidatedFields fields, ScheduleTiming timing)
    {
        schedule.Name = fields.Name;
        schedule.Description = fields.Description;
        schedule.JobType = fields.JobType;
        schedule.JobConfig = fields.JobConfig;
        schedule.Priority = fields.Priority;
        schedule.MaxRuns = fields.MaxRuns;
        schedule.MissedPolicy = fields.MissedPolicy;
        schedule.OverlapPolicy = fields.OverlapPolicy;
        schedule.RetryStrategy = fields.RetryStrategy;
        schedule.RetryMaxAttempts = fields.RetryMaxAttempts;
        schedule.RetryBaseDelaySeconds = fields.RetryBaseDelaySeconds;
        schedule.RetryMaxDelaySeconds = fields.RetryMaxDelaySeconds;
        schedule.TimeoutSeconds = fields.TimeoutSeconds;
        schedule.JitterSeconds = fields.JitterSeconds;
        schedule.WebhookUrl = fields.WebhookUrl;
        schedule.TitleTemplate = fields.TitleTemplate;
        schedule.PipelineJson = fields.PipelineJson;
        schedule.PublishAt = fields.PublishAt;
        schedule.ScheduleType = timing.Type;
        schedule.TimeZone = timing.TimeZone;
        schedule.ScheduledAt = timing.ScheduledAt is { } at ? ScheduleTiming.FormatLocal(at) : null;
        schedule.CronExpression = timing.Cron;
        if (timing.Set is { } set)
        {
            schedule.RecurrenceRule = RRuleText.Format(set.Rule);
            schedule.RecurrenceStart = ScheduleTiming.FormatLocal(set.Start);
            schedule.Exceptions.AddRange(set.ExDates.Select(d => NewException(schedule, ScheduleExceptionKind.Skip, ScheduleTiming.FormatLocal(d), null)));
            schedule.Exceptions.AddRange(set.Overrides.Select(o => NewException(schedule, ScheduleExceptionKind.Move, ScheduleTiming.FormatLocal(o.Original), ScheduleTiming.FormatLocal(o.Replacement))));
            schedule.Exceptions.AddRange(set.BlackoutDates.Select(d => NewException(schedule, ScheduleExceptionKind.Blackout, ScheduleTiming.FormatLocal(d.AtMidnight()), null)));
        }
        else
        {
            schedule.RecurrenceRule = null;
            schedule.RecurrenceStart = null;
        }
    }

    private static ScheduleException NewException(Schedule schedule, ScheduleExceptionKind kind, string original, string? replacement) => new()
    {
        Id = Guid.CreateVersion7(),
        WorkspaceId = schedule.WorkspaceId,
        ScheduleId = schedule.Id,
        Kind = kind,
        Original = original,
        Replacement = replacement,
    };

    internal static OccurrenceView View(Occurrence occurrence) =>
        new(ScheduleTiming.FormatLocal(occurrence.Local), occurrence.Instant.ToDateTimeUtc(), OffsetPattern.GeneralInvariantWithZ.Format(occurrence.Offset), occurrence.IsMoved);

    private static OccurrenceView View(ZonedDateTime at, bool moved) =>
        new(ScheduleTiming.FormatLocal(at.LocalDateTime), at.ToInstant().ToDateTimeUtc(), OffsetPattern.GeneralInvariantWithZ.Format(at.Offset), moved);

    public static ScheduleView ToView(Schedule s)
    {
        var timing = ScheduleTiming.FromSchedule(s);
        var nextRunAt = s.NextRunAt;
        if (nextRunAt is { } engineNext && timing.Set is { ExDates.Count: > 0 } skipping)
        {
            // The engine's next run may be an occurrence skipped by hand (it records it then); people see the next real run.
            nextRunAt = skipping.NextOccurrence(Instant.FromDateTimeUtc(DateTime.SpecifyKind(engineNext, DateTimeKind.Utc)), inclusive: true)?.Instant.ToDateTimeUtc();
        }
        string? nextLocal = nextRunAt is { } next
            ? ScheduleTiming.FormatLocal(Instant.FromDateTimeUtc(DateTime.SpecifyKind(next, DateTimeKind.Utc)).InZone(timing.Zone).LocalDateTime)
            : null;
        RecurrenceView? recurrence = timing.Set is { } set
            ? new RecurrenceView(
                s.RecurrenceRule!,
                s.RecurrenceStart!,
                s.CronExpression,
                [.. set.ExDates.Select(ScheduleTiming.FormatLocal)],
                [.. set.Overrides.Select(o => new OccurrenceMove(ScheduleTiming.FormatLocal(o.Original), ScheduleTiming.FormatLocal(o.Replacement)))],
                [.. set.BlackoutDates.Select(ScheduleTiming.FormatDate)],
                set.Describe())
            : null;
        using var config = JsonDocument.Parse(s.JobConfig);
        return new ScheduleView(
            s.Id, s.Name, s.Description, s.JobType, config.RootElement.Clone(), s.ScheduleType, s.ScheduledAt, s.TimeZone, recurrence,
            timing.Describe(), s.Status, s.Priority, nextRunAt, nextLocal, s.LastRunAt, s.RunCount, s.MaxRuns, s.MissedPolicy, s.OverlapPolicy,
            new RetryView(s.RetryMaxAttempts, s.RetryStrategy, s.RetryBaseDelaySeconds, s.RetryMaxDelaySeconds),
            s.TimeoutSeconds, s.JitterSeconds, s.WebhookUrl, s.TitleTemplate, s.PauseNote, s.CreatedAt, s.UpdatedAt, s.Version,
            s.SplitFromId, s.SplitIntoId)
        {
            ChannelId = s.ChannelId,
            Pipeline = s.PipelineJson is null ? null : new Pipelines.PipelineInput(Pipelines.Pipelines.Deserialize(s.PipelineJson)),
            PublishAt = s.PublishAt,
            PublishAtDescription = s.PublishAt is null ? null : PublishTime.Parse(s.PublishAt).Value?.Describe(),
        };
    }
}

/// <summary>A workspace's own pipelines by job type (absent: the built-in one), for the checks of a save.</summary>
internal sealed record WorkspacePipelines(IReadOnlyDictionary<JobType, IReadOnlyList<Pipelines.PipelineStage>> ByJobType)
{
    public static readonly WorkspacePipelines None = new(new Dictionary<JobType, IReadOnlyList<Pipelines.PipelineStage>>());

    public IReadOnlyList<Pipelines.PipelineStage>? Of(JobType jobType) => ByJobType.GetValueOrDefault(jobType);
}
