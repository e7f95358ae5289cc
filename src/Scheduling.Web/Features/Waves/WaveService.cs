using Microsoft.EntityFrameworkCore;
using NodaTime;
using Scheduling.Core.Channels;
using Scheduling.Core.Common;
using Scheduling.Core.Scheduling;
using Scheduling.Web.Api;
using Scheduling.Web.Data;
using Scheduling.Web.Features.Channels;
using Scheduling.Web.Features.Content;
using Scheduling.Web.Features.Schedules;
using Scheduling.Web.Features.Workspaces;

namespace Scheduling.Web.Features.Waves;

/// <summary>
/// Waves: one content item released across channels in one request, all or nothing. Each item is an ordinary one-time
/// schedule on its channel (the engine runs it as every schedule), checked by ChannelPlanner like any post; a wave
/// is paused, resumed, cancelled and moved as a unit. A Creator's wave in an approval workspace is made of drafts.
/// </summary>
public sealed class WaveService(IDbContextFactory<AppDbContext> contexts, WorkspaceContext current, TimeProvider clock,
    ScheduleService schedules, ChannelPlanner planner, Events.LifecycleOutbox outbox)
{
    private Instant Now => Instant.FromDateTimeOffset(clock.GetUtcNow());

    /// <summary>A wave's input, validated: the content, its channels in the order given, and the start for timed modes.</summary>
    private sealed record WavePlan(ContentItem Content, Channel[] Channels, WaveMode Mode, LocalDateTime? At, string? ZoneName, Instant? Start, WaveInput Input)
    {
        /// <summary>Minutes after the start for channel <paramref name="index"/> (simultaneous and staggered).</summary>
        public int OffsetOf(int index) => Mode == WaveMode.Simultaneous ? 0
            : Input.Offsets?.GetValueOrDefault(Channels[index].Id) ?? (Input.Offsets is null ? index * (Input.StaggerMinutes ?? 0) : 0);

        /// <summary>Channel <paramref name="index"/>'s time in the timed modes (simultaneous and staggered): the start plus its offset.</summary>
        public Instant TimeOf(int index) => Start!.Value + Duration.FromMinutes(OffsetOf(index));
    }

    public async Task<WaveView> CreateAsync(WaveInput input, CancellationToken ct = default)
    {
        var workspaceId = current.RequireWorkspace();
        var userId = current.RequireUser();
        current.RequireEditor();
        var plan = await PlanAsync(input, ct);
        await using (var db = await contexts.CreateDbContextAsync(ct))
        {
            if ((await ChannelService.PlannedOnAsync(db, plan.Channels, plan.Content, ct)).Values.FirstOrDefault() is { } planned)
            {
                throw new ConflictException(planned);
            }
        }
        var (content, channels, mode, at, zoneName, start) = (plan.Content, plan.Channels, plan.Mode, plan.At, plan.ZoneName, plan.Start);
        for (var attempt = 1; ; attempt++)
        {
            await using var db = await contexts.CreateDbContextAsync(ct);
            var wave = new Wave
            {
                Id = Guid.CreateVersion7(),
                WorkspaceId = workspaceId,
                ContentId = content.Id,
                Name = content.Title,
                Mode = mode,
                At = at is { } a ? ScheduleTiming.FormatLocal(a) : null,
                TimeZone = zoneName ?? channels[0].TimeZone,
                CreatedByUserId = userId,
                CreatedAt = clock.GetUtcNow().UtcDateTime,
            };
            wave.UpdatedAt = wave.CreatedAt;
            db.Waves.Add(wave);
            var draft = await schedules.NeedsApprovalAsync(db, ct);
            var warnings = new List<RuleWarning>();
            if (mode != WaveMode.Independent)
            {
                // Every channel's rules in one read of their posts; block mode names the first channel that refuses.
                warnings.AddRange(await planner.CheckManyAsync(db, [.. channels.Select((c, i) => (c, plan.TimeOf(i)))], ct));
            }
            var placed = new List<(Channel Channel, Schedule Schedule)>();
            for (var i = 0; i < channels.Length; i++)
            {
                var channel = channels[i];
                Instant when;
                DateTime? slotAt = null;
                if (mode == WaveMode.Independent)
                {
                    var from = Instant.Max(Now + Duration.FromMinutes(1), start ?? Instant.MinValue);
                    var slot = await ChannelQueue.NextFreeSlotAsync(db, channel, from, ChannelLimits.QueueSearchDays, ct)
                        ?? throw new ConflictException($"Channel '{channel.Name}' has no free posting slot in the next {ChannelLimits.QueueSearchDays} days.");
                    when = slot.At;
                    slotAt = when.ToDateTimeUtc();
                    await ChannelQueue.ReleaseStaleClaimAsync(db, channel.Id, when, ct);
                    // Names the channel in a 409 (block mode); warnings otherwise.
                    warnings.AddRange(await planner.CheckAsync(db, channel, [when], null, ct));
                }
                else
                {
                    when = plan.TimeOf(i);
                }
                var localTime = when.InZone(DateTimeZoneProviders.Tzdb[channel.TimeZone]).LocalDateTime;
                var schedule = await schedules.NewAsync(ChannelService.QueuedSchedule(channel, new SlotInstance(localTime.Date, localTime.TimeOfDay, when),
                    new QueueInput { Name = $"{content.Title} · {channel.Name}" }, content) with { PublishAt = input.PublishAt }, ct);
                schedule.ChannelId = channel.Id;
                if (draft)
                {
                    schedule.Status = ScheduleStatus.Draft;
                    schedule.NextRunAt = null;
                }
                db.Schedules.Add(schedule);
                db.ChannelPosts.Add(new ChannelPost
                {
                    Id = Guid.CreateVersion7(), WorkspaceId = workspaceId, ScheduleId = schedule.Id, ChannelId = channel.Id,
                    ContentId = content.Id, WaveId = wave.Id, SlotAt = slotAt,
                });
                await outbox.AddScheduleEventAsync(db, workspaceId, Events.EventTypes.ScheduleCreated, ScheduleService.ToView(schedule), ct);
                placed.Add((channel, schedule));
            }
            try
            {
                await db.SaveChangesAsync(ct);
            }
            catch (DbUpdateException) when (mode == WaveMode.Independent && attempt < ChannelQueue.MaxAttempts)
            {
                // An add to queue took one of the slots meanwhile: place the whole wave again.
                continue;
            }
            return View(wave, [.. placed.Select(p => Item(p.Channel, p.Schedule, null))]) with { Warnings = warnings };
        }
    }

    /// <summary>
    /// What creating the wave would do, saving nothing: each channel's time (in its own zone) and what it would meet there,
    /// conflicts that would refuse the wave (block mode, or the content already planned on the channel) and warnings.
    /// Invalid input is a 400 as on create; independent items take the slot the queue would give now.
    /// </summary>
    public async Task<WavePreview> PreviewAsync(WaveInput input, CancellationToken ct = default)
    {
        current.RequireEditor();
        var plan = await PlanAsync(input, ct);
        await using var db = await contexts.CreateDbContextAsync(ct);
        var planned = await ChannelService.PlannedOnAsync(db, plan.Channels, plan.Content, ct);
        var times = new Instant?[plan.Channels.Length];
        for (var i = 0; i < plan.Channels.Length; i++)
        {
            if (plan.Mode == WaveMode.Independent)
            {
                var from = Instant.Max(Now + Duration.FromMinutes(1), plan.Start ?? Instant.MinValue);
                times[i] = (await ChannelQueue.NextFreeSlotAsync(db, plan.Channels[i], from, ChannelLimits.QueueSearchDays, ct))?.At;
            }
            else
            {
                times[i] = plan.TimeOf(i);
            }
        }
        // Every channel's rules in one read of their posts.
        var timed = Enumerable.Range(0, times.Length).Where(i => times[i] is not null).ToList();
        var checks = await planner.PreviewManyAsync(db, [.. timed.Select(i => (plan.Channels[i], times[i]!.Value))], ct);
        var checkOf = timed.Select((channelIndex, k) => (channelIndex, k)).ToDictionary(x => x.channelIndex, x => checks[x.k]);
        var items = new List<WavePreviewItem>(plan.Channels.Length);
        for (var i = 0; i < plan.Channels.Length; i++)
        {
            var channel = plan.Channels[i];
            var when = times[i];
            var conflicts = new List<RuleWarning>();
            if (planned.TryGetValue(channel.Id, out var message))
            {
                conflicts.Add(new RuleWarning(AlreadyPlanned, message, null));
            }
            if (when is null)
            {
                conflicts.Add(new RuleWarning(NoFreeSlot, $"Channel '{channel.Name}' has no free posting slot in the next {ChannelLimits.QueueSearchDays} days.", null));
            }
            var warnings = new List<RuleWarning>();
            if (checkOf.TryGetValue(i, out var check))
            {
                conflicts.AddRange(check.Conflicts);
                warnings.AddRange(check.Warnings);
            }
            var local = when?.InZone(DateTimeZoneProviders.Tzdb[channel.TimeZone]).LocalDateTime;
            items.Add(new WavePreviewItem(channel.Id, channel.Name, channel.Color, channel.TimeZone, channel.ConflictMode, when?.ToDateTimeUtc(),
                local is { } l ? ScheduleTiming.FormatLocal(l) : null, conflicts, warnings));
        }
        return new WavePreview(items);
    }

    /// <summary>Preview codes beyond the channel rules' own.</summary>
    public const string AlreadyPlanned = "already_planned";
    public const string NoFreeSlot = "no_free_slot";

    /// <summary>Validates the input (400 listing every problem) and reads its content and channels (a past time is a 400).</summary>
    private async Task<WavePlan> PlanAsync(WaveInput input, CancellationToken ct)
    {
        var errors = new List<ValidationError>();
        if (input.ContentId is null)
        {
            errors.Add(new("contentId", "Content is required: the content item the wave releases."));
        }
        var channelIds = input.ChannelIds ?? [];
        if (channelIds.Count is 0 or > WaveLimits.MaxChannels)
        {
            errors.Add(new("channelIds", $"A wave goes to 1 to {WaveLimits.MaxChannels} channels."));
        }
        else if (channelIds.Distinct().Count() != channelIds.Count)
        {
            errors.Add(new("channelIds", "Each channel once."));
        }
        if (input.Mode is null)
        {
            errors.Add(new("mode", $"Mode is required: {string.Join(", ", WireNames.All<WaveMode>())}."));
        }
        var zoneName = input.Timezone?.Trim();
        DateTimeZone? zone = null;
        if (!string.IsNullOrEmpty(zoneName))
        {
            zone = Core.Recurrence.RecurrenceValidator.IsKnownTimeZone(zoneName) ? DateTimeZoneProviders.Tzdb[zoneName] : null;
            if (zone is null)
            {
                errors.Add(new("timezone", $"'{zoneName}' is not a known IANA time zone."));
            }
        }
        var at = ScheduleTiming.ParseLocal(input.At, "at", errors, required: input.Mode is WaveMode.Simultaneous or WaveMode.Staggered);
        if (at is not null && string.IsNullOrEmpty(zoneName))
        {
            errors.Add(new("timezone", "Time zone is required with a time (an IANA name such as Europe/Paris)."));
        }
        if (input.StaggerMinutes is < 0 or > WaveLimits.MaxOffsetMinutes)
        {
            errors.Add(new("staggerMinutes", $"Stagger is between 0 and {WaveLimits.MaxOffsetMinutes} minutes."));
        }
        foreach (var (channelId, minutes) in input.Offsets ?? new Dictionary<Guid, int>())
        {
            if (!channelIds.Contains(channelId))
            {
                errors.Add(new("offsets", $"Offset for {channelId}, which is not one of the wave's channels."));
            }
            else if (minutes is < 0 or > WaveLimits.MaxOffsetMinutes)
            {
                errors.Add(new($"offsets.{channelId}", $"An offset is between 0 and {WaveLimits.MaxOffsetMinutes} minutes."));
            }
        }
        if (input.Mode == WaveMode.Staggered && input.StaggerMinutes is null && input.Offsets is null)
        {
            errors.Add(new("staggerMinutes", "A staggered wave needs staggerMinutes or offsets."));
        }
        ScheduleService.ThrowIfAny(errors);

        Channel[] channels;
        ContentItem content;
        await using (var db = await contexts.CreateDbContextAsync(ct))
        {
            content = await ContentService.ForPlanningAsync(db, input.ContentId!.Value, "contentId", ct);
            var found = await db.Channels.AsNoTracking().Where(c => channelIds.Contains(c.Id)).ToDictionaryAsync(c => c.Id, ct);
            var missing = channelIds.Select((id, i) => (id, i)).Where(x => !found.ContainsKey(x.id)).ToList();
            if (missing.Count > 0)
            {
                throw new RequestValidationException(new ValidationResult([.. missing.Select(m => new ValidationError($"channelIds[{m.i}]", "No such channel in this workspace."))]).ToDictionary());
            }
            channels = [.. channelIds.Select(id => found[id])];
        }
        var mode = input.Mode!.Value;
        var start = at is { } local ? ScheduleTiming.ToInstant(local, zone!) : (Instant?)null;
        if (mode != WaveMode.Independent && start < Now)
        {
            throw new RequestValidationException("at", "The time is in the past: a wave must be in the future.");
        }
        return new WavePlan(content, channels, mode, at, zoneName, start, input);
    }

    public async Task<PagedResult<WaveView>> ListAsync(int page, int pageSize, CancellationToken ct = default)
    {
        current.RequireWorkspace();
        if (page < 1)
        {
            throw new RequestValidationException("page", "Page starts at 1.");
        }
        if (pageSize is < 1 or > WaveLimits.MaxPageSize)
        {
            throw new RequestValidationException("pageSize", $"Page size is between 1 and {WaveLimits.MaxPageSize}.");
        }
        await using var db = await contexts.CreateDbContextAsync(ct);
        var total = await db.Waves.CountAsync(ct);
        var waves = await db.Waves.AsNoTracking().OrderByDescending(w => w.CreatedAt).ThenBy(w => w.Id).Skip((page - 1) * pageSize).Take(pageSize).ToListAsync(ct);
        var views = new List<WaveView>(waves.Count);
        foreach (var wave in waves)
        {
            views.Add(await LoadAsync(db, wave, withRuns: false, ct));
        }
        return new PagedResult<WaveView>(views, total, page, pageSize);
    }

    public async Task<WaveView> GetAsync(Guid id, CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await LoadAsync(db, await FindAsync(db, id, ct), withRuns: true, ct);
    }

    /// <summary>Pauses every active item (items already done are left as they are).</summary>
    public Task<WaveView> PauseAsync(Guid id, string? note, CancellationToken ct = default) =>
        EachAsync(id, s => s.Status == ScheduleStatus.Active, (scheduleId, token) => schedules.PauseAsync(scheduleId, note, token), ct);

    public Task<WaveView> ResumeAsync(Guid id, bool runMissed, CancellationToken ct = default) =>
        EachAsync(id, s => s.Status == ScheduleStatus.Paused, (scheduleId, token) => schedules.ResumeAsync(scheduleId, runMissed, token), ct);

    /// <summary>Cancels every item not yet done; what was published stays in the history.</summary>
    public Task<WaveView> CancelAsync(Guid id, CancellationToken ct = default) =>
        EachAsync(id, s => s.Status is ScheduleStatus.Active or ScheduleStatus.Paused or ScheduleStatus.Draft or ScheduleStatus.InReview,
            (scheduleId, token) => schedules.CancelAsync(scheduleId, token), ct);

    /// <summary>
    /// Moves every item not yet run by the same amount, in one transaction: each new time is checked against its channel
    /// (a past time is a 400, a blocking rule a 409 naming the channel; nothing moves then).
    /// </summary>
    public async Task<WaveView> MoveAsync(Guid id, WaveMoveInput input, CancellationToken ct = default)
    {
        current.RequireEditor();
        if (input.ByMinutes is not { } minutes || minutes == 0 || Math.Abs(minutes) > WaveLimits.MaxMoveMinutes)
        {
            throw new RequestValidationException("byMinutes", $"Move by a number of minutes other than 0, at most {WaveLimits.MaxMoveMinutes} either way.");
        }
        await using var db = await contexts.CreateDbContextAsync(ct);
        var wave = await FindAsync(db, id, ct);
        var links = await db.ChannelPosts.Where(p => p.WaveId == id).ToListAsync(ct);
        var scheduleIds = links.Select(l => l.ScheduleId).ToList();
        var items = await db.Schedules.Include(s => s.Exceptions).Where(s => scheduleIds.Contains(s.Id)).ToListAsync(ct);
        var movable = items.Where(s => s.ScheduleType == ScheduleType.Once && s.RunCount == 0 && s.ScheduledAt is not null
            && s.Status is ScheduleStatus.Active or ScheduleStatus.Paused or ScheduleStatus.Draft or ScheduleStatus.InReview).ToList();
        if (movable.Count == 0)
        {
            throw new ConflictException("Nothing of this wave is left to move: every item has run or was cancelled.");
        }
        var channelIds = movable.Select(s => s.ChannelId).OfType<Guid>().Distinct().ToList();
        var channels = await db.Channels.AsNoTracking().Where(c => channelIds.Contains(c.Id)).ToDictionaryAsync(c => c.Id, ct);
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var warnings = new List<RuleWarning>();
        foreach (var schedule in movable)
        {
            var zone = DateTimeZoneProviders.Tzdb[schedule.TimeZone];
            var old = ScheduleTiming.ToInstant(ScheduleTiming.ParseLocal(schedule.ScheduledAt, "scheduledAt", [], true)!.Value, zone);
            var moved = old + Duration.FromMinutes(minutes);
            if (moved < Now)
            {
                throw new RequestValidationException("byMinutes", $"'{schedule.Name}' would move into the past.");
            }
            if (schedule.ChannelId is { } channelId && channels.TryGetValue(channelId, out var channel))
            {
                // The others of the wave move too: leave them out of the check.
                warnings.AddRange((await planner.CheckAsync(db, channel, [moved], schedule.Id, ct))
                    .Where(w => w.ScheduleId is null || !scheduleIds.Contains(w.ScheduleId.Value)));
            }
            await schedules.WithdrawClaimedAheadAsync(db, schedule, ct);
            await ScheduleService.ClaimNextVersionAsync(db, schedule, ct);
            schedule.ScheduledAt = ScheduleTiming.FormatLocal(moved.InZone(zone).LocalDateTime);
            if (schedule.Status is ScheduleStatus.Active or ScheduleStatus.Paused)
            {
                schedule.NextRunAt = moved.ToDateTimeUtc();
            }
            schedule.UpdatedAt = clock.GetUtcNow().UtcDateTime;
        }
        // Moved off their queue slots: the claims go (the slots are free again).
        foreach (var link in links.Where(l => movable.Any(m => m.Id == l.ScheduleId)))
        {
            link.SlotAt = null;
        }
        wave.UpdatedAt = clock.GetUtcNow().UtcDateTime;
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        return await LoadAsync(db, wave, withRuns: true, ct) with { Warnings = [.. warnings.DistinctBy(w => (w.Code, w.ScheduleId, w.Message))] };
    }

    private async Task<WaveView> EachAsync(Guid id, Func<Schedule, bool> applies, Func<Guid, CancellationToken, Task<ScheduleView>> change, CancellationToken ct)
    {
        current.RequireEditor();
        List<Guid> targets;
        await using (var db = await contexts.CreateDbContextAsync(ct))
        {
            await FindAsync(db, id, ct);
            var items = await db.ChannelPosts.AsNoTracking().Where(p => p.WaveId == id)
                .Join(db.Schedules, p => p.ScheduleId, s => s.Id, (p, s) => s).ToListAsync(ct);
            targets = [.. items.Where(applies).Select(s => s.Id)];
        }
        if (targets.Count == 0)
        {
            throw new ConflictException("No item of this wave is in a state this applies to.");
        }
        foreach (var scheduleId in targets)
        {
            await change(scheduleId, ct);
        }
        return await GetAsync(id, ct);
    }

    private static async Task<Wave> FindAsync(AppDbContext db, Guid id, CancellationToken ct) =>
        await db.Waves.FirstOrDefaultAsync(w => w.Id == id, ct) ?? throw new NotFoundException("Wave");

    /// <summary>The wave as <see cref="GetAsync"/> returns it, read outside any workspace (the engine's wave events); null when gone.</summary>
    internal static async Task<WaveView?> ForEventAsync(AppDbContext db, Guid id, CancellationToken ct) =>
        await db.Waves.IgnoreQueryFilters().AsNoTracking().FirstOrDefaultAsync(w => w.Id == id, ct) is { } wave
            ? await LoadAsync(db, wave, withRuns: true, ct, allWorkspaces: true)
            : null;

    private static async Task<WaveView> LoadAsync(AppDbContext db, Wave wave, bool withRuns, CancellationToken ct, bool allWorkspaces = false)
    {
        IQueryable<T> Rows<T>(IQueryable<T> rows) where T : class => allWorkspaces ? rows.IgnoreQueryFilters() : rows;
        var waveId = wave.Id;
        var rows = await Rows(db.ChannelPosts).AsNoTracking().Where(p => p.WaveId == waveId)
            .Join(Rows(db.Schedules), p => p.ScheduleId, s => s.Id, (p, s) => new { Schedule = s, p.ChannelId })
            .ToListAsync(ct);
        var channelIds = rows.Select(r => r.ChannelId).Distinct().ToList();
        var channels = await Rows(db.Channels).AsNoTracking().Where(c => channelIds.Contains(c.Id)).ToDictionaryAsync(c => c.Id, ct);
        var items = new List<WaveItemView>();
        foreach (var row in rows)
        {
            WaveItemRun? run = null;
            if (withRuns)
            {
                var scheduleId = row.Schedule.Id;
                var last = await Rows(db.Executions).AsNoTracking().Where(e => e.ScheduleId == scheduleId).OrderByDescending(e => e.ScheduledFor)
                    .Select(e => new { e.Id, e.Status }).FirstOrDefaultAsync(ct);
                run = last is null ? null : new WaveItemRun(last.Id, last.Status.ToWire());
            }
            var channel = channels.GetValueOrDefault(row.ChannelId);
            items.Add(Item(channel, row.Schedule, run, row.ChannelId));
        }
        return View(wave, [.. items.OrderBy(i => i.ScheduledFor).ThenBy(i => i.ChannelName, StringComparer.Ordinal)]);
    }

    private static WaveItemView Item(Channel? channel, Schedule schedule, WaveItemRun? run, Guid? channelId = null)
    {
        var zone = DateTimeZoneProviders.Tzdb[schedule.TimeZone];
        var at = schedule.ScheduledAt is { } text ? ScheduleTiming.ParseLocal(text, "scheduledAt", [], true) : null;
        var instant = at is { } local ? ScheduleTiming.ToInstant(local, zone) : (Instant?)null;
        return new WaveItemView(channel?.Id ?? channelId ?? Guid.Empty, channel?.Name ?? "(deleted channel)", schedule.Id, instant?.ToDateTimeUtc(), schedule.ScheduledAt, schedule.Status)
        {
            Execution = run,
            Color = channel?.Color,
        };
    }

    private static WaveView View(Wave wave, IReadOnlyList<WaveItemView> items) =>
        new(wave.Id, wave.Name, wave.ContentId, wave.Mode, wave.At, wave.TimeZone, wave.CreatedAt, items);
}
