using System.Globalization;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Scheduling.Web.Features.Workspaces;

namespace Scheduling.Web.Features.Executions;

/// <summary>
/// How many of a workspace's runs started for the first time today and in each of the last sixty seconds: what its rate
/// limit and daily quota count. The engine's ledger reads and writes it with its start decisions, holding the row's lock
/// (which is the workspace's engine lock on PostgreSQL and SQL Server), so the counts are one row, not an index range
/// over every start of the day (decision 0041).
/// </summary>
public sealed class WorkspaceStartTally
{
    /// <summary>Sixty-one seconds of "second:count" pairs fit with room to spare.</summary>
    public const int RecentLength = 2000;

    private static readonly TimeSpan Window = TimeSpan.FromMinutes(1);

    public Guid WorkspaceId { get; set; }

    /// <summary>The UTC day <see cref="StartedOnDay"/> counts.</summary>
    public DateTime Day { get; set; }

    public int StartedOnDay { get; set; }

    /// <summary>First starts per UTC second (Unix seconds), "second:count" separated by ';', oldest first.</summary>
    public string RecentSeconds { get; set; } = "";

    /// <summary>A tally of the starts already made (when a workspace gets its row): first starts today, and those of the last minute.</summary>
    public static WorkspaceStartTally Of(Guid workspaceId, int startedToday, IEnumerable<DateTime> startedInTheLastMinute, DateTime now)
    {
        var tally = new WorkspaceStartTally { WorkspaceId = workspaceId, Day = now.Date, StartedOnDay = startedToday };
        tally.RecentSeconds = Format(startedInTheLastMinute.GroupBy(SecondOf).Select(g => (g.Key, g.Count())).OrderBy(b => b.Key));
        return tally;
    }

    /// <summary>First starts on <paramref name="now"/>'s UTC day.</summary>
    public int StartedToday(DateTime now) => Day == now.Date ? StartedOnDay : 0;

    /// <summary>
    /// First starts at or after <paramref name="since"/>, by whole seconds: a start in the second that
    /// <paramref name="since"/> falls in counts even if it came a moment before it (a limit errs on the side of holding).
    /// </summary>
    public int StartedSince(DateTime since)
    {
        var from = SecondOf(since);
        return Parse(RecentSeconds).Where(b => b.Second >= from).Sum(b => b.Count);
    }

    /// <summary>Counts <paramref name="firstStarts"/> first starts at <paramref name="now"/>, forgetting seconds older than a minute.</summary>
    public void Count(int firstStarts, DateTime now)
    {
        if (Day != now.Date)
        {
            Day = now.Date;
            StartedOnDay = 0;
        }
        StartedOnDay += firstStarts;
        var second = SecondOf(now);
        var oldest = SecondOf(now - Window);
        var buckets = Parse(RecentSeconds).Where(b => b.Second >= oldest).ToList();
        if (firstStarts > 0)
        {
            var at = buckets.FindIndex(b => b.Second == second);
            if (at >= 0)
            {
                buckets[at] = (second, buckets[at].Count + firstStarts);
            }
            else
            {
                buckets.Add((second, firstStarts));
            }
        }
        RecentSeconds = Format(buckets.OrderBy(b => b.Second));
    }

    private static long SecondOf(DateTime utc) => new DateTimeOffset(DateTime.SpecifyKind(utc, DateTimeKind.Utc)).ToUnixTimeSeconds();

    private static IEnumerable<(long Second, int Count)> Parse(string text)
    {
        foreach (var pair in text.Split(';', StringSplitOptions.RemoveEmptyEntries))
        {
            var colon = pair.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0
                && long.TryParse(pair.AsSpan(0, colon), NumberStyles.None, CultureInfo.InvariantCulture, out var second)
                && int.TryParse(pair.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var count))
            {
                yield return (second, count);
            }
        }
    }

    private static string Format(IEnumerable<(long Second, int Count)> buckets)
    {
        var text = new StringBuilder();
        foreach (var (second, count) in buckets)
        {
            text.Append(text.Length == 0 ? "" : ";").Append(second.ToString(CultureInfo.InvariantCulture)).Append(':').Append(count.ToString(CultureInfo.InvariantCulture));
        }
        return text.ToString();
    }
}

internal sealed class WorkspaceStartTallyConfiguration : IEntityTypeConfiguration<WorkspaceStartTally>
{
    public void Configure(EntityTypeBuilder<WorkspaceStartTally> builder)
    {
        builder.HasKey(t => t.WorkspaceId);
        builder.Property(t => t.RecentSeconds).HasMaxLength(WorkspaceStartTally.RecentLength);
        builder.HasOne<Workspace>().WithMany().HasForeignKey(t => t.WorkspaceId).OnDelete(DeleteBehavior.Cascade);
    }
}
