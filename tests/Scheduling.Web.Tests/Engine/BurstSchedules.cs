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
        due = new DateTime(due.Ticks - due.Ticks % TimeSpan.TicksPerSecond, DateTimeKind.Utc);
        var userId = await db.Users.Select(u => u.Id).FirstAsync(TestContext.Current.CancellationToken);
        for (var i = 0; i < count; i++)
        {
            db.Schedules.Add(new Schedule
            {
                Id = Guid.CreateVersion7(),
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
            });
        }
        await db.SaveChangesAsync(TestContext.Current.CancellationToken);
    }
}
