using System.Diagnostics;
using System.Security.Cryptography;
using Berth.Testing;
using Xunit.Abstractions;

namespace Berth.Engine.Tests.Escape;

/// <summary>
/// The escape suite: each known container escape is tried from inside a real container that the engine made
/// with its default security (<see cref="DefaultSecurity"/>: Docker's capability set, the default seccomp
/// profile, no_new_privs, masked and read-only kernel paths, the default pids limit), by the static probe in
/// escape-probe.c bound in read-only. Every attempt must be refused (the probe exits 0 and prints
/// <c>refused …</c>) and leave the host as it was: the runtime binary's bytes, the kernel settings the
/// attempts aim at, the host's mounts outside the tests' folders, and a marker file.
/// </summary>
public sealed class EscapeTests : IDisposable
{
    private const string OvercommitRatio = "/proc/sys/vm/overcommit_ratio";
    private const string KsmPagesToScan = "/sys/kernel/mm/ksm/pages_to_scan";

    private readonly EngineHarness _h = new();
    private readonly string _markerDir = TestPaths.NewDirectory("escape-marker");
    private readonly ITestOutputHelper _output;

    public EscapeTests(ITestOutputHelper output)
    {
        _output = output;
        File.WriteAllText(Path.Combine(_markerDir, "marker"), "host");
    }

    public void Dispose()
    {
        try { _h.Dispose(); }
        finally { TestPaths.DeleteDirectory(_markerDir); }
    }

    /// <summary>Every attempt run by <see cref="Attempt_InDefaultContainer_IsRefusedAndHostUnchanged"/>: a name and the probe's arguments.</summary>
    public static TheoryData<string> Attempts() =>
    [
        "mount", "userns", "keyctl", "bpf", "ptrace-host", "write-proc-sys", "write-sys", "write-sysrq",
        "read-kcore", "read-keys", "read-timer-list", "read-sys-firmware", "proc-root", "leaked-fds-run",
        "mknod-host-disk", "raise-rlimit", "fork-bomb",
    ];

    [RequiresRootTheory]
    [MemberData(nameof(Attempts))]
    public void Attempt_InDefaultContainer_IsRefusedAndHostUnchanged(string attempt)
    {
        var before = HostSnapshot.Take(_h.Cli.BinaryPath, _markerDir);

        var result = _h.Run(["run", "--rm", "-v", EscapeProbe.Dir + ":/probe:ro", "busybox", "/probe/escape-probe", .. ProbeArgs(attempt)]);
        _output.WriteLine($"{attempt}: {result.Stdout.Trim()}");

        Assert.True(result.ExitCode == 0 && result.Stdout.StartsWith("refused ", StringComparison.Ordinal), $"{attempt}: {result}");
        Assert.Equal(before, HostSnapshot.Take(_h.Cli.BinaryPath, _markerDir));
    }

    [RequiresRootFact]
    public void SetuidBinary_UnderNoNewPrivileges_KeepsTheCallersUid()
    {
        var result = _h.Run("run", "--rm", "--user", "1000:1000", "-v", EscapeProbe.SetuidDir + ":/probe:ro", "busybox", "/probe/escape-probe", "setuid");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("refused euid stays 1000\n", result.Stdout);
    }

    [RequiresRootFact]
    public void MemoryBomb_UnderAMemoryLimit_IsKilledAndTheHostKeepsItsMemory()
    {
        // The engine sets no memory limit by default (as Docker); a sandbox gets one from its template.
        var result = _h.Run("run", "--rm", "-m", "64m", "-v", EscapeProbe.Dir + ":/probe:ro", "busybox", "/probe/escape-probe", "membomb", "4096");

        Assert.True(result.ExitCode == 137, $"expected the OOM killer's 137: {result}");
        Assert.DoesNotContain("ESCAPED", result.Stdout);
    }

    [RequiresRootFact]
    public void LeakedFds_InExec_NoneAboveStdio()
    {
        _h.Ok("run", "-d", "--name", "fds", "-v", EscapeProbe.Dir + ":/probe:ro", "busybox", "sleep", "60");

        var result = _h.Run("exec", "fds", "/probe/escape-probe", "fds");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("refused no descriptor above stdio\n", result.Stdout);
    }

    /// <summary>
    /// CVE-2019-5736: an image makes <c>exec</c> run the runtime itself as the container's process (a script whose
    /// interpreter is <c>/proc/self/exe</c>; the runtime's C libraries are bound in, as the original exploit
    /// installed them), holds it there (its <c>update -r -</c> reads stdin, which the test keeps open), while the
    /// container's first process takes hold of that executable through <c>/proc/PID/exe</c> and, once it exits,
    /// reopens it for writing.
    /// </summary>
    [RequiresRootFact]
    public void RuntimeBinary_ThroughProcPidExe_CannotBeOpenedForWriting()
    {
        var before = HostSnapshot.Take(_h.Cli.BinaryPath, _markerDir);
        _h.Ok("run", "-d", "--name", "exe", "-v", EscapeProbe.Dir + ":/probe:ro", "-v", "/lib64:/lib64:ro",
            "-v", "/lib/x86_64-linux-gnu:/lib/x86_64-linux-gnu:ro", "busybox", "sh", "-c",
            "printf '#!/proc/self/exe update\\n' > /evil && chmod 755 /evil && exec /probe/escape-probe exe 20");
        EngineHarness.WaitUntil(() => _h.Run("logs", "exe").Stdout.Contains("watching", StringComparison.Ordinal), "the probe to watch");

        using (var exec = Process.Start(new ProcessStartInfo(_h.Cli.BinaryPath, ["--root", _h.Cli.Root, "--data-root", _h.DataRoot, "exec", "-i", "exe", "/evil", "-r", "-"])
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true,
        })!)
        {
            try { EngineHarness.WaitUntil(() => _h.Run("logs", "exe").Stdout.Contains("holding", StringComparison.Ordinal), "the probe to hold the runtime's executable", 20); }
            finally
            {
                // The runtime inside reads stdin to its end: closing it lets that process exit, after which the
                // probe tries to reopen what it holds for writing.
                exec.StandardInput.Close();
                if (!exec.WaitForExit(10_000)) exec.Kill(entireProcessTree: true);
            }
            EngineHarness.WaitUntil(() => _h.Status("exe") == "exited", "the probe's verdict", 25);
        }

        var log = _h.Run("logs", "exe").Stdout;
        _output.WriteLine(log);
        Assert.True((int)_h.Inspect("exe")["state"]!["exitCode"]! == 0, log);
        Assert.Contains("holding ", log);
        Assert.Contains("refused ", log);
        Assert.Equal(before, HostSnapshot.Take(_h.Cli.BinaryPath, _markerDir));
    }

    /// <summary>
    /// The runtime's own side of CVE-2019-5736: a created container's init (a berth process in the container's pid
    /// namespace) runs from a read-only view of the binary, so its <c>/proc/PID/exe</c> cannot be written through.
    /// </summary>
    [RequiresRootFact]
    public void CreatedInit_ExecutableBehindProcPidExe_IsOnAReadonlyMount()
    {
        using var bundle = OciBundle.Create("sleep", "30");
        var id = UniqueId.New("exe");
        var created = _h.Cli.Run("create", "--bundle", bundle.Path, id);
        Assert.True(created.Succeeded, created.ToString());
        try
        {
            var state = System.Text.Json.Nodes.JsonNode.Parse(_h.Cli.Run("state", id).Stdout)!;
            var exe = $"/proc/{(int)state["pid"]!}/exe";

            Assert.NotEqual(0UL, Berth.Linux.Statfs.Flags(exe) & Berth.Linux.Statfs.ST_RDONLY);
            Assert.Equal(File.ReadAllBytes(_h.Cli.BinaryPath), File.ReadAllBytes(exe));
        }
        finally { _h.Cli.Run("delete", "--force", id); }
    }

    /// <summary>
    /// CVE-2024-21626: a working directory of <c>/proc/self/fd/N</c> would follow a descriptor the runtime still holds
    /// when it enters the directory; whatever N, the process must not start outside the container's root.
    /// </summary>
    [RequiresRootFact]
    public void Cwd_ThroughProcSelfFd_NeverLeadsToTheHost()
    {
        _h.Ok("run", "-d", "--name", "cwd", "busybox", "sleep", "60");
        for (var n = 3; n <= 10; n++)
        {
            var path = "/proc/self/fd/" + n.ToString(System.Globalization.CultureInfo.InvariantCulture);
            var exec = _h.Run("exec", "-w", path, "cwd", "sh", "-c", "pwd -P; ls");
            var run = _h.Run("run", "--rm", "-w", path, "busybox", "sh", "-c", "pwd -P; ls");

            Assert.True(exec.ExitCode != 0 || !exec.Stdout.Contains("(unreachable)", StringComparison.Ordinal), $"exec -w {path}: {exec}");
            Assert.True(run.ExitCode != 0 || !run.Stdout.Contains("(unreachable)", StringComparison.Ordinal), $"run -w {path}: {run}");
            Assert.DoesNotContain("berth-tests", exec.Stdout + run.Stdout);
        }
    }

    private string[] ProbeArgs(string attempt)
    {
        var hostDev = HostRootDevice();
        return attempt switch
        {
            "mount" or "userns" or "keyctl" or "bpf" => [attempt],
            "ptrace-host" => ["ptrace", Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture)],
            "write-proc-sys" => ["write", OvercommitRatio, "77"],
            "write-sys" => ["write", KsmPagesToScan, "4242"],
            "write-sysrq" => ["write", "/proc/sysrq-trigger", "h"],
            "read-kcore" => ["read", "/proc/kcore"],
            "read-keys" => ["read", "/proc/keys"],
            "read-timer-list" => ["read", "/proc/timer_list"],
            "read-sys-firmware" => ["read", "/sys/firmware"],
            "proc-root" => ["procroot", Path.Combine(_markerDir, "marker"), Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture)],
            "leaked-fds-run" => ["fds"],
            "mknod-host-disk" => ["mknod", hostDev.Major.ToString(System.Globalization.CultureInfo.InvariantCulture), hostDev.Minor.ToString(System.Globalization.CultureInfo.InvariantCulture)],
            "raise-rlimit" => ["rlimit"],
            "fork-bomb" => ["forkbomb", "100000"],
            _ => throw new ArgumentOutOfRangeException(nameof(attempt), attempt, "no such attempt"),
        };
    }

    /// <summary>The device of the host's root file system (its disk, which a container must never read raw).</summary>
    private static (long Major, long Minor) HostRootDevice()
    {
        var line = File.ReadAllLines("/proc/self/mountinfo").Select(l => l.Split(' ')).First(f => f[4] == "/");
        var mm = line[2].Split(':');
        return (long.Parse(mm[0], System.Globalization.CultureInfo.InvariantCulture), long.Parse(mm[1], System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>What an escape would change on the host.</summary>
    private sealed record HostSnapshot(string BinarySha256, string Overcommit, string Ksm, string Marker, string Mounts)
    {
        public static HostSnapshot Take(string binary, string markerDir) => new(
            Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(binary))),
            File.ReadAllText(OvercommitRatio),
            File.Exists(KsmPagesToScan) ? File.ReadAllText(KsmPagesToScan) : "",
            string.Join(',', Directory.GetFileSystemEntries(markerDir)) + File.ReadAllText(Path.Combine(markerDir, "marker")),
            string.Join('\n', File.ReadAllLines("/proc/self/mountinfo").Select(l => l.Split(' ')[4])
                .Where(m => !m.StartsWith(TestPaths.Root, StringComparison.Ordinal) && !m.StartsWith("/run/netns", StringComparison.Ordinal)).Order(StringComparer.Ordinal)));
    }
}
