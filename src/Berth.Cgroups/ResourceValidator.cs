using System.Globalization;

namespace Berth.Cgroups;

/// <summary>Range checks shared by every backend, done before anything is created or written.</summary>
internal static class ResourceValidator
{
    internal const ulong MinShares = 2;
    internal const ulong MaxShares = 262144;

    internal static void Validate(CgroupResources r)
    {
        ArgumentNullException.ThrowIfNull(r);
        CheckBytes(r.MemoryLimit, "memory limit");
        CheckBytes(r.MemorySwap, "memory+swap limit");
        if (r.MemoryReservation is < -1)
        {
            throw new CgroupException($"memory reservation {r.MemoryReservation} is out of range (bytes >= 0, or -1 for unlimited)");
        }

        if (r.MemoryLimit is > 0 && r.MemorySwap is > 0 && r.MemorySwap < r.MemoryLimit)
        {
            throw new CgroupException($"memory+swap limit {r.MemorySwap} is below the memory limit {r.MemoryLimit}");
        }

        if (r.MemorySwappiness is > 100)
        {
            throw new CgroupException($"memory swappiness {r.MemorySwappiness} is out of range (0..100)");
        }

        if (r.CpuShares is { } shares && (shares < MinShares || shares > MaxShares))
        {
            throw new CgroupException($"cpu shares {shares} is out of range ({MinShares}..{MaxShares})");
        }

        // The kernel's CFS bandwidth bounds (kernel/sched/core.c): periods of 1 ms..1 s, quotas of at least 1 ms.
        if (r.CpuPeriod is { } period && (period < 1000 || period > 1_000_000))
        {
            throw new CgroupException($"cpu period {period} µs is out of range (1000..1000000)");
        }

        if (r.CpuQuota is { } quota && quota != -1 && quota < 1000)
        {
            throw new CgroupException($"cpu quota {quota} µs is out of range (>= 1000, or -1 for unlimited)");
        }

        if (r.CpuRealtimeRuntime is < -1)
        {
            throw new CgroupException($"cpu realtime runtime {r.CpuRealtimeRuntime} µs is out of range (>= 0, or -1)");
        }

        if (r.CpuRealtimePeriod is 0)
        {
            throw new CgroupException("cpu realtime period 0 is out of range (> 0)");
        }

        CheckList(r.CpusetCpus, "cpuset cpus");
        CheckList(r.CpusetMems, "cpuset mems");

        if (r.BlkioWeight is { } weight)
        {
            CheckWeight(weight, "blkio weight");
        }

        foreach (var d in r.BlkioWeightDevices)
        {
            CheckDevice(d.Major, d.Minor);
            if (d.Weight is { } w)
            {
                CheckWeight(w, $"blkio weight of device {d.Major}:{d.Minor}");
            }

            if (d.LeafWeight is { } lw)
            {
                CheckWeight(lw, $"blkio leaf weight of device {d.Major}:{d.Minor}");
            }
        }

        foreach (var d in r.ThrottleReadBps.Concat(r.ThrottleWriteBps).Concat(r.ThrottleReadIops).Concat(r.ThrottleWriteIops))
        {
            CheckDevice(d.Major, d.Minor);
        }

        foreach (var h in r.HugepageLimits)
        {
            _ = HugepageKilobytes(h.PageSize);
        }

        if (r.Devices is { } devices)
        {
            foreach (var rule in devices)
            {
                if (rule.Type is not ('a' or 'b' or 'c'))
                {
                    throw new CgroupException($"device rule type '{rule.Type}' is invalid (a, b or c)");
                }

                if (rule.Access.Length == 0 || rule.Access.Any(c => c is not ('r' or 'w' or 'm')))
                {
                    throw new CgroupException($"device rule access \"{rule.Access}\" is invalid (letters r, w, m)");
                }

                if (rule.Major is < 0 || rule.Minor is < 0)
                {
                    throw new CgroupException($"device rule {rule.Major}:{rule.Minor} has a negative number");
                }
            }
        }
    }

    /// <summary>The size in KiB of a huge page size written as <c>2MB</c>, <c>1GB</c> or <c>64KB</c>.</summary>
    internal static ulong HugepageKilobytes(string pageSize)
    {
        var unit = pageSize.Length > 2 ? pageSize[^2..] : "";
        var number = pageSize[..^unit.Length];
        if (unit is not ("KB" or "MB" or "GB") || !IsDigits(number) || !ulong.TryParse(number, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n == 0)
        {
            throw new CgroupException($"huge page size \"{pageSize}\" is invalid (such as 2MB or 1GB)");
        }

        return unit switch
        {
            "KB" => n,
            "MB" => n * 1024,
            _ => n * 1024 * 1024,
        };
    }

    /// <summary>The v1 controller names a request needs (<c>blkio</c> stands for v2's <c>io</c>).</summary>
    internal static HashSet<string> NeededControllers(CgroupResources r)
    {
        var needed = new HashSet<string>(StringComparer.Ordinal);
        if (r.MemoryLimit is not null || r.MemoryReservation is not null || r.MemorySwap is not null
            || r.MemorySwappiness is not null || r.DisableOomKiller is true)
        {
            needed.Add("memory");
        }

        if (r.CpuShares is not null || r.CpuQuota is not null || r.CpuPeriod is not null
            || r.CpuRealtimeRuntime is not null || r.CpuRealtimePeriod is not null)
        {
            needed.Add("cpu");
        }

        if (!string.IsNullOrEmpty(r.CpusetCpus) || !string.IsNullOrEmpty(r.CpusetMems))
        {
            needed.Add("cpuset");
        }

        if (r.PidsLimit is not null)
        {
            needed.Add("pids");
        }

        if (r.BlkioWeight is not null || r.BlkioWeightDevices.Count > 0 || r.ThrottleReadBps.Count > 0
            || r.ThrottleWriteBps.Count > 0 || r.ThrottleReadIops.Count > 0 || r.ThrottleWriteIops.Count > 0)
        {
            needed.Add("blkio");
        }

        if (r.HugepageLimits.Count > 0)
        {
            needed.Add("hugetlb");
        }

        if (r.Devices is { Count: > 0 })
        {
            needed.Add("devices");
        }

        return needed;
    }

    private static void CheckBytes(long? value, string what)
    {
        if (value is { } v && v != -1 && v <= 0)
        {
            throw new CgroupException($"{what} {v} is out of range (bytes > 0, or -1 for unlimited)");
        }
    }

    private static void CheckWeight(ushort weight, string what)
    {
        if (weight is < 10 or > 1000)
        {
            throw new CgroupException($"{what} {weight} is out of range (10..1000)");
        }
    }

    private static void CheckDevice(long major, long minor)
    {
        if (major < 0 || minor < 0)
        {
            throw new CgroupException($"device {major}:{minor} is invalid");
        }
    }

    // These checks are written out rather than as regexes: they run on the container start-up path, where the
    // regex engine's first use would cost more than the whole check.
    private static void CheckList(string? list, string what)
    {
        if (!string.IsNullOrEmpty(list) && !IsList(list))
        {
            throw new CgroupException($"{what} \"{list}\" is not a list such as 0-1,3");
        }
    }

    /// <summary>Whether <paramref name="list"/> is a cpuset list: numbers and ranges <c>A-B</c> joined by commas.</summary>
    private static bool IsList(string list)
    {
        foreach (var item in list.Split(','))
        {
            var dash = item.IndexOf('-', StringComparison.Ordinal);
            if (dash < 0 ? !IsDigits(item) : !IsDigits(item[..dash]) || !IsDigits(item[(dash + 1)..]))
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsDigits(string s) => s.Length > 0 && s.All(char.IsAsciiDigit);
}
