using System.Diagnostics;
using Berth.Testing;

namespace Berth.Engine.Tests;

public sealed class ProcessTreeTests : IDisposable
{
    private readonly EngineHarness _h = new();

    public void Dispose() => _h.Dispose();

    [RequiresRootFact]
    public void Top_ShellWithTwoSleeps_ShowsPidsInsideAndParentLinks()
    {
        _h.Ok("run", "-d", "--name", "tree", "busybox", "sh", "-c", "sleep 1000 & sleep 1000 & wait");
        EngineHarness.WaitUntil(() => _h.Processes("tree").Count(p => p.Command == "sleep 1000") == 2, "both sleeps to show in top");

        var tree = _h.Engine.Top("tree");
        // What the container itself sees: busybox ps inside prints the pids of its own pid namespace.
        var inside = _h.Ok("exec", "tree", "ps", "-o", "pid,args").Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Where(l => l.TrimEnd().EndsWith("sleep 1000", StringComparison.Ordinal)).Select(l => int.Parse(l.Trim().Split(' ')[0])).Order().ToList();

        var shell = Assert.Single(tree.Roots);
        Assert.Equal("sh -c sleep 1000 & sleep 1000 & wait", shell.Command);
        Assert.Equal(1, shell.PidInContainer);
        Assert.Equal(0, shell.ParentPidInContainer);
        Assert.NotEqual(1, shell.Pid);
        Assert.Equal(2, shell.Children.Count);
        Assert.Equal(inside, shell.Children.Select(c => c.PidInContainer).Order().ToList());
        Assert.All(shell.Children, c =>
        {
            Assert.Equal("sleep 1000", c.Command);
            Assert.Equal(shell.Pid, c.ParentPid);
            Assert.Equal(1, c.ParentPidInContainer);
            Assert.NotEqual(c.Pid, c.PidInContainer);
            Assert.Equal('S', c.State);
            Assert.Equal("sleeping", c.StateName);
            Assert.Equal(1, c.Threads);
            Assert.True(c.RssBytes > 0);
            Assert.Equal(Berth.Linux.Processes.StartTime(c.Pid), c.StartTime);
        });
        Assert.All([shell, .. shell.Children], p =>
        {
            Assert.Equal(0u, p.Uid);
            Assert.Equal("root", p.User);
        });
    }

    [RequiresRootFact]
    public void Top_UserNames_ComeFromTheContainersOwnPasswd()
    {
        _h.Ok("run", "-d", "--name", "user", "-u", "app", "busybox", "sleep", "1000");

        var node = Assert.Single(_h.Processes("user"));

        Assert.Equal(1000u, node.Uid);
        Assert.Equal("app", node.User);
    }

    [RequiresRootFact]
    public void Top_PasswdSymlinkedOutOfTheRoot_IsNotFollowedAndTheUidShows()
    {
        var dir = TestPaths.NewDirectory("hostpasswd");
        try
        {
            var hostFile = Path.Combine(dir, "passwd");
            File.WriteAllText(hostFile, "fromthehost:x:0:0::/:/bin/sh\n");
            _h.Ok("run", "-d", "--name", "linked", "busybox", "sh", "-c", $"ln -sf {hostFile} /etc/passwd && exec sleep 1000");
            EngineHarness.WaitUntil(() => _h.Processes("linked") is [{ Command: "sleep 1000" }], "the shell to link passwd and exec sleep");

            var node = Assert.Single(_h.Processes("linked"));

            Assert.Equal(0u, node.Uid);
            Assert.Equal("0", node.User);
        }
        finally
        {
            TestPaths.DeleteDirectory(dir);
        }
    }

    [RequiresRootFact]
    public void Top_ChildOfAParentThatNeverWaits_ShowsAsZombie()
    {
        // The inner shell starts a short sleep, then becomes (exec) a long sleep, which never calls wait: the short
        // sleep's exit leaves it a zombie for as long as its parent lives.
        _h.Ok("run", "-d", "--name", "undead", "busybox", "sh", "-c", "sh -c 'sleep 0.1 & exec sleep 1000' & wait");
        EngineHarness.WaitUntil(() => _h.Processes("undead").Any(p => p.State == 'Z'), "a zombie in top");

        var all = _h.Processes("undead");
        var zombie = Assert.Single(all, p => p.State == 'Z');
        var parent = Assert.Single(all, p => p.Pid == zombie.ParentPid);

        Assert.Equal("zombie", zombie.StateName);
        Assert.Equal("[sleep]", zombie.Command);
        Assert.Equal('Z', Berth.Linux.Processes.State(zombie.Pid));
        Assert.Equal("sleep 1000", parent.Command);
        Assert.Equal(parent.PidInContainer, zombie.ParentPidInContainer);
        Assert.Equal(1, parent.ParentPidInContainer);
    }

    [RequiresRootFact]
    public void CpuPercent_TwoSamplesASecondApart_TellABusyLoopFromAnIdleProcess()
    {
        _h.Ok("run", "-d", "--name", "busy", "busybox", "sh", "-c", "while :; do :; done");
        _h.Ok("run", "-d", "--name", "idle", "busybox", "sleep", "1000");

        var (busyBefore, idleBefore) = (_h.Engine.Top("busy"), _h.Engine.Top("idle"));
        var clock = Stopwatch.StartNew();
        Thread.Sleep(1000);
        var (busyAfter, idleAfter) = (_h.Engine.Top("busy"), _h.Engine.Top("idle"));
        var elapsed = clock.Elapsed;

        var busy = ProcessTree.CpuPercent(busyBefore, busyAfter, elapsed);
        var idle = ProcessTree.CpuPercent(idleBefore, idleAfter, elapsed);
        Assert.True(busy[Assert.Single(busyAfter.Roots).Pid] > 20, $"busy loop: {busy.Single().Value:0.#} %");
        Assert.True(idle[Assert.Single(idleAfter.Roots).Pid] < 5, $"sleep: {idle.Single().Value:0.#} %");
    }

    [Fact]
    public void CpuPercent_PidReusedBetweenSamples_CountsTheNewProcessFromItsStart()
    {
        static ProcessTree Sample(params (int Pid, ulong Start, ulong Ticks)[] processes)
            => new(processes.Select(p => new ProcessTree.Node(p.Pid, p.Pid, 1, 0, 0, "root", 'R', p.Ticks, p.Start, 0, 1, "x", [])).ToList());

        var before = Sample((10, 500, 1000), (11, 600, 40));
        var after = Sample((10, 900, 30), (11, 600, 90));

        var percent = ProcessTree.CpuPercent(before, after, TimeSpan.FromSeconds(2));

        Assert.Equal(15, percent[10], 6);
        Assert.Equal(25, percent[11], 6);
    }

    [Fact]
    public void StateName_NamesEveryStateLetter()
    {
        Assert.Equal(["running", "sleeping", "disk sleep", "zombie", "stopped", "tracing stop", "idle", "dead", "unknown"],
            "RSDZTtIX?".Select(ProcessTree.StateName));
    }
}
