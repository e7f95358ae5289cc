using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using NodaTime;
using NodaTime.Text;
using Scheduling.Core.Channels;
using Scheduling.Core.Common;
using Scheduling.Core.Recurrence;
using Scheduling.Core.Scheduling;
using Scheduling.Web.Api;
using Scheduling.Web.Data;
using Scheduling.Web.Engine;
using Scheduling.Web.Features.Executions;
using Scheduling.Web.Features.Schedules;
using Scheduling.Web.Features.Workspaces;

namespace Scheduling.Web.Features.Channels;

/// <summary>Channels of the current workspace, their queue and pause, and the workspace's kill switch.</summary>
public sealed partial class ChannelService(IDbContextFactory<AppDbContext> contexts, WorkspaceContext current, TimeProvider clock,
    WebhookTargetPolicy webhookTargets, ScheduleService schedules, RunTransitions transitions, ExecutionQueue queue,
    ChannelPlanner planner, Events.LifecycleOutbox outbox)
{
    private Instant Now => Instant.FromDateTimeOffset(clock.GetUtcNow());

    public async Task<PagedResult<ChannelView>> ListAsync(ChannelQuery query, CancellationToken ct = default)
    {
        current.RequireWorkspace();
        if (query.Page < 1)
        {
            throw new RequestValidationException("page", "Page starts at 1.");
        }
        if (query.PageSize is < 1 or > ChannelLimits.MaxPageSize)
        {
            throw new RequestValidationException("pageSize", $"Page size is between 1 and {ChannelLimits.MaxPageSize}.");
        }
        await using var db = await contexts.CreateDbContextAsync(ct);
        var rows = db.Channels.AsNoTracking();
        if (!string.IsNullOrWhiteSpace(query.Search))
        {
            var needle = query.Search.Trim().ToLower();
            rows = rows.Where(c => c.Name.ToLower().Contains(needle));
        }
        var total = await rows.CountAsync(ct);
        var page = await rows.OrderBy(c => c.Name).ThenBy(c => c.Id).Skip((query.Page - 1) * query.PageSize).Take(query.PageSize).ToListAsync(ct);
        var views = new List<ChannelView>(page.Count);
        var now = clock.GetUtcNow().UtcDateTime;
        foreach (var channel in page)
        {
            // A page is small (at most 100): one indexed range read per card (ChannelId + NextRunAt).
            var channelId = channel.Id;
            var next = await db.Schedules.AsNoTracking()
                .Where(s => s.ChannelId == channelId && s.Status == ScheduleStatus.Active && s.NextRunAt >= now)
                .OrderBy(s => s.NextRunAt).Take(3)
                .Select(s => new { s.Id, s.Name, s.NextRunAt })
                .ToListAsync(ct);
            var zone = DateTimeZoneProviders.Tzdb[channel.TimeZone];
            views.Add(ToView(channel) with
            {
                NextPosts = [.. next.Select(n => Entry(Instant.FromDateTimeUtc(n.NextRunAt!.Value), zone, n.Id, n.Name))],
            });
        }
        return new PagedResult<ChannelView>(views, total, query.Page, query.PageSize);
    }

    public async Task<ChannelView> GetAsync(Guid id, CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return ToView(await FindAsync(db, id, ct));
    }

    public async Task<ChannelView> CreateAsync(ChannelInput input, CancellationToken ct = default)
    {
        var workspaceId = current.RequireWorkspace();
        current.RequireEditor();
        var now = clock.GetUtcNow().UtcDateTime;
        var channel = new Channel { Id = Guid.CreateVersion7(), WorkspaceId = workspaceId, Name = "", Color = "", TimeZone = "", CreatedAt = now };
        Apply(channel, input);
        await EnsureDeliverableAsync(channel.WebhookUrl, ct);
        channel.UpdatedAt = now;
        await using var db = await contexts.CreateDbContextAsync(ct);
        db.Channels.Add(channel);
        await db.SaveChangesAsync(ct);
        return ToView(channel);
    }

    public async Task<ChannelView> UpdateAsync(Guid id, ChannelInput input, CancellationToken ct = default)
    {
        current.RequireEditor();
        await using var db = await contexts.CreateDbContextAsync(ct);
        var channel = await FindAsync(db, id, ct);
        Apply(channel, input);
        await EnsureDeliverableAsync(channel.WebhookUrl, ct);
        channel.UpdatedAt = clock.GetUtcNow().UtcDateTime;
        await db.SaveChangesAsync(ct);
        return ToView(channel);
    }

    /// <summary>Deletes the channel; its schedules stay, without a channel.</summary>
    public async Task DeleteAsync(Guid id, CancellationToken ct = default)
    {
        current.RequireEditor();
        await using var db = await contexts.CreateDbContextAsync(ct);
        var channel = await FindAsync(db, id, ct);
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        await db.Schedules.Where(s => s.ChannelId == id).ExecuteUpdateAsync(set => set.SetProperty(s => s.ChannelId, (Guid?)null), ct);
        db.Channels.Remove(channel);
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
    }

    public async Task<ChannelView> PauseAsync(Guid id, string? note, CancellationToken ct = default)
    {
        current.RequireEditor();
        var trimmed = ValidNote(note);
        await using var db = await contexts.CreateDbContextAsync(ct);
        var channel = await FindAsync(db, id, ct);
        if (channel.PausedAt is not null)
        {
            throw new ConflictException("The channel is already paused.");
        }
        channel.PausedAt = clock.GetUtcNow().UtcDateTime;
        channel.PauseNote = trimmed;
        channel.UpdatedAt = channel.PausedAt.Value;
        await db.SaveChangesAsync(ct);
        return ToView(channel);
    }

    /// <summary>
    /// Runs again. As for a schedule: with <paramref name="runMissed"/> each schedule's missed-run policy decides what
    /// was missed while paused (the held runs go at once); without it the held runs are skipped and each schedule's
    /// next run is from now.
    /// </summary>
    public async Task<ChannelView> ResumeAsync(Guid id, bool runMissed, CancellationToken ct = default)
    {
        current.RequireEditor();
        await using var db = await contexts.CreateDbContextAsync(ct);
        var channel = await FindAsync(db, id, ct);
        if (channel.PausedAt is null)
        {
            throw new ConflictException("The channel is not paused.");
        }
        channel.PausedAt = null;
        channel.PauseNote = null;
        channel.UpdatedAt = clock.GetUtcNow().UtcDateTime;
        await ReleaseHeldAsync(db, db.Schedules.Where(s => s.ChannelId == id), WaitReason.ChannelPaused, runMissed, "Skipped: the channel was paused.", ct);
        return ToView(channel);
    }

    public async Task<WorkspacePauseView> GetWorkspacePauseAsync(CancellationToken ct = default)
    {
        var workspaceId = current.RequireWorkspace();
        await using var db = await contexts.CreateDbContextAsync(ct);
        var workspace = await db.Workspaces.AsNoTracking().SingleAsync(w => w.Id == workspaceId, ct);
        return new WorkspacePauseView(workspace.PausedAt is not null, workspace.PausedAt, workspace.PauseNote);
    }

    /// <summary>The kill switch (Owners and Admins): no run of the workspace is claimed or started until it resumes.</summary>
    public async Task<WorkspacePauseView> PauseWorkspaceAsync(string? note, CancellationToken ct = default)
    {
        var workspaceId = current.RequireWorkspace();
        RequireOwnerOrAdmin();
        var trimmed = ValidNote(note);
        await using var db = await contexts.CreateDbContextAsync(ct);
        var workspace = await db.Workspaces.SingleAsync(w => w.Id == workspaceId, ct);
        if (workspace.PausedAt is not null)
        {
            throw new ConflictException("The workspace is already paused.");
        }
        workspace.PausedAt = clock.GetUtcNow().UtcDateTime;
        workspace.PauseNote = trimmed;
        await db.SaveChangesAsync(ct);
        return new WorkspacePauseView(true, workspace.PausedAt, workspace.PauseNote);
    }

    public async Task<WorkspacePauseView> ResumeWorkspaceAsync(bool runMissed, CancellationToken ct = default)
    {
        var workspaceId = current.RequireWorkspace();
        RequireOwnerOrAdmin();
        await using var db = await contexts.CreateDbContextAsync(ct);
        var workspace = await db.Workspaces.SingleAsync(w => w.Id == workspaceId, ct);
        if (workspace.PausedAt is null)
        {
            throw new ConflictException("The workspace is not paused.");
        }
        workspace.PausedAt = null;
        workspace.PauseNote = null;
        await ReleaseHeldAsync(db, db.Schedules, WaitReason.WorkspacePaused, runMissed, "Skipped: the workspace was paused.", ct);
        return new WorkspacePauseView(false, null, null);
    }

    private void RequireOwnerOrAdmin()
    {
        if (!current.CanManageMembers)
        {
            throw new ForbiddenException("Only Owners and Admins pause or resume the whole workspace.");
        }
    }

    /// <summary>
    /// Ends a pause (the caller's pending change to the channel or workspace is saved here, in the same transaction).
    /// Without <paramref name="runMissed"/>: active schedules whose next run passed during the pause move it to their next
    /// occurrence from now, and the runs held by this pause are skipped. With it: next runs stay (the dispatcher applies
    /// each schedule's missed-run policy) and the held runs are handed over now (one still held by another pause waits again).
    /// </summary>
    private async Task ReleaseHeldAsync(AppDbContext db, IQueryable<Schedule> scope, WaitReason held, bool runMissed, string skipReason, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        if (!runMissed)
        {
            var late = await scope.Include(s => s.Exceptions).Where(s => s.Status == ScheduleStatus.Active && s.NextRunAt != null && s.NextRunAt < now).ToListAsync(ct);
            foreach (var schedule in late)
            {
                schedule.NextRunAt = ScheduleService.NextRun(schedule, ScheduleTiming.FromSchedule(schedule), Now);
                if (schedule.NextRunAt is null)
                {
                    schedule.Status = ScheduleStatus.Completed;
                }
            }
        }
        await db.SaveChangesAsync(ct);
        var heldRuns = await db.Executions.Where(e => e.Status == ExecutionStatus.Pending && e.WaitReason == held && scope.Any(s => s.Id == e.ScheduleId))
            .AsNoTracking().ToListAsync(ct);
        var handOver = new List<Execution>();
        foreach (var run in heldRuns)
        {
            if (runMissed)
            {
                handOver.Add(run);
            }
            else
            {
                await transitions.EndUnstartedAsync(db, run, ExecutionStatus.Skipped, skipReason, now, ct);
            }
        }
        await transaction.CommitAsync(ct);
        foreach (var run in handOver)
        {
            queue.Enqueue(run.Id, run.Priority);
        }
    }

    /// <summary>Replaces the imported blackout dates with the all-day events of an .ics file (typed dates stay).</summary>
    public async Task<ImportResult> ImportBlackoutsAsync(Guid id, string? ics, CancellationToken ct = default)
    {
        current.RequireEditor();
        await using var db = await contexts.CreateDbContextAsync(ct);
        // Another workspace's channel is a 404 whatever the body.
        var channel = await FindAsync(db, id, ct);
        var (dates, error) = BlackoutCalendar.Parse(ics);
        if (dates is null)
        {
            throw new RequestValidationException("body", error!);
        }
        channel.ImportedBlackoutDates = ChannelText.FormatDates(dates);
        channel.UpdatedAt = clock.GetUtcNow().UtcDateTime;
        await db.SaveChangesAsync(ct);
        return new ImportResult(dates.Count, [.. dates.Select(ScheduleTiming.FormatDate)]);
    }

    /// <summary>
    /// A one-time schedule in the channel's next free posting slot from now (gap, daily maximum, blackouts, what is already
    /// planned and the slots held by drafts respected; DST-correct in the channel's zone). With a content item, the schedule
    /// takes its title, job type and config, and the item may not be planned twice on the channel. Two simultaneous adds
    /// never take the same slot (ChannelQueue). A Creator's post in an approval workspace is a draft (it holds its slot).
    /// </summary>
    public async Task<ScheduleView> AddToQueueAsync(Guid id, QueueInput input, CancellationToken ct = default)
    {
        current.RequireEditor();
        Channel channel;
        Content.ContentItem? content = null;
        await using (var db = await contexts.CreateDbContextAsync(ct))
        {
            // Another workspace's channel is a 404 whatever the body.
            channel = await FindAsync(db, id, ct);
            if (input.ContentId is { } contentId)
            {
                content = await Content.ContentService.ForPlanningAsync(db, contentId, "contentId", ct);
                await EnsureNotPlannedAsync(db, channel, content, ct);
            }
        }
        var placed = await ChannelQueue.PlaceAsync(contexts, planner, channel, Now + Duration.FromMinutes(1), async (db, slot) =>
        {
            var schedule = await schedules.NewAsync(QueuedSchedule(channel, slot, input, content), ct);
            if (await schedules.NeedsApprovalAsync(db, ct))
            {
                schedule.Status = ScheduleStatus.Draft;
                schedule.NextRunAt = null;
            }
            await outbox.AddScheduleEventAsync(db, schedule.WorkspaceId, Events.EventTypes.ScheduleCreated, ScheduleService.ToView(schedule), ct);
            return schedule;
        }, schedule => new ChannelPost { Id = Guid.CreateVersion7(), WorkspaceId = schedule.WorkspaceId, ScheduleId = schedule.Id, ChannelId = channel.Id, ContentId = content?.Id }, ct);
        return ScheduleService.ToView(placed.Schedule) with { Warnings = placed.Warnings };
    }

    /// <summary>The input of a queued one-time schedule at <paramref name="slot"/>: the content item's job, else the given fields.</summary>
    internal static ScheduleInput QueuedSchedule(Channel channel, SlotInstance slot, QueueInput input, Content.ContentItem? content)
    {
        var local = slot.At.InZone(DateTimeZoneProviders.Tzdb[channel.TimeZone]).LocalDateTime;
        JsonElement? config = input.JobConfig;
        if (config is null && content is not null)
        {
            using var document = JsonDocument.Parse(content.JobConfig);
            config = document.RootElement.Clone();
        }
        return new ScheduleInput
        {
            Name = !string.IsNullOrWhiteSpace(input.Name) ? input.Name : content?.Title ?? $"{channel.Name} · {local:yyyy-MM-dd HH:mm}",
            Description = content?.Description is { } notes ? notes[..Math.Min(notes.Length, ScheduleLimits.MaxDescriptionLength)] : null,
            JobType = input.JobType ?? content?.JobType ?? (channel.Platform == ChannelPlatform.Newsletter ? JobType.Newsletter : JobType.Publish),
            JobConfig = config,
            TitleTemplate = input.TitleTemplate,
            ScheduleType = ScheduleType.Once,
            ScheduledAt = ScheduleTiming.FormatLocal(local),
            Timezone = channel.TimeZone,
            ChannelId = channel.Id,
        };
    }

    /// <summary>The same content twice on one channel is a 409 naming the planned post (evergreen reposts come after a publication).</summary>
    /// <summary>Which of <paramref name="channels"/> already plan <paramref name="content"/> (not yet run), with the refusal's wording, in one read.</summary>
    internal static async Task<Dictionary<Guid, string>> PlannedOnAsync(AppDbContext db, IReadOnlyList<Channel> channels, Content.ContentItem content, CancellationToken ct)
    {
        var contentId = content.Id;
        var channelIds = channels.Select(c => c.Id).ToList();
        var planned = await db.ChannelPosts.AsNoTracking().Where(p => p.ContentId == contentId && channelIds.Contains(p.ChannelId))
            .Join(db.Schedules, p => p.ScheduleId, s => s.Id, (p, s) => new { p.ChannelId, s.Id, s.Name, s.Status, s.RunCount })
            .Where(s => s.Status == ScheduleStatus.Active || s.Status == ScheduleStatus.Paused || s.Status == ScheduleStatus.Draft || s.Status == ScheduleStatus.InReview)
            .Where(s => s.RunCount == 0)
            .ToListAsync(ct);
        var names = channels.ToDictionary(c => c.Id, c => c.Name);
        return planned.GroupBy(p => p.ChannelId).ToDictionary(g => g.Key,
            g => $"'{content.Title}' is already planned on channel '{names[g.Key]}' (schedule '{g.First().Name}', {g.First().Id}).");
    }

    internal static async Task EnsureNotPlannedAsync(AppDbContext db, Channel channel, Content.ContentItem content, CancellationToken ct)
    {
        var contentId = content.Id;
        var channelId = channel.Id;
        var planned = await db.ChannelPosts.AsNoTracking().Where(p => p.ContentId == contentId && p.ChannelId == channelId)
            .Join(db.Schedules, p => p.ScheduleId, s => s.Id, (p, s) => s)
            .Where(s => s.Status == ScheduleStatus.Active || s.Status == ScheduleStatus.Paused || s.Status == ScheduleStatus.Draft || s.Status == ScheduleStatus.InReview)
            .Where(s => s.RunCount == 0)
            .Select(s => new { s.Id, s.Name }).FirstOrDefaultAsync(ct);
        if (planned is not null)
        {
            throw new ConflictException($"'{content.Title}' is already planned on channel '{channel.Name}' (schedule '{planned.Name}', {planned.Id}).");
        }
    }

    /// <summary>The next free slot of the channel from now (windowed: ChannelQueue; the planning helpers and the benchmark use it).</summary>
    public async Task<SlotInstance> NextFreeSlotAsync(AppDbContext db, Channel channel, CancellationToken ct)
    {
        if (ChannelPlanner.PolicyOf(channel).PostingTimes.Count == 0)
        {
            throw new ConflictException($"Channel '{channel.Name}' has no posting times: add some to its weekly grid first.");
        }
        // A minute ahead, so the dispatcher still sees the run before its time.
        return await ChannelQueue.NextFreeSlotAsync(db, channel, Now + Duration.FromMinutes(1), ChannelLimits.QueueSearchDays, ct)
            ?? throw new ConflictException($"Channel '{channel.Name}' has no free posting slot in the next {ChannelLimits.QueueSearchDays} days.");
    }

    /// <summary>The channel's upcoming posts and empty slots for <paramref name="days"/> days from now, in time order.</summary>
    public async Task<ChannelQueueView> QueueAsync(Guid id, int days, CancellationToken ct = default)
    {
        if (days is < 1 or > ChannelLimits.MaxQueueDays)
        {
            throw new RequestValidationException("days", $"Days are between 1 and {ChannelLimits.MaxQueueDays}.");
        }
        await using var db = await contexts.CreateDbContextAsync(ct);
        var channel = await FindAsync(db, id, ct);
        var policy = ChannelPlanner.PolicyOf(channel);
        var from = Now;
        var until = from + Duration.FromDays(days);
        var posts = await ChannelPlanner.PostsAsync(db, channel, from, until, null, ct);
        var taken = posts.Select(p => p.At).ToHashSet();
        var entries = posts.Select(p => Entry(p.At, policy.Zone, p.ScheduleId, p.Name))
            .Concat(ChannelRules.Slots(policy, from, until).Where(s => !taken.Contains(s.At)).Select(s => Entry(s.At, policy.Zone, null, null)))
            .OrderBy(e => e.Utc).ThenBy(e => e.IsSlot).ThenBy(e => e.Name, StringComparer.Ordinal)
            .ToList();
        return new ChannelQueueView(channel.Id, channel.TimeZone, days, entries);
    }

    private static QueueEntry Entry(Instant at, DateTimeZone zone, Guid? scheduleId, string? name) =>
        new(ScheduleTiming.FormatLocal(at.InZone(zone).LocalDateTime), at.ToDateTimeUtc(), scheduleId is null, scheduleId, name);

    private static string? ValidNote(string? note)
    {
        var trimmed = note?.Trim();
        if (trimmed is { Length: > 500 })
        {
            throw new RequestValidationException("note", "A pause note is at most 500 characters.");
        }
        return string.IsNullOrEmpty(trimmed) ? null : trimmed;
    }

    private static async Task<Channel> FindAsync(AppDbContext db, Guid id, CancellationToken ct) =>
        await db.Channels.FirstOrDefaultAsync(c => c.Id == id, ct) ?? throw new NotFoundException("Channel");

    private Task EnsureDeliverableAsync(string? url, CancellationToken ct) =>
        url is not null ? webhookTargets.EnsureDeliverableAsync(new Uri(url), "webhookUrl", ct) : Task.CompletedTask;

    /// <summary>Default colours per platform (AA contrast against white text is not needed: they are swatches).</summary>
    public static string DefaultColor(ChannelPlatform platform) => platform switch
    {
        ChannelPlatform.Youtube => "#C4302B",
        ChannelPlatform.Tiktok => "#111111",
        ChannelPlatform.Instagram => "#C13584",
        ChannelPlatform.Newsletter => "#1565C0",
        ChannelPlatform.Blog => "#2E7D32",
        ChannelPlatform.Podcast => "#6A1B9A",
        _ => "#546E7A",
    };

    [GeneratedRegex("^#[0-9A-Fa-f]{6}$")]
    private static partial Regex ColorPattern();

    /// <summary>Validates the whole input (every bad field named at once) and writes it onto <paramref name="channel"/>.</summary>
    private static void Apply(Channel channel, ChannelInput input)
    {
        var errors = new List<ValidationError>();
        var name = input.Name?.Trim() ?? "";
        if (name.Length is 0 or > ChannelLimits.MaxNameLength)
        {
            errors.Add(new("name", $"Name is required, 1 to {ChannelLimits.MaxNameLength} characters."));
        }
        if (input.Platform is null)
        {
            errors.Add(new("platform", $"Platform is required: {string.Join(", ", WireNames.All<ChannelPlatform>())}."));
        }
        var color = string.IsNullOrWhiteSpace(input.Color) ? null : input.Color.Trim();
        if (color is not null && !ColorPattern().IsMatch(color))
        {
            errors.Add(new("color", "Colour is #RRGGBB, such as #1565C0."));
        }
        var zone = input.Timezone?.Trim();
        if (string.IsNullOrEmpty(zone))
        {
            errors.Add(new("timezone", "Time zone is required (an IANA name such as Europe/Paris)."));
        }
        else if (!RecurrenceValidator.IsKnownTimeZone(zone))
        {
            errors.Add(new("timezone", $"'{zone}' is not a known IANA time zone."));
        }
        var webhook = string.IsNullOrWhiteSpace(input.WebhookUrl) ? null : input.WebhookUrl.Trim();
        if (webhook is not null && (webhook.Length > 2000 || !Uri.TryCreate(webhook, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")))
        {
            errors.Add(new("webhookUrl", "The webhook URL must be an absolute http(s) URL."));
        }
        var times = new List<PostingTime>();
        var postingTimes = input.PostingTimes ?? [];
        if (postingTimes.Count > ChannelLimits.MaxPostingTimes)
        {
            errors.Add(new("postingTimes", $"At most {ChannelLimits.MaxPostingTimes} posting times."));
        }
        for (var i = 0; i < postingTimes.Count && i < ChannelLimits.MaxPostingTimes; i++)
        {
            var entry = postingTimes[i];
            if (entry is null || !ChannelText.TryWeekday(entry.Weekday, out var day))
            {
                errors.Add(new($"postingTimes[{i}].weekday", "Weekday is monday … sunday."));
                continue;
            }
            if (!ChannelText.TryTime(entry.Time, out var time))
            {
                errors.Add(new($"postingTimes[{i}].time", "Time is HH:mm, such as 09:00."));
                continue;
            }
            times.Add(new PostingTime(day, time));
        }
        if (input.MinGapMinutes is < 0 or > ChannelLimits.MaxMinGapMinutes)
        {
            errors.Add(new("minGapMinutes", $"Minimum gap is between 0 and {ChannelLimits.MaxMinGapMinutes} minutes (a week)."));
        }
        if (input.MaxPerDay is < 1 or > ChannelLimits.MaxPerDay)
        {
            errors.Add(new("maxPerDay", $"Maximum per day is between 1 and {ChannelLimits.MaxPerDay}, or empty for no limit."));
        }
        var dates = new List<LocalDate>();
        var blackouts = input.BlackoutDates ?? [];
        if (blackouts.Count > ChannelLimits.MaxBlackoutDates)
        {
            errors.Add(new("blackoutDates", $"At most {ChannelLimits.MaxBlackoutDates} blackout dates."));
        }
        for (var i = 0; i < blackouts.Count && i < ChannelLimits.MaxBlackoutDates; i++)
        {
            var parsed = LocalDatePattern.Iso.Parse(blackouts[i]?.Trim() ?? "");
            if (!parsed.Success || !SupportedDates.Contains(parsed.Value))
            {
                errors.Add(new($"blackoutDates[{i}]", "A date is YYYY-MM-DD, such as 2026-12-25."));
                continue;
            }
            dates.Add(parsed.Value);
        }
        if (errors.Count > 0)
        {
            throw new RequestValidationException(new ValidationResult(errors).ToDictionary());
        }
        channel.Name = name;
        channel.Platform = input.Platform!.Value;
        channel.Color = (color ?? DefaultColor(channel.Platform)).ToUpperInvariant();
        channel.TimeZone = zone!;
        channel.WebhookUrl = webhook;
        channel.PostingTimes = ChannelText.FormatPostingTimes(times.Distinct());
        channel.MinGapMinutes = input.MinGapMinutes ?? 0;
        channel.MaxPerDay = input.MaxPerDay;
        channel.BlackoutDates = ChannelText.FormatDates(dates);
        channel.ConflictMode = input.ConflictMode ?? ConflictMode.Warn;
    }

    public static ChannelView ToView(Channel c) => new(
        c.Id, c.Name, c.Platform, c.Color, c.TimeZone, c.WebhookUrl,
        [.. ChannelText.ParsePostingTimes(c.PostingTimes).Select(p => new PostingTimeView(ChannelText.WeekdayName(p.Weekday), ChannelText.FormatTime(p.Time)))],
        c.MinGapMinutes, c.MaxPerDay,
        [.. ChannelText.ParseDates(c.BlackoutDates).Select(ScheduleTiming.FormatDate)],
        [.. ChannelText.ParseDates(c.ImportedBlackoutDates).Select(ScheduleTiming.FormatDate)],
        c.ConflictMode, c.PausedAt is not null, c.PausedAt, c.PauseNote, c.CreatedAt, c.UpdatedAt);
}
