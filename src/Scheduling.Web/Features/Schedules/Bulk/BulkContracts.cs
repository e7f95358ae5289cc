using System.Text.Json;
using Scheduling.Core.Scheduling;
using Scheduling.Web.Api;
using Scheduling.Web.Data;

namespace Scheduling.Web.Features.Schedules.Bulk;

/// <summary>
/// Many schedules in one request, all or nothing. <see cref="SharedConfig"/> is merged under each item's job config
/// (the item's keys win); <see cref="NamingPattern"/> names the items that give no name of their own.
/// </summary>
public sealed record BulkCreateRequest
{
    public IReadOnlyList<ScheduleInput>? Schedules { get; init; }
    public JsonElement? SharedConfig { get; init; }

    /// <summary>"Tip #{n}: {weekday} {date}": {n} is the 1-based position, the rest are the title variables of the item's first run.</summary>
    public string? NamingPattern { get; init; }
}

/// <summary>What a bulk request did (or, in a 400, would have done): one result per item, in request order.</summary>
public sealed record BulkResult(int TotalCount, int SuccessCount, int FailureCount, IReadOnlyList<BulkItemResult> Results);

/// <summary>One item: its new or changed schedule's id, or why it was refused (<see cref="Errors"/> by field).</summary>
/// <param name="Warnings">A change of channel in warn mode: the channel's rules the schedule now breaks.</param>
public sealed record BulkItemResult(int Index, Guid? Id, string? Error, IReadOnlyDictionary<string, string[]>? Errors = null,
    IReadOnlyList<Channels.RuleWarning>? Warnings = null);

/// <summary>
/// Which schedules a bulk action applies to: the list's filters, ANDed, and the channel a schedule posts to or the
/// series it releases the episodes of.
/// </summary>
public sealed record BulkFilter(ScheduleStatus? Status = null, JobType? JobType = null, SchedulePriority? Priority = null, string? Search = null,
    Guid? ChannelId = null, Guid? SeriesId = null)
{
    /// <summary>The filter over <paramref name="rows"/> (the series' underlying schedule for <see cref="SeriesId"/>).</summary>
    internal IQueryable<Schedule> Apply(IQueryable<Schedule> rows, AppDbContext db)
    {
        rows = ScheduleService.Filter(rows, Status, JobType, Priority, Search);
        if (ChannelId is { } channelId)
        {
            rows = rows.Where(s => s.ChannelId == channelId);
        }
        if (SeriesId is { } seriesId)
        {
            rows = rows.Where(s => db.Series.Any(x => x.Id == seriesId && x.ScheduleId == s.Id));
        }
        return rows;
    }
}

/// <summary>Pause, resume, cancel or delete: <see cref="Ids"/> or <see cref="Filter"/>, not both.</summary>
public sealed record BulkActionRequest
{
    public IReadOnlyList<Guid>? Ids { get; init; }
    public BulkFilter? Filter { get; init; }

    /// <summary>Pause: the note every paused schedule shows.</summary>
    public string? Note { get; init; }

    /// <summary>Resume: keep the missed run for the missed-run policy (else the next run is from now).</summary>
    public bool? RunMissed { get; init; }
}

public sealed record BulkUpdateRequest
{
    public IReadOnlyList<Guid>? Ids { get; init; }
    public BulkFilter? Filter { get; init; }
    public BulkChanges? Changes { get; init; }
}

/// <summary>
/// The fields a bulk edit sets; absent ones stay as they are. <see cref="JobConfig"/> is merged over each schedule's
/// config (a key set to null is removed). <see cref="ChannelId"/> moves the schedules to that channel under its rules
/// (block mode: a 409 naming the schedule; warn mode: the warnings in each item's result); <see cref="RemoveChannel"/>
/// takes them off their channel.
/// </summary>
public sealed record BulkChanges(
    SchedulePriority? Priority = null,
    JsonElement? JobConfig = null,
    string? Timezone = null,
    MissedRunPolicy? MissedPolicy = null,
    OverlapPolicy? OverlapPolicy = null,
    Guid? ChannelId = null,
    bool? RemoveChannel = null);

public enum BulkAction
{
    Pause,
    Resume,
    Cancel,
    Delete,
    Update,
}

public static class BulkLimits
{
    /// <summary>Schedules one bulk create or bulk action takes.</summary>
    public const int MaxItems = 1000;

    /// <summary>Rows one import or export takes.</summary>
    public const int MaxImportRows = 10_000;

    /// <summary>The largest import body (10,000 full rows fit with room).</summary>
    public const int MaxImportBytes = 16 * 1024 * 1024;

    public const int MaxNamingPatternLength = 500;
}

/// <summary>
/// A bulk request refused as a whole (400): the field errors keyed by item ("schedules[3].timezone", "rows[7].cron") and,
/// beside them, what each item would have done, so a client can show every problem at once.
/// </summary>
public sealed class BulkRejectedException(IReadOnlyDictionary<string, string[]> errors, string detail, IReadOnlyDictionary<string, object?> extensions)
    : RequestValidationException(errors)
{
    public override string Message => detail;
    public override IReadOnlyDictionary<string, object?>? Extensions => extensions;
}
