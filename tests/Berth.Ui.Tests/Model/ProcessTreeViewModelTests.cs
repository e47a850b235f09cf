using Berth.Ui.Model;
using Berth.Ui.Tests.Fakes;

namespace Berth.Ui.Tests.Model;

public sealed class ProcessTreeViewModelTests
{
    // init(100) ─┬─ sh(101) ── sleep(103)
    //            └─ defunct(102, zombie)
    private static Berth.ControlPlane.Live.ProcessTreeSample Sample()
        => Samples.Tree(Samples.Process(100, 1, "/sbin/init", 'S',
            Samples.Process(101, 2, "sh", 'S', Samples.Process(103, 4, "sleep 600", 'S')),
            Samples.Process(102, 3, "[defunct]", 'Z')));

    private static (int Pid, int Depth)[] Shape(ProcessTreeViewModel vm) => vm.Rows.Select(r => (r.Node.Pid, r.Depth)).ToArray();

    [Fact]
    public void Rows_NoSample_Empty()
    {
        var vm = new ProcessTreeViewModel();

        Assert.Empty(vm.Rows);
        Assert.Equal(0, vm.Count);
    }

    [Fact]
    public void Rows_Tree_DepthFirstWithDepths()
    {
        var vm = new ProcessTreeViewModel();
        vm.Apply(Sample());

        Assert.Equal([(100, 0), (101, 1), (103, 2), (102, 1)], Shape(vm));
        Assert.Equal([true, true, false, false], vm.Rows.Select(r => r.HasChildren));
        Assert.Equal(4, vm.Count);
    }

    [Fact]
    public void Zombies_OneDefunct_CountsIt()
    {
        var vm = new ProcessTreeViewModel();
        vm.Apply(Sample());

        Assert.Equal(1, vm.Zombies);
        Assert.Equal([102], vm.Rows.Where(r => r.IsZombie).Select(r => r.Node.Pid));
    }

    [Fact]
    public void Toggle_Parent_HidesItsDescendantsThenShowsThem()
    {
        var vm = new ProcessTreeViewModel();
        vm.Apply(Sample());

        vm.Toggle(101);
        Assert.Equal([(100, 0), (101, 1), (102, 1)], Shape(vm));
        Assert.False(vm.Rows.Single(r => r.Node.Pid == 101).Expanded);

        vm.Toggle(101);
        Assert.Equal([(100, 0), (101, 1), (103, 2), (102, 1)], Shape(vm));
    }

    [Fact]
    public void Apply_CollapsedStaysAcrossSamples()
    {
        var vm = new ProcessTreeViewModel();
        vm.Apply(Sample());
        vm.Toggle(100);

        vm.Apply(Sample());

        Assert.Equal([(100, 0)], Shape(vm));
    }

    [Fact]
    public void Apply_CollapsedPidGone_ForgottenWhenReused()
    {
        var vm = new ProcessTreeViewModel();
        vm.Apply(Sample());
        vm.Toggle(101);

        // 101 exits; a later process reuses the pid and must show expanded.
        vm.Apply(Samples.Tree(Samples.Process(100, 1, "/sbin/init")));
        vm.Apply(Samples.Tree(Samples.Process(100, 1, "/sbin/init", 'S', Samples.Process(101, 5, "new", 'S', Samples.Process(110, 6, "child")))));

        Assert.Equal([(100, 0), (101, 1), (110, 2)], Shape(vm));
    }

    [Fact]
    public void Rows_CpuBySample_PerHostPid()
    {
        var vm = new ProcessTreeViewModel();
        vm.Apply(Sample() with { CpuPercent = new Dictionary<int, double> { [103] = 55 } });

        Assert.Equal(55, vm.Rows.Single(r => r.Node.Pid == 103).CpuPercent);
        Assert.Equal(0, vm.Rows.Single(r => r.Node.Pid == 100).CpuPercent);
    }
}
