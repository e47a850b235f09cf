using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using Berth.Testing;

namespace Berth.Cli.Tests;

/// <summary>
/// Containers with a user namespace (<c>linux.uidMappings</c>/<c>gidMappings</c>): root inside is an unprivileged
/// host range, checked through the kernel's own views (/proc/PID/uid_map and status, file owners on the host).
/// </summary>
public sealed partial class UserNamespaceTests : IDisposable
{
    private const uint Size = 65536;
    private readonly CliHarness _h = new();
    private readonly string _id = UniqueId.New("userns");
    private readonly string _id2 = UniqueId.New("userns2");
    private readonly List<string> _files = [];

    // A range of its own per test, above the ones /etc/subuid usually hands out.
    private readonly uint _host = 1_000_000 + (uint)Random.Shared.Next(0, 4000) * Size;

    public void Dispose()
    {
        try { _h.Dispose(); }
        finally
        {
            foreach (var f in _files) File.Delete(f);
        }
    }

    /// <summary>A bundle whose rootfs belongs to the mapped root (as the engine's idmapped layers make it look).</summary>
    private OciBundle UserNamespaceBundle(params string[] args)
    {
        var b = _h.NewBundle(args);
        ChownTree(b.RootfsPath, _host, _host);
        var linux = b.Config["linux"]!.AsObject();
        linux["namespaces"]!.AsArray().Add(new JsonObject { ["type"] = "user" });
        linux["uidMappings"] = new JsonArray(new JsonObject { ["containerID"] = 0, ["hostID"] = _host, ["size"] = Size });
        linux["gidMappings"] = new JsonArray(new JsonObject { ["containerID"] = 0, ["hostID"] = _host, ["size"] = Size });
        b.Save();
        return b;
    }

    [RequiresRootFact]
    public void Run_UserNamespace_RootInsideIsTheMappedHostRange()
    {
        var b = UserNamespaceBundle("sh", "-c", "id -u; id -g; cat /proc/self/uid_map; touch /root/made-inside; stat -c '%u:%g' /bin/busybox");
        b.Config["root"]!["readonly"] = false;
        b.Save();

        var result = _h.Run("run", "--bundle", b.Path, _id);

        Assert.True(result.Succeeded, result.ToString());
        var lines = result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("0", lines[0]);
        Assert.Equal("0", lines[1]);
        Assert.Equal(["0", _host.ToString(CultureInfo.InvariantCulture), Size.ToString(CultureInfo.InvariantCulture)],
            lines[2].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        // The rootfs belongs to the host range: inside, that is root.
        Assert.Equal("0:0", lines[3]);
        Assert.Equal((_host, _host), Owner(Path.Combine(b.RootfsPath, "root", "made-inside")));
    }

    [RequiresRootFact]
    public void Create_UserNamespace_InitRunsAsTheMappedRangeOnTheHost()
    {
        var b = UserNamespaceBundle("sleep", "30");

        _h.CreateAndStart(b, _id);

        var pid = _h.InitPid(_id);
        var map = File.ReadAllText($"/proc/{pid}/uid_map").Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["0", _host.ToString(CultureInfo.InvariantCulture), Size.ToString(CultureInfo.InvariantCulture)], map.Select(s => s.Trim()));
        var uids = File.ReadAllLines($"/proc/{pid}/status").Single(l => l.StartsWith("Uid:", StringComparison.Ordinal));
        Assert.All(uids.Split('\t', StringSplitOptions.RemoveEmptyEntries).Skip(1), u => Assert.Equal(_host.ToString(CultureInfo.InvariantCulture), u));
        Assert.NotEqual(new FileInfo("/proc/self/ns/user").LinkTarget, new FileInfo($"/proc/{pid}/ns/user").LinkTarget);
        foreach (var ns in new[] { "pid", "mnt", "net", "ipc", "uts", "cgroup" })
            Assert.NotEqual(new FileInfo($"/proc/self/ns/{ns}").LinkTarget, new FileInfo($"/proc/{pid}/ns/{ns}").LinkTarget);
    }

    [RequiresRootFact]
    public void Run_UserNamespace_RootInsideCannotWriteAHostRootFileBoundReadWrite()
    {
        var hostFile = Path.Combine(TestPaths.Root, UniqueId.New("hostfile"));
        File.WriteAllText(hostFile, "host\n");
        _files.Add(hostFile);
        File.SetUnixFileMode(hostFile, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        var b = UserNamespaceBundle("sh", "-c", "echo owned >> /mnt/hostfile && echo wrote; stat -c '%u' /mnt/hostfile; chown 0 /mnt/hostfile || echo no-chown");
        b.Config["mounts"]!.AsArray().Add(new JsonObject
        {
            ["destination"] = "/mnt/hostfile", ["type"] = "bind", ["source"] = hostFile, ["options"] = new JsonArray("rbind", "rw"),
        });
        b.Save();

        var result = _h.Run("run", "--bundle", b.Path, _id);

        Assert.DoesNotContain("wrote", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("no-chown", result.Stdout, StringComparison.Ordinal);
        // Host root is no one inside: the overflow uid.
        Assert.Contains("65534", result.Stdout, StringComparison.Ordinal);
        Assert.Equal("host\n", File.ReadAllText(hostFile));
        Assert.Equal((0u, 0u), Owner(hostFile));
    }

    [RequiresRootFact]
    public void Exec_UserNamespace_EntersEveryNamespaceOfTheInit()
    {
        var b = UserNamespaceBundle("sleep", "30");
        _h.CreateAndStart(b, _id);
        var pid = _h.InitPid(_id);

        foreach (var ns in new[] { "user", "cgroup", "mnt", "pid", "net", "ipc", "uts" })
        {
            var inside = _h.Ok("exec", _id, "readlink", $"/proc/self/ns/{ns}").Stdout.Trim();
            Assert.Equal(new FileInfo($"/proc/{pid}/ns/{ns}").LinkTarget, inside);
        }
        var status = _h.Ok("exec", _id, "sh", "-c", "id -u; cat /proc/self/uid_map").Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("0", status[0]);
        Assert.Contains(_host.ToString(CultureInfo.InvariantCulture), status[1], StringComparison.Ordinal);
    }

    [RequiresRootFact]
    public void Run_JoinedUserNamespace_SharesTheMapsOfTheFirstContainer()
    {
        var a = UserNamespaceBundle("sleep", "30");
        _h.CreateAndStart(a, _id);
        var pidA = _h.InitPid(_id);
        var b = UserNamespaceBundle("sh", "-c", "readlink /proc/self/ns/user; readlink /proc/self/ns/pid; echo $$");
        var linux = b.Config["linux"]!.AsObject();
        linux.Remove("uidMappings");
        linux.Remove("gidMappings");
        linux["namespaces"]!.AsArray().First(n => (string?)n!["type"] == "user")!["path"] = $"/proc/{pidA}/ns/user";
        b.Save();

        var result = _h.Run("run", "--bundle", b.Path, _id2);

        Assert.True(result.Succeeded, result.ToString());
        var lines = result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(new FileInfo($"/proc/{pidA}/ns/user").LinkTarget, lines[0]);
        Assert.NotEqual(new FileInfo($"/proc/{pidA}/ns/pid").LinkTarget, lines[1]);
        // Its own new pid namespace, in which it is PID 1.
        Assert.Equal("1", lines[2]);
    }

    [RequiresRootFact]
    public void Create_OverlappingMappings_RefusedNamingTheFieldAndLeavesNothing()
    {
        var b = UserNamespaceBundle("sleep", "30");
        b.Config["linux"]!["uidMappings"]!.AsArray().Add(new JsonObject { ["containerID"] = 70000, ["hostID"] = _host + 10, ["size"] = 5 });
        b.Save();

        AssertCreateRefused(b, "linux.uidMappings[1]: host uids");
    }

    [RequiresRootFact]
    public void Create_UserNamespacePathNotAUserNamespace_FailsAtSetnsAndLeavesNothing()
    {
        var b = UserNamespaceBundle("sleep", "30");
        var linux = b.Config["linux"]!.AsObject();
        linux.Remove("uidMappings");
        linux.Remove("gidMappings");
        linux["namespaces"]!.AsArray().First(n => (string?)n!["type"] == "user")!["path"] = "/proc/self/ns/net";
        b.Save();

        AssertCreateRefused(b, "setns (user namespace)");
    }

    [RequiresRootFact]
    public void Delete_UserNamespaceContainer_LeavesNoStateNorCgroup()
    {
        var b = UserNamespaceBundle("sleep", "30");
        _h.CreateAndStart(b, _id);
        var pid = _h.InitPid(_id);

        _h.Ok("delete", "--force", _id);

        Assert.False(Directory.Exists(_h.StateDir(_id)), $"{_h.StateDir(_id)} left behind");
        Assert.Empty(HostCgroups.Leftovers(_id));
        Assert.False(Directory.Exists($"/proc/{pid}") && File.ReadAllText($"/proc/{pid}/status").Contains("sleep", StringComparison.Ordinal));
    }

    [RequiresRootFact]
    public void Features_ListsUserNamespaces()
    {
        var features = JsonNode.Parse(_h.Ok("features").Stdout)!.AsObject();

        Assert.Contains("user", features["linux"]!["namespaces"]!.AsArray().Select(n => (string?)n));
    }

    private void AssertCreateRefused(OciBundle b, string expected)
    {
        var result = _h.Run("create", "--bundle", b.Path, _id);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains(expected, result.Stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(_h.StateDir(_id)), $"{_h.StateDir(_id)} left behind");
        Assert.Empty(HostCgroups.Leftovers(_id));
        Assert.DoesNotContain(_id, File.ReadAllText("/proc/self/mountinfo"), StringComparison.Ordinal);
    }

    private static void ChownTree(string root, uint uid, uint gid)
    {
        Lchown(root, uid, gid);
        foreach (var entry in Directory.EnumerateFileSystemEntries(root, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 }))
            Lchown(entry, uid, gid);
    }

    private static void Lchown(string path, uint uid, uint gid)
    {
        if (lchown(path, uid, gid) != 0) throw new IOException($"lchown {path}: errno {Marshal.GetLastPInvokeError()}");
    }

    private static unsafe (uint Uid, uint Gid) Owner(string path)
    {
        // struct stat on x86_64: st_uid at offset 28, st_gid at 32.
        var buffer = stackalloc byte[256];
        if (stat(path, buffer) != 0) throw new IOException($"stat {path}: errno {Marshal.GetLastPInvokeError()}");
        return (*(uint*)(buffer + 28), *(uint*)(buffer + 32));
    }

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int lchown(string path, uint uid, uint gid);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int stat(string path, byte* buffer);
}
