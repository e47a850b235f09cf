namespace Berth.Engine;

/// <summary>One health probe: when it ran, its exit code (-1: killed at its timeout) and the start of its output.</summary>
public sealed class HealthProbeResult
{
    public DateTimeOffset Start { get; set; }

    public DateTimeOffset End { get; set; }

    public int ExitCode { get; set; }

    public string Output { get; set; } = "";
}
