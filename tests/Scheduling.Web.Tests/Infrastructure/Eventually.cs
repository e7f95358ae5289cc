namespace Scheduling.Web.Tests.Infrastructure;

/// <summary>Waits for background work (the dispatcher, Hangfire) by polling a condition, with a hard limit.</summary>
public static class Eventually
{
    public static async Task<T> GetAsync<T>(Func<Task<T>> probe, Func<T, bool> done, TimeSpan? within = null, string? what = null)
    {
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(20));
        T value;
        while (true)
        {
            value = await probe();
            if (done(value))
            {
                return value;
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Gave up waiting{(what is null ? "" : " for " + what)}; last value: {value}");
            }
            await Task.Delay(100);
        }
    }
}
