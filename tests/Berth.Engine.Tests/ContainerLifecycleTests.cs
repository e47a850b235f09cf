using Berth.Testing;

namespace Berth.Engine.Tests;

public sealed class ContainerLifecycleTests : IDisposable
{
    private readonly EngineHarness _h = new();

    public void Dispose() => _h.Dispose();

    [RequiresRootFact]
    public void Run_WithRm_PrintsOutputExitsWithItsCodeAndLeavesNothing()
    {
        var result = _h.Run("run", "--rm", "busybox", "sh", "-c", "echo out; echo err >&2; exit 3");

        Assert.Equal(3, result.ExitCode);
        Assert.Equal("out\n", result.Stdout);
        Assert.Equal("err\n", result.Stderr);
        Assert.Empty(_h.ContainerDirs());
        Assert.Empty(_h.Mounts());
        Assert.Equal("", _h.Ok("ps", "-aq").Stdout);
        Assert.Empty(Directory.GetDirectories(_h.Cli.Root));
    }

    [RequiresRootFact]
    public void Run_ImageDefaultCommand_RunsItWithStdinClosed()
    {
        var result = _h.Run("run", "--rm", "busybox");

        Assert.Equal(0, result.ExitCode);
    }

    [RequiresRootFact]
    public void Run_Interactive_PassesStdinThrough()
    {
        var result = _h.RunWithStdin("line one\nline two\n", "run", "--rm", "-i", "busybox", "sh", "-c", "cat; echo done");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("line one\nline two\ndone\n", result.Stdout);
    }

    [RequiresRootFact]
    public void Run_Detached_PsLogsStopRmBehaveAsDocker()
    {
        // A shell as PID 1 has no default action for SIGTERM: it traps it to exit as a program would.
        var id = _h.Ok("run", "-d", "--name", "ticker", "busybox", "sh", "-c", "trap 'exit 143' TERM; echo started; while :; do sleep 0.1; done").Stdout.Trim();

        Assert.Matches("^[0-9a-f]{64}$", id);
        EngineHarness.WaitUntil(() => _h.Run("logs", "ticker").Stdout == "started\n", "the container's first line in its log");
        var ps = _h.Ok("ps").Stdout;
        Assert.Contains(id[..12], ps);
        Assert.Contains("Up ", ps);
        Assert.Contains("ticker", ps);
        Assert.Equal("running", _h.Status(id[..8]));

        Assert.Equal("ticker\n", _h.Ok("stop", "-t", "1", "ticker").Stdout);
        Assert.Equal("exited", _h.Status("ticker"));
        Assert.Equal(143, (int)_h.Inspect("ticker")["state"]!["exitCode"]!);
        Assert.Equal("", _h.Ok("ps", "-q").Stdout);
        Assert.Contains("Exited (143)", _h.Ok("ps", "-a").Stdout);
        Assert.Empty(_h.Mounts());

        _h.Ok("rm", "ticker");
        Assert.Empty(_h.ContainerDirs());
    }

    [RequiresRootFact]
    public void Stop_ProcessIgnoringSignal_IsKilledAfterTimeout()
    {
        // sh as PID 1 has no handler for SIGTERM: the kernel drops it, so only SIGKILL ends it.
        _h.Ok("run", "-d", "--name", "stubborn", "busybox", "sh", "-c", "while true; do sleep 1; done");

        _h.Ok("stop", "-t", "1", "stubborn");

        Assert.Equal(137, (int)_h.Inspect("stubborn")["state"]!["exitCode"]!);
    }

    [RequiresRootFact]
    public void Start_ExitedContainer_RunsAgainKeepingItsFiles()
    {
        _h.Ok("run", "--name", "again", "busybox", "sh", "-c", "echo x >> /counter; wc -l < /counter");

        _h.Ok("start", "again");
        EngineHarness.WaitUntil(() => _h.Status("again") == "exited", "the second run to end");

        Assert.Equal("1\n2\n", _h.Ok("logs", "again").Stdout.Replace(" ", "", StringComparison.Ordinal));
    }

    [RequiresRootFact]
    public void Kill_SendsSignalAndRecordsIt()
    {
        _h.Ok("run", "-d", "--name", "victim", "busybox", "sh", "-c", "trap 'exit 130' INT; while :; do sleep 0.1; done");

        _h.Ok("kill", "-s", "INT", "victim");
        EngineHarness.WaitUntil(() => _h.Status("victim") == "exited", "the container to exit");

        Assert.Equal(130, (int)_h.Inspect("victim")["state"]!["exitCode"]!);
        var events = _h.Ok("system", "events", "--no-follow").Stdout;
        Assert.Contains("container kill", events);
        Assert.Contains("exitCode=130", events);
    }

    [RequiresRootFact]
    public void Rm_RunningContainer_NeedsForce()
    {
        _h.Ok("run", "-d", "--name", "busy", "busybox", "sleep", "1000");

        var refused = _h.Run("rm", "busy");
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("it is running", refused.Stderr);
        Assert.Equal("running", _h.Status("busy"));

        _h.Ok("rm", "-f", "busy");
        Assert.Empty(_h.ContainerDirs());
        Assert.Empty(_h.Mounts());
        Assert.Empty(Directory.GetDirectories(_h.Cli.Root));
    }

    [RequiresRootFact]
    public void StopKillRm_UnderAnotherRuntimeRoot_AreRefusedAtOnceNamingTheRoot()
    {
        _h.Ok("run", "-d", "--name", "busy", "busybox", "sleep", "1000");
        var elsewhere = new BerthCli(_h.Cli.BinaryPath);

        string[][] verbs = [["rm", "-f", "busy"], ["stop", "busy"], ["kill", "busy"], ["exec", "busy", "true"]];
        foreach (var verb in verbs)
        {
            var refused = elsewhere.Run(["--data-root", _h.DataRoot, .. verb]);
            Assert.Equal(1, refused.ExitCode);
            Assert.Contains($"runs under the runtime root {_h.Cli.Root}", refused.Stderr);
            Assert.Equal("running", _h.Status("busy"));
        }

        _h.Ok("rm", "-f", "busy");
        Assert.Empty(_h.ContainerDirs());
    }

    [RequiresRootFact]
    public void Run_Detached_RootfsIsMountedInTheShimsNamespaceNotTheHosts()
    {
        _h.Ok("run", "-d", "--name", "apart", "busybox", "sh", "-c", "echo inside > /made-here; sleep 1000");
        var state = _h.Inspect("apart")["state"]!;
        var shim = (int)state["shimPid"]!;
        var init = (int)state["pid"]!;
        EngineHarness.WaitUntil(() => File.Exists($"/proc/{init}/root/made-here"), "the container's file, seen through its init's root");

        var shimMounts = File.ReadAllLines($"/proc/{shim}/mountinfo");
        Assert.Empty(_h.Mounts());
        Assert.Contains(shimMounts, l => l.Split(' ')[4].StartsWith(_h.DataRoot, StringComparison.Ordinal) && l.Contains(" - overlay ", StringComparison.Ordinal));
        Assert.Equal("inside\n", File.ReadAllText($"/proc/{init}/root/made-here"));

        _h.Ok("rm", "-f", "apart");
        Assert.Empty(_h.ContainerDirs());
    }

    [RequiresRootFact]
    public void Exec_RunsInTheContainerWithItsEnvironment()
    {
        _h.Ok("run", "-d", "--name", "host", "-e", "GREETING=hello", "busybox", "sleep", "1000");

        var ps = _h.Ok("exec", "host", "sh", "-c", "echo $GREETING $EXTRA; ps -o pid,args");
        var asUser = _h.Ok("exec", "-u", "app", "-e", "EXTRA=x", "host", "sh", "-c", "id -u; echo $EXTRA");
        var stdin = _h.RunWithStdin("piped\n", "exec", "-i", "host", "cat");
        var code = _h.Run("exec", "host", "sh", "-c", "exit 7");

        Assert.StartsWith("hello\n", ps.Stdout);
        Assert.Contains("sleep 1000", ps.Stdout);
        Assert.Equal("1000\nx\n", asUser.Stdout);
        Assert.Equal("piped\n", stdin.Stdout);
        Assert.Equal(7, code.ExitCode);
    }

    [RequiresRootFact]
    public void Run_DetachedWithTty_TheContainerHasATerminalAndItsOutputIsLogged()
    {
        _h.Ok("run", "-d", "-t", "--name", "teletype", "busybox", "sh", "-c", "tty; echo $TERM; sleep 1000");

        EngineHarness.WaitUntil(() => _h.Run("logs", "teletype").Stdout.Contains("xterm", StringComparison.Ordinal), "the container's lines in its log");

        Assert.Equal("/dev/pts/0\r\nxterm\r\n", _h.Ok("logs", "teletype").Stdout);
    }

    [RequiresRootFact]
    public void Exec_StoppedContainer_IsRefused()
    {
        _h.Ok("run", "--name", "done", "busybox", "true");

        var result = _h.Run("exec", "done", "true");

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("not running", result.Stderr);
    }

    [RequiresRootFact]
    public void Top_ShowsTheProcessTree()
    {
        _h.Ok("run", "-d", "--name", "tree", "busybox", "sh", "-c", "sleep 1000 & wait");
        EngineHarness.WaitUntil(() => _h.Ok("top", "tree").Stdout.Contains("sleep 1000", StringComparison.Ordinal), "sleep to show in top");

        var lines = _h.Ok("top", "tree").Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);

        Assert.StartsWith("PID", lines[0]);
        Assert.EndsWith("sh -c sleep 1000 & wait", lines[1]);
        Assert.EndsWith("\\_ sleep 1000", lines[2]);
    }

    [RequiresRootFact]
    public void Stats_NoStream_ShowsMemoryAndPids()
    {
        _h.Ok("run", "-d", "--name", "measured", "--memory", "64m", "busybox", "sleep", "1000");

        var lines = _h.Ok("stats", "--no-stream", "measured").Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);

        Assert.Equal(2, lines.Length);
        Assert.Contains("/ 64MiB", lines[1]);
        Assert.EndsWith(" 1", lines[1].TrimEnd());
    }

    [RequiresRootFact]
    public void Names_AreUniqueAndIdPrefixesWork()
    {
        var id = _h.Ok("run", "--name", "one", "busybox", "true").Stdout;
        _ = id;
        var taken = _h.Run("run", "--name", "one", "busybox", "true");
        var invalid = _h.Run("run", "--name", "no/slashes", "busybox", "true");
        var fullId = (string)_h.Inspect("one")["id"]!;

        Assert.Equal(125, taken.ExitCode);
        Assert.Contains("already in use", taken.Stderr);
        Assert.Equal(125, invalid.ExitCode);
        Assert.Contains("invalid container name", invalid.Stderr);
        Assert.Equal("one", (string)_h.Inspect(fullId[..5])["name"]!);
        Assert.Single(_h.ContainerDirs());
    }

    [RequiresRootFact]
    public void Run_MissingCommandUserOrImage_FailsWithDockersCodesAndLeavesNothing()
    {
        var noCommand = _h.Run("run", "--rm", "busybox", "no-such-program");
        var noUser = _h.Run("run", "--rm", "-u", "nobody-here", "busybox", "true");
        var noImage = _h.Run("run", "--rm", "--pull", "never", "no-such-image");

        Assert.Equal(127, noCommand.ExitCode);
        Assert.Contains("no-such-program", noCommand.Stderr);
        Assert.Equal(125, noUser.ExitCode);
        Assert.Contains("unable to find user nobody-here", noUser.Stderr);
        Assert.Equal(125, noImage.ExitCode);
        Assert.Contains("no such image: no-such-image", noImage.Stderr);
        Assert.Empty(_h.ContainerDirs());
        Assert.Empty(_h.Mounts());
    }

    [RequiresRootTheory]
    [InlineData("--memory", "1k", "minimum memory limit")]
    [InlineData("--cpus", "0", "--cpus")]
    [InlineData("--restart", "sometimes", "invalid restart policy")]
    [InlineData("-v", "relative:/data", "host path must be absolute")]
    [InlineData("-v", "/tmp:/", "other than /")]
    [InlineData("--network", "bridge", "network bridge not found")]
    [InlineData("--network", "no/such", "give none, host or a network's name")]
    [InlineData("-w", "relative", "absolute path")]
    [InlineData("--stop-signal", "SIGNOPE", "--stop-signal")]
    [InlineData("--security-opt", "apparmor=unconfined", "only seccomp=PATH or seccomp=unconfined")]
    [InlineData("--security-opt", "seccomp=/no/such/profile.json", "seccomp=/no/such/profile.json")]
    public void Run_BadOption_IsRefusedBeforeAnythingIsMade(string flag, string value, string message)
    {
        var result = _h.Run("run", "--rm", flag, value, "busybox", "true");

        Assert.Equal(125, result.ExitCode);
        Assert.Contains(message, result.Stderr);
        Assert.Empty(_h.ContainerDirs());
    }

    [RequiresRootFact]
    public void Run_RmWithRestart_IsAUsageError()
    {
        var result = _h.Run("run", "--rm", "--restart", "always", "busybox", "true");

        Assert.Equal(125, result.ExitCode);
        Assert.Contains("--rm and --restart", result.Stderr);
        Assert.Empty(_h.ContainerDirs());
    }

    [RequiresRootFact]
    public void Restart_OnFailure_RestartsUpToItsLimit()
    {
        _h.Ok("run", "-d", "--name", "flaky", "--restart", "on-failure:2", "busybox", "sh", "-c", "echo attempt; exit 1");

        EngineHarness.WaitUntil(() =>
        {
            // One reading of the record: status and count from the same moment.
            var state = _h.Inspect("flaky")["state"]!;
            return (string)state["status"]! == "exited" && (int)state["restartCount"]! == 2 && (int?)state["shimPid"] is null or 0;
        }, "two restarts, then the end");

        Assert.Equal("attempt\nattempt\nattempt\n", _h.Ok("logs", "flaky").Stdout);
        Assert.Equal(1, (int)_h.Inspect("flaky")["state"]!["exitCode"]!);
    }

    [RequiresRootFact]
    public void Restart_Always_StopsWhenAUserStopsIt()
    {
        _h.Ok("run", "-d", "--name", "phoenix", "--restart", "always", "busybox", "sh", "-c", "sleep 0.2; exit 0");
        EngineHarness.WaitUntil(() => (int)_h.Inspect("phoenix")["state"]!["restartCount"]! >= 1, "a restart");

        _h.Ok("stop", "-t", "1", "phoenix");
        Thread.Sleep(500);

        Assert.Equal("exited", _h.Status("phoenix"));
        Assert.DoesNotContain("phoenix", _h.Ok("ps").Stdout);
    }

    [RequiresRootFact]
    public void Events_RecordTheLifecycleInOrderWithTheExitCode()
    {
        var id = _h.Ok("run", "-d", "--name", "evented", "busybox", "sh", "-c", "exit 4").Stdout.Trim();
        EngineHarness.WaitUntil(() => _h.Status("evented") == "exited", "the exit");
        _h.Ok("rm", "evented");

        var events = _h.Engine.Events.Read().Where(e => e.Subject == id).ToList();

        Assert.Equal(["create", "start", "die", "destroy"], events.Select(e => e.Action));
        Assert.Equal(4, events[2].ExitCode);
        Assert.True(events.Zip(events.Skip(1)).All(p => p.First.Sequence < p.Second.Sequence));
        Assert.Contains(_h.Engine.Events.Read(), e => e.Type == "image" && e.Action == "load" && e.Subject == "docker.io/library/busybox:latest");
    }

    [RequiresRootFact]
    public void ShimKilled_ContainerShowsDeadAndRmCleansUp()
    {
        _h.Ok("run", "-d", "--name", "orphan", "busybox", "sleep", "1000");
        var shim = (int)_h.Inspect("orphan")["state"]!["shimPid"]!;

        Berth.Linux.Signals.Kill(shim, Berth.Linux.Signals.SIGKILL);
        EngineHarness.WaitUntil(() => _h.Status("orphan") == "dead", "the container to show dead");

        _h.Ok("rm", "-f", "orphan");
        Assert.Empty(_h.ContainerDirs());
        Assert.Empty(_h.Mounts());
    }

    [RequiresRootFact]
    public void Run_OverMemoryLimit_IsOomKilledAndRecorded()
    {
        // The shell's variable grows past the limit: the kernel's OOM killer ends the container.
        var result = _h.Run("run", "--name", "hog", "--memory", "16m", "busybox", "sh", "-c", "x=$(head -c 64000000 /dev/zero | tr '\\0' a); echo survived");

        Assert.Equal(137, result.ExitCode);
        Assert.True((bool)_h.Inspect("hog")["state"]!["oomKilled"]!);
        Assert.Contains(_h.Engine.Events.Read(), e => e.Action == "oom" && e.Name == "hog");
    }

    [RequiresRootFact]
    public void Healthcheck_GoesUnhealthyThenHealthyAndShowsInPs()
    {
        _h.Ok("run", "-d", "--name", "probed", "--health-cmd", "test -f /tmp/ok && echo fine", "--health-interval", "200ms", "--health-retries", "2",
            "busybox", "sleep", "1000");
        Assert.Equal("starting", (string)_h.Inspect("probed")["state"]!["health"]!["status"]!);

        EngineHarness.WaitUntil(() => (string)_h.Inspect("probed")["state"]!["health"]!["status"]! == "unhealthy", "two failed probes");
        Assert.Contains("(unhealthy)", _h.Ok("ps").Stdout);
        _h.Ok("exec", "probed", "touch", "/tmp/ok");
        EngineHarness.WaitUntil(() => (string)_h.Inspect("probed")["state"]!["health"]!["status"]! == "healthy", "a good probe");

        var health = _h.Inspect("probed")["state"]!["health"]!;
        Assert.Equal(0, (int)health["failingStreak"]!);
        Assert.Equal("fine\n", (string)health["log"]!.AsArray()[^1]!["output"]!);
        Assert.Contains("(healthy)", _h.Ok("ps").Stdout);
        var actions = _h.Engine.Events.Read().Where(e => e.Name == "probed").Select(e => e.Action).ToList();
        Assert.Contains("health_status: unhealthy", actions);
        Assert.Contains("health_status: healthy", actions);
    }

    [RequiresRootFact]
    public void Healthcheck_ProbePastItsTimeout_CountsAsAFailure()
    {
        _h.Ok("run", "-d", "--name", "slow", "--health-cmd", "sleep 10", "--health-interval", "200ms", "--health-timeout", "300ms", "--health-retries", "1",
            "busybox", "sleep", "1000");

        EngineHarness.WaitUntil(() => (string)_h.Inspect("slow")["state"]!["health"]!["status"]! == "unhealthy", "the probe to time out");

        var last = _h.Inspect("slow")["state"]!["health"]!["log"]!.AsArray()[^1]!;
        Assert.Equal(-1, (int)last["exitCode"]!);
        Assert.Contains("exceeded its timeout", (string)last["output"]!);
    }

    [RequiresRootFact]
    public void Run_InteractiveWithMegabytesOfStdin_PassesItAllThrough()
    {
        // More than a pipe and a socket hold at once in each direction: the shim must not stall between them.
        var input = string.Concat(Enumerable.Range(0, 40_000).Select(i => $"line {i:00000} of the input\n"));

        var result = _h.RunWithStdin(input, "run", "--rm", "-i", "busybox", "cat");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(input.Length, result.Stdout.Length);
        Assert.Equal(input, result.Stdout);
    }

    [RequiresRootFact]
    public void Start_RunningContainer_IsRefused()
    {
        _h.Ok("run", "-d", "--name", "once", "busybox", "sleep", "1000");

        var again = _h.Run("start", "once");

        Assert.Equal(1, again.ExitCode);
        Assert.Contains("already running", again.Stderr);
        Assert.Equal("running", _h.Status("once"));
    }

    [RequiresRootFact]
    public void Run_NetworkNone_HasOnlyLoopbackAndItIsUp()
    {
        var result = _h.Ok("run", "--rm", "busybox", "sh", "-c",
            "ls /sys/class/net; echo served > /tmp/index.html; httpd -h /tmp -p 127.0.0.1:8080; sleep 0.2; wget -qO- http://127.0.0.1:8080/index.html");

        Assert.Equal("lo\nserved\n", result.Stdout);
    }

    [RequiresRootFact]
    public void Run_BareEnvName_TakesTheUsersValueButTheEngineNeverFillsOne()
    {
        var name = "BERTH_TEST_" + Guid.NewGuid().ToString("N")[..8].ToUpperInvariant();
        Environment.SetEnvironmentVariable(name, "from the user");
        try
        {
            var result = _h.Ok("run", "--rm", "-e", name, "-e", name + "_UNSET", "busybox", "sh", "-c", $"echo \"${name}\"; env | grep -c {name}_UNSET; true");

            Assert.Equal("from the user\n0\n", result.Stdout);
        }
        finally
        {
            Environment.SetEnvironmentVariable(name, null);
        }
        var e = Assert.Throws<EngineException>(() => _h.Engine.CreateAsync(new RunOptions { Image = "busybox", Env = ["PATH"] }).GetAwaiter().GetResult());
        Assert.Contains("has no value", e.Message);
        Assert.Empty(_h.ContainerDirs());
    }

    [RequiresRootFact]
    public void Create_NetworkAliasesWithoutABridgeNetworkOrMalformed_RefusedAndMakesNothing()
    {
        var none = Assert.Throws<EngineException>(() => _h.Engine.CreateAsync(new RunOptions { Image = "busybox", NetworkAliases = ["web"] }).GetAwaiter().GetResult());
        var bad = Assert.Throws<EngineException>(() => _h.Engine.CreateAsync(new RunOptions { Image = "busybox", Network = "backend", NetworkAliases = ["-web"] }).GetAwaiter().GetResult());

        Assert.Contains("network aliases need a bridge network", none.Message, StringComparison.Ordinal);
        Assert.Contains("invalid network alias \"-web\"", bad.Message, StringComparison.Ordinal);
        Assert.Empty(_h.ContainerDirs());
    }
}
