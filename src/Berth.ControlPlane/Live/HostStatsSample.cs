namespace Berth.ControlPlane.Live;

/// <summary>
/// The node at one sampling tick: CPU use as a percentage of all its cores (from /proc/stat), memory (from
/// /proc/meminfo), the control plane's running containers on it, and the load averages.
/// </summary>
public sealed record HostStatsSample(
    string Node,
    DateTimeOffset Time,
    int CpuCount,
    double CpuPercent,
    long MemoryTotalBytes,
    long MemoryAvailableBytes,
    int RunningContainers,
    double Load1,
    double Load5,
    double Load15);
