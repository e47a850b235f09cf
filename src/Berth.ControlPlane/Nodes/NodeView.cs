namespace Berth.ControlPlane.Nodes;

/// <summary>A node as the API shows it: capacity, version, start and last heartbeat, how many containers run there, and whether it is alive.</summary>
public sealed record NodeView(string Id, string Hostname, int Cpus, long MemoryBytes, string Version, DateTimeOffset StartedAt, DateTimeOffset HeartbeatAt,
    int RunningContainers, bool Alive);
