namespace Berth.Cgroups.Tests;

/// <summary>The hybrid host's real cgroups (v1 controllers plus cgroup2 with hugetlb), as root.</summary>
public sealed class CgroupManagerKernelTests : IDisposable
{
    private readonly TestCgroup cg = new();

    public void Dispose() => cg.Dispose();

    [Fact]
    public void Create_Limits_ReadBackFromKernel()
    {
        var r = new CgroupResources
        {
            MemoryLimit = 64 << 20, MemorySwap = 128 << 20, MemoryReservation = 32 << 20, MemorySwappiness = 10,
            CpuShares = 512, CpuQuota = 50000, CpuPeriod = 100000, CpusetCpus = "0", PidsLimit = 10,
        };

        cg.Manager.Create(r);

        Assert.Equal("67108864", cg.Read("memory", "memory.limit_in_bytes"));
        Assert.Equal("134217728", cg.Read("memory", "memory.memsw.limit_in_bytes"));
        Assert.Equal("33554432", cg.Read("memory", "memory.soft_limit_in_bytes"));
        Assert.Equal("10", cg.Read("memory", "memory.swappiness"));
        Assert.Equal("512", cg.Read("cpu", "cpu.shares"));
        Assert.Equal("50000", cg.Read("cpu", "cpu.cfs_quota_us"));
        Assert.Equal("100000", cg.Read("cpu", "cpu.cfs_period_us"));
        Assert.Equal("0", cg.Read("cpuset", "cpuset.cpus"));
        Assert.NotEmpty(cg.Read("cpuset", "cpuset.mems"));
        Assert.Equal("10", cg.Read("pids", "pids.max"));
        Assert.All(cg.Manager.Directories.Values, d => Assert.True(Directory.Exists(d), d));
    }

    [Fact]
    public void Update_RaiseThenLowerMemoryWithSwap_KeepsKernelOrder()
    {
        cg.Manager.Create(new CgroupResources { MemoryLimit = 64 << 20, MemorySwap = 96 << 20 });

        cg.Manager.Update(new CgroupResources { MemoryLimit = 256 << 20, MemorySwap = 512 << 20 });
        Assert.Equal("268435456", cg.Read("memory", "memory.limit_in_bytes"));
        Assert.Equal("536870912", cg.Read("memory", "memory.memsw.limit_in_bytes"));

        cg.Manager.Update(new CgroupResources { MemoryLimit = 32 << 20, MemorySwap = 48 << 20 });
        Assert.Equal("33554432", cg.Read("memory", "memory.limit_in_bytes"));
        Assert.Equal("50331648", cg.Read("memory", "memory.memsw.limit_in_bytes"));

        cg.Manager.Update(new CgroupResources { MemoryLimit = -1 });
        Assert.Equal("9223372036854771712", cg.Read("memory", "memory.limit_in_bytes"));
        Assert.Equal("9223372036854771712", cg.Read("memory", "memory.memsw.limit_in_bytes"));
    }

    [Fact]
    public void Create_PidsLimitZero_WritesMax()
    {
        // Pinned choice (CgroupResources.PidsLimit): zero means unlimited, as youki and Docker read it, not runc's 1.
        cg.Manager.Create(new CgroupResources { PidsLimit = 0 });

        Assert.Equal("max", cg.Read("pids", "pids.max"));
    }

    [Fact]
    public void AddProcess_PidsMaxThree_ForkBeyondLimitFails()
    {
        cg.Manager.Create(new CgroupResources { PidsLimit = 3 });

        var sh = cg.RunInside("for i in 1 2 3 4 5; do sleep 5 & done; wait; echo forked-all");

        Assert.True(sh.WaitForExit(10_000));
        Assert.DoesNotContain("forked-all", sh.StandardOutput.ReadToEnd());
        Assert.Contains("fork", sh.StandardError.ReadToEnd(), StringComparison.OrdinalIgnoreCase);
        Assert.NotEqual(0, sh.ExitCode);
        Assert.StartsWith("max ", cg.Read("pids", "pids.events"));
        Assert.True(cg.Manager.GetStats().PidsCurrent <= 3);
    }

    [Fact]
    public void GetStats_AfterAllocation_ShowsMemoryAndCpu()
    {
        cg.Manager.Create(new CgroupResources { MemoryLimit = 256 << 20 });

        var sh = cg.RunInside("dd if=/dev/zero of=/dev/null bs=32M count=8 2>/dev/null; echo done; read y");
        Assert.Equal("done", sh.StandardOutput.ReadLine());

        var stats = cg.Manager.GetStats();
        Assert.True(stats.MemoryMaxUsage >= 32UL << 20, $"max usage {stats.MemoryMaxUsage}");
        Assert.Equal(256UL << 20, stats.MemoryLimit);
        Assert.True(stats.MemoryStat.ContainsKey("total_inactive_file"));
        Assert.True(stats.MemoryWorkingSet <= stats.MemoryUsage);
        Assert.True(stats.CpuUsageTotal > 0);
        Assert.NotEmpty(stats.CpuUsagePerCpu);
        Assert.Equal(1UL, stats.PidsCurrent);
        Assert.Equal(0L, cg.Manager.OomKillCount());
        Assert.Equal([sh.Id], cg.Manager.GetPids());
    }

    [Fact]
    public void SetFrozen_FreezeThenThaw_KernelReportsState()
    {
        cg.Manager.Create(new CgroupResources());
        cg.RunInside("sleep 30");

        cg.Manager.SetFrozen(true);
        Assert.True(cg.Manager.IsFrozen());
        Assert.Equal("FROZEN", cg.Read("freezer", "freezer.state"));

        cg.Manager.SetFrozen(false);
        Assert.False(cg.Manager.IsFrozen());
        Assert.Equal("THAWED", cg.Read("freezer", "freezer.state"));
    }

    [Fact]
    public void Signal_Kill_EndsEveryProcess()
    {
        cg.Manager.Create(new CgroupResources());
        var sh = cg.RunInside("sleep 30 & sleep 30 & wait");
        SpinWait.SpinUntil(() => cg.Manager.GetPids().Count == 3, 5000);

        cg.Manager.Signal(9);

        Assert.True(sh.WaitForExit(5000));
        Assert.True(SpinWait.SpinUntil(() => cg.Manager.GetPids().Count == 0, 5000));
    }

    [Fact]
    public void Destroy_FrozenWithProcesses_KillsAndRemovesEveryDirectory()
    {
        cg.Manager.Create(new CgroupResources { PidsLimit = 20 });
        var sh = cg.RunInside("sleep 30 & wait");
        cg.Manager.SetFrozen(true);

        cg.Manager.Destroy(kill: true);

        Assert.True(sh.WaitForExit(5000));
        Assert.False(cg.Manager.Exists());
        Assert.All(cg.Manager.Directories.Values, d => Assert.False(Directory.Exists(d), d));
    }

    [Fact]
    public void Create_NestedPath_CopiesCpusetAndAcceptsProcess()
    {
        var nested = CgroupManagerFactory.Create(cg.Layout, cg.Name + "/inner");
        try
        {
            nested.Create(new CgroupResources());
            var sh = cg.StartShell("read x; echo in; read y");
            nested.AddProcess(sh.Id);
            sh.StandardInput.WriteLine();

            Assert.Equal("in", sh.StandardOutput.ReadLine());
            Assert.NotEmpty(File.ReadAllText(Path.Join(cg.Dir("cpuset"), "cpuset.cpus")).Trim());
            Assert.Contains(sh.Id, cg.Manager.GetPids());
        }
        finally
        {
            nested.Destroy(kill: true);
        }
    }

    [Fact]
    public void Create_DeviceRules_AppliedInOrderOnV1()
    {
        cg.Manager.Create(new CgroupResources
        {
            Devices = [new DeviceRule(false, 'a', null, null, "rwm"), new DeviceRule(true, 'c', 1, 3, "rwm"), new DeviceRule(true, 'c', 136, null, "rw")],
        });

        Assert.Equal(["c 1:3 rwm", "c 136:* rw"], cg.Read("devices", "devices.list").Split('\n'));
    }

    [Fact]
    public void Create_DeviceRulesWithoutDenyAll_StartFromDenyAllOnV1()
    {
        // As the v2 program and runc: what no rule allows is refused, not inherited from the parent's "a *:* rwm".
        cg.Manager.Create(new CgroupResources { Devices = [new DeviceRule(true, 'c', 1, 3, "rw")] });

        Assert.Equal("c 1:3 rw", cg.Read("devices", "devices.list"));
    }

    [Fact]
    public void Create_HugepageLimit_GoesToUnifiedHierarchy()
    {
        cg.Manager.Create(new CgroupResources { HugepageLimits = { new HugepageLimit("2MB", 4 << 20) } });

        Assert.Equal("4194304", cg.Read(CgroupHierarchy.UnifiedKey, "hugetlb.2MB.max"));
    }

    [Theory]
    [InlineData("shares")]
    [InlineData("memory")]
    [InlineData("blkio-range")]
    [InlineData("swappiness")]
    public void Create_OutOfRange_ThrowsAndLeavesNothing(string which)
    {
        var r = new CgroupResources();
        switch (which)
        {
            case "shares": r.CpuShares = 1; break;
            case "memory": r.MemoryLimit = -5; break;
            case "blkio-range": r.BlkioWeight = 5; break;
            default: r.MemorySwappiness = 101; break;
        }

        var e = Assert.Throws<CgroupException>(() => cg.Manager.Create(r));

        Assert.Contains("out of range", e.Message);
        Assert.False(cg.Manager.Exists());
    }

    [Fact]
    public void Create_BlkioWeightWithoutWeightFile_ThrowsAndLeavesNothing()
    {
        var e = Assert.Throws<CgroupException>(() => cg.Manager.Create(new CgroupResources { BlkioWeight = 500, PidsLimit = 5 }));

        Assert.Contains("blkio weight is not supported by this kernel (no blkio.weight file", e.Message);
        Assert.False(cg.Manager.Exists());
    }

    [Fact]
    public void Create_KernelRefusesValue_ThrowsWithFileValueErrnoAndLeavesNothing()
    {
        // The kernel refuses a CPU the host does not have (ERANGE here); the range check cannot know the host's CPUs.
        var e = Assert.Throws<CgroupException>(() => cg.Manager.Create(new CgroupResources { CpusetCpus = "4000" }));

        Assert.True(e.Errno > 0);
        Assert.EndsWith("cpuset.cpus", e.File);
        Assert.Equal("4000", e.Value);
        Assert.Matches("^write \"4000\" to /sys/fs/cgroup/cpuset/.*/cpuset.cpus: E[A-Z]+ \\(.+\\)$", e.Message);
        Assert.False(cg.Manager.Exists());
    }
}
