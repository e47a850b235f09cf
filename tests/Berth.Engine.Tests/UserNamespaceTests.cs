using Berth.Testing;

namespace Berth.Engine.Tests;

/// <summary><c>--userns auto</c>: each container's root is a host range of its own, and the image's layers are used in place.</summary>
public sealed class UserNamespaceTests : IDisposable
{
    private readonly EngineHarness _h = new();

    public void Dispose() => _h.Dispose();

    private uint HostUid(string name) => (uint)_h.Inspect(name)["userNamespace"]!["hostUid"]!;

    [RequiresRootFact]
    public void Run_UsernsAuto_RootInsideIsTheContainersRangeAndImageFilesAreRoots()
    {
        var result = _h.Run("run", "--rm", "--userns", "auto", "busybox", "sh", "-c",
            "id -u; cat /proc/self/uid_map; stat -c '%u:%g' /bin/busybox /etc/passwd; touch /made && stat -c '%u' /made");

        Assert.True(result.Succeeded, result.ToString());
        var lines = result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("0", lines[0]);
        var map = lines[1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("0", map[0]);
        Assert.NotEqual("0", map[1]);
        Assert.Equal("65536", map[2]);
        // The layer on the host belongs to host root; through the idmapped mount it is the container's root.
        Assert.Equal(["0:0", "0:0", "0"], lines[2..5]);
        Assert.Empty(_h.ContainerDirs());
        Assert.Empty(_h.Mounts());
    }

    [RequiresRootFact]
    public void Run_UsernsAuto_FilesWrittenLandInTheUpperLayerOwnedByTheRange()
    {
        var id = _h.Ok("run", "-d", "--userns", "auto", "busybox", "sh", "-c", "echo x > /root/file; sleep 30").Stdout.Trim();
        var upper = Path.Combine(_h.DataRoot, "containers", id, "upper", "root", "file");
        EngineHarness.WaitUntil(() => File.Exists(upper), "the file in the upper layer");

        var owner = _h.Ok("exec", id, "stat", "-c", "%u", "/root/file").Stdout.Trim();

        Assert.Equal("0", owner);
        Assert.Equal(HostUid(id), FileOwner(upper));
    }

    [RequiresRootFact]
    public void Exec_InProcessIntoUsernsContainer_JoinsItsUserNamespace()
    {
        var id = _h.Ok("run", "-d", "--userns", "auto", "busybox", "sleep", "30").Stdout.Trim();
        var init = _h.Engine.Top(id).Walk().First().Node.Pid;

        // The engine in this (JIT-hosted, multithreaded) test process: the helper enters the namespace in berth's pre-init.
        var exit = _h.Engine.Exec(id, ["sh", "-c", "readlink /proc/self/ns/user > /root/ns; id -u >> /root/ns"], new ExecRequest());

        Assert.Equal(0, exit);
        var seen = File.ReadAllLines(Path.Combine(_h.DataRoot, "containers", id, "upper", "root", "ns"));
        Assert.Equal(new FileInfo($"/proc/{init}/ns/user").LinkTarget, seen[0]);
        Assert.Equal("0", seen[1]);
    }

    [RequiresRootFact]
    public void Run_TwoUsernsAutoContainers_GetDistinctRangesAndRmReleasesOne()
    {
        _h.Ok("run", "-d", "--name", "one", "--userns", "auto", "busybox", "sleep", "30");
        _h.Ok("run", "-d", "--name", "two", "--userns", "auto", "busybox", "sleep", "30");
        var one = HostUid("one");
        var two = HostUid("two");

        Assert.NotEqual(one, two);
        Assert.True(Math.Abs((long)one - two) >= 65536, $"ranges at {one} and {two} overlap");
        _h.Ok("rm", "-f", "one");
        _h.Ok("run", "-d", "--name", "three", "--userns", "auto", "busybox", "sleep", "30");
        Assert.Equal(one, HostUid("three"));
        Assert.Equal(two, HostUid("two"));
    }

    [RequiresRootFact]
    public void Run_UsernsHost_HasNoUserNamespace()
    {
        var result = _h.Ok("run", "--rm", "--userns", "host", "busybox", "cat", "/proc/self/uid_map");

        Assert.Equal(["0", "0", "4294967295"], result.Stdout.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(s => s.Trim()));
    }

    [RequiresRootFact]
    public void Run_UnknownUsernsMode_RefusedWith125AndLeavesNothing()
    {
        var result = _h.Run("run", "--rm", "--userns", "keep-id", "busybox", "true");

        Assert.Equal(125, result.ExitCode);
        Assert.Contains("--userns keep-id: only host and auto are available", result.Stderr, StringComparison.Ordinal);
        Assert.Empty(_h.ContainerDirs());
    }

    private static uint FileOwner(string path)
    {
        // AT_FDCWD (-100): the path as given.
        var st = Berth.Linux.FilesAt.TryStat(-100, path);
        Assert.True(st is not null, $"{path} is missing");
        return st!.Value.Uid;
    }
}
