using Microsoft.EntityFrameworkCore;
using Scheduling.Core.Scheduling;
using Scheduling.Web.Data;
using Scheduling.Web.Features.Schedules;

namespace Scheduling.Web.Tests.Engine;

/// <summary>A burst: one-time schedules of a workspace all due at the same whole second, written straight to the database.</summary>
public static class BurstSchedules
{
    /// <summary>Adds <paramref name="count"/> schedules due at the whole second after <paramref name="inSeconds"/>; saves them.</summary>
    public static async Task AddAsync(AppDbContext db, Guid workspaceId, int count, string webhookUrl, int inSeconds = 3)
    {
        var due = DateTime.UtcNow.AddSeconds(inSeconds);
        await AddAtAsync(db, workspaceId, count, new DateTime(due.Ticks - due.Ticks % TimeSpan.TicksPerSecond, DateTimeKind.Utc), webhookUrl);
    }

    /// <summary>Adds <paramref name="count"/> schedules due at <paramref name="due"/> (UTC); saves them and returns their ids.</summary>
    public static async Task<List<Guid>> AddAtAsync(AppDbContext db, Guid workspaceId, int count, DateTime due, string? webhookUrl = null)
    {
        var userId = await db.Users.Select(u => u.Id).FirstAsync(TestContext.Current.CancellationToken);
        var ids = Enumerable.Range(0, count).Select(_ => Guid.CreateVersion7()).ToList();
        db.Schedules.AddRange(ids.Select((id, i) => new Schedule
        {
            Id = id,
            WorkspaceId = workspaceId,
            Name = $"Burst {i}",
            JobType = JobType.Export,
            ScheduleType = ScheduleType.Once,
            TimeZone = "UTC",
            ScheduledAt = ScheduleTiming.FormatLocal(NodaTime.LocalDateTime.FromDateTime(due)),
            Status = ScheduleStatus.Active,
            NextRunAt = due,
            WebhookUrl = webhookUrl,
            CreatedByUserId = userId,
            CreatedAt = DateTime.UtcNow,
            UpdatedAt = DateTime.UtcNow,
        }));
        await db.SaveChangesAsync(TestContext.Current.CancellationToken);
        return ids;
    }
}
