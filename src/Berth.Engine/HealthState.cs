namespace Berth.Engine;

/// <summary>A container's health as its probes found it (Docker's <c>State.Health</c>).</summary>
public sealed class HealthState
{
    public const string Starting = "starting", Healthy = "healthy", Unhealthy = "unhealthy";

    /// <summary>starting, healthy or unhealthy.</summary>
    public string Status { get; set; } = Starting;

    /// <summary>Failed probes in a row.</summary>
    public int FailingStreak { get; set; }

    /// <summary>The last five probes, oldest first.</summary>
    public List<HealthProbeResult> Log { get; set; } = [];
}
