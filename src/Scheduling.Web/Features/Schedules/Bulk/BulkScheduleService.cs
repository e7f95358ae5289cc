using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Query;
using NodaTime;
using Scheduling.Core.Common;
using Scheduling.Core.Recurrence;
using Scheduling.Core.Scheduling;
using Scheduling.Core.Templates;
using Scheduling.Web.Api;
using Scheduling.Web.Data;
using Scheduling.Web.Features.Executions;
using Scheduling.Web.Features.Workspaces;

namespace Scheduling.Web.Features.Schedules.Bulk;

/// <summary>
/// Many schedules at once, all or nothing: each request is validated in memory, then written in one transaction with
/// one SaveChanges, or refused as a whole with every item's problem. The single-schedule rules (validation, status
/// transitions, version bump, taking back runs claimed ahead) are <see cref="ScheduleService"/>'s, reused here.
/// </summary>
public sealed class BulkScheduleService(IDbContextFactory<AppDbContext> contexts, WorkspaceContext current, TimeProvider clock, ScheduleService schedules,
    Events.LifecycleOutbox outbox, Channels.ChannelPlanner channelRules)
{
    private Instant Now => Instant.FromDateTimeOffset(clock.GetUtcNow());

    public async Task<BulkResult> CreateAsync(BulkCreateRequest request, CancellationToken ct = default)
    {
        current.RequireEditor();
        var items = request.Schedules;
        if (items is null || items.Count == 0)
        {
            throw new RequestValidationException("schedules", "Give at least one schedule.");
        }
        if (items.Count > BulkLimits.MaxItems)
        {
            throw new RequestValidationException("schedules", $"At most {BulkLimits.MaxItems:N0} schedules a request (got {items.Count:N0}): split them.");
        }
        var merged = WithSharedConfig(items, request.SharedConfig);
        var pattern = string.IsNullOrWhiteSpace(request.NamingPattern) ? null : request.NamingPattern.Trim();
        if (pattern is { Length: > BulkLimits.MaxNamingPatternLength })
        {
            throw new RequestValidationException("namingPattern", $"The naming pattern is at most {BulkLimits.MaxNamingPatternLength} characters.");
        }

        var prepared = await PrepareAsync(merged, pattern, ct);
        if (prepared.Any(p => p.Errors.Count > 0))
        {
            var results = prepared.Select((p, i) => Result(i, p)).ToList();
            var failed = results.Count(r => r.Error is not null);
            throw new BulkRejectedException(
                prepared.SelectMany((p, i) => p.Errors.Select(e => (Field: $"schedules[{i}].{e.Field}", e.Message)))
                    .GroupBy(e => e.Field).ToDictionary(g => g.Key, g => g.Select(e => e.Message).ToArray()),
                $"{failed} of {results.Count} schedules are invalid: nothing was created.",
                Extensions(new BulkResult(results.Count, 0, failed, results)));
        }
        await SaveNewAsync(prepared.Select(p => p.Schedule!).ToList(), ct);
        return new BulkResult(prepared.Count, prepared.Count, 0, [.. prepared.Select((p, i) => new BulkItemResult(i, p.Schedule!.Id, null))]);
    }

    /// <summary>A new schedule per input (not saved), or its problems; webhook targets are checked once per distinct URL.</summary>
    internal async Task<List<Prepared>> PrepareAsync(IReadOnlyList<ScheduleInput> inputs, string? namingPattern, CancellationToken ct)
    {
        var userId = current.RequireUser();
        var workspaceId = current.RequireWorkspace();
        var prepared = new List<Prepared>(inputs.Count);
        var workspacePipelines = await schedules.WorkspacePipelinesAsync(ct);
        for (var i = 0; i < inputs.Count; i++)
        {
            var input = inputs[i];
            var errors = new List<ValidationError>();
            if (input is null)
            {
                prepared.Add(new Prepared(null, [new("item", "Each item is a schedule object, as POST /api/v1/schedules takes.")]));
                continue;
            }
            var named = namingPattern is not null && string.IsNullOrWhiteSpace(input.Name);
            // The name comes from the first run, known once the timing is valid: validate under a stand-in first.
            var schedule = schedules.BuildNew(named ? input with { Name = "pattern" } : input, workspaceId, userId, errors, workspacePipelines);
            if (schedule is not null && named)
            {
                schedule.Name = Name(namingPattern!, i + 1, schedule);
                if (schedule.Name.Length is 0 or > ScheduleLimits.MaxNameLength)
                {
                    errors.Add(new("name", $"The naming pattern gives '{Clip(schedule.Name)}': a name is 1 to {ScheduleLimits.MaxNameLength} characters."));
                }
            }
            prepared.Add(new Prepared(errors.Count == 0 ? schedule : null, errors));
        }

        foreach (var url in prepared.Where(p => p.Schedule?.WebhookUrl is not null).Select(p => p.Schedule!.WebhookUrl!).Distinct(StringComparer.Ordinal))
        {
            try
            {
                await schedules.EnsureDeliverableAsync(url, ct);
            }
            catch (RequestValidationException refused)
            {
                for (var i = 0; i < prepared.Count; i++)
                {
                    if (prepared[i].Schedule?.WebhookUrl == url)
                    {
                        prepared[i] = new Prepared(null, [.. refused.Errors.SelectMany(e => e.Value.Select(m => new ValidationError(e.Key, m)))]);
                    }
                }
            }
        }
        // A pipeline's own stage targets go through the same policy as a webhook URL (400 naming the stage), once per distinct pipeline.
        var refusedPipelines = new Dictionary<string, List<ValidationError>?>(StringComparer.Ordinal);
        for (var i = 0; i < prepared.Count; i++)
        {
            if (prepared[i].Schedule?.PipelineJson is not { } pipeline)
            {
                continue;
            }
            if (!refusedPipelines.TryGetValue(pipeline, out var refusal))
            {
                try
                {
                    await schedules.EnsurePipelineDeliverableAsync(pipeline, ct);
                    refusal = null;
                }
                catch (RequestValidationException refused)
                {
                    refusal = [.. refused.Errors.SelectMany(e => e.Value.Select(m => new ValidationError(e.Key, m)))];
                }
                refusedPipelines[pipeline] = refusal;
            }
            if (refusal is not null)
            {
                prepared[i] = new Prepared(null, refusal);
            }
        }
        return prepared;
    }

    internal async Task SaveNewAsync(IReadOnlyList<Schedule> created, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        // A Creator's schedules wait for approval when the workspace asks for it, however many come at once.
        if (await schedules.NeedsApprovalAsync(db, ct))
        {
            foreach (var schedule in created)
            {
                schedule.Status = ScheduleStatus.Draft;
                schedule.NextRunAt = null;
            }
        }
        db.ChangeTracker.AutoDetectChangesEnabled = false;
        db.Schedules.AddRange(created);
        foreach (var schedule in created)
        {
            await outbox.AddScheduleEventAsync(db, schedule.WorkspaceId, Events.EventTypes.ScheduleCreated, ScheduleService.ToView(schedule), ct);
        }
        await db.SaveChangesAsync(ct);
    }

    internal sealed record Prepared(Schedule? Schedule, List<ValidationError> Errors);

    /// <summary>"Tip #{n}: {weekday} {date}" for the <paramref name="n"/>th item: the title variables are those of its first run.</summary>
    public static string Name(string pattern, int n, Schedule schedule) =>
        Name(pattern, n, schedule.NextRunAt is { } first ? Instant.FromDateTimeUtc(DateTime.SpecifyKind(first, DateTimeKind.Utc)) : null, schedule.TimeZone);

    /// <summary>The same for a first run known without a schedule (the create-many dialog's preview); without one only {n} is filled.</summary>
    public static string Name(string pattern, int n, Instant? firstRun, string? zone)
    {
        var text = pattern.Replace("{n}", n.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
        return (firstRun is { } first ? TitleTemplate.Render(text, first, zone, run: 1) : text).Trim();
    }

    internal static IReadOnlyList<ScheduleInput> WithSharedConfig(IReadOnlyList<ScheduleInput> items, JsonElement? shared)
    {
        if (shared is not { ValueKind: not JsonValueKind.Null and not JsonValueKind.Undefined } config)
        {
            return items;
        }
        if (config.ValueKind != JsonValueKind.Object)
        {
            throw new RequestValidationException("sharedConfig", "The shared config must be a JSON object, such as {\"format\": \"mp4\"}.");
        }
        var sharedObject = JsonNode.Parse(config.GetRawText())!.AsObject();
        return [.. items.Select<ScheduleInput, ScheduleInput>(item =>
        {
            // An item whose config is not an object keeps it as written: its own validation names the problem.
            if (item is null || item.JobConfig is { ValueKind: not JsonValueKind.Null and not JsonValueKind.Undefined and not JsonValueKind.Object })
            {
                return item!;
            }
            var mergedConfig = (JsonObject)sharedObject.DeepClone();
            if (item.JobConfig is { ValueKind: JsonValueKind.Object } own)
            {
                foreach (var property in own.EnumerateObject())
                {
                    mergedConfig[property.Name] = JsonNode.Parse(property.Value.GetRawText());
                }
            }
            return item with { JobConfig = JsonSerializer.SerializeToElement(mergedConfig) };
        })];
    }

    private static BulkItemResult Result(int index, Prepared prepared) => prepared.Errors.Count == 0
        ? new BulkItemResult(index, null, null)
        : new BulkItemResult(index, null, string.Join(" ", prepared.Errors.Select(e => e.Message)), new ValidationResult(prepared.Errors).ToDictionary());

    internal static IReadOnlyDictionary<string, object?> Extensions(BulkResult result) => new Dictionary<string, object?>
    {
        ["totalCount"] = result.TotalCount,
        ["successCount"] = result.SuccessCount,
        ["failureCount"] = result.FailureCount,
        ["results"] = result.Results,
    };

    private static string Clip(string text) => text.Length > 60 ? text[..60] + "…" : text;

    public Task<BulkResult> PauseAsync(BulkActionRequest request, CancellationToken ct = default)
    {
        var note = ScheduleService.PauseNote(request.Note);
        return ApplyAsync(BulkAction.Pause, request.Ids, request.Filter, (schedule, _, _) =>
        {
            schedule.Status = ScheduleStatus.Paused;
            schedule.PauseNote = note;
        }, ct, inPlace: update => update.SetProperty(s => s.Status, ScheduleStatus.Paused).SetProperty(s => s.PauseNote, note));
    }

    public Task<BulkResult> ResumeAsync(BulkActionRequest request, CancellationToken ct = default)
    {
        var now = Now;
        return ApplyAsync(BulkAction.Resume, request.Ids, request.Filter, (schedule, timing, partOfSeries) =>
        {
            schedule.Status = ScheduleStatus.Active;
            // A series' missed episodes always go out, in order (as when the series is resumed).
            ScheduleService.Resumed(schedule, timing(), (request.RunMissed ?? false) || partOfSeries, now);
        }, ct);
    }

    public Task<BulkResult> CancelAsync(BulkActionRequest request, CancellationToken ct = default) =>
        ApplyAsync(BulkAction.Cancel, request.Ids, request.Filter, (schedule, _, _) =>
        {
            schedule.Status = ScheduleStatus.Cancelled;
            ScheduleService.Cancelled(schedule);
        }, ct, inPlace: update => update.SetProperty(s => s.Status, ScheduleStatus.Cancelled).SetProperty(s => s.NextRunAt, (DateTime?)null).SetProperty(s => s.PauseNote, (string?)null));

    public Task<BulkResult> DeleteAsync(BulkActionRequest request, CancellationToken ct = default) =>
        ApplyAsync(BulkAction.Delete, request.Ids, request.Filter, (_, _, _) => { }, ct);

    public Task<BulkResult> UpdateAsync(BulkUpdateRequest request, CancellationToken ct = default)
    {
        const string WhatToChange = "Say what to change: priority, jobConfig, timezone, missedPolicy, overlapPolicy, channelId or removeChannel.";
        // Who may change comes before what the change says: a Manager learns nothing from validation.
        current.RequireEditor();
        var changes = request.Changes ?? throw new RequestValidationException("changes", WhatToChange);
        var errors = new List<ValidationError>();
        JsonObject? configPatch = null;
        if (changes.JobConfig is { ValueKind: not JsonValueKind.Null and not JsonValueKind.Undefined } config)
        {
            if (config.ValueKind != JsonValueKind.Object)
            {
                errors.Add(new("changes.jobConfig", "The job config change must be a JSON object: its keys are set, a key set to null is removed."));
            }
            else
            {
                configPatch = JsonNode.Parse(config.GetRawText())!.AsObject();
            }
        }
        var zone = string.IsNullOrWhiteSpace(changes.Timezone) ? null : changes.Timezone.Trim();
        if (zone is not null && !RecurrenceValidator.IsKnownTimeZone(zone))
        {
            errors.Add(new("changes.timezone", $"'{Clip(zone)}' is not a known IANA time zone (for example Europe/London)."));
        }
        var removeChannel = changes.RemoveChannel == true;
        if (removeChannel && changes.ChannelId is not null)
        {
            errors.Add(new("changes.removeChannel", "Either move the schedules to a channel (channelId) or take them off theirs (removeChannel), not both."));
        }
        if (errors.Count == 0 && configPatch is null && zone is null && !removeChannel && changes is { Priority: null, MissedPolicy: null, OverlapPolicy: null, ChannelId: null })
        {
            errors.Add(new("changes", WhatToChange));
        }
        ScheduleService.ThrowIfAny(errors);

        var now = Now;
        return ApplyAsync(BulkAction.Update, request.Ids, request.Filter, (schedule, timing, _) =>
        {
            if (removeChannel)
            {
                schedule.ChannelId = null;
            }
            if (changes.Priority is { } priority)
            {
                schedule.Priority = priority;
            }
            if (changes.MissedPolicy is { } missed)
            {
                schedule.MissedPolicy = missed;
            }
            if (changes.OverlapPolicy is { } overlap)
            {
                schedule.OverlapPolicy = overlap;
            }
            if (configPatch is not null)
            {
                schedule.JobConfig = MergeConfig(schedule.JobConfig, configPatch);
            }
            if (zone is not null && zone != schedule.TimeZone)
            {
                // The local times stay; the instants move with the zone, like an edit of the zone in the editor.
                schedule.TimeZone = zone;
            }
            // Like a single edit: the next run is recomputed from now.
            schedule.NextRunAt = ScheduleService.NextRun(schedule, timing(), now);
        }, ct, place: changes.ChannelId is { } channelId ? PlaceOnChannel(channelId) : null);
    }

    /// <summary>
    /// Puts each schedule on the channel under its rules, as a single edit would (ScheduleService's channel check): the
    /// schedules placed before it in the request count as the channel's posts. Block mode: a 409 naming the schedule;
    /// warn mode: its warnings.
    /// </summary>
    private Func<AppDbContext, Schedule, CancellationToken, Task<IReadOnlyList<Channels.RuleWarning>>> PlaceOnChannel(Guid channelId)
    {
        Channels.Channel? channel = null;
        return async (db, schedule, ct) =>
        {
            channel ??= await Channels.ChannelPlanner.ChannelForScheduleAsync(db, channelId, "changes.channelId", ct);
            schedule.ChannelId = channelId;
            try
            {
                return await channelRules.CheckScheduleAsync(db, channel, ScheduleTiming.FromSchedule(schedule), schedule.Id, ct);
            }
            catch (ConflictException blocked)
            {
                throw new ConflictException($"'{schedule.Name}' ({schedule.Id}): {blocked.Message} Nothing was changed.");
            }
            catch (RequestValidationException invalid)
            {
                throw new RequestValidationException("changes.channelId", $"'{schedule.Name}' ({schedule.Id}): {invalid.Message} Nothing was changed.");
            }
        };
    }

    private static string MergeConfig(string current, JsonObject patch)
    {
        var config = JsonNode.Parse(current) as JsonObject ?? [];
        foreach (var (key, value) in patch)
        {
            if (value is null)
            {
                config.Remove(key);
            }
            else
            {
                config[key] = value.DeepClone();
            }
        }
        var text = config.ToJsonString();
        return text.Length > ScheduleLimits.MaxJobConfigLength
            ? throw new RequestValidationException("changes.jobConfig", $"The merged job config would be over {ScheduleLimits.MaxJobConfigLength / 1024} KB.")
            : text;
    }

    /// <summary>
    /// The common path of every bulk action: select (ids or filter, at most <see cref="BulkLimits.MaxItems"/>), then in one
    /// transaction claim each schedule's next version (one UPDATE, which also locks the rows), load them, refuse the whole
    /// request with a 409 naming every schedule the action does not fit, take back runs claimed ahead, change, save once.
    /// </summary>
    /// <param name="inPlace">
    /// The same change as one UPDATE of every row, for changes that do not depend on the row (pause, cancel): used when no
    /// run was claimed ahead, so 1,000 schedules cost three statements instead of loading and tracking them.
    /// </param>
    /// <param name="change">The change of one schedule; its last argument says whether the schedule is a series'.</param>
    /// <param name="place">After the change, puts the schedule on a channel (saved one by one, so each sees the ones before).</param>
    private async Task<BulkResult> ApplyAsync(BulkAction action, IReadOnlyList<Guid>? requestedIds, BulkFilter? filter,
        Action<Schedule, Func<ScheduleTiming>, bool> change, CancellationToken ct, Action<UpdateSettersBuilder<Schedule>>? inPlace = null,
        Func<AppDbContext, Schedule, CancellationToken, Task<IReadOnlyList<Channels.RuleWarning>>>? place = null)
    {
        current.RequireEditor();
        if ((requestedIds is null) == (filter is null))
        {
            throw new RequestValidationException("ids", "Give either ids (the schedules to change) or filter (status, jobType, priority, search, channelId, seriesId), not both.");
        }
        if (requestedIds is { Count: > BulkLimits.MaxItems })
        {
            throw new RequestValidationException("ids", $"At most {BulkLimits.MaxItems:N0} schedules a request (got {requestedIds.Count:N0}): split them.");
        }
        if (requestedIds is { Count: 0 })
        {
            throw new RequestValidationException("ids", "Give at least one schedule id.");
        }
        if (filter?.Search is { } search && search.Contains('\0', StringComparison.Ordinal))
        {
            throw new RequestValidationException("filter.search", TextWithoutNul.Message);
        }

        await using var db = await contexts.CreateDbContextAsync(ct);
        var ids = requestedIds?.Distinct().ToList()
            ?? await filter!.Apply(db.Schedules, db)
                .OrderBy(s => s.Id).Select(s => s.Id).Take(BulkLimits.MaxItems + 1).ToListAsync(ct);
        if (ids.Count > BulkLimits.MaxItems)
        {
            throw new RequestValidationException("filter", $"The filter matches more than {BulkLimits.MaxItems:N0} schedules: narrow it, or act in several requests.");
        }
        if (ids.Count == 0)
        {
            return new BulkResult(0, 0, 0, []);
        }

        // A series' schedule belongs to its series (decision 0025): its definition is changed and the schedule deleted
        // only through the series; paused, resumed or cancelled here, the series follows in this transaction.
        var series = await Series.SeriesOwnership.OwnersAsync(db, ids, ct);
        if (series.Count > 0 && action is BulkAction.Update or BulkAction.Delete)
        {
            var named = string.Join("; ", series.Take(10).Select(s => $"{s.Key} releases the episodes of series '{s.Value.Name}' (/{s.Value.PagePath})"));
            throw new ConflictException(
                $"{series.Count} of the {ids.Count} schedules cannot be {Verb(action)} here: {named}{(series.Count > 10 ? "; …" : "")}. Change them through their series. Nothing was changed.");
        }
        var followed = action switch
        {
            BulkAction.Pause => ScheduleStatus.Paused,
            BulkAction.Resume => ScheduleStatus.Active,
            BulkAction.Cancel => ScheduleStatus.Cancelled,
            _ => (ScheduleStatus?)null,
        };

        var nowUtc = clock.GetUtcNow().UtcDateTime;
        // Subscribers get the same per-schedule events as single actions, with each schedule as the API returns it: the
        // in-place UPDATE loads no schedule, so a workspace with a subscription takes the entity path.
        var emitEvents = await outbox.IsWantedAsync(db, current.RequireWorkspace(), ct);
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        if (inPlace is not null && !emitEvents && await InPlaceAsync(db, action, ids, nowUtc, inPlace, ct))
        {
            if (series.Count > 0 && followed is { } inPlaceTarget)
            {
                await Series.SeriesOwnership.FollowScheduleAsync(db, series.Keys, inPlaceTarget, nowUtc, ct);
            }
            await transaction.CommitAsync(ct);
            return new BulkResult(ids.Count, ids.Count, 0, [.. ids.Select((id, i) => new BulkItemResult(i, id, null))]);
        }
        // Of a bulk change and a single edit made from the same version, the later one finds the version gone (409),
        // as between two single edits (decision 0007).
        await db.Schedules.Where(s => ids.Contains(s.Id))
            .ExecuteUpdateAsync(update => update.SetProperty(s => s.Version, s => s.Version + 1).SetProperty(s => s.UpdatedAt, nowUtc), ct);
        var loaded = await db.Schedules.Include(s => s.Exceptions).AsSplitQuery().Where(s => ids.Contains(s.Id)).ToListAsync(ct);
        if (loaded.Count < ids.Count)
        {
            throw Missing([.. ids.Except(loaded.Select(s => s.Id))]);
        }
        var byId = loaded.ToDictionary(s => s.Id);
        var ordered = ids.Select(id => byId[id]).ToList();

        ThrowIfRefused(action, [.. ordered.Select(s => (s.Id, s.Name, s.Status))]);

        if (action != BulkAction.Resume && action != BulkAction.Delete)
        {
            // Runs the dispatcher claimed a few seconds ahead are rare: one query finds the schedules that have any.
            var withAhead = await db.Executions
                .Where(e => ids.Contains(e.ScheduleId) && e.Status == ExecutionStatus.Pending && e.Attempts == 0 && !e.IsManual && e.ScheduledFor > nowUtc)
                .Select(e => e.ScheduleId).Distinct().ToListAsync(ct);
            foreach (var id in withAhead)
            {
                await schedules.WithdrawClaimedAheadAsync(db, byId[id], ct);
            }
        }

        if (action == BulkAction.Delete)
        {
            db.Schedules.RemoveRange(ordered);
        }
        var warnings = new Dictionary<Guid, IReadOnlyList<Channels.RuleWarning>>();
        if (action != BulkAction.Delete)
        {
            foreach (var schedule in ordered)
            {
                change(schedule, () => ScheduleTiming.FromSchedule(schedule), series.ContainsKey(schedule.Id));
                schedule.UpdatedAt = nowUtc;
                if (place is not null)
                {
                    warnings[schedule.Id] = await place(db, schedule, ct);
                    await db.SaveChangesAsync(ct);
                }
            }
        }
        if (emitEvents)
        {
            foreach (var schedule in ordered)
            {
                await outbox.AddScheduleEventAsync(db, schedule.WorkspaceId, EventOf(action), ScheduleService.ToView(schedule), ct);
            }
        }
        await db.SaveChangesAsync(ct);
        if (series.Count > 0 && followed is { } target)
        {
            await Series.SeriesOwnership.FollowScheduleAsync(db, series.Keys, target, nowUtc, ct);
        }
        await transaction.CommitAsync(ct);
        return new BulkResult(ordered.Count, ordered.Count, 0, [.. ordered.Select((s, i) =>
            new BulkItemResult(i, s.Id, null, Warnings: warnings.GetValueOrDefault(s.Id) is { Count: > 0 } w ? w : null))]);
    }

    /// <summary>
    /// The fast path: the rows' names and statuses in one query, the checks, then one UPDATE of them all (version bump
    /// included) guarded by the statuses the action accepts, so a row changed meanwhile makes the count fall short (409).
    /// False, with nothing written, when a row has runs claimed ahead: the entity path takes those back.
    /// </summary>
    private static async Task<bool> InPlaceAsync(AppDbContext db, BulkAction action, List<Guid> ids, DateTime nowUtc,
        Action<UpdateSettersBuilder<Schedule>> inPlace, CancellationToken ct)
    {
        var rows = await db.Schedules.Where(s => ids.Contains(s.Id)).Select(s => new { s.Id, s.Name, s.Status }).ToListAsync(ct);
        if (rows.Count < ids.Count)
        {
            throw Missing([.. ids.Except(rows.Select(r => r.Id))]);
        }
        var byId = rows.ToDictionary(r => r.Id);
        ThrowIfRefused(action, [.. ids.Select(id => (id, byId[id].Name, byId[id].Status))]);
        var claimedAhead = await db.Executions
            .AnyAsync(e => ids.Contains(e.ScheduleId) && e.Status == ExecutionStatus.Pending && e.Attempts == 0 && !e.IsManual && e.ScheduledFor > nowUtc, ct);
        if (claimedAhead)
        {
            return false;
        }
        var accepted = Enum.GetValues<ScheduleStatus>().Where(status => Problem(action, status) is null).ToList();
        var changed = await db.Schedules.Where(s => ids.Contains(s.Id) && accepted.Contains(s.Status)).ExecuteUpdateAsync(update =>
        {
            update.SetProperty(s => s.Version, s => s.Version + 1).SetProperty(s => s.UpdatedAt, nowUtc);
            inPlace(update);
        }, ct);
        return changed == ids.Count
            ? true
            : throw new StaleVersionException("Some of these schedules were changed by someone else at the same moment: reload them and try again. Nothing was changed.");
    }

    private static string EventOf(BulkAction action) => action switch
    {
        BulkAction.Pause => Events.EventTypes.SchedulePaused,
        BulkAction.Resume => Events.EventTypes.ScheduleResumed,
        BulkAction.Cancel => Events.EventTypes.ScheduleCancelled,
        BulkAction.Delete => Events.EventTypes.ScheduleDeleted,
        _ => Events.EventTypes.ScheduleUpdated,
    };

    private static NotFoundException Missing(List<Guid> missing) =>
        new(missing.Count == 1 ? $"Schedule {missing[0]}" : $"{missing.Count} of the schedules ({string.Join(", ", missing.Take(5))}{(missing.Count > 5 ? ", …" : "")})");

    /// <summary>The 409 naming (up to ten of) the schedules the action does not fit; nothing is changed.</summary>
    private static void ThrowIfRefused(BulkAction action, List<(Guid Id, string Name, ScheduleStatus Status)> rows)
    {
        var refused = rows.Select(r => (r.Id, r.Name, Problem: Problem(action, r.Status))).Where(r => r.Problem is not null).ToList();
        if (refused.Count > 0)
        {
            var named = string.Join("; ", refused.Take(10).Select(r => $"'{r.Name}' ({r.Id}) {r.Problem}"));
            throw new ConflictException(
                $"{refused.Count} of the {rows.Count} schedules cannot be {Verb(action)}: {named}{(refused.Count > 10 ? "; …" : "")}. Nothing was changed.");
        }
    }

    private static string? Problem(BulkAction action, ScheduleStatus status) => action switch
    {
        BulkAction.Pause => ScheduleService.TransitionProblem(status, ScheduleStatus.Paused),
        BulkAction.Resume => ScheduleService.TransitionProblem(status, ScheduleStatus.Active),
        BulkAction.Cancel => ScheduleService.TransitionProblem(status, ScheduleStatus.Cancelled),
        BulkAction.Update when ScheduleStatusMachine.IsFinal(status) => $"is {status.ToWire()} and cannot be edited (clone it instead)",
        _ => null,
    };

    private static string Verb(BulkAction action) => action switch
    {
        BulkAction.Pause => "paused",
        BulkAction.Resume => "resumed",
        BulkAction.Cancel => "cancelled",
        BulkAction.Delete => "deleted",
        _ => "changed",
    };
}
