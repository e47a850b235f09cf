namespace Berth.Cgroups.V1;

/// <summary>The v1 cpu controller: shares, CFS bandwidth, real-time budget, throttling counters.</summary>
internal sealed class CpuController : V1Controller
{
    internal override string Name => "cpu";

    internal override void Validate(CgroupResources r, string baseDir)
    {
        if (r.CpuShares is not null)
        {
            Require(baseDir, "cpu.shares", "cpu shares");
        }

        if (r.CpuQuota is not null || r.CpuPeriod is not null)
        {
            Require(baseDir, "cpu.cfs_quota_us", "CFS bandwidth control");
        }

        if (r.CpuRealtimeRuntime is not null || r.CpuRealtimePeriod is not null)
        {
            Require(baseDir, "cpu.rt_runtime_us", "real-time CPU budget");
        }
    }

    internal override void Apply(string dir, CgroupResources r)
    {
        if (r.CpuShares is { } shares)
        {
            CgroupFiles.Write(dir, "cpu.shares", (long)shares);
        }

        // The period first: the quota is checked against it (kernel/sched/core.c, tg_set_cfs_bandwidth).
        if (r.CpuPeriod is { } period)
        {
            CgroupFiles.Write(dir, "cpu.cfs_period_us", (long)period);
        }

        if (r.CpuQuota is { } quota)
        {
            CgroupFiles.Write(dir, "cpu.cfs_quota_us", quota);
        }

        // Likewise the real-time period before the runtime that must fit in it.
        if (r.CpuRealtimePeriod is { } rtPeriod)
        {
            CgroupFiles.Write(dir, "cpu.rt_period_us", (long)rtPeriod);
        }

        if (r.CpuRealtimeRuntime is { } rtRuntime)
        {
            CgroupFiles.Write(dir, "cpu.rt_runtime_us", rtRuntime);
        }
    }

    internal override void ReadStats(string dir, CgroupStats stats)
    {
        var stat = CgroupFiles.TryReadFlatKeyed(dir, "cpu.stat");
        stats.ThrottlingPeriods = stat.GetValueOrDefault("nr_periods");
        stats.ThrottledPeriods = stat.GetValueOrDefault("nr_throttled");
        stats.ThrottledTime = stat.GetValueOrDefault("throttled_time");
    }
}
