using System.Diagnostics;
using System.Text.Json.Nodes;
using Berth.Testing;

namespace Berth.Engine.Tests;

/// <summary>
/// One test's engine: the berth binary with a private runtime root and data root, the busybox image loaded.
/// Dispose removes every container (killing running ones), checks that nothing is left mounted under the data
/// root, and removes both roots.
/// </summary>
internal sealed class EngineHarness : IDisposable
{
    public EngineHarness(bool loadBusybox = true)
    {
        DataRoot = TestPaths.NewDirectory("data");
        if (loadBusybox) Ok("image", "load", "-i", BusyboxImage.ArchivePath);
    }

    public BerthCli Cli { get; } = new();

    public string DataRoot { get; }

    /// <summary>The engine over the same roots, for reading what the CLI did and calling it in-process as the control plane does.</summary>
    public ContainerEngine Engine => _engine ??= new(new EngineOptions { DataRoot = DataRoot, RuntimeRoot = Cli.Root, BerthPath = Cli.BinaryPath });

    private ContainerEngine? _engine;

    /// <summary>The processes of a running container, depth first (<see cref="ContainerEngine.Top"/>).</summary>
    public List<ProcessTree.Node> Processes(string name) => Engine.Top(name).Walk().Select(w => w.Node).ToList();

    public CliResult Run(params string[] args) => Cli.Run(["--data-root", DataRoot, .. args]);

    public CliResult RunWithStdin(string stdin, params string[] args)
        => Cli.RunAsync(["--data-root", DataRoot, .. args], stdin: stdin).GetAwaiter().GetResult();

    /// <summary>Runs berth and fails the test with its output when it exits non-zero.</summary>
    public CliResult Ok(params string[] args)
    {
        var result = Run(args);
        Assert.True(result.Succeeded, $"berth {string.Join(' ', args)}: {result}");
        return result;
    }

    /// <summary>The container's record as <c>berth inspect</c> prints it.</summary>
    public JsonObject Inspect(string name) => JsonNode.Parse(Ok("inspect", name).Stdout)!.AsArray()[0]!.AsObject();

    public string Status(string name) => (string)Inspect(name)["state"]!["status"]!;

    /// <summary>Polls until <paramref name="condition"/> holds; fails after <paramref name="seconds"/>.</summary>
    public static void WaitUntil(Func<bool> condition, string what, double seconds = 10)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed.TotalSeconds > seconds) Assert.Fail($"timed out after {seconds} s waiting for {what}");
            Thread.Sleep(20);
        }
    }

    /// <summary>The overlay mounts under the data root (/proc/self/mountinfo).</summary>
    public List<string> Mounts()
        => File.ReadAllLines("/proc/self/mountinfo").Select(l => l.Split(' ')[4]).Where(m => m.StartsWith(DataRoot, StringComparison.Ordinal)).ToList();

    /// <summary>The containers' folders under the data root (not the store's own, such as its name index).</summary>
    public List<string> ContainerDirs()
    {
        var dir = Path.Combine(DataRoot, "containers");
        return Directory.Exists(dir) ? Directory.GetDirectories(dir).Select(d => Path.GetFileName(d)).Where(d => !d.StartsWith('.')).ToList() : [];
    }

    public void Dispose()
    {
        var failures = new List<string>();
        try
        {
            var ids = Run("ps", "-aq", "--no-trunc").Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            foreach (var id in ids)
            {
                var r = Run("rm", "-f", id);
                if (!r.Succeeded && !r.Stderr.Contains("no such container", StringComparison.Ordinal)) failures.Add($"rm -f {id}: {r}");
            }
            var mounts = Mounts();
            foreach (var m in mounts)
            {
                failures.Add("left mounted: " + m);
                try { Berth.Linux.Mounts.Unmount(m, Berth.Linux.Mounts.MNT_DETACH); }
                catch (Berth.Linux.LinuxException) { }
            }
        }
        finally
        {
            Cli.Dispose();
            TestPaths.DeleteDirectory(DataRoot);
        }
        if (failures.Count > 0) throw new InvalidOperationException("engine cleanup: " + string.Join('\n', failures));
    }
}
