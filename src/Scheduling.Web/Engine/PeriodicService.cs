namespace Scheduling.Web.Engine;

/// <summary>
/// A background loop: one pass in a fresh DI scope, then a pause. A failed pass is logged and retried by the
/// next one; a pass that reports more work waiting runs again at once.
/// </summary>
public abstract class PeriodicService(IServiceScopeFactory scopes, TimeProvider clock, ILogger logger) : BackgroundService
{
    protected abstract TimeSpan Interval { get; }

    protected TimeProvider Clock => clock;

    /// <returns>True when more work is waiting (loop again without pausing).</returns>
    protected abstract Task<bool> RunOnceAsync(IServiceProvider services, CancellationToken cancellationToken);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var more = false;
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                more = await RunOnceAsync(scope.ServiceProvider, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                logger.LogWarning(ex, "{Service}: a pass failed; the next pass retries.", GetType().Name);
            }
            if (!more)
            {
                await Task.Delay(Interval, clock, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
    }
}
