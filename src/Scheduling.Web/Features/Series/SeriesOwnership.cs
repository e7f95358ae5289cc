using Microsoft.EntityFrameworkCore;
using Scheduling.Core.Scheduling;
using Scheduling.Web.Api;
using Scheduling.Web.Data;

namespace Scheduling.Web.Features.Series;

/// <summary>The series a schedule releases the episodes of: its id, name and the page to change it on.</summary>
public sealed record SeriesRef(Guid Id, string Name)
{
    /// <summary>The series page (relative to the app's base, as the UI links it).</summary>
    public string PagePath => $"series/{Id}";

    public string ApiPath => $"/api/v1/schedules/series/{Id}";
}

/// <summary>
/// A change the series owns, asked of its underlying schedule (an edit, a delete, an occurrence move): 409 naming the
/// series, with the links to change it there instead (decision 0025).
/// </summary>
public sealed class PartOfSeriesException(SeriesRef series, string what)
    : AppException($"This schedule releases the episodes of series '{series.Name}': {what} the series instead (/{series.PagePath}).")
{
    public SeriesRef Series { get; } = series;
    public override int StatusCode => StatusCodes.Status409Conflict;
    public override string Title => "Part of a series";

    public override IReadOnlyDictionary<string, object?>? Extensions => new Dictionary<string, object?>
    {
        ["series"] = new { id = Series.Id, name = Series.Name, page = "/" + Series.PagePath, href = Series.ApiPath },
    };
}

/// <summary>
/// The underlying schedule of a series belongs to it (decision 0025): its definition changes only through the series;
/// pausing, resuming or cancelling it from the schedule side is the same as doing it to the series, which follows in
/// the same transaction.
/// </summary>
public static class SeriesOwnership
{
    public static async Task<SeriesRef?> OwnerAsync(AppDbContext db, Guid scheduleId, CancellationToken ct) =>
        await db.Series.AsNoTracking().Where(s => s.ScheduleId == scheduleId).Select(s => new SeriesRef(s.Id, s.Name)).FirstOrDefaultAsync(ct);

    /// <summary>The series among <paramref name="scheduleIds"/>' owners, by schedule id (one indexed query).</summary>
    public static async Task<Dictionary<Guid, SeriesRef>> OwnersAsync(AppDbContext db, IReadOnlyCollection<Guid> scheduleIds, CancellationToken ct) =>
        (await db.Series.AsNoTracking().Where(s => scheduleIds.Contains(s.ScheduleId)).Select(s => new { s.ScheduleId, s.Id, s.Name }).ToListAsync(ct))
        .ToDictionary(s => s.ScheduleId, s => new SeriesRef(s.Id, s.Name));

    /// <summary>
    /// The series of <paramref name="scheduleIds"/> follow their schedules to <paramref name="target"/> (paused, active or
    /// cancelled), in the caller's transaction; cancelling puts unreleased episodes back to draft, as the series' cancel does.
    /// </summary>
    public static async Task FollowScheduleAsync(AppDbContext db, IReadOnlyCollection<Guid> scheduleIds, ScheduleStatus target, DateTime now, CancellationToken ct)
    {
        var (to, from) = target switch
        {
            ScheduleStatus.Paused => (SeriesStatus.Paused, new[] { SeriesStatus.Active }),
            ScheduleStatus.Active => (SeriesStatus.Active, new[] { SeriesStatus.Paused }),
            ScheduleStatus.Cancelled => (SeriesStatus.Cancelled, new[] { SeriesStatus.Active, SeriesStatus.Paused, SeriesStatus.Completed }),
            _ => (default(SeriesStatus?), Array.Empty<SeriesStatus>()),
        };
        if (to is not { } status)
        {
            return;
        }
        var following = await db.Series.Where(s => scheduleIds.Contains(s.ScheduleId) && from.Contains(s.Status)).Select(s => s.Id).ToListAsync(ct);
        if (following.Count == 0)
        {
            return;
        }
        await db.Series.Where(s => following.Contains(s.Id))
            .ExecuteUpdateAsync(set => set.SetProperty(s => s.Status, status).SetProperty(s => s.UpdatedAt, now), ct);
        if (status == SeriesStatus.Cancelled)
        {
            await db.SeriesEpisodes.Where(e => following.Contains(e.SeriesId) && (e.Status == EpisodeStatus.Scheduled || e.Status == EpisodeStatus.Failed))
                .ExecuteUpdateAsync(set => set.SetProperty(e => e.Status, EpisodeStatus.Draft), ct);
        }
    }
}
