using System.Text.Json.Nodes;
using Berth.Testing;

namespace Berth.Cli.Tests;

public sealed class LifecycleTests : IDisposable
{
    private readonly CliHarness _h = new();
    private readonly string _id = UniqueId.New("c");

    public void Dispose() => _h.Dispose();

    [RequiresRootFact]
    public void CreateStartKill_SleepOutsidePidNamespace_WalksCreatedRunningStopped()
    {
        // Without a PID namespace sleep is not an init, so SIGTERM's default
        // action kills it (an init only gets signals it has a handler for).
        var bundle = _h.NewBundle("sleep", "30");
        var namespaces = bundle.Config["linux"]!["namespaces"]!.AsArray();
        namespaces.Remove(namespaces.First(n => (string?)n!["type"] == "pid"));
        bundle.Save();

        _h.Ok("create", "--bundle", bundle.Path, _id);
        var created = _h.State(_id);
        Assert.Equal("created", (string?)created["status"]);
        var pid = created["pid"]!.GetValue<int>();
        Assert.True(pid > 0, created.ToJsonString());
        Assert.True(HostProcess.IsAlive(pid), $"init pid {pid} of a created container is not alive");

        _h.Ok("start", _id);
        Assert.Equal("running", (string?)_h.State(_id)["status"]);

        _h.Ok("kill", _id);
        var stopped = _h.WaitForExit(_id);
        Assert.Equal(143, (int?)stopped["exitCode"]);
        Assert.Equal("SIGTERM", (string?)stopped["exitSignal"]);
        Assert.False((bool?)stopped["oomKilled"]);
    }

    [RequiresRootFact]
    public void Kill_TermToInitWithHandler_Stops143()
    {
        var bundle = _h.NewBundle("sh", "-c", "trap 'exit 143' TERM; while :; do sleep 0.05; done");
        _h.CreateAndStart(bundle, _id);
        CliHarness.WaitUntil(() => TrapInstalled(_h.InitPid(_id)), "the shell to install its TERM trap");

        _h.Ok("kill", _id, "TERM");

        var stopped = _h.WaitForExit(_id);
        Assert.Equal(143, (int?)stopped["exitCode"]);
    }

    [RequiresRootFact]
    public void Kill_Kill_Stops137WithSigkill()
    {
        var bundle = _h.NewBundle("sleep", "30");
        _h.CreateAndStart(bundle, _id);

        _h.Ok("kill", _id, "KILL");

        var stopped = _h.WaitForExit(_id);
        Assert.Equal(137, (int?)stopped["exitCode"]);
        Assert.Equal("SIGKILL", (string?)stopped["exitSignal"]);
    }

    [RequiresRootTheory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(7)]
    public void Run_Foreground_PassesExitCodeThrough(int code)
    {
        var bundle = _h.NewBundle("sh", "-c", $"exit {code}");

        var result = _h.Run("run", "--bundle", bundle.Path, _id);

        Assert.True(code == result.ExitCode, result.ToString());
    }

    [RequiresRootFact]
    public async Task Run_ForegroundKilled_Exits137()
    {
        var bundle = _h.NewBundle("sleep", "30");
        var run = _h.Cli.RunAsync(["run", "--bundle", bundle.Path, _id]);
        CliHarness.WaitUntil(
            () => _h.Run("state", _id) is { Succeeded: true } r && r.Stdout.Contains("\"running\"", StringComparison.Ordinal),
            "the foreground container to run");

        _h.Ok("kill", _id, "KILL");

        var result = await run;
        Assert.True(result.ExitCode == 137, result.ToString());
    }

    [RequiresRootFact]
    public void State_PolledRightAfterKill_StoppedAlwaysCarriesExitCode()
    {
        // The init dies, then the monitor reaps it and records the exit: a
        // state read in between must not say "stopped" without the exit code.
        var bundle = _h.NewBundle("sleep", "30");
        for (var round = 0; round < 5; round++)
        {
            var id = $"{_id}-{round}";
            _h.CreateAndStart(bundle, id);
            _h.Ok("kill", id, "KILL");

            var stopped = _h.WaitForStatus(id, "stopped");

            Assert.True((int?)stopped["exitCode"] == 137, $"round {round}: first stopped state: {stopped.ToJsonString()}");
            _h.Ok("delete", id);
        }
    }

    [RequiresRootFact]
    public void Delete_StoppedContainer_RemovesStateDirAndEveryCgroup()
    {
        var bundle = _h.NewBundle("sleep", "30");
        _h.CreateAndStart(bundle, _id);
        var memoryDir = HostCgroups.ContainerDir("memory", _id);
        Assert.True(Directory.Exists(memoryDir), $"{memoryDir} missing while the container runs");
        Assert.NotEmpty(HostCgroups.Leftovers(_id));
        Assert.True(Directory.Exists(_h.StateDir(_id)));
        _h.Ok("kill", _id, "KILL");
        _h.WaitForStatus(_id, "stopped");

        _h.Ok("delete", _id);

        Assert.False(Directory.Exists(_h.StateDir(_id)), $"{_h.StateDir(_id)} is still there");
        Assert.Empty(HostCgroups.Leftovers(_id));
        Assert.False(_h.Run("state", _id).Succeeded);
    }

    [RequiresRootFact]
    public void Delete_CreatedNeverStarted_NeedsForceAsTheSpecSays()
    {
        // runtime-spec "delete": deleting a container that is not stopped MUST fail and change nothing.
        // (runc kills a created one; Berth follows the spec, and --force covers the callers that rely on runc.)
        var bundle = _h.NewBundle("sleep", "30");
        _h.Ok("create", "--bundle", bundle.Path, _id);
        var pid = _h.InitPid(_id);

        var refused = _h.Run("delete", _id);
        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("created", refused.Stderr);
        Assert.True(HostProcess.IsAlive(pid));
        Assert.True(Directory.Exists(_h.StateDir(_id)));

        var result = _h.Run("delete", "--force", _id);

        Assert.True(result.Succeeded, result.ToString());
        CliHarness.WaitUntil(() => !HostProcess.IsAlive(pid), $"init {pid} of the deleted container to die", 5);
        Assert.False(Directory.Exists(_h.StateDir(_id)));
        Assert.Empty(HostCgroups.Leftovers(_id));
    }

    [RequiresRootFact]
    public void Delete_RunningWithoutForce_FailsAndChangesNothing()
    {
        var bundle = _h.NewBundle("sleep", "30");
        _h.CreateAndStart(bundle, _id);
        var pid = _h.InitPid(_id);
        var cgroupsBefore = HostCgroups.Leftovers(_id);

        var result = _h.Run("delete", _id);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains(_id, result.Stderr, StringComparison.Ordinal);
        Assert.Equal("running", (string?)_h.State(_id)["status"]);
        Assert.True(HostProcess.IsAlive(pid), "delete without --force killed the init");
        Assert.Equal(cgroupsBefore, HostCgroups.Leftovers(_id));
        Assert.True(Directory.Exists(_h.StateDir(_id)));
    }

    [RequiresRootFact]
    public void DeleteForce_Running_KillsAndRemovesEverything()
    {
        var bundle = _h.NewBundle("sleep", "30");
        _h.CreateAndStart(bundle, _id);
        var pid = _h.InitPid(_id);

        _h.Ok("delete", "--force", _id);

        Assert.False(HostProcess.IsAlive(pid), $"init {pid} survived delete --force");
        Assert.False(Directory.Exists(_h.StateDir(_id)));
        Assert.Empty(HostCgroups.Leftovers(_id));
    }

    [RequiresRootFact]
    public void PauseResume_Running_ShowsPausedAndFreezerState()
    {
        var bundle = _h.NewBundle("sleep", "30");
        _h.CreateAndStart(bundle, _id);
        var freezerState = Path.Join(HostCgroups.ContainerDir("freezer", _id), "freezer.state");

        _h.Ok("pause", _id);
        Assert.Equal("paused", (string?)_h.State(_id)["status"]);
        Assert.Equal("FROZEN", File.ReadAllText(freezerState).Trim());

        _h.Ok("resume", _id);
        Assert.Equal("running", (string?)_h.State(_id)["status"]);
        Assert.Equal("THAWED", File.ReadAllText(freezerState).Trim());
    }

    [RequiresRootFact]
    public void Exec_Running_JoinsPidAndUtsNamespaces()
    {
        var bundle = _h.NewBundle("sleep", "30");
        bundle.Config["hostname"] = "exec-host";
        bundle.Save();
        _h.CreateAndStart(bundle, _id);
        var initPidNs = new FileInfo($"/proc/{_h.InitPid(_id)}/ns/pid").LinkTarget;

        var result = _h.Ok("exec", _id, "sh", "-c", "echo $$; hostname; readlink /proc/self/ns/pid");

        var lines = result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(int.Parse(lines[0]) < 10, $"exec'ed shell has pid {lines[0]}: not in the container's PID namespace");
        Assert.Equal("exec-host", lines[1]);
        Assert.Equal(initPidNs, lines[2]);
    }

    [RequiresRootFact]
    public void ExecDetached_LongProcess_ReturnsWhileItRuns()
    {
        var bundle = _h.NewBundle("sleep", "30");
        _h.CreateAndStart(bundle, _id);
        var pidsDir = HostCgroups.ContainerDir("pids", _id);

        // runc's exec -d returns once the process has started (conmon relies on it).
        var result = _h.Cli.RunAsync(["exec", "-d", _id, "sleep", "60"], TimeSpan.FromSeconds(5)).GetAwaiter().GetResult();

        Assert.True(result.Succeeded, result.ToString());
        Assert.Equal(2, HostProcess.CgroupProcs(pidsDir).Count);
        Assert.Equal("running", (string?)_h.State(_id)["status"]);
    }

    [RequiresRootFact]
    public void Exec_ExitCode_PassesThrough()
    {
        var bundle = _h.NewBundle("sleep", "30");
        _h.CreateAndStart(bundle, _id);

        var result = _h.Run("exec", _id, "sh", "-c", "exit 9");

        Assert.True(result.ExitCode == 9, result.ToString());
    }

    [RequiresRootFact]
    public void PsJson_Running_ListsInitPid()
    {
        var bundle = _h.NewBundle("sleep", "30");
        _h.CreateAndStart(bundle, _id);

        var result = _h.Ok("ps", "--format", "json", _id);

        var pids = JsonNode.Parse(result.Stdout)!.AsArray().Select(p => p!.GetValue<int>()).ToList();
        Assert.Contains(_h.InitPid(_id), pids);
    }

    [RequiresRootFact]
    public void ListJson_Created_ListsContainer()
    {
        var bundle = _h.NewBundle("sleep", "30");
        _h.Ok("create", "--bundle", bundle.Path, _id);

        var result = _h.Ok("list", "--format", "json");

        var entry = JsonNode.Parse(result.Stdout)!.AsArray().Single(c => (string?)c!["id"] == _id)!;
        Assert.Equal("created", (string?)entry["status"]);
        Assert.Equal(bundle.Path, (string?)entry["bundle"]);
    }

    [RequiresRootFact]
    public void RunDetached_AfterReturn_MonitorKeepsContainerAndRecordsExit()
    {
        var bundle = _h.NewBundle("sleep", "30");

        _h.Ok("run", "-d", "--bundle", bundle.Path, _id);

        var pid = _h.InitPid(_id);
        Assert.Equal("running", (string?)_h.State(_id)["status"]);
        Assert.True(HostProcess.IsAlive(pid));
        _h.Ok("kill", _id, "KILL");
        var stopped = _h.WaitForExit(_id);
        Assert.Equal(137, (int?)stopped["exitCode"]);
    }

    [RequiresRootFact]
    public void RunDetached_Monitor_HasItsOwnSession()
    {
        var bundle = _h.NewBundle("sleep", "30");
        _h.Ok("run", "-d", "--bundle", bundle.Path, _id);

        var monitor = HostProcess.ParentPid(_h.InitPid(_id));

        Assert.NotEqual(Environment.ProcessId, monitor);
        Assert.NotEqual(HostProcess.OwnSessionId(), HostProcess.SessionId(monitor));
    }

    [RequiresRootFact]
    public void Kill_ContainerWithChildren_LeavesNoProcessOnHost()
    {
        var bundle = _h.NewBundle("sh", "-c", "sleep 30 & sleep 30 & sleep 0.01 & wait");
        _h.Ok("run", "-d", "--bundle", bundle.Path, _id);
        var pidsDir = HostCgroups.ContainerDir("pids", _id);
        CliHarness.WaitUntil(() => HostProcess.CgroupProcs(pidsDir).Count >= 3, "the shell to start its children");
        var inside = HostProcess.CgroupProcs(pidsDir);

        _h.Ok("kill", _id, "KILL");
        _h.WaitForStatus(_id, "stopped");

        CliHarness.WaitUntil(() => inside.All(p => !HostProcess.Exists(p)), $"container processes {string.Join(',', inside)} to be reaped", 5);
    }

    [RequiresRootFact]
    public void RunDetached_TwoContainers_ShareOneWaiterThatRecordsExitsAndLeaves()
    {
        var second = UniqueId.New("c");
        var bundle = _h.NewBundle("sleep", "30");
        _h.Ok("run", "-d", "--bundle", bundle.Path, _id);
        _h.Ok("run", "-d", "--bundle", bundle.Path, second);
        var waiter = HostProcess.ParentPid(_h.InitPid(_id));

        Assert.Equal(waiter, HostProcess.ParentPid(_h.InitPid(second)));
        Assert.Contains("__waiter", File.ReadAllText($"/proc/{waiter}/cmdline").Replace('\0', ' '), StringComparison.Ordinal);

        _h.Ok("kill", _id, "KILL");
        _h.Ok("kill", second, "TERM");
        Assert.Equal(137, _h.WaitForStatus(_id, "stopped")["exitCode"]!.GetValue<int>());
        _h.Ok("delete", _id);
        _h.Ok("delete", "--force", second);

        CliHarness.WaitUntil(() => !HostProcess.IsAlive(waiter), $"waiter {waiter} to leave once idle", 5);
        Assert.False(File.Exists(Path.Combine(Path.GetDirectoryName(_h.StateDir(_id))!, "waiter.sock")));
    }

    [RequiresRootFact]
    public void Delete_AfterExit_MonitorIsGone()
    {
        var bundle = _h.NewBundle("sleep", "30");
        _h.Ok("run", "-d", "--bundle", bundle.Path, _id);
        var monitor = HostProcess.ParentPid(_h.InitPid(_id));
        _h.Ok("kill", _id, "KILL");
        _h.WaitForStatus(_id, "stopped");

        _h.Ok("delete", _id);

        CliHarness.WaitUntil(() => !HostProcess.IsAlive(monitor), $"monitor {monitor} to exit", 5);
    }

    [RequiresRootFact]
    public void Kill_PausedWithKill_Stops137()
    {
        // runc thaws a paused container after sending SIGKILL: a frozen task
        // never acts on a pending signal.
        var bundle = _h.NewBundle("sleep", "30");
        _h.CreateAndStart(bundle, _id);
        _h.Ok("pause", _id);

        _h.Ok("kill", _id, "KILL");

        var stopped = _h.WaitForExit(_id, 5);
        Assert.Equal(137, (int?)stopped["exitCode"]);
    }

    [RequiresRootFact]
    public void Kill_Created_Stops137()
    {
        var bundle = _h.NewBundle("sleep", "30");
        _h.Ok("create", "--bundle", bundle.Path, _id);

        _h.Ok("kill", _id, "KILL");

        var stopped = _h.WaitForExit(_id);
        Assert.Equal(137, (int?)stopped["exitCode"]);
    }

    [RequiresRootFact]
    public void KillAll_ShellWithChildren_KillsEveryProcess()
    {
        var bundle = _h.NewBundle("sh", "-c", "sleep 30 & sleep 30 & wait");
        _h.CreateAndStart(bundle, _id);
        var pidsDir = HostCgroups.ContainerDir("pids", _id);
        CliHarness.WaitUntil(() => HostProcess.CgroupProcs(pidsDir).Count >= 3, "the shell to start its children");

        _h.Ok("kill", "--all", _id, "KILL");

        _h.WaitForStatus(_id, "stopped");
        CliHarness.WaitUntil(() => HostProcess.CgroupProcs(pidsDir).Count == 0, "the cgroup to empty", 5);
    }

    [RequiresRootFact]
    public void Create_PidFile_HoldsInitPid()
    {
        var bundle = _h.NewBundle("sleep", "30");
        var pidFile = Path.Join(bundle.Path, "init.pid");

        _h.Ok("create", "--pid-file", pidFile, "--bundle", bundle.Path, _id);

        Assert.Equal(_h.InitPid(_id), int.Parse(File.ReadAllText(pidFile).Trim()));
    }

    [RequiresRootTheory]
    [InlineData("exec", "true")]
    [InlineData("kill", "KILL")]
    [InlineData("pause", null)]
    [InlineData("start", null)]
    public void Verb_OnStoppedContainer_RefusedWithOneLine(string verb, string? argument)
    {
        var bundle = _h.NewBundle("true");
        _h.CreateAndStart(bundle, _id);
        _h.WaitForStatus(_id, "stopped");

        var result = argument is null ? _h.Run(verb, _id) : _h.Run(verb, _id, argument);

        Assert.True(result.ExitCode != 0, result.ToString());
        var lines = result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 1 && lines[0].Contains(_id, StringComparison.Ordinal), result.ToString());
        Assert.Equal("stopped", (string?)_h.State(_id)["status"]);
    }

    [RequiresRootFact]
    public void Exec_Paused_RefusedQuickly()
    {
        var bundle = _h.NewBundle("sleep", "30");
        _h.CreateAndStart(bundle, _id);
        _h.Ok("pause", _id);

        var result = _h.Cli.RunAsync(["exec", _id, "true"], TimeSpan.FromSeconds(5)).GetAwaiter().GetResult();

        Assert.True(result.ExitCode != 0, result.ToString());
        Assert.Equal("paused", (string?)_h.State(_id)["status"]);
    }

    [RequiresRootFact]
    public async Task Create_ConcurrentSameId_ExactlyOneWins()
    {
        var bundle = _h.NewBundle("sleep", "30");
        // The race is narrow: here one round in about thirty loses both creates.
        for (var round = 0; round < 20; round++)
        {
            var id = $"{_id}-{round}";

            var results = await Task.WhenAll(Enumerable.Range(0, 2).Select(_ => _h.Cli.RunAsync(["create", "--bundle", bundle.Path, id])));

            Assert.True(results.Count(r => r.Succeeded) == 1, $"round {round}:\n{string.Join('\n', results.Select(r => r.ToString()))}");
            Assert.Equal("created", (string?)_h.State(id)["status"]);
            _h.Ok("delete", "--force", id);
            Assert.Empty(HostCgroups.Leftovers(id));
        }
    }

    [RequiresRootFact]
    public void Run_ProcessUserCwdEnvRlimits_ApplyInside()
    {
        var bundle = _h.NewBundle("sh", "-c", "id -u; id -g; pwd; echo $GREETING; ulimit -n");
        bundle.Config["process"]!["user"] = new JsonObject { ["uid"] = 1000, ["gid"] = 1000 };
        bundle.Config["process"]!["cwd"] = "/tmp";
        bundle.Config["process"]!["env"]!.AsArray().Add("GREETING=hello");
        bundle.Config["process"]!["rlimits"] = new JsonArray(new JsonObject { ["type"] = "RLIMIT_NOFILE", ["hard"] = 512, ["soft"] = 256 });
        bundle.Save();

        var result = _h.Run("run", "--bundle", bundle.Path, _id);

        Assert.True(result.Succeeded, result.ToString());
        Assert.Equal(["1000", "1000", "/tmp", "hello", "256"], result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [RequiresRootFact]
    public void Delete_RelativeCgroupsPath_RemovesEveryFolderItMade()
    {
        var parent = UniqueId.New("cgp");
        var bundle = _h.NewBundle("sleep", "30");
        bundle.Config["linux"]!["cgroupsPath"] = $"{parent}/{_id}";
        bundle.Save();
        var ownDirs = HostCgroups.Hierarchies().Select(h => h.OwnDir).ToList();
        try
        {
            _h.CreateAndStart(bundle, _id);
            var memoryOwn = HostCgroups.Hierarchies().First(h => h.Controllers.Split(',').Contains("memory")).OwnDir;
            Assert.True(Directory.Exists(Path.Join(memoryOwn, parent, _id)), "relative cgroupsPath is not under the caller's cgroup");

            _h.Ok("delete", "--force", _id);

            Assert.All(ownDirs, d => Assert.False(Directory.Exists(Path.Join(d, parent, _id)), $"{d}/{parent}/{_id} left behind"));
            Assert.All(ownDirs, d => Assert.False(Directory.Exists(Path.Join(d, parent)), $"{d}/{parent} (made for this container) left behind"));
        }
        finally
        {
            foreach (var dir in ownDirs.Select(d => Path.Join(d, parent)).Where(Directory.Exists))
            {
                foreach (var child in Directory.GetDirectories(dir))
                {
                    Directory.Delete(child);
                }

                Directory.Delete(dir);
            }
        }
    }

    [RequiresRootFact]
    public async Task Run_ForegroundGetsSigterm_ForwardsItToTheContainer()
    {
        var bundle = _h.NewBundle("sh", "-c", "trap 'exit 42' TERM; while :; do sleep 0.05; done");
        var start = new System.Diagnostics.ProcessStartInfo(_h.Cli.BinaryPath)
        {
            ArgumentList = { "--root", _h.Cli.Root, "run", "--bundle", bundle.Path, _id },
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var berth = System.Diagnostics.Process.Start(start)!;
        try
        {
            CliHarness.WaitUntil(
                () => _h.Run("state", _id) is { Succeeded: true } r && r.Stdout.Contains("\"running\"", StringComparison.Ordinal)
                    && TrapInstalled(_h.InitPid(_id)),
                "the foreground container to run with its trap");

            _ = Kill(berth.Id, 15);

            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await berth.WaitForExitAsync(timeout.Token);
            Assert.Equal(42, berth.ExitCode);
        }
        finally
        {
            if (!berth.HasExited)
            {
                berth.Kill(entireProcessTree: true);
            }
        }
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill")]
    private static extern int Kill(int pid, int signal);

    // SigCgt in /proc/PID/status: bit 14 (SIGTERM 15) is set once the trap is in place.
    private static bool TrapInstalled(int pid)
    {
        var line = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("SigCgt:", StringComparison.Ordinal));
        var mask = Convert.ToUInt64(line["SigCgt:".Length..].Trim(), 16);
        return (mask & (1UL << 14)) != 0;
    }
}
