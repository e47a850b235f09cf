namespace Berth.ControlPlane.Live;

/// <summary>
/// A running container's resource use at one sampling tick (see <see cref="StatsSampler"/>). CPU is a percentage of
/// one core over the interval since the previous tick (200 = two cores busy); byte counters are cumulative since the
/// container's last start, rates are per second over the interval. Limits are null when unlimited.
/// </summary>
public sealed record ContainerStatsSample(
    Guid ContainerId,
    Guid TeamId,
    DateTimeOffset Time,
    double IntervalSeconds,
    double CpuPercent,
    double? CpuLimitCores,
    long MemoryWorkingSetBytes,
    long MemoryCacheBytes,
    long? MemoryLimitBytes,
    long Pids,
    long? PidsLimit,
    long IoReadBytes,
    long IoWriteBytes,
    double IoReadBytesPerSecond,
    double IoWriteBytesPerSecond,
    long OomKills,
    IReadOnlyDictionary<string, PressureSample>? Pressure);
