namespace Scheduling.Core.Scheduling;

/// <summary>
/// How failed attempts are retried. Delay for retry <c>n</c> (1 = the first retry): fixed = base, linear = n × base,
/// exponential = 2^(n−1) × base; then jitter of ±<see cref="JitterRatio"/> of that, then the cap. Randomness is
/// injected so tests and replays are deterministic.
/// </summary>
/// <param name="Strategy">none, fixed, linear or exponential.</param>
/// <param name="MaxRetries">Retries after the first attempt; 0 = no retry.</param>
/// <param name="BaseDelay">The first retry's delay before jitter.</param>
/// <param name="MaxDelay">Upper bound for any delay, jitter included.</param>
/// <param name="JitterRatio">0 to 1: the delay varies uniformly within ±ratio of itself.</param>
public sealed record RetryPolicy(
    RetryStrategy Strategy,
    int MaxRetries,
    TimeSpan BaseDelay,
    TimeSpan MaxDelay,
    double JitterRatio = 0)
{
    public static RetryPolicy None { get; } = new(RetryStrategy.None, 0, TimeSpan.Zero, TimeSpan.Zero);

    /// <summary>Seed 004's default: exponential from 60 s, capped at one hour.</summary>
    public static RetryPolicy Default { get; } = new(RetryStrategy.Exponential, 3, TimeSpan.FromSeconds(60), TimeSpan.FromHours(1), 0.1);

    public bool ShouldRetry(int retry) => Strategy != RetryStrategy.None && retry >= 1 && retry <= MaxRetries;

    /// <summary>The delay before retry <paramref name="retry"/>, or null when no retry is due.</summary>
    /// <example><c>policy.GetDelay(2, new Random(42))</c></example>
    public TimeSpan? GetDelay(int retry, Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        if (!ShouldRetry(retry))
        {
            return null;
        }

        var baseSeconds = Math.Max(0, BaseDelay.TotalSeconds);
        var seconds = Strategy switch
        {
            RetryStrategy.Fixed => baseSeconds,
            RetryStrategy.Linear => baseSeconds * retry,
            // Exponent capped: beyond 2^62 the cap decides anyway, and the double stays finite.
            _ => baseSeconds * Math.Pow(2, Math.Min(retry - 1, 62)),
        };

        var ratio = Math.Clamp(JitterRatio, 0, 1);
        if (ratio > 0)
        {
            seconds *= 1 + (ratio * ((random.NextDouble() * 2) - 1));
        }

        var cap = MaxDelay > TimeSpan.Zero ? MaxDelay.TotalSeconds : double.MaxValue;
        seconds = Math.Clamp(seconds, 0, Math.Min(cap, TimeSpan.MaxValue.TotalSeconds / 2));
        return TimeSpan.FromSeconds(seconds);
    }
}
