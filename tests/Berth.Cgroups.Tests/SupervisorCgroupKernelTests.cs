using Berth.Cgroups.V2;

namespace Berth.Cgroups.Tests;

/// <summary>
/// Nesting under a caller's own v2 cgroup that holds processes (a systemd session scope or service), on this host's
/// real cgroup2 mount: its hugetlb controller is subject to the no-internal-process rule like any other, so the move
/// into <c>berth.supervisor</c> is the kernel's, not a fake's. Memory and pids limits run the same way in the VM
/// stage (the <c>nested_busy_parent</c> case).
/// </summary>
public sealed class SupervisorCgroupKernelTests : IDisposable
{
    private static readonly CgroupResources HugetlbLimit = new() { HugepageLimits = { new HugepageLimit("2MB", 4 << 20) } };

    private readonly BusyUnifiedCgroup busy = new();

    public void Dispose() => busy.Dispose();

    [Fact]
    public void Create_OwnCgroupHoldsProcesses_MovesThemIntoLeafAndNestsBesideIt()
    {
        int[] members = [busy.Add("exec sleep 60"), busy.Add("exec sleep 60")];
        var manager = CgroupManagerFactory.Create(busy.LayoutInside(), "c1");

        manager.Create(HugetlbLimit);

        Assert.Empty(BusyUnifiedCgroup.Procs(busy.Dir));
        Assert.Equal(members.Order(), BusyUnifiedCgroup.Procs(busy.Leaf));
        Assert.Contains("hugetlb", BusyUnifiedCgroup.Read(busy.Dir, "cgroup.subtree_control").Split(' '));
        Assert.Equal(Path.Join(busy.Dir, "c1"), manager.Directories[CgroupHierarchy.UnifiedKey]);
        Assert.Equal("4194304", BusyUnifiedCgroup.Read(Path.Join(busy.Dir, "c1"), "hugetlb.2MB.max"));
    }

    [Fact]
    public void Create_CallerAlreadyInLeaf_NestsBesideLeafNotInsideIt()
    {
        busy.Add("exec sleep 60");
        CgroupManagerFactory.Create(busy.LayoutInside(), "c1").Create(HugetlbLimit);

        var fromLeaf = CgroupManagerFactory.Create(busy.LayoutInside("/" + SupervisorCgroup.Name), "c2");
        fromLeaf.Create(HugetlbLimit);

        Assert.Equal(Path.Join(busy.Dir, "c2"), fromLeaf.Directories[CgroupHierarchy.UnifiedKey]);
        Assert.Equal("4194304", BusyUnifiedCgroup.Read(Path.Join(busy.Dir, "c2"), "hugetlb.2MB.max"));
        Assert.False(Directory.Exists(Path.Join(busy.Leaf, SupervisorCgroup.Name)));
    }

    [Fact]
    public async Task Create_TwoCallersAtOnce_BothNestAndLeafHoldsEveryMember()
    {
        int[] members = [busy.Add("exec sleep 60"), busy.Add("exec sleep 60"), busy.Add("exec sleep 60")];
        using var start = new Barrier(2);

        var creates = Enumerable.Range(0, 2).Select(i => Task.Run(() =>
        {
            var manager = CgroupManagerFactory.Create(busy.LayoutInside(), $"c{i}");
            start.SignalAndWait();
            manager.Create(HugetlbLimit);
        })).ToArray();
        await Task.WhenAll(creates);

        Assert.Empty(BusyUnifiedCgroup.Procs(busy.Dir));
        Assert.Equal(members.Order(), BusyUnifiedCgroup.Procs(busy.Leaf));
        Assert.Equal("4194304", BusyUnifiedCgroup.Read(Path.Join(busy.Dir, "c0"), "hugetlb.2MB.max"));
        Assert.Equal("4194304", BusyUnifiedCgroup.Read(Path.Join(busy.Dir, "c1"), "hugetlb.2MB.max"));
    }

    [Fact]
    public void Create_MemberForksWhileMoved_CgroupEmptiedThenControllerEnabled()
    {
        // Each child is born where the shell is at that moment: in the cgroup until the shell moves, then in the leaf.
        var forker = busy.Add("while :; do /bin/true; done");

        CgroupManagerFactory.Create(busy.LayoutInside(), "c1").Create(HugetlbLimit);

        Assert.Empty(BusyUnifiedCgroup.Procs(busy.Dir));
        Assert.Contains(forker, BusyUnifiedCgroup.Procs(busy.Leaf));
        Assert.Contains("hugetlb", BusyUnifiedCgroup.Read(busy.Dir, "cgroup.subtree_control").Split(' '));
    }

    [Fact]
    public void Update_LimitNeedsControllerLater_MovesThenWrites()
    {
        // A limit set after create (the runtime writes the pids limit once the init runs) enables what it needs then.
        var member = busy.Add("exec sleep 60");
        var manager = CgroupManagerFactory.Create(busy.LayoutInside(), "c1");
        manager.Create(new CgroupResources());
        Assert.Equal([member], BusyUnifiedCgroup.Procs(busy.Dir));

        manager.Update(HugetlbLimit);

        Assert.Equal([member], BusyUnifiedCgroup.Procs(busy.Leaf));
        Assert.Equal("4194304", BusyUnifiedCgroup.Read(Path.Join(busy.Dir, "c1"), "hugetlb.2MB.max"));
    }

    [Fact]
    public void Create_CgroupParentGiven_NeverMovesAndRefusesByName()
    {
        var member = busy.Add("exec sleep 60");
        var manager = CgroupManagerFactory.Create(busy.LayoutInside(), "c1", parent: busy.Path);

        var e = Assert.Throws<CgroupException>(() => manager.Create(HugetlbLimit));

        Assert.Contains("the hugetlb controller could not be enabled below " + busy.Dir, e.Message);
        Assert.Contains("EBUSY", e.Message);
        Assert.Equal([member], BusyUnifiedCgroup.Procs(busy.Dir));
        Assert.False(Directory.Exists(busy.Leaf));
        Assert.False(manager.Exists());
    }

    [Fact]
    public void Create_NoLimitNeedsController_NothingMoved()
    {
        var member = busy.Add("exec sleep 60");

        CgroupManagerFactory.Create(busy.LayoutInside(), "c1").Create(new CgroupResources());

        Assert.Equal([member], BusyUnifiedCgroup.Procs(busy.Dir));
        Assert.False(Directory.Exists(busy.Leaf));
    }

    [Fact]
    public void Create_OwnCgroupIsRoot_NeverMoves()
    {
        var root = TestCgroup.UnifiedOnlyLayout("/");
        var manager = CgroupManagerFactory.Create(root, $"berth-test-{Guid.NewGuid():N}");
        try
        {
            manager.Create(HugetlbLimit);

            Assert.True(SupervisorCgroup.IsHierarchyRoot(root.Unified!.MountPoint));
            Assert.False(SupervisorCgroup.IsHierarchyRoot(busy.Dir));
            Assert.False(Directory.Exists(Path.Join(root.Unified.MountPoint, SupervisorCgroup.Name)));
        }
        finally
        {
            manager.Destroy();
        }
    }

    [Fact]
    public void MoveProcess_KernelRefuses_ErrorNamesPidAndFiles()
    {
        // A cgroup that hands a controller to a child takes no process (EBUSY): a destination the move cannot use.
        var member = busy.Add("exec sleep 60");
        using var other = new TestCgroup(TestCgroup.UnifiedOnlyLayout());
        other.Manager.Create(HugetlbLimit);
        var refusing = other.Dir(CgroupHierarchy.UnifiedKey);
        Directory.CreateDirectory(Path.Join(refusing, "child"));
        File.WriteAllText(Path.Join(refusing, "cgroup.subtree_control"), "+hugetlb");

        var e = Assert.Throws<CgroupException>(() => SupervisorCgroup.MoveProcess(member, busy.Dir, refusing));

        Assert.Contains($"cannot move process {member} out of {busy.Dir}/cgroup.procs", e.Message);
        Assert.Contains($"write \"{member}\" to {refusing}/cgroup.procs: EBUSY", e.Message);
        Assert.Contains("BERTH_CGROUP_PARENT", e.Message);
    }

    [Fact]
    public void Create_PathNamedLikeLeaf_Refused()
    {
        var e = Assert.Throws<CgroupException>(() => CgroupManagerFactory.Create(busy.LayoutInside(), SupervisorCgroup.Name + "/x"));

        Assert.Contains("berth.supervisor is where berth keeps its own processes", e.Message);
    }

    [Theory]
    [InlineData("/user.slice/session-1.scope", "/user.slice/session-1.scope")]
    [InlineData("/user.slice/session-1.scope/berth.supervisor", "/user.slice/session-1.scope")]
    [InlineData("/berth.supervisor", "/")]
    [InlineData("/a/berth.supervisorx", "/a/berth.supervisorx")]
    public void BaseOf_CallerPath_IsParentOfLeafOnly(string own, string expected)
    {
        Assert.Equal(expected, SupervisorCgroup.BaseOf(own));
    }
}
