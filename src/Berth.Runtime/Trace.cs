using System.Diagnostics;
using System.Globalization;
using Berth.Linux;

namespace Berth.Runtime;

/// <summary>Phase timings on stderr when BERTH_TRACE is set (for measuring start-up; off by default).</summary>
public static class Trace
{
    private static readonly bool On = Environment.GetEnvironmentVariable("BERTH_TRACE") is { Length: > 0 };

    /// <summary>The environment that passes tracing on to a process of ours (empty when tracing is off).</summary>
    public static string[] Env => On ? ["BERTH_TRACE=1"] : [];

    /// <summary>
    /// Prints the monotonic clock in ms (comparable between processes) and a label, straight to descriptor 2:
    /// going through <see cref="Console"/> would add its own start-up cost to the phase being measured.
    /// </summary>
    public static void Mark(string what)
    {
        if (!On) return;
        var ms = Stopwatch.GetTimestamp() * 1000.0 / Stopwatch.Frequency;
        var line = string.Create(CultureInfo.InvariantCulture, $"[{ms % 100_000:F3}] {Environment.ProcessId} {what}\n");
        try { Fd.WriteAll(2, System.Text.Encoding.UTF8.GetBytes(line)); }
        catch (LinuxException) { /* stderr closed: nothing to report to */ }
    }
}
