namespace Berth.Cgroups;

/// <summary>
/// The limits Berth sets on a cgroup, independent of the cgroup version. Null means "not set".
/// Units follow the OCI runtime spec's <c>linux.resources</c>.
/// </summary>
public sealed class CgroupResources
{
    /// <summary>Memory limit in bytes; -1 = unlimited.</summary>
    public long? MemoryLimit { get; set; }
    /// <summary>Soft limit (v1 soft_limit_in_bytes, v2 memory.low) in bytes.</summary>
    public long? MemoryReservation { get; set; }
    /// <summary>Memory plus swap limit in bytes (the OCI meaning); -1 = unlimited.</summary>
    public long? MemorySwap { get; set; }
    /// <summary>v1 memory.swappiness, 0..100.</summary>
    public ulong? MemorySwappiness { get; set; }
    /// <summary>Disable the OOM killer (v1 only).</summary>
    public bool? DisableOomKiller { get; set; }

    /// <summary>CPU weight as v1 shares (2..262144); converted to v2 weight.</summary>
    public ulong? CpuShares { get; set; }
    /// <summary>CFS quota in µs per period; -1 = unlimited.</summary>
    public long? CpuQuota { get; set; }
    /// <summary>CFS period in µs.</summary>
    public ulong? CpuPeriod { get; set; }
    /// <summary>Real-time runtime in µs (v1 only).</summary>
    public long? CpuRealtimeRuntime { get; set; }
    /// <summary>Real-time period in µs (v1 only).</summary>
    public ulong? CpuRealtimePeriod { get; set; }
    /// <summary>cpuset.cpus list, such as <c>0-1</c>.</summary>
    public string? CpusetCpus { get; set; }
    /// <summary>cpuset.mems list.</summary>
    public string? CpusetMems { get; set; }

    /// <summary>
    /// Maximum number of tasks. A value of zero or below means unlimited (<c>max</c>), as Docker reads it;
    /// runc writes 1 for 0, youki writes max: Berth sides with youki and Docker.
    /// </summary>
    public long? PidsLimit { get; set; }

    /// <summary>Block I/O weight 10..1000.</summary>
    public ushort? BlkioWeight { get; set; }
    /// <summary>Per-device weights.</summary>
    public IList<BlkioDeviceWeight> BlkioWeightDevices { get; } = new List<BlkioDeviceWeight>();
    /// <summary>Read bytes per second per device.</summary>
    public IList<BlkioDeviceRate> ThrottleReadBps { get; } = new List<BlkioDeviceRate>();
    /// <summary>Write bytes per second per device.</summary>
    public IList<BlkioDeviceRate> ThrottleWriteBps { get; } = new List<BlkioDeviceRate>();
    /// <summary>Read operations per second per device.</summary>
    public IList<BlkioDeviceRate> ThrottleReadIops { get; } = new List<BlkioDeviceRate>();
    /// <summary>Write operations per second per device.</summary>
    public IList<BlkioDeviceRate> ThrottleWriteIops { get; } = new List<BlkioDeviceRate>();

    /// <summary>Huge page limits by page size (<c>2MB</c>, <c>1GB</c>).</summary>
    public IList<HugepageLimit> HugepageLimits { get; } = new List<HugepageLimit>();

    /// <summary>Device access rules in order; null means "leave the controller alone".</summary>
    public IList<DeviceRule>? Devices { get; set; }

    /// <summary>
    /// Raw cgroup v2 files (OCI <c>linux.resources.unified</c>): file name (<c>CONTROLLER.NAME</c>) to what is
    /// written there, after the other limits, so a file set both ways ends with this value.
    /// </summary>
    public IDictionary<string, string> Unified { get; } = new SortedDictionary<string, string>(StringComparer.Ordinal);

    /// <summary>The controller a unified file belongs to: what comes before its first dot.</summary>
    public static string UnifiedController(string file)
    {
        ArgumentNullException.ThrowIfNull(file);
        return file.Split('.')[0];
    }
}

/// <summary>A block device's weight.</summary>
public sealed record BlkioDeviceWeight(long Major, long Minor, ushort? Weight, ushort? LeafWeight);

/// <summary>A block device's throttle rate.</summary>
public sealed record BlkioDeviceRate(long Major, long Minor, ulong Rate);

/// <summary>A huge page limit.</summary>
public sealed record HugepageLimit(string PageSize, ulong Limit);

/// <summary>
/// One device cgroup rule: allow or deny <paramref name="Access"/> (<c>rwm</c> letters) to devices of
/// <paramref name="Type"/> (<c>a</c>, <c>c</c>, <c>b</c>); null major/minor mean any (<c>*</c>).
/// </summary>
public sealed record DeviceRule(bool Allow, char Type, long? Major, long? Minor, string Access);
