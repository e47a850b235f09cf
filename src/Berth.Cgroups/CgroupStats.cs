namespace Berth.Cgroups;

/// <summary>A snapshot of a cgroup's counters. Fields a hierarchy does not provide stay zero.</summary>
public sealed class CgroupStats
{
    /// <summary>Total CPU time in nanoseconds.</summary>
    public ulong CpuUsageTotal { get; set; }
    /// <summary>User CPU time in nanoseconds.</summary>
    public ulong CpuUsageUser { get; set; }
    /// <summary>System CPU time in nanoseconds.</summary>
    public ulong CpuUsageKernel { get; set; }
    /// <summary>
    /// Per-CPU usage in nanoseconds, from v1's <c>cpuacct.usage_percpu</c>. Always empty on cgroup v2, which has no
    /// per-CPU usage file (cpu.stat is a total): empty means "not available", never zero usage.
    /// </summary>
    public IList<ulong> CpuUsagePerCpu { get; } = new List<ulong>();
    /// <summary>CFS periods elapsed.</summary>
    public ulong ThrottlingPeriods { get; set; }
    /// <summary>CFS periods in which the cgroup was throttled.</summary>
    public ulong ThrottledPeriods { get; set; }
    /// <summary>Time throttled in nanoseconds.</summary>
    public ulong ThrottledTime { get; set; }

    /// <summary>Memory charged to the cgroup in bytes (includes page cache).</summary>
    public ulong MemoryUsage { get; set; }
    /// <summary>Highest usage seen, in bytes (0 where the kernel keeps none).</summary>
    public ulong MemoryMaxUsage { get; set; }
    /// <summary>The limit in bytes (ulong.MaxValue-ish values mean unlimited).</summary>
    public ulong MemoryLimit { get; set; }
    /// <summary>Page cache in bytes (v1 <c>cache</c> / v2 <c>file</c>).</summary>
    public ulong MemoryCache { get; set; }
    /// <summary>Anonymous memory in bytes (v1 <c>rss</c> / v2 <c>anon</c>).</summary>
    public ulong MemoryRss { get; set; }
    /// <summary>Usage minus inactive file pages: what the kernel cannot reclaim easily (what <c>docker stats</c> shows).</summary>
    public ulong MemoryWorkingSet { get; set; }
    /// <summary>Swap used in bytes, where accounted.</summary>
    public ulong MemorySwapUsage { get; set; }
    /// <summary>How often usage hit the limit.</summary>
    public ulong MemoryFailCount { get; set; }
    /// <summary>Processes killed by the OOM killer in this cgroup.</summary>
    public ulong OomKills { get; set; }
    /// <summary>The raw memory.stat counters.</summary>
    public IDictionary<string, ulong> MemoryStat { get; } = new Dictionary<string, ulong>();

    /// <summary>Tasks in the cgroup now.</summary>
    public ulong PidsCurrent { get; set; }
    /// <summary>The pids limit; 0 means unlimited.</summary>
    public ulong PidsLimit { get; set; }

    /// <summary>Bytes read from block devices.</summary>
    public ulong IoReadBytes { get; set; }
    /// <summary>Bytes written to block devices.</summary>
    public ulong IoWriteBytes { get; set; }
    /// <summary>Read operations.</summary>
    public ulong IoReadOps { get; set; }
    /// <summary>Write operations.</summary>
    public ulong IoWriteOps { get; set; }
    /// <summary>Per-device I/O entries.</summary>
    public IList<IoDeviceStat> IoDevices { get; } = new List<IoDeviceStat>();

    /// <summary>Pressure stall information, when the kernel exposes it (<c>cpu</c>, <c>memory</c>, <c>io</c>).</summary>
    public IDictionary<string, PressureStat> Pressure { get; } = new Dictionary<string, PressureStat>();
}

/// <summary>One block device's I/O counters.</summary>
public sealed record IoDeviceStat(long Major, long Minor, ulong ReadBytes, ulong WriteBytes, ulong ReadOps, ulong WriteOps);

/// <summary>A pressure file's <c>some</c> and <c>full</c> lines (avg10/avg60/avg300 in percent, total in µs).</summary>
public sealed record PressureStat(double SomeAvg10, double SomeAvg60, double SomeAvg300, ulong SomeTotal,
    double FullAvg10, double FullAvg60, double FullAvg300, ulong FullTotal);
