using Scheduling.Core.Recurrence;

namespace Scheduling.Core.Tests.Recurrence;

public class FrequencyTests
{
    [Fact]
    public void Values_CoverRfc5545FrequenciesFromMinutely_SixInOrder()
    {
        Assert.Equal(
            [Frequency.Minutely, Frequency.Hourly, Frequency.Daily, Frequency.Weekly, Frequency.Monthly, Frequency.Yearly],
            Enum.GetValues<Frequency>());
    }
}
