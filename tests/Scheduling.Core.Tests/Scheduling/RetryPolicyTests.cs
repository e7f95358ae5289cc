using Scheduling.Core.Scheduling;

namespace Scheduling.Core.Tests.Scheduling;

public class RetryPolicyTests
{
    [Theory]
    [InlineData(RetryStrategy.Fixed, new[] { 60, 60, 60, 60 })]
    [InlineData(RetryStrategy.Linear, new[] { 60, 120, 180, 240 })]
    [InlineData(RetryStrategy.Exponential, new[] { 60, 120, 240, 480 })]
    public void GetDelay_NoJitter_FollowsStrategy(RetryStrategy strategy, int[] seconds)
    {
        var policy = new RetryPolicy(strategy, 4, TimeSpan.FromSeconds(60), TimeSpan.FromHours(1));

        var delays = Enumerable.Range(1, 4).Select(n => policy.GetDelay(n, new Random(1))!.Value.TotalSeconds);

        Assert.Equal(seconds.Select(s => (double)s), delays);
    }

    [Fact]
    public void GetDelay_Exponential_IsCapped()
    {
        var policy = new RetryPolicy(RetryStrategy.Exponential, 100, TimeSpan.FromSeconds(60), TimeSpan.FromHours(1), 0.5);

        Assert.Equal(TimeSpan.FromHours(1), policy.GetDelay(10, new Random(3)));
        Assert.Equal(TimeSpan.FromHours(1), policy.GetDelay(100, new Random(3)));
    }

    [Fact]
    public void GetDelay_Jitter_StaysWithinRatioAndIsReproducibleBySeed()
    {
        var policy = new RetryPolicy(RetryStrategy.Fixed, 3, TimeSpan.FromSeconds(100), TimeSpan.FromHours(1), 0.2);

        var a = Enumerable.Range(0, 200).Select(_ => 0).Aggregate((new Random(42), new List<double>()), (acc, _) =>
        {
            acc.Item2.Add(policy.GetDelay(1, acc.Item1)!.Value.TotalSeconds);
            return acc;
        }).Item2;
        var b = new Random(42);

        Assert.All(a, s => Assert.InRange(s, 80, 120));
        Assert.Equal(a[0], policy.GetDelay(1, b)!.Value.TotalSeconds);
        Assert.True(a.Distinct().Count() > 100);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(4)]
    public void GetDelay_OutsideRetries_IsNull(int retry)
    {
        var policy = new RetryPolicy(RetryStrategy.Linear, 3, TimeSpan.FromSeconds(10), TimeSpan.FromMinutes(5));

        Assert.Null(policy.GetDelay(retry, new Random(1)));
    }

    [Fact]
    public void GetDelay_StrategyNone_NeverRetries()
    {
        Assert.Null(RetryPolicy.None.GetDelay(1, new Random(1)));
        Assert.False(RetryPolicy.None.ShouldRetry(1));
    }
}
