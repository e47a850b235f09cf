namespace Berth.Cgroups.Tests;

public class CgroupLayoutTests
{
    private const string HybridMountInfo = """
        31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
        32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
        33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct
        35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
        39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
        40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd
        41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
        """;

    private const string HybridSelf = """
        9:name=systemd:/user.slice
        8:pids:/
        4:memory:/process_api/abc
        2:cpuacct:/
        1:cpu:/
        0::/user.slice
        """;

    [Fact]
    public void Detect_HybridSample_FindsV1ControllersAndUnified()
    {
        var layout = CgroupLayout.Detect(HybridMountInfo, HybridSelf, "hugetlb\n");

        Assert.Equal(CgroupLayoutKind.Hybrid, layout.Kind);
        Assert.Equal(["cpu", "cpuacct", "memory", "pids"], layout.V1.Select(h => h.Key));
        Assert.Equal("/sys/fs/cgroup/cpuacct", layout.FindV1("cpuacct")!.MountPoint);
        Assert.Equal("/process_api/abc", layout.FindV1("memory")!.OwnPath);
        Assert.Equal(["hugetlb"], layout.Unified!.Controllers);
        Assert.Equal("/user.slice", layout.Unified.OwnPath);
        Assert.Contains(layout.Hierarchies, h => h.Name == "systemd");
    }

    [Fact]
    public void Detect_LegacyWithCoMountedCpu_KeysHierarchyByBothControllers()
    {
        const string mountInfo = """
            25 24 0:22 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid - cgroup cgroup rw,cpu,cpuacct
            26 24 0:23 / /sys/fs/cgroup/memory rw,nosuid - cgroup cgroup rw,memory
            27 24 0:24 / /sys/fs/cgroup/systemd rw,nosuid - cgroup cgroup rw,xattr,name=systemd
            """;
        const string self = "3:cpu,cpuacct:/a\n2:memory:/b\n1:name=systemd:/c\n";

        var layout = CgroupLayout.Detect(mountInfo, self);

        Assert.Equal(CgroupLayoutKind.Legacy, layout.Kind);
        Assert.Null(layout.Unified);
        var cpu = layout.FindV1("cpuacct")!;
        Assert.Same(cpu, layout.FindV1("cpu"));
        Assert.Equal("cpu,cpuacct", cpu.Key);
        Assert.Equal("/a", cpu.OwnPath);
        Assert.Equal("/sys/fs/cgroup/cpu,cpuacct/a", cpu.DirectoryOf(cpu.OwnPath));
        Assert.Equal("/b", layout.FindV1("memory")!.OwnPath);
    }

    [Fact]
    public void Detect_UnifiedSample_ReadsControllersAndOwnPath()
    {
        const string mountInfo = "30 23 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot\n";

        var layout = CgroupLayout.Detect(mountInfo, "0::/system.slice/berth.service\n", "cpuset cpu io memory hugetlb pids rdma misc\n");

        Assert.Equal(CgroupLayoutKind.Unified, layout.Kind);
        Assert.Empty(layout.V1);
        Assert.Contains("memory", layout.Unified!.Controllers);
        Assert.Equal("/sys/fs/cgroup/system.slice/berth.service", layout.Unified.DirectoryOf(layout.Unified.OwnPath));
    }

    [Fact]
    public void Detect_MountWithNonRootRoot_MapsPathsBelowTheRoot()
    {
        // A container that sees only its own part of the host's memory hierarchy.
        const string mountInfo = "50 40 0:32 /docker/abc /sys/fs/cgroup/memory ro,nosuid - cgroup cgroup rw,memory\n";

        var layout = CgroupLayout.Detect(mountInfo, "4:memory:/docker/abc/inner\n", null);

        var memory = layout.FindV1("memory")!;
        Assert.Equal("/docker/abc", memory.Root);
        Assert.Equal("/sys/fs/cgroup/memory/inner", memory.DirectoryOf(memory.OwnPath));
        Assert.Equal("/sys/fs/cgroup/memory", memory.DirectoryOf("/docker/abc"));
        Assert.Throws<CgroupException>(() => memory.DirectoryOf("/other"));
    }

    [Fact]
    public void Detect_EscapedMountPoint_IsUnescaped()
    {
        const string mountInfo = "50 40 0:32 / /mnt/cg\\040v2 rw - cgroup2 none rw\n";

        var layout = CgroupLayout.Detect(mountInfo, "0::/\n", "");

        Assert.Equal("/mnt/cg v2", layout.Unified!.MountPoint);
    }

    [Fact]
    public void Detect_NoCgroupMounts_Throws()
    {
        var e = Assert.Throws<CgroupException>(() => CgroupLayout.Detect("22 1 0:20 / /proc rw - proc proc rw\n", "0::/\n", null));
        Assert.Contains("no cgroup hierarchy", e.Message);
    }

    [Fact]
    public void Detect_ThisHost_IsHybridWithHugetlbOnlyInUnified()
    {
        var layout = CgroupLayout.Detect();

        Assert.Equal(CgroupLayoutKind.Hybrid, layout.Kind);
        Assert.Equal("/sys/fs/cgroup/unified", layout.Unified!.MountPoint);
        Assert.Contains("hugetlb", layout.Unified.Controllers);
        Assert.DoesNotContain("memory", layout.Unified.Controllers);
        Assert.NotSame(layout.FindV1("cpu"), layout.FindV1("cpuacct"));
        Assert.NotNull(layout.FindV1("pids"));
    }
}
