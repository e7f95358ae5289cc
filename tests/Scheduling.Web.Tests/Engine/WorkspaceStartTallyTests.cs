using Scheduling.Web.Features.Executions;

namespace Scheduling.Web.Tests.Engine;

/// <summary>The start tally a workspace's rate limit and daily quota count (decision 0041).</summary>
public class WorkspaceStartTallyTests
{
    private static readonly DateTime Now = new(2026, 12, 4, 23, 59, 30, 250, DateTimeKind.Utc);

    [Fact]
    public void MadeFromEarlierStarts_CountsThemBySecond_AndTheDay()
    {
        var tally = WorkspaceStartTally.Of(Guid.NewGuid(), startedToday: 40,
            [Now.AddSeconds(-50.1), Now.AddSeconds(-50.2), Now.AddSeconds(-10), Now.AddSeconds(-0.1)], Now);

        Assert.Equal(40, tally.StartedToday(Now));
        Assert.Equal(4, tally.StartedSince(Now.AddMinutes(-1)));
        Assert.Equal(2, tally.StartedSince(Now.AddSeconds(-20)));
        // Whole seconds: a start early in the second that "since" falls in counts (the limit errs on the side of holding).
        Assert.Equal(4, tally.StartedSince(Now.AddSeconds(-50.15)));
        Assert.Equal(0, tally.StartedSince(Now.AddSeconds(1)));
    }

    [Fact]
    public void Counting_AddsToTheSecond_ForgetsSecondsOlderThanAMinute_AndStartsANewDay()
    {
        var tally = WorkspaceStartTally.Of(Guid.NewGuid(), 0, [], Now.AddSeconds(-90));
        tally.Count(3, Now.AddSeconds(-90));
        tally.Count(2, Now);
        tally.Count(1, Now.AddMilliseconds(500));

        Assert.Equal(6, tally.StartedToday(Now));
        Assert.Equal(3, tally.StartedSince(Now.AddMinutes(-1)));
        Assert.DoesNotContain(';', tally.RecentSeconds);

        // Past midnight (UTC): the day starts from nothing, the last minute still counts what came before it.
        var tomorrow = Now.AddSeconds(40);
        Assert.Equal(0, tally.StartedToday(tomorrow));
        tally.Count(4, tomorrow);
        Assert.Equal((tomorrow.Date, 4), (tally.Day, tally.StartedToday(tomorrow)));
        Assert.Equal(7, tally.StartedSince(tomorrow.AddMinutes(-1)));
    }

    [Fact]
    public void ABusyMinute_FitsItsColumn()
    {
        var tally = WorkspaceStartTally.Of(Guid.NewGuid(), 0, [], Now);
        for (var second = 0; second < 200; second++)
        {
            tally.Count(100_000, Now.AddSeconds(second));
        }
        Assert.True(tally.RecentSeconds.Length <= WorkspaceStartTally.RecentLength, tally.RecentSeconds.Length.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(61 * 100_000, tally.StartedSince(Now.AddSeconds(199 - 60)));
    }
}
