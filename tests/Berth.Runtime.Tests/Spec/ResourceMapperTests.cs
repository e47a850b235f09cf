using Berth.Cgroups;
using Berth.Runtime.Spec;

namespace Berth.Runtime.Tests.Spec;

public sealed class ResourceMapperTests
{
    private static readonly DeviceRule[] Defaults =
    [
        new(true, 'c', 1, 3, "rwm"), new(true, 'c', 1, 5, "rwm"), new(true, 'c', 1, 7, "rwm"), new(true, 'c', 1, 8, "rwm"),
        new(true, 'c', 1, 9, "rwm"), new(true, 'c', 5, 0, "rwm"), new(true, 'c', 5, 1, "rwm"), new(true, 'c', 5, 2, "rwm"),
        new(true, 'c', 136, null, "rwm"),
    ];

    [Fact]
    public void Map_Null_NoLimitsAndDevicesUntouched()
    {
        var c = ResourceMapper.Map(null);

        Assert.Null(c.MemoryLimit);
        Assert.Null(c.CpuShares);
        Assert.Null(c.PidsLimit);
        Assert.Null(c.BlkioWeight);
        Assert.Empty(c.HugepageLimits);
        Assert.Null(c.Devices);
    }

    [Fact]
    public void Map_EveryField_CopiedToCgroupResources()
    {
        var r = new ResourcesSpec
        {
            Memory = new MemorySpec { Limit = 1000, Reservation = 500, Swap = 2000, Swappiness = 10, DisableOOMKiller = true },
            Cpu = new CpuSpec { Shares = 512, Quota = 20000, Period = 100000, RealtimeRuntime = 950, RealtimePeriod = 1000, Cpus = "0-1", Mems = "0" },
            Pids = new PidsSpec { Limit = 42 },
            BlockIO = new BlockIoSpec
            {
                Weight = 300,
                WeightDevice = [new WeightDeviceSpec { Major = 8, Minor = 0, Weight = 200, LeafWeight = 100 }],
                ThrottleReadBpsDevice = [new ThrottleDeviceSpec { Major = 8, Minor = 1, Rate = 11 }],
                ThrottleWriteBpsDevice = [new ThrottleDeviceSpec { Major = 8, Minor = 2, Rate = 22 }],
                ThrottleReadIOPSDevice = [new ThrottleDeviceSpec { Major = 8, Minor = 3, Rate = 33 }],
                ThrottleWriteIOPSDevice = [new ThrottleDeviceSpec { Major = 8, Minor = 4, Rate = 44 }],
            },
            HugepageLimits = [new HugepageLimitSpec { PageSize = "2MB", Limit = 4096 }, new HugepageLimitSpec { PageSize = "1GB", Limit = 0 }],
            Devices =
            [
                new DeviceCgroupSpec { Allow = false, Access = "rwm" },
                new DeviceCgroupSpec { Allow = true, Type = "c", Major = 10, Minor = 200, Access = "rw" },
                new DeviceCgroupSpec { Allow = true, Type = "b", Major = 8, Access = "m" },
            ],
        };

        var c = ResourceMapper.Map(r);

        Assert.Equal(1000, c.MemoryLimit);
        Assert.Equal(500, c.MemoryReservation);
        Assert.Equal(2000, c.MemorySwap);
        Assert.Equal(10UL, c.MemorySwappiness);
        Assert.True(c.DisableOomKiller);
        Assert.Equal(512UL, c.CpuShares);
        Assert.Equal(20000, c.CpuQuota);
        Assert.Equal(100000UL, c.CpuPeriod);
        Assert.Equal(950, c.CpuRealtimeRuntime);
        Assert.Equal(1000UL, c.CpuRealtimePeriod);
        Assert.Equal("0-1", c.CpusetCpus);
        Assert.Equal("0", c.CpusetMems);
        Assert.Equal(42, c.PidsLimit);
        Assert.Equal((ushort)300, c.BlkioWeight);
        Assert.Equal([new BlkioDeviceWeight(8, 0, 200, 100)], c.BlkioWeightDevices);
        Assert.Equal([new BlkioDeviceRate(8, 1, 11)], c.ThrottleReadBps);
        Assert.Equal([new BlkioDeviceRate(8, 2, 22)], c.ThrottleWriteBps);
        Assert.Equal([new BlkioDeviceRate(8, 3, 33)], c.ThrottleReadIops);
        Assert.Equal([new BlkioDeviceRate(8, 4, 44)], c.ThrottleWriteIops);
        Assert.Equal([new HugepageLimit("2MB", 4096), new HugepageLimit("1GB", 0)], c.HugepageLimits);
        Assert.Equal(
            [new DeviceRule(false, 'a', null, null, "rwm"), new DeviceRule(true, 'c', 10, 200, "rw"), new DeviceRule(true, 'b', 8, null, "m")],
            c.Devices!);
    }

    [Fact]
    public void Map_EmptyCpusetStrings_LeftUnset()
    {
        var c = ResourceMapper.Map(new ResourcesSpec { Cpu = new CpuSpec { Cpus = "", Mems = "" } });

        Assert.Null(c.CpusetCpus);
        Assert.Null(c.CpusetMems);
    }

    [Fact]
    public void Map_DeviceRuleWithoutTypeOrAccess_AllDevicesRwm()
    {
        var c = ResourceMapper.Map(new ResourcesSpec { Devices = [new DeviceCgroupSpec { Allow = true }] });

        Assert.Equal([new DeviceRule(true, 'a', null, null, "rwm")], c.Devices!);
    }

    [Theory]
    [InlineData("x")]
    [InlineData("cc")]
    [InlineData("u")]
    public void Map_DeviceRuleBadType_RefusedNamingIt(string type)
    {
        var r = new ResourcesSpec { Devices = [new DeviceCgroupSpec { Allow = true }, new DeviceCgroupSpec { Type = type }] };

        var e = Assert.Throws<RuntimeException>(() => ResourceMapper.Map(r));

        Assert.Equal($"linux.resources.devices[1].type: \"{type}\" must be a, c or b", e.Message);
    }

    [Theory]
    [InlineData("rwq")]
    [InlineData("RWM")]
    [InlineData("r w")]
    public void Map_DeviceRuleBadAccess_RefusedNamingIt(string access)
    {
        var r = new ResourcesSpec { Devices = [new DeviceCgroupSpec { Type = "c", Access = access }] };

        var e = Assert.Throws<RuntimeException>(() => ResourceMapper.Map(r));

        Assert.Equal($"linux.resources.devices[0].access: \"{access}\" may only hold r, w and m", e.Message);
    }

    [Fact]
    public void Map_Unified_KeptAsGiven()
    {
        var r = new ResourcesSpec { Unified = new() { ["memory.high"] = "50331648", ["io.weight"] = "default 200", ["hugetlb.2MB.max"] = "max" } };

        var c = ResourceMapper.Map(r);

        Assert.Equal(new Dictionary<string, string> { ["hugetlb.2MB.max"] = "max", ["io.weight"] = "default 200", ["memory.high"] = "50331648" }, c.Unified);
        Assert.Equal("hugetlb", CgroupResources.UnifiedController("hugetlb.2MB.max"));
    }

    [Theory]
    [InlineData("../memory.max", "is not a cgroup v2 interface file")]
    [InlineData("memory/max", "is not a cgroup v2 interface file")]
    [InlineData("memory", "is not a cgroup v2 interface file")]
    [InlineData("memory.", "is not a cgroup v2 interface file")]
    [InlineData(".max", "is not a cgroup v2 interface file")]
    [InlineData("Memory.max", "is not a cgroup v2 interface file")]
    [InlineData("memory.max-1", "is not a cgroup v2 interface file")]
    [InlineData("cgroup.procs", "core files")]
    [InlineData("cgroup.subtree_control", "core files")]
    public void Map_BadUnifiedFile_RefusedByName(string file, string reason)
    {
        var r = new ResourcesSpec { Unified = new() { [file] = "1" } };

        var e = Assert.Throws<RuntimeException>(() => ResourceMapper.Map(r));

        Assert.StartsWith($"linux.resources.unified: \"{file}\" ", e.Message, StringComparison.Ordinal);
        Assert.Contains(reason, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Map_EmptyUnified_Accepted()
    {
        Assert.NotNull(ResourceMapper.Map(new ResourcesSpec { Unified = [] }));
    }

    [Fact]
    public void AllowDefaultDevices_WithConfigRules_AppendsDefaultsAfterThem()
    {
        var c = ResourceMapper.Map(new ResourcesSpec
        {
            Devices = [new DeviceCgroupSpec { Allow = false, Access = "rwm" }, new DeviceCgroupSpec { Allow = false, Type = "c", Major = 1, Minor = 3 }],
        });

        ResourceMapper.AllowDefaultDevices(c);

        Assert.Equal(
            [new DeviceRule(false, 'a', null, null, "rwm"), new DeviceRule(false, 'c', 1, 3, "rwm"), .. Defaults],
            c.Devices!);
    }

    [Fact]
    public void AllowDefaultDevices_EmptyConfigRules_OnlyDefaults()
    {
        var c = ResourceMapper.Map(new ResourcesSpec { Devices = [] });

        ResourceMapper.AllowDefaultDevices(c);

        Assert.Equal(Defaults, c.Devices!);
    }

    [Fact]
    public void AllowDefaultDevices_NoDeviceSection_LeavesControllerAlone()
    {
        var c = ResourceMapper.Map(new ResourcesSpec { Memory = new MemorySpec { Limit = 1 } });

        ResourceMapper.AllowDefaultDevices(c);

        Assert.Null(c.Devices);
    }

    [Theory]
    [InlineData("cpu.idle", "linux.resources.cpu.idle")]
    [InlineData("leafWeight", "linux.resources.blockIO.leafWeight")]
    [InlineData("useHierarchy", "linux.resources.memory.useHierarchy")]
    public void Map_FieldTheKernelCannotHonour_RefusedNamingIt(string field, string expected)
    {
        var r = field switch
        {
            "cpu.idle" => new ResourcesSpec { Cpu = new CpuSpec { Idle = 1 } },
            "leafWeight" => new ResourcesSpec { BlockIO = new BlockIoSpec { LeafWeight = 100 } },
            _ => new ResourcesSpec { Memory = new MemorySpec { UseHierarchy = false } },
        };

        var e = Assert.Throws<RuntimeException>(() => ResourceMapper.Map(r));

        Assert.StartsWith(expected, e.Message);
    }

    [Fact]
    public void Map_UseHierarchyTrueAndIdleZero_Accepted()
    {
        var c = ResourceMapper.Map(new ResourcesSpec { Memory = new MemorySpec { UseHierarchy = true }, Cpu = new CpuSpec { Idle = 0 } });

        Assert.Null(c.MemoryLimit);
    }
}
