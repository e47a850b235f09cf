using System.Diagnostics;
using System.Text.Json.Nodes;
using Berth.Testing;

namespace Berth.Cli.Tests;

/// <summary>
/// OCI hooks (runtime-spec config.md "POSIX-platform Hooks") against the real
/// binary: each hook is <c>/bin/sh -c</c> writing what it sees into a host
/// temp folder, which is what the assertions read.
/// </summary>
public sealed class HooksTests : IDisposable
{
    private readonly CliHarness _h = new();
    private readonly string _id = UniqueId.New("c");
    private readonly string _out = TestPaths.NewDirectory("hooks");

    public void Dispose()
    {
        try
        {
            _h.Dispose();
        }
        finally
        {
            TestPaths.DeleteDirectory(_out);
        }
    }

    private static JsonObject ShellHook(string script, int? timeout = null)
    {
        var hook = new JsonObject { ["path"] = "/bin/sh", ["args"] = new JsonArray("sh", "-c", script) };
        if (timeout is { } t)
        {
            hook["timeout"] = t;
        }

        return hook;
    }

    private OciBundle BundleWithHooks(string[] args, params (string Point, JsonObject Hook)[] hooks)
    {
        var bundle = _h.NewBundle(args);
        var section = new JsonObject();
        foreach (var (point, hook) in hooks)
        {
            if (section[point] is not JsonArray list)
            {
                list = [];
                section[point] = list;
            }

            list.Add(hook);
        }

        bundle.Config["hooks"] = section;
        bundle.Save();
        return bundle;
    }

    private string Out(string name) => Path.Join(_out, name);

    private static JsonObject ReadState(string file)
    {
        CliHarness.WaitUntil(() => File.Exists(file) && new FileInfo(file).Length > 0, $"{file} to be written", 5);
        return JsonNode.Parse(File.ReadAllText(file))!.AsObject();
    }

    [RequiresRootFact]
    public void Create_CreateRuntimeAndPrestart_GetCreatedStateWithInitPid()
    {
        var bundle = BundleWithHooks(
            ["sleep", "30"],
            ("createRuntime", ShellHook($"cat > {Out("createRuntime")}")),
            ("prestart", ShellHook($"cat > {Out("prestart")}")));

        _h.Ok("create", "--bundle", bundle.Path, _id);

        var pid = _h.InitPid(_id);
        foreach (var point in new[] { "createRuntime", "prestart" })
        {
            var text = File.ReadAllText(Out(point));
            Assert.Contains($"\"id\":\"{_id}\"", text, StringComparison.Ordinal);
            Assert.Contains("\"status\":\"created\"", text, StringComparison.Ordinal);
            var seen = JsonNode.Parse(text)!["pid"]!.GetValue<int>();
            Assert.True(seen == pid, $"{point} saw pid {seen}, state says {pid}: {text}");
            Assert.Equal(bundle.Path, (string?)JsonNode.Parse(text)!["bundle"]);
        }
    }

    [RequiresRootFact]
    public void Create_CreateContainerHook_RunsInContainerMountNamespace()
    {
        // Before pivot_root the container's mount namespace still shows the
        // host's /tmp, so the hook can write there; /proc is still the host's.
        var bundle = BundleWithHooks(
            ["sleep", "30"],
            ("createContainer", ShellHook($"readlink /proc/self/ns/mnt > {Out("mnt")}; cat > {Out("state")}")));

        _h.Ok("create", "--bundle", bundle.Path, _id);

        var pid = _h.InitPid(_id);
        var containerMnt = new FileInfo($"/proc/{pid}/ns/mnt").LinkTarget;
        var hostMnt = new FileInfo("/proc/self/ns/mnt").LinkTarget;
        Assert.NotEqual(hostMnt, containerMnt);
        Assert.Equal(containerMnt, File.ReadAllText(Out("mnt")).Trim());
        Assert.Contains($"\"id\":\"{_id}\"", File.ReadAllText(Out("state")), StringComparison.Ordinal);
    }

    [RequiresRootFact]
    public void Start_StartContainerHook_RunsInsideAfterStart()
    {
        var bundle = BundleWithHooks(
            ["sleep", "30"],
            ("startContainer", ShellHook("readlink /proc/self/ns/mnt > /shared/mnt; hostname > /shared/hostname")));
        bundle.Config["mounts"]!.AsArray().Add(new JsonObject
        {
            ["destination"] = "/shared",
            ["type"] = "bind",
            ["source"] = _out,
            ["options"] = new JsonArray("rbind", "rw"),
        });
        bundle.Save();

        _h.CreateAndStart(bundle, _id);

        CliHarness.WaitUntil(() => File.Exists(Out("hostname")) && new FileInfo(Out("hostname")).Length > 0, "the startContainer hook's file", 5);
        Assert.Equal("berth", File.ReadAllText(Out("hostname")).Trim());
        var containerMnt = new FileInfo($"/proc/{_h.InitPid(_id)}/ns/mnt").LinkTarget;
        Assert.Equal(containerMnt, File.ReadAllText(Out("mnt")).Trim());
    }

    [RequiresRootFact]
    public void Start_PoststartHook_RunsAfterStart()
    {
        var bundle = BundleWithHooks(["sleep", "30"], ("poststart", ShellHook($"cat > {Out("poststart")}")));
        _h.Ok("create", "--bundle", bundle.Path, _id);
        Assert.False(File.Exists(Out("poststart")), "poststart ran at create");

        _h.Ok("start", _id);

        var seen = ReadState(Out("poststart"));
        Assert.Equal(_id, (string?)seen["id"]);
        Assert.Equal(_h.InitPid(_id), seen["pid"]!.GetValue<int>());
        Assert.Equal("running", (string?)_h.State(_id)["status"]);
    }

    [RequiresRootFact]
    public void Delete_PoststopHook_RunsOnDelete()
    {
        var bundle = BundleWithHooks(["true"], ("poststop", ShellHook($"cat > {Out("poststop")}")));
        _h.CreateAndStart(bundle, _id);
        _h.WaitForExit(_id);
        Assert.False(File.Exists(Out("poststop")), "poststop ran before delete");

        _h.Ok("delete", _id);

        var seen = ReadState(Out("poststop"));
        Assert.Equal(_id, (string?)seen["id"]);
    }

    [RequiresRootFact]
    public void Start_FailingStartContainerHook_StartFailsNamingIt()
    {
        // runtime-spec: if a startContainer hook fails, the runtime MUST generate an error (and stop the container).
        var bundle = BundleWithHooks(["sleep", "30"], ("startContainer", ShellHook("exit 5")));
        _h.Ok("create", "--bundle", bundle.Path, _id);

        var result = _h.Run("start", _id);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("startContainer", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("exit status 5", result.Stderr, StringComparison.Ordinal);
        CliHarness.WaitUntil(() => _h.State(_id)["status"]!.GetValue<string>() == "stopped", "the container to stop", 5);
    }

    [RequiresRootFact]
    public void Run_PassingStartContainerHook_ProcessRuns()
    {
        var bundle = BundleWithHooks(["sh", "-c", "exit 6"], ("startContainer", ShellHook("true")));

        var result = _h.Run("run", "--bundle", bundle.Path, _id);

        Assert.Equal(6, result.ExitCode);
    }

    [RequiresRootFact]
    public void Create_FailingCreateRuntimeHook_FailsNamingItAndLeavesNothing()
    {
        var bundle = BundleWithHooks(["sleep", "30"], ("createRuntime", ShellHook("exit 1")));

        var result = _h.Run("create", "--bundle", bundle.Path, _id);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("createRuntime", result.Stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(_h.StateDir(_id)), $"{_h.StateDir(_id)} left behind");
        Assert.Empty(HostCgroups.Leftovers(_id));
        Assert.False(_h.Run("state", _id).Succeeded);
    }

    [RequiresRootFact]
    public void Create_HookPastItsTimeout_FailsInAboutOneSecond()
    {
        var bundle = BundleWithHooks(["sleep", "30"], ("createRuntime", ShellHook("sleep 5", timeout: 1)));

        var clock = Stopwatch.StartNew();
        var result = _h.Run("create", "--bundle", bundle.Path, _id);
        clock.Stop();

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("timed out", result.Stderr, StringComparison.Ordinal);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(3.5), $"create took {clock.Elapsed.TotalSeconds:0.00} s");
        Assert.False(Directory.Exists(_h.StateDir(_id)));
        Assert.Empty(HostCgroups.Leftovers(_id));
    }

    [RequiresRootFact]
    public void StartDelete_FailingPoststartAndPoststop_OnlyWarn()
    {
        var bundle = BundleWithHooks(
            ["sleep", "30"],
            ("poststart", ShellHook("exit 3")),
            ("poststop", ShellHook("exit 4")));
        _h.Ok("create", "--bundle", bundle.Path, _id);

        var started = _h.Run("start", _id);
        Assert.True(started.Succeeded, started.ToString());
        Assert.Contains("poststart", started.Stderr, StringComparison.Ordinal);
        Assert.Equal("running", (string?)_h.State(_id)["status"]);

        _h.Ok("kill", _id, "KILL");
        _h.WaitForExit(_id);
        var deleted = _h.Run("delete", _id);

        Assert.True(deleted.Succeeded, deleted.ToString());
        Assert.Contains("poststop", deleted.Stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(_h.StateDir(_id)));
        Assert.Empty(HostCgroups.Leftovers(_id));
    }

    [RequiresRootTheory]
    [InlineData("prestart")]
    [InlineData("createRuntime")]
    [InlineData("createContainer")]
    public void Create_FailingHook_TornDownAndPoststopRuns(string point)
    {
        // runtime-spec, lifecycle: a failing prestart, createRuntime or createContainer hook is an error, the
        // container is stopped and the lifecycle goes on at the poststop hooks.
        var bundle = BundleWithHooks(
            ["sleep", "30"],
            ("createRuntime", ShellHook($"cat > {Out("seen")}")),
            (point, ShellHook("exit 3")),
            ("poststop", ShellHook($"cat > {Out("poststop")}")));

        var result = _h.Run("create", "--bundle", bundle.Path, _id);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains(point, result.Stderr, StringComparison.Ordinal);
        Assert.Contains("exit status 3", result.Stderr, StringComparison.Ordinal);
        var poststop = ReadState(Out("poststop"));
        Assert.Equal(_id, (string?)poststop["id"]);
        Assert.Equal("stopped", (string?)poststop["status"]);
        Assert.False(Directory.Exists(_h.StateDir(_id)), $"{_h.StateDir(_id)} left behind");
        Assert.Empty(HostCgroups.Leftovers(_id));
        Assert.False(_h.Run("state", _id).Succeeded);
        if (File.Exists(Out("seen")))
        {
            // The init the createRuntime hook saw is gone (reaped, not a zombie).
            var pid = JsonNode.Parse(File.ReadAllText(Out("seen")))!["pid"]!.GetValue<int>();
            Assert.False(Directory.Exists($"/proc/{pid}"), $"the init {pid} is still there");
        }
    }

    [RequiresRootFact]
    public void Start_FailingStartContainerHook_StoppedAndPoststopRunsOnDelete()
    {
        var bundle = BundleWithHooks(
            ["sleep", "30"],
            ("startContainer", ShellHook("exit 5")),
            ("poststop", ShellHook($"cat > {Out("poststop")}")));
        _h.Ok("create", "--bundle", bundle.Path, _id);
        var pid = _h.InitPid(_id);

        Assert.False(_h.Run("start", _id).Succeeded);

        _h.WaitForStatus(_id, "stopped");
        Assert.False(File.Exists(Out("poststop")), "poststop ran before delete");
        _h.Ok("delete", _id);
        Assert.Equal("stopped", (string?)ReadState(Out("poststop"))["status"]);
        Assert.False(Directory.Exists($"/proc/{pid}"), $"the init {pid} is still there");
        Assert.Empty(HostCgroups.Leftovers(_id));
    }

    [RequiresRootFact]
    public void State_DuringCreateThenLifecycle_CreatingCreatedRunningStopped()
    {
        // A createRuntime hook runs while create is in progress; berth state from it must say so.
        var berth = $"{_h.Cli.BinaryPath} --root {_h.Cli.Root}";
        var bundle = BundleWithHooks(
            ["sleep", "30"],
            ("createRuntime", ShellHook($"{berth} state {_id} > {Out("during-create")}")),
            ("createContainer", ShellHook($"{berth} state {_id} > {Out("during-create-container")}")));

        _h.Ok("create", "--bundle", bundle.Path, _id);

        Assert.Equal("creating", (string?)ReadState(Out("during-create"))["status"]);
        Assert.Equal("creating", (string?)ReadState(Out("during-create-container"))["status"]);
        var created = _h.State(_id);
        Assert.Equal("created", (string?)created["status"]);
        Assert.True(created["pid"]!.GetValue<int>() > 0);
        _h.Ok("start", _id);
        Assert.Equal("running", (string?)_h.State(_id)["status"]);
        _h.Ok("kill", _id, "KILL");
        Assert.Equal("stopped", (string?)_h.WaitForExit(_id)["status"]);
    }
}
