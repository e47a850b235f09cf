namespace Berth.ControlPlane.Live;

/// <summary>
/// One point of a container's stats history (see <see cref="LiveService.StatsHistoryAsync"/>): the usage samples of
/// one time bucket taken together. <see cref="Time"/> is the end of the latest interval in the bucket and
/// <see cref="Seconds"/> how long they measured in all. CPU is a percentage of one core (200 = two cores busy),
/// memory the mean working set weighted by interval (page cache is not kept), pids the most seen, and I/O rates bytes
/// per second over the measured time.
/// </summary>
public sealed record ContainerStatsPoint(
    DateTimeOffset Time,
    double Seconds,
    double CpuPercent,
    long MemoryWorkingSetBytes,
    long Pids,
    double IoReadBytesPerSecond,
    double IoWriteBytesPerSecond);
