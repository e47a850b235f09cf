using System.Globalization;

namespace Berth.Cgroups.V2;

/// <summary>The v2 memory controller: memory.max, memory.low, memory.swap.max, memory.events, memory.stat.</summary>
internal sealed class MemoryController : V2Controller
{
    internal override string Name => "memory";

    internal override bool IsNeeded(CgroupResources r) =>
        r.MemoryLimit is not null || r.MemoryReservation is not null || r.MemorySwap is not null
        || r.MemorySwappiness is not null || r.DisableOomKiller is true;

    internal override void Validate(CgroupResources r)
    {
        if (r.MemorySwappiness is not null)
        {
            throw new CgroupException("memory swappiness is a cgroup v1 setting; the unified hierarchy has no memory.swappiness");
        }

        if (r.DisableOomKiller is true)
        {
            throw new CgroupException("disabling the OOM killer is a cgroup v1 setting; the unified hierarchy has no memory.oom_control");
        }

        _ = SwapMax(r.MemoryLimit, r.MemorySwap);
    }

    internal override void Apply(string dir, CgroupResources r)
    {
        // memory.swap.max is independent of memory.max on v2, so the order does not matter here.
        if (r.MemoryLimit is { } limit)
        {
            CgroupFiles.Write(dir, "memory.max", Bytes(limit));
        }

        if (SwapMax(r.MemoryLimit, r.MemorySwap) is { } swapMax)
        {
            if (!CgroupFiles.Exists(dir, "memory.swap.max"))
            {
                if (swapMax == CgroupFiles.Max || swapMax == "0")
                {
                    return;
                }

                throw new CgroupException($"a swap limit cannot be honoured: swap accounting is off (no memory.swap.max file in {dir})");
            }

            CgroupFiles.Write(dir, "memory.swap.max", swapMax);
        }

        if (r.MemoryReservation is { } low)
        {
            CgroupFiles.Write(dir, "memory.low", Bytes(low));
        }
    }

    /// <summary>
    /// OCI's swap is memory plus swap; v2's memory.swap.max is swap alone, so it is swap − limit.
    /// -1 means unlimited; a swap limit without a memory limit has no meaning and is refused.
    /// </summary>
    internal static string? SwapMax(long? limit, long? swap)
    {
        if (swap is not { } s)
        {
            return null;
        }

        if (s == -1)
        {
            return CgroupFiles.Max;
        }

        if (limit is not { } l || l == -1)
        {
            throw new CgroupException($"a memory+swap limit of {s} needs a memory limit on cgroup v2 (memory.swap.max is swap alone)");
        }

        if (s < l)
        {
            throw new CgroupException($"memory+swap limit {s} is below the memory limit {l}");
        }

        return (s - l).ToString(CultureInfo.InvariantCulture);
    }

    internal override void ReadStats(string dir, CgroupStats stats)
    {
        stats.MemoryUsage = CgroupFiles.TryReadUlong(dir, "memory.current") ?? 0;
        stats.MemoryMaxUsage = CgroupFiles.TryReadUlong(dir, "memory.peak") ?? 0;
        stats.MemoryLimit = CgroupFiles.TryReadUlong(dir, "memory.max") ?? 0;
        stats.MemorySwapUsage = CgroupFiles.TryReadUlong(dir, "memory.swap.current") ?? 0;

        var stat = CgroupFiles.TryReadFlatKeyed(dir, "memory.stat");
        foreach (var (k, v) in stat)
        {
            stats.MemoryStat[k] = v;
        }

        stats.MemoryCache = stat.GetValueOrDefault("file");
        stats.MemoryRss = stat.GetValueOrDefault("anon");
        var inactiveFile = stat.GetValueOrDefault("inactive_file");
        stats.MemoryWorkingSet = stats.MemoryUsage > inactiveFile ? stats.MemoryUsage - inactiveFile : 0;

        var events = CgroupFiles.TryReadFlatKeyed(dir, "memory.events");
        stats.MemoryFailCount = events.GetValueOrDefault("max");
        stats.OomKills = events.GetValueOrDefault("oom_kill");
    }

    internal static ulong OomKills(string dir) => CgroupFiles.TryReadFlatKeyed(dir, "memory.events").GetValueOrDefault("oom_kill");

    private static string Bytes(long value) => value == -1 ? CgroupFiles.Max : value.ToString(CultureInfo.InvariantCulture);
}
