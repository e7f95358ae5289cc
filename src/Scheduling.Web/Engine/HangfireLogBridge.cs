using Hangfire.Logging;
using MsLogLevel = Microsoft.Extensions.Logging.LogLevel;

namespace Scheduling.Web.Engine;

/// <summary>
/// Hangfire's logs into this host's logging. Hangfire logs through one process-wide provider, and Hangfire.AspNetCore
/// points it at the logger factory of whichever host configured Hangfire last. With several hosts in one process
/// (the tests run dozens) that factory may belong to a host already disposed, and its CreateLogger then throws: a
/// Hangfire server starting at that moment failed to start and its jobs were never run. This bridge creates loggers
/// lazily and treats a disposed factory as "not logging" instead of failing the caller.
/// </summary>
public sealed class HangfireLogBridge(ILoggerFactory factory) : ILogProvider
{
    public ILog GetLogger(string name) => new Bridge(factory, name);

    private sealed class Bridge(ILoggerFactory factory, string name) : ILog
    {
        private ILogger? _logger;

        public bool Log(Hangfire.Logging.LogLevel logLevel, Func<string>? messageFunc, Exception? exception = null)
        {
            try
            {
                var logger = _logger ??= factory.CreateLogger(name);
                var level = logLevel switch
                {
                    Hangfire.Logging.LogLevel.Trace => MsLogLevel.Trace,
                    Hangfire.Logging.LogLevel.Debug => MsLogLevel.Debug,
                    Hangfire.Logging.LogLevel.Info => MsLogLevel.Information,
                    Hangfire.Logging.LogLevel.Warn => MsLogLevel.Warning,
                    Hangfire.Logging.LogLevel.Error => MsLogLevel.Error,
                    _ => MsLogLevel.Critical,
                };
                if (!logger.IsEnabled(level))
                {
                    return false;
                }
                // Without a message Hangfire only asks whether the level is on.
                if (messageFunc is not null)
                {
                    logger.Log(level, default, messageFunc(), exception, static (message, _) => message);
                }
                return true;
            }
            catch (ObjectDisposedException)
            {
                return false;
            }
        }
    }
}
