namespace Berth.Data.Entities;

/// <summary>A machine that runs containers: its capacity, its heartbeat, and how far its engine's events were read.</summary>
public sealed class Node
{
    public required string Id { get; set; }

    public string Hostname { get; set; } = "";

    public int CpuCount { get; set; }

    public long MemoryBytes { get; set; }

    public string BerthVersion { get; set; } = "";

    public DateTimeOffset StartedAt { get; set; }

    public DateTimeOffset HeartbeatAt { get; set; }

    /// <summary>The sequence number of the last engine event recorded from this node.</summary>
    public long EventSequence { get; set; }

    /// <summary>Concurrency token (PostgreSQL's xmin).</summary>
    public uint Version { get; set; }
}
