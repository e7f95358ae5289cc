using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Scheduling.Web.Tests.Infrastructure;

/// <summary>
/// What the app logged that explains a stuck test: warnings and errors from everywhere, and Hangfire's and the
/// host's lifecycle lines (a server that stopped). Shown in timeout messages; it asserts nothing itself.
/// </summary>
public sealed class CapturedLogs : ILoggerProvider
{
    private const int Keep = 200;
    private readonly ConcurrentQueue<string> _lines = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public string Dump() => string.Join("\n", _lines);

    /// <summary>Also keep Information lines (from the moment it is set): for tests about what the app logs.</summary>
    public bool IncludeInformation { get; set; }

    /// <summary>The lines kept so far (the last 200).</summary>
    public IReadOnlyList<string> Lines => [.. _lines];

    public void Dispose()
    {
    }

    private void Add(string line)
    {
        _lines.Enqueue(line);
        while (_lines.Count > Keep && _lines.TryDequeue(out _))
        {
        }
    }

    private sealed class Logger(CapturedLogs owner, string category) : ILogger
    {
        private readonly bool _lifecycle = category.StartsWith("Hangfire", StringComparison.Ordinal) || category.StartsWith("Microsoft.Hosting", StringComparison.Ordinal);

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) =>
            logLevel >= LogLevel.Warning || ((_lifecycle || owner.IncludeInformation) && logLevel >= LogLevel.Information);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                owner.Add($"{DateTime.UtcNow:HH:mm:ss.fff} {logLevel} {category}: {formatter(state, exception)}{(exception is null ? "" : " | " + exception.GetType().Name + ": " + exception.Message)}");
            }
        }
    }
}
