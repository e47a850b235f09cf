using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using Berth.Testing;

namespace Berth.Cli.Tests;

public sealed partial class IsolationTests : IDisposable
{
    private readonly CliHarness _h = new();
    private readonly string _id = UniqueId.New("c");
    private string? _markerMount;
    private OciBundle? _bundle;

    public void Dispose()
    {
        try
        {
            _h.Dispose();
        }
        finally
        {
            if (_markerMount is not null)
            {
                _ = umount2(_markerMount, MNT_DETACH);
                Directory.Delete(_markerMount);
            }
        }
    }

    private CliResult RunInside(string script, Action<JsonObject>? configure = null)
    {
        _bundle = _h.NewBundle("sh", "-c", script);
        configure?.Invoke(_bundle.Config);
        _bundle.Save();
        return _h.Run("run", "--bundle", _bundle.Path, _id);
    }

    [RequiresRootFact]
    public void Run_Shell_IsPidOneAndSeesOnlyItsOwnProcesses()
    {
        var result = RunInside("echo $$; ls -d /proc/[0-9]* | wc -l");

        Assert.True(result.Succeeded, result.ToString());
        var lines = result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("1", lines[0]);
        // sh, ls and wc at most.
        Assert.InRange(int.Parse(lines[1].Trim()), 1, 3);
    }

    [RequiresRootFact]
    public void Run_ConfigHostname_ShowsInside()
    {
        var hostname = UniqueId.New("h");

        var result = RunInside("hostname", c => c["hostname"] = hostname);

        Assert.True(result.Succeeded, result.ToString());
        Assert.Equal(hostname, result.Stdout.Trim());
        Assert.NotEqual(hostname, Environment.MachineName);
    }

    [RequiresRootFact]
    public void Run_NetworkNamespace_HasOnlyLoopback()
    {
        var result = RunInside("cat /proc/net/dev");

        Assert.True(result.Succeeded, result.ToString());
        var interfaces = result.Stdout.Split('\n')
            .Where(l => l.Contains(':', StringComparison.Ordinal))
            .Select(l => l.Split(':')[0].Trim())
            .ToList();
        Assert.Equal(["lo"], interfaces);
    }

    [RequiresRootFact]
    public void Run_NetworkNamespace_SysfsAndExecSeeTheSameNamespace()
    {
        // The namespace is made apart from the init and joined by it: sysfs, mounted by the init, must show the
        // container's devices, and the payload (the init's thread that execs) must be in it too.
        var result = RunInside("ls /sys/class/net; readlink /proc/self/ns/net");

        Assert.True(result.Succeeded, result.ToString());
        var lines = result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["lo"], lines[..^1]);
        Assert.StartsWith("net:[", lines[^1], StringComparison.Ordinal);
        Assert.NotEqual(new FileInfo("/proc/self/ns/net").LinkTarget, lines[^1]);
    }

    [RequiresRootFact]
    public void Run_HostMount_IsInvisibleInside()
    {
        _markerMount = TestPaths.NewDirectory("marker");
        Assert.Equal(0, mount("berth-marker", _markerMount, "tmpfs", 0, null));
        File.WriteAllText(Path.Join(_markerMount, "secret"), "host");
        var markerName = Path.GetFileName(_markerMount);

        var result = RunInside($"cat /proc/self/mountinfo; test -e {_markerMount}/secret && echo VISIBLE; true");

        Assert.True(result.Succeeded, result.ToString());
        Assert.DoesNotContain("VISIBLE", result.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain(markerName, result.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("berth-marker", result.Stdout, StringComparison.Ordinal);
        var mountPoints = result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(' ')[4]).ToList();
        Assert.All(mountPoints, m => Assert.True(
            m == "/" || m.StartsWith("/proc", StringComparison.Ordinal) || m.StartsWith("/dev", StringComparison.Ordinal) || m.StartsWith("/sys", StringComparison.Ordinal),
            $"unexpected mount point {m} inside:\n{result.Stdout}"));
    }

    [RequiresRootFact]
    public void Run_MaskedPaths_ShowNothing()
    {
        // Masked files that are readable and non-empty on this host, and a masked folder with entries.
        var files = new[] { "/proc/keys", "/proc/timer_list", "/proc/kcore", "/proc/sched_debug" }
            .Where(f => File.Exists(f) && File.ReadAllText(f).Length > 0)
            .ToList();
        Assert.NotEmpty(files);
        Assert.NotEmpty(Directory.GetFileSystemEntries("/sys/firmware"));
        var script = string.Join("; ", files.Select(f => $"echo \"{f}=$(cat {f} 2>/dev/null | wc -c)\"")) +
            "; echo \"/sys/firmware=$(ls -A /sys/firmware 2>/dev/null | wc -l)\"";

        var result = RunInside(script);

        Assert.True(result.Succeeded, result.ToString());
        foreach (var line in result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            Assert.EndsWith("=0", line.Replace(" ", string.Empty, StringComparison.Ordinal), StringComparison.Ordinal);
        }

        Assert.Equal(files.Count + 1, result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
    }

    [RequiresRootFact]
    public void Run_PidNamespace_DiffersFromHost()
    {
        var host = new FileInfo("/proc/self/ns/pid").LinkTarget;

        var result = RunInside("readlink /proc/self/ns/pid");

        Assert.True(result.Succeeded, result.ToString());
        Assert.StartsWith("pid:[", result.Stdout.Trim(), StringComparison.Ordinal);
        Assert.NotEqual(host, result.Stdout.Trim());
    }

    [RequiresRootTheory]
    [InlineData("mnt")]
    [InlineData("uts")]
    [InlineData("ipc")]
    [InlineData("net")]
    [InlineData("cgroup")]
    public void Run_OtherNamespaces_DifferFromHost(string ns)
    {
        var host = new FileInfo($"/proc/self/ns/{ns}").LinkTarget;

        var result = RunInside($"readlink /proc/self/ns/{ns}");

        Assert.True(result.Succeeded, result.ToString());
        Assert.StartsWith($"{ns}:[", result.Stdout.Trim(), StringComparison.Ordinal);
        Assert.NotEqual(host, result.Stdout.Trim());
    }

    [RequiresRootFact]
    public void Run_ReadonlyRoot_RefusesWrites()
    {
        var result = RunInside("touch /x && echo WROTE; awk '$5 == \"/\" { print $6 }' /proc/self/mountinfo");

        Assert.DoesNotContain("WROTE", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("Read-only file system", result.Stderr, StringComparison.Ordinal);
        // The top-most mount on / is the root the container sees.
        var rootOptions = result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Last().Split(',');
        Assert.Contains("ro", rootOptions);
        Assert.False(File.Exists(Path.Join(_bundle!.RootfsPath, "x")));
    }

    [RequiresRootFact]
    public void Run_WritableRoot_AcceptsWrites()
    {
        var result = RunInside("touch /x && echo WROTE", c => c["root"]!["readonly"] = false);

        Assert.True(result.Succeeded, result.ToString());
        Assert.Contains("WROTE", result.Stdout, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Join(_bundle!.RootfsPath, "x")));
    }

    [RequiresRootFact]
    public void Run_DefaultCapabilities_CapEffAndCapBndMatchConfig()
    {
        // CAP_AUDIT_WRITE 29, CAP_KILL 5, CAP_NET_BIND_SERVICE 10 (linux/capability.h).
        const ulong expected = (1UL << 29) | (1UL << 5) | (1UL << 10);

        var result = RunInside("grep -E '^Cap(Eff|Bnd|Prm|Inh)' /proc/self/status");

        Assert.True(result.Succeeded, result.ToString());
        var caps = ParseStatus(result.Stdout);
        Assert.Equal(expected, Convert.ToUInt64(caps["CapEff"], 16));
        Assert.Equal(expected, Convert.ToUInt64(caps["CapBnd"], 16));
        Assert.Equal(expected, Convert.ToUInt64(caps["CapPrm"], 16));
    }

    [RequiresRootFact]
    public void Run_NoNewPrivileges_IsSet()
    {
        var result = RunInside("grep NoNewPrivs /proc/self/status");

        Assert.True(result.Succeeded, result.ToString());
        Assert.Equal("1", ParseStatus(result.Stdout)["NoNewPrivs"]);
    }

    [RequiresRootFact]
    public void Run_SeccompDenyingMkdir_MkdirFailsWithEperm()
    {
        var result = RunInside("grep Seccomp: /proc/self/status; mkdir /tmp/x && echo MADE; true", c =>
        {
            c["root"]!["readonly"] = false;
            c["linux"]!["seccomp"] = new JsonObject
            {
                ["defaultAction"] = "SCMP_ACT_ALLOW",
                ["architectures"] = new JsonArray("SCMP_ARCH_X86_64"),
                ["syscalls"] = new JsonArray(new JsonObject
                {
                    ["names"] = new JsonArray("mkdir", "mkdirat"),
                    ["action"] = "SCMP_ACT_ERRNO",
                }),
            };
        });

        Assert.True(result.Succeeded, result.ToString());
        Assert.Equal("2", ParseStatus(result.Stdout)["Seccomp"]);
        Assert.DoesNotContain("MADE", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("Operation not permitted", result.Stderr, StringComparison.Ordinal);
    }

    [RequiresRootFact]
    public void RunDetached_SeccompProfile_ContainerRunsItsProcess()
    {
        var bundle = _h.NewBundle("sleep", "30");
        bundle.Config["linux"]!["seccomp"] = new JsonObject
        {
            ["defaultAction"] = "SCMP_ACT_ALLOW",
            ["syscalls"] = new JsonArray(new JsonObject { ["names"] = new JsonArray("mkdir"), ["action"] = "SCMP_ACT_ERRNO" }),
        };
        bundle.Save();

        var result = _h.Run("run", "-d", "--bundle", bundle.Path, _id);

        Assert.True(result.Succeeded, result.ToString());
        Assert.Empty(result.Stderr);
        var state = _h.State(_id);
        Assert.True((string?)state["status"] == "running", state.ToJsonString());
    }

    [RequiresRootFact]
    public void Run_WithoutSeccomp_MkdirWorks()
    {
        var result = RunInside("grep Seccomp: /proc/self/status; mkdir /tmp/x && echo MADE", c => c["root"]!["readonly"] = false);

        Assert.True(result.Succeeded, result.ToString());
        Assert.Equal("0", ParseStatus(result.Stdout)["Seccomp"]);
        Assert.Contains("MADE", result.Stdout, StringComparison.Ordinal);
    }

    [RequiresRootFact]
    public void Run_ReadonlyPaths_RefuseWritesToProcSys()
    {
        var result = RunInside("echo berth > /proc/sys/kernel/domainname && echo WROTE; true");

        Assert.DoesNotContain("WROTE", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("Read-only file system", result.Stderr, StringComparison.Ordinal);
    }

    [RequiresRootFact]
    public void Run_ReadonlyBindMount_ShowsHostFileAndRefusesWrites()
    {
        var hostDir = TestPaths.NewDirectory("bind");
        try
        {
            File.WriteAllText(Path.Join(hostDir, "f"), "from-host");

            var result = RunInside("cat /data/f; echo; touch /data/g && echo WROTE; true", c => c["mounts"]!.AsArray().Add(new JsonObject
            {
                ["destination"] = "/data",
                ["type"] = "bind",
                ["source"] = hostDir,
                ["options"] = new JsonArray("rbind", "ro"),
            }));

            Assert.True(result.Succeeded, result.ToString());
            Assert.Equal("from-host", result.Stdout.Split('\n')[0]);
            Assert.DoesNotContain("WROTE", result.Stdout, StringComparison.Ordinal);
            Assert.False(File.Exists(Path.Join(hostDir, "g")));
        }
        finally
        {
            TestPaths.DeleteDirectory(hostDir);
        }
    }

    [RequiresRootFact]
    public void Run_Stdin_ReachesTheProcess()
    {
        var bundle = _h.NewBundle("sh", "-c", "read line; echo got:$line");

        var result = _h.Cli.RunAsync(["run", "--bundle", bundle.Path, _id], stdin: "hello\n").GetAwaiter().GetResult();

        Assert.True(result.Succeeded, result.ToString());
        Assert.Equal("got:hello", result.Stdout.Trim());
    }

    private static Dictionary<string, string> ParseStatus(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split(':', 2))
            .Where(p => p.Length == 2)
            .ToDictionary(p => p[0].Trim(), p => p[1].Trim());

    private const int MNT_DETACH = 2;

    [LibraryImport("libc", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int mount(string source, string target, string fstype, ulong flags, string? data);

    [LibraryImport("libc", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int umount2(string target, int flags);
}
