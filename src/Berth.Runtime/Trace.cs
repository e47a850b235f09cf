namespace Berth.Runtime;

/// <summary>Phase timings on stderr when BERTH_TRACE is set (for measuring start-up; off by default).</summary>
public static class Trace
{
    private static readonly bool On = Environment.GetEnvironmentVariable("BERTH_TRACE") is { Length: > 0 };

    /// <summary>Prints the wall clock in ms and a label.</summary>
    public static void Mark(string what)
    {
        if (On) Console.Error.WriteLine($"[{DateTime.UtcNow:ss.ffff}] {Environment.ProcessId} {what}");
    }
}
