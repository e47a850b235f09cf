using System.Globalization;

namespace Berth.Cgroups.V2;

/// <summary>The v2 cpu controller: cpu.weight (from shares) and cpu.max; cpu.stat counters.</summary>
internal sealed class CpuController : V2Controller
{
    internal override string Name => "cpu";

    internal override bool IsNeeded(CgroupResources r) =>
        r.CpuShares is not null || r.CpuQuota is not null || r.CpuPeriod is not null
        || r.CpuRealtimeRuntime is not null || r.CpuRealtimePeriod is not null;

    internal override void Validate(CgroupResources r)
    {
        if (r.CpuRealtimeRuntime is not null || r.CpuRealtimePeriod is not null)
        {
            throw new CgroupException("real-time CPU budgets are a cgroup v1 setting; the unified hierarchy has no cpu.rt_runtime_us");
        }
    }

    internal override void Apply(string dir, CgroupResources r)
    {
        if (r.CpuShares is { } shares)
        {
            CgroupFiles.Write(dir, "cpu.weight", (long)SharesToWeight(shares));
        }

        if (r.CpuQuota is not null || r.CpuPeriod is not null)
        {
            CgroupFiles.Write(dir, "cpu.max", CpuMax(r.CpuQuota, r.CpuPeriod, () => CgroupFiles.Read(dir, "cpu.max")));
        }
    }

    /// <summary>Maps v1 shares 2..262144 linearly onto v2 weight 1..10000, as runc does.</summary>
    internal static ulong SharesToWeight(ulong shares) => 1 + ((shares - 2) * 9999 / 262142);

    /// <summary>
    /// The cpu.max line "QUOTA PERIOD" (QUOTA <c>max</c> for -1). A lone period keeps the current quota, and a lone
    /// quota is written without a period so the kernel keeps its current one.
    /// </summary>
    internal static string CpuMax(long? quota, ulong? period, Func<string> readCurrent)
    {
        var q = quota switch
        {
            null => readCurrent().Split(' ', StringSplitOptions.RemoveEmptyEntries)[0],
            -1 => CgroupFiles.Max,
            { } v => v.ToString(CultureInfo.InvariantCulture),
        };
        return period is { } p ? $"{q} {p.ToString(CultureInfo.InvariantCulture)}" : q;
    }

    internal override void ReadStats(string dir, CgroupStats stats)
    {
        var stat = CgroupFiles.TryReadFlatKeyed(dir, "cpu.stat");
        stats.ThrottlingPeriods = stat.GetValueOrDefault("nr_periods");
        stats.ThrottledPeriods = stat.GetValueOrDefault("nr_throttled");
        stats.ThrottledTime = stat.GetValueOrDefault("throttled_usec") * 1000;
    }

    /// <summary>usage_usec, user_usec and system_usec of cpu.stat: core files, present even without the cpu controller.</summary>
    internal static void ReadUsage(string dir, CgroupStats stats)
    {
        var stat = CgroupFiles.TryReadFlatKeyed(dir, "cpu.stat");
        stats.CpuUsageTotal = stat.GetValueOrDefault("usage_usec") * 1000;
        stats.CpuUsageUser = stat.GetValueOrDefault("user_usec") * 1000;
        stats.CpuUsageKernel = stat.GetValueOrDefault("system_usec") * 1000;
    }
}
