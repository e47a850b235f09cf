namespace Berth.Cgroups.Tests;

/// <summary>
/// The v2 backend on the real kernel, using this hybrid host's cgroup2 mount as if it were a unified host: the core
/// files (cgroup.procs, cgroup.freeze, cgroup.events, cgroup.kill) are real here. v2 memory/cpu/pids/io limits cannot
/// run on this host (its unified hierarchy holds only hugetlb, asserted by
/// <see cref="CgroupLayoutTests.Detect_ThisHost_IsHybridWithHugetlbOnlyInUnified"/>); their formatting is covered by
/// <see cref="V2FakeFsTests"/>.
/// </summary>
public sealed class V2CoreKernelTests : IDisposable
{
    private readonly TestCgroup cg = new(TestCgroup.UnifiedOnlyLayout());

    public void Dispose() => cg.Dispose();

    [Fact]
    public void Layout_Cgroup2Only_IsUnified()
    {
        Assert.Equal(CgroupLayoutKind.Unified, cg.Layout.Kind);
        Assert.Equal([CgroupHierarchy.UnifiedKey], cg.Manager.Directories.Keys);
    }

    [Fact]
    public void Create_DeviceRules_EbpfProgramRefusesWhatNoRuleAllows()
    {
        // The device program works on any cgroup2 mount, this hybrid host's included: deny everything, allow
        // reading and writing /dev/null (c 1:3) only.
        cg.Manager.Create(new CgroupResources
        {
            Devices = [new DeviceRule(false, 'a', null, null, "rwm"), new DeviceRule(true, 'c', 1, 3, "rw")],
        });

        var p = cg.RunInside("echo x >/dev/null && echo null-ok; echo x >/dev/zero && echo zero-ok; exit 0");
        var output = p.StandardOutput.ReadToEnd() + p.StandardError.ReadToEnd();
        p.WaitForExit();

        Assert.Contains("null-ok", output);
        Assert.DoesNotContain("zero-ok", output);
        Assert.Contains("Operation not permitted", output);
    }

    [Fact]
    public void Update_DeviceRules_ReplaceTheProgram()
    {
        DeviceRule allowAll = new(true, 'a', null, null, "rwm");
        cg.Manager.Create(new CgroupResources { Devices = [allowAll, new DeviceRule(false, 'c', 1, 5, "rwm")] });
        cg.Manager.Update(new CgroupResources { Devices = [allowAll, new DeviceRule(false, 'c', 1, 3, "w")] });

        var p = cg.RunInside("echo x >/dev/zero && echo zero-ok; echo x >/dev/null && echo null-ok; exit 0");
        var output = p.StandardOutput.ReadToEnd() + p.StandardError.ReadToEnd();
        p.WaitForExit();

        Assert.Contains("zero-ok", output);
        Assert.DoesNotContain("null-ok", output);
    }

    [Fact]
    public void SetFrozen_FreezeThenThaw_CgroupEventsReportState()
    {
        cg.Manager.Create(new CgroupResources());
        cg.RunInside("sleep 30");

        cg.Manager.SetFrozen(true);
        Assert.Contains("frozen 1", cg.Read(CgroupHierarchy.UnifiedKey, "cgroup.events"));
        Assert.True(cg.Manager.IsFrozen());

        cg.Manager.SetFrozen(false);
        Assert.Contains("frozen 0", cg.Read(CgroupHierarchy.UnifiedKey, "cgroup.events"));
    }

    [Fact]
    public void Signal_KillOnFrozenCgroup_UsesCgroupKill()
    {
        cg.Manager.Create(new CgroupResources());
        var sh = cg.RunInside("sleep 30 & wait");
        cg.Manager.SetFrozen(true);

        cg.Manager.Signal(9);

        Assert.True(sh.WaitForExit(5000));
        Assert.True(SpinWait.SpinUntil(() => cg.Manager.GetPids().Count == 0, 5000));
    }

    [Fact]
    public void GetStats_ProcessRan_ReadsCoreCpuStatAndPressure()
    {
        var stats = StatsAfterBusyLoop();

        Assert.True(stats.CpuUsageTotal > 0);
        Assert.True(stats.CpuUsageUser + stats.CpuUsageKernel > 0);
        Assert.Contains("cpu", stats.Pressure.Keys);
    }

    [Fact]
    public void GetStats_CpuUsedOnV2_PerCpuUsageEmptyAsNotAvailable()
    {
        // v2 has no per-CPU usage file (cpu.stat holds totals only): the list stays empty however much CPU ran,
        // where v1's cpuacct.usage_percpu fills it (CgroupManagerKernelTests.GetStats_AfterAllocation_ShowsMemoryAndCpu).
        var stats = StatsAfterBusyLoop();

        Assert.True(stats.CpuUsageTotal > 0);
        Assert.Empty(stats.CpuUsagePerCpu);
    }

    /// <summary>The cgroup's stats after a shell in it counted to 20000.</summary>
    private CgroupStats StatsAfterBusyLoop()
    {
        cg.Manager.Create(new CgroupResources());
        var sh = cg.RunInside("i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done");
        Assert.True(sh.WaitForExit(10_000));
        return cg.Manager.GetStats();
    }

    [Fact]
    public void Create_MemoryLimitWithoutV2MemoryController_ThrowsAndLeavesNothing()
    {
        var e = Assert.Throws<CgroupException>(() => cg.Manager.Create(new CgroupResources { MemoryLimit = 64 << 20 }));

        Assert.Contains("memory controller is not available in the unified hierarchy", e.Message);
        Assert.False(cg.Manager.Exists());
    }

    [Fact]
    public void Destroy_WithProcesses_RemovesDirectory()
    {
        cg.Manager.Create(new CgroupResources());
        var sh = cg.RunInside("sleep 30 & wait");

        cg.Manager.Destroy(kill: true);

        Assert.True(sh.WaitForExit(5000));
        Assert.False(Directory.Exists(cg.Dir(CgroupHierarchy.UnifiedKey)));
    }
}
