namespace Berth.Cgroups.Tests;

public class CgroupPathTests
{
    private static readonly CgroupLayout Layout = CgroupLayout.Detect(
        "30 23 0:26 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n", "0::/system.slice/berth.service\n", "memory pids");

    [Theory]
    [InlineData("../escape")]
    [InlineData("a/../../b")]
    [InlineData("/a/..")]
    [InlineData("a//b")]
    [InlineData("a/")]
    [InlineData("./a")]
    [InlineData("")]
    [InlineData("/")]
    public void Create_BadPath_Throws(string path)
    {
        Assert.Throws<CgroupException>(() => CgroupManagerFactory.Create(Layout, path));
    }

    [Fact]
    public void Create_RelativePath_IsNestedUnderOwnCgroup()
    {
        var m = CgroupManagerFactory.Create(Layout, "berth/c1");

        Assert.Equal("/system.slice/berth.service/berth/c1", m.Path);
        Assert.Equal("/sys/fs/cgroup/system.slice/berth.service/berth/c1", m.Directories[CgroupHierarchy.UnifiedKey]);
    }

    [Fact]
    public void Create_AbsolutePath_IsAlsoNestedUnderOwnCgroup()
    {
        var m = CgroupManagerFactory.Create(Layout, "/berth/c1");

        Assert.Equal("/system.slice/berth.service/berth/c1", m.Path);
    }

    [Fact]
    public void Create_WithParent_NestsUnderParent()
    {
        var m = CgroupManagerFactory.Create(Layout, "/c1", "/berth.slice");

        Assert.Equal("/berth.slice/c1", m.Path);
        Assert.Equal("/sys/fs/cgroup/berth.slice/c1", m.Paths.Count == 1 ? m.Directories[CgroupHierarchy.UnifiedKey] : null);
    }

    [Theory]
    [InlineData("relative")]
    [InlineData("/a/../b")]
    public void Create_BadParent_Throws(string parent)
    {
        Assert.Throws<CgroupException>(() => CgroupManagerFactory.Create(Layout, "c1", parent));
    }

    [Fact]
    public void Create_HybridLayout_ResolvesPerHierarchy()
    {
        var layout = CgroupLayout.Detect(
            "35 31 0:32 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n39 31 0:36 / /sys/fs/cgroup/pids rw - cgroup cgroup rw,pids\n41 31 0:38 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n",
            "8:pids:/\n4:memory:/m/own\n0::/\n", "hugetlb");

        var m = CgroupManagerFactory.Create(layout, "c1");

        Assert.Equal("/sys/fs/cgroup/memory/m/own/c1", m.Directories["memory"]);
        Assert.Equal("/sys/fs/cgroup/pids/c1", m.Directories["pids"]);
        Assert.Equal("/m/own/c1", m.Paths["memory"]);
        // The unified cgroup exists only when a hugetlb limit asked for it (none was created here).
        Assert.False(m.Directories.ContainsKey("unified"));
    }
}
