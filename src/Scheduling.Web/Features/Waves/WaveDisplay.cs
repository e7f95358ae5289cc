using Scheduling.Core.Scheduling;

namespace Scheduling.Web.Features.Waves;

/// <summary>How the wave pages word a wave.</summary>
public static class WaveDisplay
{
    public static string Mode(WaveMode mode) => mode switch
    {
        WaveMode.Simultaneous => "Simultaneous",
        WaveMode.Staggered => "Staggered",
        _ => "Next free slots",
    };

    /// <summary>"2 of 3 posts out · 1 planned", counting a post out once its schedule completed.</summary>
    public static string Summary(WaveView wave)
    {
        var total = wave.Items.Count;
        var done = wave.Items.Count(i => i.Status == ScheduleStatus.Completed);
        var cancelled = wave.Items.Count(i => i.Status == ScheduleStatus.Cancelled);
        var paused = wave.Items.Count(i => i.Status == ScheduleStatus.Paused);
        var waiting = wave.Items.Count(i => i.Status is ScheduleStatus.Draft or ScheduleStatus.InReview);
        var parts = new List<string> { $"{done} of {total} {(total == 1 ? "post" : "posts")} out" };
        if (paused > 0)
        {
            parts.Add($"{paused} paused");
        }
        if (waiting > 0)
        {
            parts.Add($"{waiting} waiting for review");
        }
        if (cancelled > 0)
        {
            parts.Add($"{cancelled} cancelled");
        }
        return string.Join(" · ", parts);
    }
}
