namespace Berth.Data.Entities;

/// <summary>
/// A team's limits, checked when a container is launched, started or changed: how many containers may exist, and the
/// sum of CPUs, memory and pids over its running ones. Null means unlimited.
/// </summary>
public sealed class Quota
{
    public Guid TeamId { get; set; }

    public int? MaxContainers { get; set; }

    public double? MaxCpus { get; set; }

    public long? MaxMemoryBytes { get; set; }

    public long? MaxPids { get; set; }

    /// <summary>Concurrency token (PostgreSQL's xmin).</summary>
    public uint Version { get; set; }
}
