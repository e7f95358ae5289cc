using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Scheduling.Core.Scheduling;
using Scheduling.Web.Data;
using Scheduling.Web.Features.Schedules;

namespace Scheduling.Web.Features.Series;

public enum SeriesStatus
{
    Active,
    Paused,
    Completed,
    Cancelled,
}

/// <summary>What a failed episode does to the ones after it.</summary>
public enum SeriesFailurePolicy
{
    /// <summary>Later episodes wait until it is released (a retry) or skipped by hand.</summary>
    Block,

    /// <summary>Later episodes go on; the failed one stays failed (it can no longer be retried once a later one is out).</summary>
    Continue,
}

public enum EpisodeStatus
{
    Draft,
    Scheduled,
    Released,
    Failed,
    Skipped,
}

/// <summary>
/// Episodes released in order on a recurrence, from one template. The series drives one underlying recurring schedule
/// (<see cref="ScheduleId"/>: its recurrence, zone, job type, delivery; max runs = episode count, missed runs all run,
/// overlapping runs queue): its n-th occurrence is episode n, and the engine's admission holds episode n+1 while an
/// earlier one is open (decision 0017).
/// </summary>
public sealed class Series : IWorkspaceOwned
{
    public Guid Id { get; set; }
    public Guid WorkspaceId { get; set; }
    public Guid ScheduleId { get; set; }
    public Schedule? Schedule { get; set; }
    public required string Name { get; set; }
    public string? Description { get; set; }

    /// <summary>Episode titles: {episode}, {title} (the series name) and the schedule title variables ({date} ...).</summary>
    public required string TitleTemplate { get; set; }

    /// <summary>The template's job config (a JSON object); an episode may replace it with its own.</summary>
    public string JobConfig { get; set; } = "{}";
    public int EpisodeCount { get; set; }

    /// <summary>The channel it publishes to. No foreign key yet: channels are built in parallel (issue 11 note in decision 0017).</summary>
    public Guid? ChannelId { get; set; }
    public SeriesStatus Status { get; set; }
    public SeriesFailurePolicy OnFailure { get; set; }
    public required string CreatedByUserId { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
    public List<SeriesEpisode> Episodes { get; set; } = [];
}

/// <summary>One episode: its planned occurrence and, once the engine claimed it, the execution that releases it.</summary>
public sealed class SeriesEpisode : IWorkspaceOwned
{
    public Guid Id { get; set; }
    public Guid WorkspaceId { get; set; }
    public Guid SeriesId { get; set; }

    /// <summary>The series' schedule (kept here so that the engine finds an occurrence's episode with one index).</summary>
    public Guid ScheduleId { get; set; }
    public int Number { get; set; }
    public required string Title { get; set; }

    /// <summary>Its own job config (JSON object), or null for the template's.</summary>
    public string? JobConfig { get; set; }

    /// <summary>The occurrence (UTC) that releases it.</summary>
    public DateTime PlannedAt { get; set; }
    public EpisodeStatus Status { get; set; }

    /// <summary>The run releasing it (no foreign key: a run claimed ahead may be withdrawn, and history outlives a cancel).</summary>
    public Guid? ExecutionId { get; set; }
    public DateTime? ReleasedAt { get; set; }
}

internal sealed class SeriesConfiguration : IEntityTypeConfiguration<Series>
{
    public void Configure(EntityTypeBuilder<Series> builder)
    {
        builder.Property(s => s.Name).HasMaxLength(ScheduleLimits.MaxNameLength);
        builder.Property(s => s.Description).HasMaxLength(ScheduleLimits.MaxDescriptionLength);
        builder.Property(s => s.TitleTemplate).HasMaxLength(SeriesLimits.MaxTitleLength);
        builder.Property(s => s.CreatedByUserId).HasMaxLength(450);
        builder.Property(s => s.Status).HasConversion<string>().HasMaxLength(16);
        builder.Property(s => s.OnFailure).HasConversion<string>().HasMaxLength(16);
        builder.HasIndex(s => new { s.WorkspaceId, s.Status });
        builder.HasIndex(s => s.ScheduleId).IsUnique();
        // Deleting the schedule (or its workspace) deletes the series: one cascade path, as SQL Server requires.
        builder.HasOne(s => s.Schedule).WithMany().HasForeignKey(s => s.ScheduleId).OnDelete(DeleteBehavior.Cascade);
        builder.HasMany(s => s.Episodes).WithOne().HasForeignKey(e => e.SeriesId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class SeriesEpisodeConfiguration : IEntityTypeConfiguration<SeriesEpisode>
{
    public void Configure(EntityTypeBuilder<SeriesEpisode> builder)
    {
        builder.Property(e => e.Title).HasMaxLength(SeriesLimits.MaxTitleLength);
        builder.Property(e => e.Status).HasConversion<string>().HasMaxLength(16);
        builder.HasIndex(e => new { e.SeriesId, e.Number }).IsUnique();
        builder.HasIndex(e => new { e.ScheduleId, e.PlannedAt });
        builder.HasIndex(e => e.ExecutionId);
    }
}

public static class SeriesLimits
{
    public const int MaxEpisodes = 1000;
    public const int MaxTitleLength = 500;
    public const int MaxPageSize = 100;
}
