using Scheduling.Core.Common;
using Scheduling.Core.Recurrence;
using Scheduling.Core.Scheduling;

namespace Scheduling.Core.Tests.Common;

public class WireNamesTests
{
    [Fact]
    public void ToWire_EachEnum_IsLowercaseSnakeCase()
    {
        Assert.Equal(["active", "paused", "completed", "cancelled", "draft", "in_review"], WireNames.All<ScheduleStatus>());
        Assert.Equal(["low", "normal", "high", "urgent"], WireNames.All<SchedulePriority>());
        Assert.Equal(["once", "recurring"], WireNames.All<ScheduleType>());
        Assert.Equal(["run_all", "run_latest", "skip"], WireNames.All<MissedRunPolicy>());
        Assert.Equal(["skip", "queue_one", "queue_all", "allow"], WireNames.All<OverlapPolicy>());
        Assert.Equal(["none", "fixed", "linear", "exponential"], WireNames.All<RetryStrategy>());
        Assert.Equal(
            ["video_generation", "batch_generation", "script_generation", "caption_generation", "thumbnail_generation", "export", "publish", "newsletter"],
            WireNames.All<JobType>());
        Assert.Equal(["minutely", "hourly", "daily", "weekly", "monthly", "yearly"], WireNames.All<Frequency>());
    }

    [Fact]
    public void TryParse_WireName_RoundTripsCaseInsensitively()
    {
        Assert.True(WireNames.TryParse<JobType>("Thumbnail_Generation", out var job));
        Assert.Equal(JobType.ThumbnailGeneration, job);
        Assert.Equal("queue_one", OverlapPolicy.QueueOne.ToWire());
        Assert.False(WireNames.TryParse<JobType>("ThumbnailGeneration", out _));
        Assert.False(WireNames.TryParse<JobType>(null, out _));
        Assert.Throws<FormatException>(() => WireNames.Parse<ScheduleStatus>("deleted"));
    }
}
