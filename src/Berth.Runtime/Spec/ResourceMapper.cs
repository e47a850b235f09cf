using Berth.Cgroups;

namespace Berth.Runtime.Spec;

/// <summary>Turns <c>linux.resources</c> into the cgroup manager's version-independent limits.</summary>
public static class ResourceMapper
{
    /// <summary>Maps <paramref name="r"/> (null = no limits).</summary>
    public static CgroupResources Map(ResourcesSpec? r)
    {
        var c = new CgroupResources();
        if (r is null) return c;
        if (r.Memory is { } m)
        {
            c.MemoryLimit = m.Limit;
            c.MemoryReservation = m.Reservation;
            c.MemorySwap = m.Swap;
            c.MemorySwappiness = m.Swappiness;
            c.DisableOomKiller = m.DisableOOMKiller;
            if (m.UseHierarchy == false)
                throw new RuntimeException("linux.resources.memory.useHierarchy: false is not supported (the kernel always accounts hierarchically)");
        }
        if (r.Cpu is { } cpu)
        {
            c.CpuShares = cpu.Shares;
            c.CpuQuota = cpu.Quota;
            c.CpuPeriod = cpu.Period;
            c.CpuRealtimeRuntime = cpu.RealtimeRuntime;
            c.CpuRealtimePeriod = cpu.RealtimePeriod;
            c.CpusetCpus = string.IsNullOrEmpty(cpu.Cpus) ? null : cpu.Cpus;
            c.CpusetMems = string.IsNullOrEmpty(cpu.Mems) ? null : cpu.Mems;
            if (cpu.Idle is { } idle && idle != 0)
                throw new RuntimeException("linux.resources.cpu.idle: SCHED_IDLE cgroups are not supported by berth");
        }
        if (r.Pids is { } p) c.PidsLimit = p.Limit;
        if (r.BlockIO is { } b)
        {
            c.BlkioWeight = b.Weight;
            if (b.LeafWeight is not null)
                throw new RuntimeException("linux.resources.blockIO.leafWeight: leaf weights are not supported by this kernel");
            foreach (var w in b.WeightDevice ?? []) c.BlkioWeightDevices.Add(new BlkioDeviceWeight(w.Major, w.Minor, w.Weight, w.LeafWeight));
            foreach (var t in b.ThrottleReadBpsDevice ?? []) c.ThrottleReadBps.Add(new BlkioDeviceRate(t.Major, t.Minor, t.Rate));
            foreach (var t in b.ThrottleWriteBpsDevice ?? []) c.ThrottleWriteBps.Add(new BlkioDeviceRate(t.Major, t.Minor, t.Rate));
            foreach (var t in b.ThrottleReadIOPSDevice ?? []) c.ThrottleReadIops.Add(new BlkioDeviceRate(t.Major, t.Minor, t.Rate));
            foreach (var t in b.ThrottleWriteIOPSDevice ?? []) c.ThrottleWriteIops.Add(new BlkioDeviceRate(t.Major, t.Minor, t.Rate));
        }
        foreach (var h in r.HugepageLimits ?? []) c.HugepageLimits.Add(new HugepageLimit(h.PageSize, h.Limit));
        if (r.Devices is { } devs)
        {
            var rules = new List<DeviceRule>();
            for (var i = 0; i < devs.Count; i++)
            {
                var d = devs[i];
                var type = string.IsNullOrEmpty(d.Type) ? 'a' : d.Type[0];
                if (d.Type is { Length: > 1 } || type is not ('a' or 'c' or 'b'))
                    throw new RuntimeException($"linux.resources.devices[{i}].type: \"{d.Type}\" must be a, c or b");
                var access = string.IsNullOrEmpty(d.Access) ? "rwm" : d.Access;
                if (access.Any(ch => ch is not ('r' or 'w' or 'm')))
                    throw new RuntimeException($"linux.resources.devices[{i}].access: \"{d.Access}\" may only hold r, w and m");
                rules.Add(new DeviceRule(d.Allow, type, d.Major, d.Minor, access));
            }
            c.Devices = rules;
        }
        foreach (var (file, value) in r.Unified ?? [])
        {
            if (!IsUnifiedFile(file))
                throw new RuntimeException($"linux.resources.unified: \"{file}\" is not a cgroup v2 interface file (CONTROLLER.NAME, such as memory.high)");
            if (CgroupResources.UnifiedController(file) == "cgroup")
                throw new RuntimeException($"linux.resources.unified: \"{file}\" is one of the cgroup's core files, which the runtime manages itself");
            c.Unified[file] = value;
        }
        return c;
    }

    /// <summary>CONTROLLER.NAME: a lowercase controller, then letters, digits, '_' and single dots (<c>hugetlb.2MB.max</c>).</summary>
    private static bool IsUnifiedFile(string file)
        => file.Length is > 2 and <= 64 && file.IndexOf('.', StringComparison.Ordinal) is > 0 and var dot && dot < file.Length - 1
           && file[..dot].All(ch => char.IsAsciiLetterLower(ch) || char.IsAsciiDigit(ch) || ch == '_')
           && file[dot..].All(ch => char.IsAsciiLetterOrDigit(ch) || ch is '.' or '_') && !file.Contains("..", StringComparison.Ordinal);

    /// <summary>
    /// Appends allow rules for the device nodes every container gets (null, zero, full, random, urandom, tty,
    /// the pty master and slaves), after the config's own rules, as other runtimes do.
    /// </summary>
    public static void AllowDefaultDevices(CgroupResources c)
    {
        if (c.Devices is null) return;
        foreach (var (major, minor) in new (long, long?)[] { (1, 3), (1, 5), (1, 7), (1, 8), (1, 9), (5, 0), (5, 1), (5, 2), (136, null) })
            c.Devices.Add(new DeviceRule(true, 'c', major, minor, "rwm"));
    }
}
