using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Scheduling.Web.Data;

namespace Scheduling.Web.Features.Executions.Progress;

public static class ProgressLimits
{
    public const int StageLength = 64;
    public const int MessageLength = 500;

    /// <summary>How many reports a run keeps (newest first); older ones are pruned as new ones come.</summary>
    public const int HistoryLength = 50;
}

/// <summary>One progress report of a run, as accepted (the run's short history; the latest is also on the run).</summary>
public sealed class ExecutionProgressEntry : IWorkspaceOwned
{
    /// <summary>Increasing: the order of the reports.</summary>
    public long Id { get; set; }
    public Guid WorkspaceId { get; set; }
    public Guid ExecutionId { get; set; }
    public int Percent { get; set; }
    public string? Stage { get; set; }
    public string? Message { get; set; }
    public DateTime At { get; set; }
}

internal sealed class ExecutionProgressEntryConfiguration : IEntityTypeConfiguration<ExecutionProgressEntry>
{
    public void Configure(EntityTypeBuilder<ExecutionProgressEntry> builder)
    {
        builder.ToTable("ExecutionProgress");
        builder.Property(p => p.Stage).HasMaxLength(ProgressLimits.StageLength);
        builder.Property(p => p.Message).HasMaxLength(ProgressLimits.MessageLength);
        builder.HasIndex(p => new { p.ExecutionId, p.Id });
        builder.HasOne<Execution>().WithMany().HasForeignKey(p => p.ExecutionId).OnDelete(DeleteBehavior.Cascade);
    }
}

/// <summary>What an integration reports: <c>percent</c> 0-100 (required), <c>stage</c> (≤ 64), <c>message</c> (≤ 500).</summary>
public sealed record ProgressRequest(int? Percent, string? Stage, string? Message);

/// <summary>A run's latest progress; <paramref name="Stalled"/> when it has not moved for longer than the run's timeout.</summary>
public sealed record ExecutionProgressView(int Percent, string? Stage, string? Message, DateTime UpdatedAt, bool Stalled);

/// <summary>
/// The answer to a report: <paramref name="Accepted"/> false when it was ignored (a lower percent in the same stage:
/// reports may arrive out of order), with the progress as stored either way.
/// </summary>
public sealed record ProgressReportResult(bool Accepted, ExecutionProgressView Progress);

public sealed record ProgressEntryView(int Percent, string? Stage, string? Message, DateTime At);

/// <summary>The latest progress (null before the first report) and the last reports, newest first.</summary>
public sealed record ExecutionProgressHistory(Guid ExecutionId, ExecutionProgressView? Latest, IReadOnlyList<ProgressEntryView> History);
