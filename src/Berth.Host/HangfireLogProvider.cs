using HangfireLog = Hangfire.Logging;

namespace Berth.Host;

/// <summary>
/// Hangfire's log provider is process-wide and outlives the host that set it: with several hosts in one process
/// (the tests run one after another, some side by side) Hangfire would ask a stopped host's disposed logger factory
/// for loggers, and fail the job it was creating. This provider logs through the host's factory while it lives,
/// and drops what comes after.
/// </summary>
internal sealed class HangfireLogProvider(ILoggerFactory factory) : HangfireLog.ILogProvider
{
    public HangfireLog.ILog GetLogger(string name) => new Logger(factory, name);

    private sealed class Logger(ILoggerFactory factory, string name) : HangfireLog.ILog
    {
        private ILogger? _logger;

        public bool Log(HangfireLog.LogLevel logLevel, Func<string>? messageFunc, Exception? exception = null)
        {
            ILogger logger;
            try { logger = _logger ??= factory.CreateLogger(name); }
            catch (ObjectDisposedException) { return false; }
            var level = logLevel switch
            {
                HangfireLog.LogLevel.Trace => LogLevel.Trace,
                HangfireLog.LogLevel.Debug => LogLevel.Debug,
                HangfireLog.LogLevel.Info => LogLevel.Information,
                HangfireLog.LogLevel.Warn => LogLevel.Warning,
                HangfireLog.LogLevel.Error => LogLevel.Error,
                _ => LogLevel.Critical,
            };
            if (!logger.IsEnabled(level)) return false;
            if (messageFunc is null) return true;
            logger.Log(level, exception, "{Message}", messageFunc());
            return true;
        }
    }
}
