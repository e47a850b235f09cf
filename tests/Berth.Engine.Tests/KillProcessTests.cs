using Berth.Linux;
using Berth.Testing;

namespace Berth.Engine.Tests;

public sealed class KillProcessTests : IDisposable
{
    private readonly EngineHarness _h = new();

    public void Dispose() => _h.Dispose();

    [RequiresRootFact]
    public void KillProcess_ChildSleep_EndsItAloneAndIsRecorded()
    {
        var id = _h.Ok("run", "-d", "--name", "pair", "busybox", "sh", "-c", "sleep 1000 & sleep 1001 & wait").Stdout.Trim();
        // By command, not count: a forked child shows the shell's command line until it has exec'd its sleep.
        EngineHarness.WaitUntil(() => _h.Processes("pair").Select(p => p.Command).Order().SequenceEqual(["sh -c sleep 1000 & sleep 1001 & wait", "sleep 1000", "sleep 1001"]),
            "the shell and both sleeps");
        var target = _h.Processes("pair").Single(p => p.Command == "sleep 1000");

        _h.Engine.KillProcess("pair", target.Pid, Signals.SIGKILL);

        EngineHarness.WaitUntil(() => _h.Processes("pair").All(p => p.Pid != target.Pid), "the killed sleep to go");
        Assert.Equal(["sh -c sleep 1000 & sleep 1001 & wait", "sleep 1001"], _h.Processes("pair").Select(p => p.Command));
        var recorded = Assert.Single(_h.Engine.Events.Read(), e => e.Action == "kill-process");
        Assert.Equal((id, "pair", target.Pid, Signals.SIGKILL), (recorded.Subject, recorded.Name, recorded.Pid, recorded.Signal));
    }

    [RequiresRootFact]
    public void KillProcess_HostPids_AreRefusedAndNotSignalled()
    {
        _h.Ok("run", "-d", "--name", "sandbox", "busybox", "sleep", "1000");

        var own = Assert.Throws<EngineException>(() => _h.Engine.KillProcess("sandbox", Environment.ProcessId, Signals.SIGKILL));
        var init = Assert.Throws<EngineException>(() => _h.Engine.KillProcess("sandbox", 1, Signals.SIGKILL));
        var none = Assert.Throws<EngineException>(() => _h.Engine.KillProcess("sandbox", 0, Signals.SIGKILL));
        var signal = Assert.Throws<EngineException>(() => _h.Engine.KillProcess("sandbox", _h.Processes("sandbox")[0].Pid, 65));

        Assert.Equal($"process {Environment.ProcessId} is not in container sandbox", own.Message);
        Assert.Equal("process 1 is not in container sandbox", init.Message);
        Assert.Contains("not in container", none.Message);
        Assert.Contains("not a signal number", signal.Message);
        Assert.Single(_h.Processes("sandbox"));
        Assert.DoesNotContain(_h.Engine.Events.Read(), e => e.Action == "kill-process");
    }

    [RequiresRootFact]
    public void KillProcess_PidOfAnotherContainer_IsRefused()
    {
        _h.Ok("run", "-d", "--name", "mine", "busybox", "sleep", "1000");
        _h.Ok("run", "-d", "--name", "theirs", "busybox", "sleep", "1000");
        var theirs = Assert.Single(_h.Processes("theirs"));

        var e = Assert.Throws<EngineException>(() => _h.Engine.KillProcess("mine", theirs.Pid, Signals.SIGKILL));

        Assert.Equal($"process {theirs.Pid} is not in container mine", e.Message);
        Assert.Equal(theirs.Pid, Assert.Single(_h.Processes("theirs")).Pid);
        Assert.Equal("running", _h.Status("theirs"));
    }
}
