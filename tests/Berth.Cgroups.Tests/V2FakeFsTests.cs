namespace Berth.Cgroups.Tests;

/// <summary>Formatting and parsing of the v2 backend against a fake cgroupfs (this host has no v2 memory, cpu, io or pids controller).</summary>
public sealed class V2FakeFsTests : IDisposable
{
    private const string All = "cpuset cpu io memory hugetlb pids";
    private readonly FakeCgroupFs fs = new(All);

    public void Dispose() => fs.Dispose();

    [Fact]
    public void Create_Limits_WritesV2Formats()
    {
        var dir = fs.MakeCgroup("c1", All, "memory.max", "memory.swap.max", "memory.low", "cpu.weight", "cpu.max",
            "cpuset.cpus", "cpuset.mems", "pids.max", "io.max", "io.weight", "hugetlb.2MB.max");
        var m = CgroupManagerFactory.Create(fs.Layout, "c1");
        var r = new CgroupResources
        {
            MemoryLimit = 64 << 20, MemorySwap = 96 << 20, MemoryReservation = 32 << 20,
            CpuShares = 1024, CpuQuota = 50000, CpuPeriod = 100000, CpusetCpus = "0", CpusetMems = "0",
            PidsLimit = 0, BlkioWeight = 500,
        };
        r.ThrottleReadBps.Add(new BlkioDeviceRate(8, 0, 1048576));
        r.HugepageLimits.Add(new HugepageLimit("2MB", 4 << 20));

        m.Create(r);

        Assert.Equal("67108864", FakeCgroupFs.Read(dir, "memory.max"));
        Assert.Equal("33554432", FakeCgroupFs.Read(dir, "memory.swap.max"));
        Assert.Equal("33554432", FakeCgroupFs.Read(dir, "memory.low"));
        Assert.Equal("39", FakeCgroupFs.Read(dir, "cpu.weight"));
        Assert.Equal("50000 100000", FakeCgroupFs.Read(dir, "cpu.max"));
        Assert.Equal("0", FakeCgroupFs.Read(dir, "cpuset.cpus"));
        Assert.Equal("max", FakeCgroupFs.Read(dir, "pids.max"));
        Assert.Equal("8:0 rbps=1048576", FakeCgroupFs.Read(dir, "io.max"));
        Assert.Equal("4950", FakeCgroupFs.Read(dir, "io.weight"));
        Assert.Equal("4194304", FakeCgroupFs.Read(dir, "hugetlb.2MB.max"));
        // The last controller written wins in a plain file; the kernel would accumulate them.
        Assert.StartsWith("+", FakeCgroupFs.Read(fs.Root, "cgroup.subtree_control"));
    }

    [Theory]
    [InlineData("0")]
    [InlineData("0-1,3")]
    [InlineData("0,2-3,7")]
    public void Create_CpusetList_Accepted(string list)
    {
        var dir = fs.MakeCgroup("c1", All, "cpuset.cpus");

        CgroupManagerFactory.Create(fs.Layout, "c1").Create(new CgroupResources { CpusetCpus = list });

        Assert.Equal(list, FakeCgroupFs.Read(dir, "cpuset.cpus"));
    }

    [Theory]
    [InlineData("1-")]
    [InlineData("-1")]
    [InlineData("0,,1")]
    [InlineData("0-1-2")]
    [InlineData("a")]
    [InlineData("0\n")]
    [InlineData("\u0661")] // an Arabic-Indic digit one: a digit, but not one the kernel reads
    public void Create_CpusetListMalformed_RefusedBeforeWriting(string list)
    {
        var dir = fs.MakeCgroup("c1", All, "cpuset.cpus");

        var e = Assert.Throws<CgroupException>(() => CgroupManagerFactory.Create(fs.Layout, "c1").Create(new CgroupResources { CpusetCpus = list }));

        Assert.Contains("is not a list such as 0-1,3", e.Message, StringComparison.Ordinal);
        Assert.Equal("", FakeCgroupFs.Read(dir, "cpuset.cpus"));
    }

    [Theory]
    [InlineData("2MB")]
    [InlineData("1GB")]
    [InlineData("2048KB")]
    [InlineData("0MB")]
    [InlineData("MB")]
    [InlineData("2mb")]
    [InlineData("2 MB")]
    [InlineData("2TB")]
    public void Create_HugepageSize_OnlyNumbersWithKbMbGbAccepted(string size)
    {
        var valid = size is "2MB" or "1GB" or "2048KB";
        fs.MakeCgroup("c1", All, $"hugetlb.{size}.max");
        var resources = new CgroupResources();
        resources.HugepageLimits.Add(new HugepageLimit(size, 4 << 20));

        var e = Record.Exception(() => CgroupManagerFactory.Create(fs.Layout, "c1").Create(resources));

        if (valid) Assert.Null(e);
        else Assert.Contains("is invalid (such as 2MB or 1GB)", Assert.IsType<CgroupException>(e).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(2UL, 1L)]
    [InlineData(1024UL, 39L)]
    [InlineData(262144UL, 10000L)]
    public void Create_CpuShares_ConvertsToWeightLikeRunc(ulong shares, long weight)
    {
        var dir = fs.MakeCgroup("c1", All, "cpu.weight");

        CgroupManagerFactory.Create(fs.Layout, "c1").Create(new CgroupResources { CpuShares = shares });

        Assert.Equal(weight.ToString(System.Globalization.CultureInfo.InvariantCulture), FakeCgroupFs.Read(dir, "cpu.weight"));
    }

    [Fact]
    public void Create_UnlimitedMemoryAndSwap_WritesMax()
    {
        var dir = fs.MakeCgroup("c1", All, "memory.max", "memory.swap.max");

        CgroupManagerFactory.Create(fs.Layout, "c1").Create(new CgroupResources { MemoryLimit = -1, MemorySwap = -1 });

        Assert.Equal("max", FakeCgroupFs.Read(dir, "memory.max"));
        Assert.Equal("max", FakeCgroupFs.Read(dir, "memory.swap.max"));
    }

    [Fact]
    public void Update_PeriodOnly_KeepsCurrentQuota()
    {
        var dir = fs.MakeCgroup("c1", All, "cpu.max");
        FakeCgroupFs.Write(dir, "cpu.max", "20000 100000\n");

        CgroupManagerFactory.Create(fs.Layout, "c1").Update(new CgroupResources { CpuPeriod = 50000 });

        Assert.Equal("20000 50000", FakeCgroupFs.Read(dir, "cpu.max"));
    }

    [Fact]
    public void Create_SwapWithoutMemoryLimit_Throws()
    {
        fs.MakeCgroup("c1", All, "memory.swap.max");

        var e = Assert.Throws<CgroupException>(() =>
            CgroupManagerFactory.Create(fs.Layout, "c1").Create(new CgroupResources { MemorySwap = 1 << 30 }));
        Assert.Contains("needs a memory limit", e.Message);
    }

    [Fact]
    public void Create_DeviceRulesOnUnified_ThrowsAndLeavesNothing()
    {
        var r = new CgroupResources { Devices = [new DeviceRule(false, 'a', null, null, "rwm")] };
        var m = CgroupManagerFactory.Create(fs.Layout, "c2");

        var e = Assert.Throws<CgroupException>(() => m.Create(r));

        Assert.Contains("eBPF device controller", e.Message);
        Assert.False(Directory.Exists(Path.Join(fs.Root, "c2")));
    }

    [Fact]
    public void Create_MissingController_ThrowsAndLeavesNothing()
    {
        using var limited = new FakeCgroupFs("hugetlb");
        var m = CgroupManagerFactory.Create(limited.Layout, "c3");

        var e = Assert.Throws<CgroupException>(() => m.Create(new CgroupResources { MemoryLimit = 1 << 20 }));

        Assert.Contains("memory controller is not available", e.Message);
        Assert.False(Directory.Exists(Path.Join(limited.Root, "c3")));
    }

    [Fact]
    public void Create_MissingFileAfterMkdir_RemovesCreatedDirectories()
    {
        var m = CgroupManagerFactory.Create(fs.Layout, "parent/c4");

        // mkdir in a plain directory yields no control files, so the first write fails: both new directories must go.
        Assert.Throws<CgroupException>(() => m.Create(new CgroupResources { PidsLimit = 5 }));

        Assert.False(Directory.Exists(Path.Join(fs.Root, "parent")));
    }

    [Fact]
    public void GetStats_SampleFiles_ParsesCountersAndPressure()
    {
        var dir = fs.MakeCgroup("c1", All);
        FakeCgroupFs.Write(dir, "cpu.stat", "usage_usec 1500\nuser_usec 1000\nsystem_usec 500\nnr_periods 10\nnr_throttled 3\nthrottled_usec 7\n");
        FakeCgroupFs.Write(dir, "memory.current", "10000\n");
        FakeCgroupFs.Write(dir, "memory.peak", "20000\n");
        FakeCgroupFs.Write(dir, "memory.max", "max\n");
        FakeCgroupFs.Write(dir, "memory.stat", "anon 4000\nfile 5000\ninactive_file 3000\n");
        FakeCgroupFs.Write(dir, "memory.events", "low 0\nhigh 0\nmax 4\noom 1\noom_kill 2\n");
        FakeCgroupFs.Write(dir, "pids.current", "3\n");
        FakeCgroupFs.Write(dir, "pids.max", "max\n");
        FakeCgroupFs.Write(dir, "io.stat", "8:0 rbytes=100 wbytes=200 rios=1 wios=2 dbytes=0 dios=0\n8:16 rbytes=1 wbytes=2 rios=3 wios=4 dbytes=0 dios=0\n");
        FakeCgroupFs.Write(dir, "memory.pressure", "some avg10=1.50 avg60=0.25 avg300=0.00 total=1234\nfull avg10=0.50 avg60=0.00 avg300=0.00 total=99\n");
        var m = CgroupManagerFactory.Create(fs.Layout, "c1");

        var s = m.GetStats();

        Assert.Equal(1_500_000UL, s.CpuUsageTotal);
        Assert.Equal(1_000_000UL, s.CpuUsageUser);
        Assert.Equal(500_000UL, s.CpuUsageKernel);
        Assert.Equal(3UL, s.ThrottledPeriods);
        Assert.Equal(7000UL, s.ThrottledTime);
        Assert.Equal(10000UL, s.MemoryUsage);
        Assert.Equal(20000UL, s.MemoryMaxUsage);
        Assert.Equal(ulong.MaxValue, s.MemoryLimit);
        Assert.Equal(7000UL, s.MemoryWorkingSet);
        Assert.Equal(4000UL, s.MemoryRss);
        Assert.Equal(5000UL, s.MemoryCache);
        Assert.Equal(4UL, s.MemoryFailCount);
        Assert.Equal(2UL, s.OomKills);
        Assert.Equal(2L, m.OomKillCount());
        Assert.Equal(3UL, s.PidsCurrent);
        Assert.Equal(0UL, s.PidsLimit);
        Assert.Equal(101UL, s.IoReadBytes);
        Assert.Equal(202UL, s.IoWriteBytes);
        Assert.Equal(4UL, s.IoReadOps);
        Assert.Equal(2, s.IoDevices.Count);
        Assert.Equal(new PressureStat(1.5, 0.25, 0, 1234, 0.5, 0, 0, 99), s.Pressure["memory"]);
    }

    [Fact]
    public void GetStats_WorkingSet_FlooredAtZero()
    {
        var dir = fs.MakeCgroup("c1", All);
        FakeCgroupFs.Write(dir, "memory.current", "100\n");
        FakeCgroupFs.Write(dir, "memory.stat", "inactive_file 300\n");

        Assert.Equal(0UL, CgroupManagerFactory.Create(fs.Layout, "c1").GetStats().MemoryWorkingSet);
    }
}
