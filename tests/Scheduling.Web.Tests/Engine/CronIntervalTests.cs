using Scheduling.Web.Engine;

namespace Scheduling.Web.Tests.Engine;

public class CronIntervalTests
{
    [Theory]
    [InlineData("00:00:00.500", "*/1 * * * * *")]
    [InlineData("00:00:05", "*/5 * * * * *")]
    [InlineData("00:00:07", "*/6 * * * * *")]
    [InlineData("00:00:30", "*/30 * * * * *")]
    [InlineData("00:01:00", "0 */1 * * * *")]
    [InlineData("00:45:00", "0 */30 * * * *")]
    [InlineData("05:00:00", "0 0 */4 * * *")]
    [InlineData("2.00:00:00", "0 0 0 * * *")]
    public void Every_RoundsDownToAnEvenDivisionOfTheMinuteHourOrDay(string interval, string cron) =>
        Assert.Equal(cron, CronInterval.Every(TimeSpan.Parse(interval, System.Globalization.CultureInfo.InvariantCulture)));
}
