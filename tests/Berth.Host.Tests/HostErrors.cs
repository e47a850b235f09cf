using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Berth.Host.Tests;

/// <summary>
/// The errors a test's host logged, kept per host port so that an assertion on an unexpected answer can say what
/// failed inside the host (its console log is not shown with a failed test).
/// </summary>
internal sealed class HostErrors : ILoggerProvider
{
    private static readonly ConcurrentDictionary<int, HostErrors> ByPort = new();

    private readonly ConcurrentQueue<string> _entries = new();

    public void Register(int port) => ByPort[port] = this;

    public void Unregister(int port) => ByPort.TryRemove(new KeyValuePair<int, HostErrors>(port, this));

    /// <summary>The errors logged by the host serving <paramref name="uri"/>, newest last; empty when none or unknown.</summary>
    public static string For(Uri? uri)
        => uri is not null && ByPort.TryGetValue(uri.Port, out var errors) && !errors._entries.IsEmpty
            ? "\nhost errors:\n" + string.Join('\n', errors._entries.TakeLast(5))
            : "";

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(HostErrors errors, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Error;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel)) return;
            errors._entries.Enqueue($"{category}: {formatter(state, exception)}{(exception is null ? "" : "\n" + exception)}");
        }
    }
}
