using System.Globalization;

namespace Berth.Cgroups.V1;

/// <summary>The v1 cpuacct controller: CPU time counters only.</summary>
internal sealed class CpuacctController : V1Controller
{
    /// <summary>cpuacct.stat counts in USER_HZ ticks, which is 100 on every Linux ABI.</summary>
    private const ulong NanosecondsPerTick = 1_000_000_000 / 100;

    internal override string Name => "cpuacct";

    internal override void ReadStats(string dir, CgroupStats stats)
    {
        stats.CpuUsageTotal = CgroupFiles.TryReadUlong(dir, "cpuacct.usage") ?? 0;
        var user = CgroupFiles.TryReadUlong(dir, "cpuacct.usage_user");
        var sys = CgroupFiles.TryReadUlong(dir, "cpuacct.usage_sys");
        if (user is not null && sys is not null)
        {
            stats.CpuUsageUser = user.Value;
            stats.CpuUsageKernel = sys.Value;
        }
        else
        {
            var stat = CgroupFiles.TryReadFlatKeyed(dir, "cpuacct.stat");
            stats.CpuUsageUser = stat.GetValueOrDefault("user") * NanosecondsPerTick;
            stats.CpuUsageKernel = stat.GetValueOrDefault("system") * NanosecondsPerTick;
        }

        stats.CpuUsagePerCpu.Clear();
        foreach (var word in (CgroupFiles.TryRead(dir, "cpuacct.usage_percpu") ?? string.Empty)
                     .Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))
        {
            if (ulong.TryParse(word, NumberStyles.None, CultureInfo.InvariantCulture, out var v))
            {
                stats.CpuUsagePerCpu.Add(v);
            }
        }
    }
}
