using MudBlazor;
using Scheduling.Core.Common;

namespace Scheduling.Web.Features.Series;

/// <summary>Labels and colours of the series pages.</summary>
public static class SeriesDisplay
{
    public static string Label(EpisodeStatus status) => WireNames.ToWire(status);

    public static string Label(SeriesStatus status) => WireNames.ToWire(status);

    public static Color ChipColor(EpisodeStatus status) => status switch
    {
        EpisodeStatus.Released => Color.Success,
        EpisodeStatus.Failed => Color.Error,
        EpisodeStatus.Scheduled => Color.Info,
        _ => Color.Default,
    };

    public static Color ChipColor(SeriesStatus status) => status switch
    {
        SeriesStatus.Active => Color.Success,
        SeriesStatus.Paused => Color.Warning,
        SeriesStatus.Cancelled => Color.Error,
        _ => Color.Default,
    };

    /// <summary>"4 of 12 released".</summary>
    public static string Progress(int released, int count) => $"{released} of {count} released";
}
