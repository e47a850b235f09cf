using System.Diagnostics;
using System.Text;
using Berth.Testing;

namespace Berth.Cli.Tests;

/// <summary>What a podman invocation returned.</summary>
public sealed record PodmanResult(IReadOnlyList<string> Args, int ExitCode, string Stdout, string Stderr)
{
    public override string ToString() =>
        $"podman {string.Join(' ', Args)} exited {ExitCode}\n--- stdout ---\n{Stdout}\n--- stderr ---\n{Stderr}";
}

/// <summary>
/// Podman with berth as its OCI runtime, on storage of its own: once per test run it builds a busybox image
/// (a tar of <see cref="BusyboxRootfs"/>, <c>podman import</c>ed, no network), under
/// <c>/tmp/berth-tests/podman-…</c> with private <c>--root</c>, <c>--runroot</c> and <c>--tmpdir</c>, cgroupfs
/// and a file events log, so nothing of the machine's podman is used or changed. <see cref="Dispose"/> removes
/// every container and image it made, any mount left under its folder, and the folder.
/// </summary>
/// <remarks>
/// Podman is given the berth binary itself (<c>--runtime /ABS/berth</c>); it calls it with no <c>--root</c>
/// (and drops <c>--runtime-flag</c> on the <c>delete</c> of its cleanup process), so berth keeps its state in
/// its default <c>/run/berth</c>, under podman's random 64-hex ids. Root here lacks CAP_SYS_RESOURCE, so every
/// run passes <see cref="Ulimits"/> instead of podman's default of 1048576 open files.
/// </remarks>
public sealed class PodmanFixture : IDisposable
{
    /// <summary>Where podman must be (Debian's package); test.sh installs it.</summary>
    public const string PodmanPath = "/usr/bin/podman";

    /// <summary>Berth's state root when it runs under podman (none is passed, so its default).</summary>
    public const string BerthStateRoot = "/run/berth";

    /// <summary>The flags each <c>podman run</c> needs on these machines.</summary>
    public static readonly string[] Ulimits = ["--ulimit", "nofile=20000:20000", "--ulimit", "nproc=20000:20000"];

    private static readonly TimeSpan OutputGrace = TimeSpan.FromSeconds(1);

    public PodmanFixture()
    {
        if (!File.Exists(PodmanPath))
        {
            throw new InvalidOperationException(
                $"{PodmanPath} is missing: the podman interop tests need podman and conmon (apt-get install -y podman conmon; ./test.sh does it)");
        }

        BerthPath = BerthCli.LocateBinary();
        Dir = TestPaths.NewDirectory("podman");
        try
        {
            var rootfs = Path.Combine(Dir, "rootfs");
            BusyboxRootfs.CreateAt(rootfs);
            var tar = Path.Combine(Dir, "rootfs.tar");
            Exec("/usr/bin/tar", ["-C", rootfs, "-cf", tar, "."], TimeSpan.FromSeconds(30)).Check("tar of the busybox rootfs");
            Image = "localhost/berth-busybox:" + Path.GetFileName(Dir);
            Podman(["import", tar, Image], TimeSpan.FromSeconds(60)).Check("podman import");
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>The berth binary podman runs.</summary>
    public string BerthPath { get; }

    /// <summary>This fixture's folder: storage, run root, temp dir, rootfs and tar.</summary>
    public string Dir { get; }

    /// <summary>The busybox image (<c>/bin/busybox</c> plus a link per applet).</summary>
    public string Image { get; } = "";

    /// <summary>The flags that select this fixture's storage, before the podman verb.</summary>
    public IReadOnlyList<string> GlobalArgs =>
    [
        "--root", Path.Combine(Dir, "storage"),
        "--runroot", Path.Combine(Dir, "run"),
        "--tmpdir", Path.Combine(Dir, "tmp"),
        "--cgroup-manager", "cgroupfs",
        "--events-backend", "file",
        "--storage-driver", "overlay",
    ];

    /// <summary>Runs <c>podman GLOBAL --runtime BERTH ARGS…</c>; a non-zero exit is returned, not thrown.</summary>
    public PodmanResult Podman(IReadOnlyList<string> args, TimeSpan? timeout = null, string? stdin = null)
    {
        var full = new List<string>(GlobalArgs) { "--runtime", BerthPath };
        full.AddRange(args);
        var r = Exec(PodmanPath, full, timeout ?? TimeSpan.FromSeconds(25), stdin);
        return r with { Args = args };
    }

    /// <summary>
    /// Runs a program and collects its output. A process it leaves behind (conmon after <c>run -d</c>) may hold
    /// the output pipes, so after the exit the readers get only a short grace period.
    /// </summary>
    /// <exception cref="TimeoutException">It did not exit in time; its process tree was killed.</exception>
    public static PodmanResult Exec(string file, IReadOnlyList<string> args, TimeSpan timeout, string? stdin = null)
    {
        var start = new ProcessStartInfo(file)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in args) start.ArgumentList.Add(a);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"cannot start {file}");
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        var pumps = new[] { Pump(process.StandardOutput, stdout), Pump(process.StandardError, stderr) };
        if (stdin is not null) process.StandardInput.Write(stdin);
        process.StandardInput.Close();
        if (!process.WaitForExit(timeout))
        {
            try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            process.WaitForExit();
            throw new TimeoutException($"{file} {string.Join(' ', args)} did not exit within {timeout.TotalSeconds} s\n" +
                                       $"--- stdout ---\n{Snapshot(stdout)}\n--- stderr ---\n{Snapshot(stderr)}");
        }

        Task.WaitAll(pumps, OutputGrace);
        return new PodmanResult(args, process.ExitCode, Snapshot(stdout), Snapshot(stderr));
    }

    public void Dispose()
    {
        if (File.Exists(PodmanPath) && Directory.Exists(Path.Combine(Dir, "storage")))
        {
            try
            {
                Podman(["rm", "--all", "--force", "--time", "0"], TimeSpan.FromSeconds(60));
                Podman(["rmi", "--all", "--force"], TimeSpan.FromSeconds(60));
            }
            catch (TimeoutException)
            {
                // Go on: the mounts and the folder are still ours to remove.
            }
        }

        // Overlay mounts that podman did not take down would keep the folder busy: deepest first.
        var prefix = Dir + "/";
        foreach (var mountPoint in File.ReadAllLines("/proc/self/mountinfo")
                     .Select(l => l.Split(' ')[4])
                     .Where(m => m.StartsWith(prefix, StringComparison.Ordinal))
                     .OrderByDescending(m => m.Length))
        {
            Exec("/usr/bin/umount", ["-l", mountPoint], TimeSpan.FromSeconds(10));
        }

        TestPaths.DeleteDirectory(Dir);
    }

    private static async Task Pump(StreamReader reader, StringBuilder sink)
    {
        var buffer = new char[4096];
        int n;
        while ((n = await reader.ReadAsync(buffer).ConfigureAwait(false)) > 0)
        {
            lock (sink) sink.Append(buffer, 0, n);
        }
    }

    private static string Snapshot(StringBuilder sink)
    {
        lock (sink) return sink.ToString();
    }
}

internal static class PodmanResultExtensions
{
    /// <summary>Throws with the whole result unless it exited 0.</summary>
    public static PodmanResult Check(this PodmanResult r, string what) =>
        r.ExitCode == 0 ? r : throw new InvalidOperationException($"{what} failed: {r}");
}
