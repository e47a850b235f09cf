using System.Diagnostics;
using System.Text.Json.Nodes;
using Berth.Testing;

namespace Berth.Cli.Tests;

/// <summary>
/// Seccomp notify (<c>SCMP_ACT_NOTIFY</c>, <c>linux.seccomp.listenerPath</c>): a small agent
/// (Seccomp/seccomp-agent.c, built with the host's C compiler) listens on a unix socket, receives the container
/// process state and the listener descriptor as runc sends them, and answers the container's mkdir calls; what it
/// decides shows inside the container.
/// </summary>
public sealed class SeccompNotifyTests : IDisposable
{
    private readonly CliHarness _h = new();
    private readonly string _dir = TestPaths.NewDirectory("seccomp-notify");
    private readonly string _id = UniqueId.New("notify");
    private Process? _agent;

    public void Dispose()
    {
        try
        {
            _h.Dispose();
        }
        finally
        {
            if (_agent is { HasExited: false })
            {
                _agent.Kill();
                _agent.WaitForExit();
            }

            _agent?.Dispose();
            TestPaths.DeleteDirectory(_dir);
        }
    }

    private string Agent()
    {
        var binary = Path.Join(_dir, "seccomp-agent");
        Tool.Run("cc", "-O1", "-o", binary, Path.Combine(AppContext.BaseDirectory, "Seccomp", "seccomp-agent.c"));
        return binary;
    }

    private OciBundle NotifyBundle(string script, string? listenerPath)
    {
        var bundle = _h.NewBundle("sh", "-c", script);
        bundle.Config["mounts"]!.AsArray().Add(new JsonObject { ["destination"] = "/tmp", ["type"] = "tmpfs", ["source"] = "tmpfs" });
        var seccomp = new JsonObject
        {
            ["defaultAction"] = "SCMP_ACT_ALLOW",
            ["syscalls"] = new JsonArray(new JsonObject { ["names"] = new JsonArray("mkdir", "mkdirat"), ["action"] = "SCMP_ACT_NOTIFY" }),
        };
        if (listenerPath is not null)
        {
            seccomp["listenerPath"] = listenerPath;
            seccomp["listenerMetadata"] = "from-the-test";
        }

        bundle.Config["linux"]!["seccomp"] = seccomp;
        bundle.Save();
        return bundle;
    }

    [RequiresRootFact]
    public void Run_NotifyOnMkdir_AgentGetsListenerAndItsAnswersShowInside()
    {
        var socket = Path.Join(_dir, "agent.sock");
        var received = Path.Join(_dir, "received.json");
        _agent = Process.Start(new ProcessStartInfo(Agent(), [socket, received, "once"]) { RedirectStandardError = true })!;
        CliHarness.WaitUntil(() => File.Exists(socket), "the agent's socket", 10);
        var bundle = NotifyBundle(
            "mkdir /tmp/a; echo a=$?; test -d /tmp/a && echo a-made || echo a-absent; mkdir /tmp/b 2>&1; echo b=$?",
            socket);

        var result = _h.Ok("run", "--bundle", bundle.Path, _id);

        // The agent said "success" to the first mkdir without making anything, and ENOSPC to the second.
        Assert.Equal(["a=0", "a-absent", "mkdir: can't create directory '/tmp/b': No space left on device", "b=1"],
            result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        var state = JsonNode.Parse(File.ReadAllText(received + ".0"))!;
        Assert.Equal(["seccompFd"], state["fds"]!.AsArray().Select(f => (string)f!));
        Assert.Equal("from-the-test", (string?)state["metadata"]);
        Assert.Equal(_id, (string?)state["state"]!["id"]);
        Assert.Equal(bundle.Path, (string?)state["state"]!["bundle"]);
        Assert.True(state["pid"]!.GetValue<int>() > 1);
        Assert.Equal(state["pid"]!.GetValue<int>(), state["state"]!["pid"]!.GetValue<int>());
        // The listener reports the filter gone once the container has exited, and the agent leaves.
        Assert.True(_agent.WaitForExit(10_000), "the agent did not see the container go");
        Assert.Equal(0, _agent.ExitCode);
    }

    [RequiresRootFact]
    public void Exec_NotifyOnMkdir_EachExecHandsItsOwnListenerToTheAgent()
    {
        var socket = Path.Join(_dir, "agent.sock");
        var received = Path.Join(_dir, "received.json");
        _agent = Process.Start(new ProcessStartInfo(Agent(), [socket, received]) { RedirectStandardError = true })!;
        CliHarness.WaitUntil(() => File.Exists(socket), "the agent's socket", 10);
        var bundle = NotifyBundle("exec sleep 30", socket);
        _h.CreateAndStart(bundle, _id);
        CliHarness.WaitUntil(() => File.Exists(received + ".0"), "the init's listener to reach the agent", 10);

        var first = _h.Run("exec", _id, "sh", "-c", "mkdir /tmp/a; echo a=$?; test -d /tmp/a && echo a-made || echo a-absent");
        var second = _h.Run("exec", _id, "sh", "-c", "mkdir /tmp/b 2>&1; echo b=$?");

        Assert.Equal("a=0\na-absent\n", first.Stdout);
        Assert.Equal("mkdir: can't create directory '/tmp/b': No space left on device\nb=1\n", second.Stdout);
        var initPid = _h.InitPid(_id);
        foreach (var n in new[] { 1, 2 })
        {
            var state = JsonNode.Parse(File.ReadAllText($"{received}.{n}"))!;
            Assert.Equal(_id, (string?)state["state"]!["id"]);
            Assert.Equal(initPid, state["state"]!["pid"]!.GetValue<int>());
            Assert.NotEqual(initPid, state["pid"]!.GetValue<int>());
        }
    }

    [RequiresRootFact]
    public void Create_NotifyWithoutListenerPath_RefusedNamingIt()
    {
        var bundle = NotifyBundle("true", listenerPath: null);

        var result = _h.Run("create", "--bundle", bundle.Path, _id);

        Assert.False(result.Succeeded);
        Assert.Contains("SCMP_ACT_NOTIFY needs linux.seccomp.listenerPath", result.Stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(_h.StateDir(_id)));
    }

    [RequiresRootFact]
    public void Create_NotifyOnSendmsg_RefusedNamingIt()
    {
        var bundle = NotifyBundle("true", Path.Join(_dir, "nobody.sock"));
        bundle.Config["linux"]!["seccomp"]!["syscalls"]![0]!["names"]!.AsArray().Add("sendmsg");
        bundle.Save();

        var result = _h.Run("create", "--bundle", bundle.Path, _id);

        Assert.False(result.Succeeded);
        Assert.Contains("SCMP_ACT_NOTIFY on sendmsg is refused", result.Stderr, StringComparison.Ordinal);
    }

    [RequiresRootFact]
    public void Create_AgentNotListening_FailsNamingListenerPathAndLeavesNothing()
    {
        var bundle = NotifyBundle("true", Path.Join(_dir, "nobody.sock"));

        var result = _h.Run("create", "--bundle", bundle.Path, _id);

        Assert.False(result.Succeeded);
        Assert.Contains("linux.seccomp.listenerPath", result.Stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(_h.StateDir(_id)));
        Assert.Empty(HostCgroups.Leftovers(_id));
    }
}
