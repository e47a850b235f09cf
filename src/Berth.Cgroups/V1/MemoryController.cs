namespace Berth.Cgroups.V1;

/// <summary>The v1 memory controller: limits, swap (memsw), soft limit, swappiness, OOM killer, usage counters.</summary>
internal sealed class MemoryController : V1Controller
{
    internal const string Limit = "memory.limit_in_bytes";
    internal const string MemswLimit = "memory.memsw.limit_in_bytes";
    internal const string OomControl = "memory.oom_control";

    internal override string Name => "memory";

    internal override void Validate(CgroupResources r, string baseDir)
    {
        if (r.MemoryLimit is not null)
        {
            Require(baseDir, Limit, "a memory limit");
        }

        if (r.MemorySwap is { } swap && !CgroupFiles.Exists(baseDir, MemswLimit) && swap != -1 && swap != r.MemoryLimit)
        {
            throw new CgroupException(
                $"memory+swap limit {swap} cannot be honoured: swap accounting is off (no {MemswLimit} file in {baseDir}); " +
                "only -1 or a value equal to the memory limit is accepted");
        }

        if (r.MemoryReservation is not null)
        {
            Require(baseDir, "memory.soft_limit_in_bytes", "a memory reservation");
        }

        if (r.MemorySwappiness is not null)
        {
            Require(baseDir, "memory.swappiness", "memory swappiness");
        }

        if (r.DisableOomKiller is not null)
        {
            Require(baseDir, OomControl, "disabling the OOM killer");
        }
    }

    internal override void Apply(string dir, CgroupResources r)
    {
        if (r.MemoryLimit is not null || r.MemorySwap is not null)
        {
            SetLimits(dir, r.MemoryLimit, r.MemorySwap);
        }

        if (r.MemoryReservation is { } reservation)
        {
            CgroupFiles.Write(dir, "memory.soft_limit_in_bytes", reservation);
        }

        if (r.MemorySwappiness is { } swappiness)
        {
            CgroupFiles.Write(dir, "memory.swappiness", (long)swappiness);
        }

        if (r.DisableOomKiller is { } disable)
        {
            CgroupFiles.Write(dir, OomControl, disable ? "1" : "0");
        }
    }

    /// <summary>
    /// The kernel keeps memory.limit_in_bytes &lt;= memory.memsw.limit_in_bytes at every step and refuses a write that
    /// would break it (EINVAL), so the order depends on the direction: when the new memsw limit is above the current
    /// memory limit, memsw goes first; otherwise the memory limit goes first.
    /// </summary>
    private static void SetLimits(string dir, long? limit, long? swap)
    {
        if (!CgroupFiles.Exists(dir, MemswLimit))
        {
            if (limit is { } only)
            {
                CgroupFiles.Write(dir, Limit, only);
            }

            return;
        }

        // Unlimited memory with no swap request means unlimited memory+swap too; memsw would otherwise cap it.
        if (limit == -1 && swap is null)
        {
            swap = -1;
        }

        if (limit is { } l && swap is { } s)
        {
            var current = CgroupFiles.ParseUlong(CgroupFiles.Read(dir, Limit).Trim(), CgroupFiles.PathOf(dir, Limit));
            if (s == -1 || (ulong)s > current)
            {
                CgroupFiles.Write(dir, MemswLimit, s);
                CgroupFiles.Write(dir, Limit, l);
            }
            else
            {
                CgroupFiles.Write(dir, Limit, l);
                CgroupFiles.Write(dir, MemswLimit, s);
            }
        }
        else if (limit is { } onlyLimit)
        {
            CgroupFiles.Write(dir, Limit, onlyLimit);
        }
        else if (swap is { } onlySwap)
        {
            CgroupFiles.Write(dir, MemswLimit, onlySwap);
        }
    }

    internal override void ReadStats(string dir, CgroupStats stats)
    {
        stats.MemoryUsage = CgroupFiles.TryReadUlong(dir, "memory.usage_in_bytes") ?? 0;
        stats.MemoryMaxUsage = CgroupFiles.TryReadUlong(dir, "memory.max_usage_in_bytes") ?? 0;
        stats.MemoryLimit = CgroupFiles.TryReadUlong(dir, Limit) ?? 0;
        stats.MemoryFailCount = CgroupFiles.TryReadUlong(dir, "memory.failcnt") ?? 0;
        stats.MemorySwapUsage = CgroupFiles.TryReadUlong(dir, "memory.memsw.usage_in_bytes") is { } memsw && memsw > stats.MemoryUsage
            ? memsw - stats.MemoryUsage
            : 0;

        var stat = CgroupFiles.TryReadFlatKeyed(dir, "memory.stat");
        foreach (var (k, v) in stat)
        {
            stats.MemoryStat[k] = v;
        }

        // total_* include descendant cgroups; the plain keys cover only this one.
        stats.MemoryCache = Pick(stat, "total_cache", "cache");
        stats.MemoryRss = Pick(stat, "total_rss", "rss");
        var inactiveFile = Pick(stat, "total_inactive_file", "inactive_file");
        stats.MemoryWorkingSet = stats.MemoryUsage > inactiveFile ? stats.MemoryUsage - inactiveFile : 0;
        stats.OomKills = OomKills(dir);
    }

    /// <summary>The <c>oom_kill</c> counter of memory.oom_control (0 where the kernel does not print it).</summary>
    internal static ulong OomKills(string dir) =>
        CgroupFiles.TryReadFlatKeyed(dir, OomControl).GetValueOrDefault("oom_kill");

    private static ulong Pick(Dictionary<string, ulong> stat, string preferred, string fallback) =>
        stat.TryGetValue(preferred, out var v) ? v : stat.GetValueOrDefault(fallback);
}
