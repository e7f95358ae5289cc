using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Scheduling.Web.Tests.Api;

/// <summary>
/// The exceptions the app's exception handler caught and did not map (server errors). Some reach the caller as
/// another status (an exception on PUT re-executed on /Error answers 405), so the fuzz asks the log, not only the status.
/// </summary>
public sealed class UnhandledExceptions : ILoggerProvider
{
    private readonly ConcurrentQueue<string> _seen = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    /// <summary>What was logged since the last call (requests are sent one at a time, so it is the last request's).</summary>
    public List<string> Drain()
    {
        var drained = new List<string>();
        while (_seen.TryDequeue(out var line))
        {
            drained.Add(line);
        }
        return drained;
    }

    public void Dispose()
    {
    }

    private sealed class Logger(UnhandledExceptions owner, string category) : ILogger
    {
        private readonly bool _handler = category.StartsWith("Microsoft.AspNetCore.Diagnostics", StringComparison.Ordinal);

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => _handler && logLevel >= LogLevel.Error;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel) && exception is not null)
            {
                var frame = exception.StackTrace?.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.Contains("Scheduling.", StringComparison.Ordinal)) ?? "";
                owner._seen.Enqueue($"{exception.GetType().Name}: {exception.Message} {frame}");
            }
        }
    }
}
