namespace Berth.Engine;

/// <summary>A container's last known state, as Docker's <c>State</c>.</summary>
public sealed class ContainerRunState
{
    /// <summary>created, running, restarting, exited or dead (<see cref="ContainerStatus"/>).</summary>
    public string Status { get; set; } = ContainerStatus.Created;

    /// <summary>The init's host pid while running.</summary>
    public int Pid { get; set; }

    /// <summary>The shim's pid while it supervises the container.</summary>
    public int ShimPid { get; set; }

    /// <summary>The shim's start time (clock ticks since boot), so a reused pid is not taken for it.</summary>
    public ulong ShimStartTime { get; set; }

    /// <summary>
    /// The runtime root (<c>--root</c>) the shim runs the container under, while it supervises it: an engine with
    /// another root would find no container there to signal.
    /// </summary>
    public string? RuntimeRoot { get; set; }

    public DateTimeOffset? StartedAt { get; set; }

    public DateTimeOffset? FinishedAt { get; set; }

    public int? ExitCode { get; set; }

    public bool OomKilled { get; set; }

    public int RestartCount { get; set; }

    /// <summary>Its health while it runs with a health check; null without one.</summary>
    public HealthState? Health { get; set; }

    /// <summary>Its address on its bridge network while it runs (CIDR, <c>10.213.0.2/24</c>); null otherwise.</summary>
    public string? IpAddress { get; set; }

    /// <summary>Why the container could not start or run, when it could not.</summary>
    public string? Error { get; set; }
}
