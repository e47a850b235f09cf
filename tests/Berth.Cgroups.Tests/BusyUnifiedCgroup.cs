using System.Diagnostics;
using System.Globalization;

namespace Berth.Cgroups.Tests;

/// <summary>
/// A uniquely named cgroup2 directory under the test process's own cgroup in this host's unified hierarchy, holding
/// processes of its own: what berth's own cgroup is on a systemd v2 host (a session scope, a service). Layouts
/// built by <see cref="LayoutInside"/> make the code under test believe it runs there. Dispose kills the processes
/// and removes the directory and everything below it, even when the test failed.
/// </summary>
public sealed class BusyUnifiedCgroup : IDisposable
{
    private readonly List<Process> processes = [];

    public BusyUnifiedCgroup()
    {
        var own = TestCgroup.UnifiedOnlyLayout().Unified!;
        Path = own.OwnPath.TrimEnd('/') + $"/berth-test-{Guid.NewGuid():N}";
        Dir = own.DirectoryOf(Path);
        Directory.CreateDirectory(Dir);
    }

    /// <summary>The cgroup path, as /proc/PID/cgroup shows it.</summary>
    public string Path { get; }

    public string Dir { get; }

    public string Leaf => System.IO.Path.Join(Dir, "berth.supervisor");

    /// <summary>The unified-only layout of a caller whose own cgroup is this one plus <paramref name="below"/>.</summary>
    public CgroupLayout LayoutInside(string below = "") => TestCgroup.UnifiedOnlyLayout(Path + below);

    /// <summary>Starts <c>/bin/sh -c script</c> and moves it into this cgroup; returns its pid.</summary>
    public int Add(string script)
    {
        var p = Process.Start(new ProcessStartInfo("/bin/sh", ["-c", script]) { RedirectStandardInput = true })!;
        processes.Add(p);
        File.WriteAllText(System.IO.Path.Join(Dir, "cgroup.procs"), p.Id.ToString(CultureInfo.InvariantCulture));
        return p.Id;
    }

    public static IReadOnlyList<int> Procs(string dir) =>
        File.ReadAllLines(System.IO.Path.Join(dir, "cgroup.procs")).Select(l => int.Parse(l, CultureInfo.InvariantCulture)).Order().ToList();

    public static string Read(string dir, string file) => File.ReadAllText(System.IO.Path.Join(dir, file)).Trim();

    public void Dispose()
    {
        foreach (var p in processes)
        {
            if (!p.HasExited)
            {
                p.Kill(entireProcessTree: true);
            }

            p.WaitForExit(5000);
            p.Dispose();
        }

        // What a forking script left behind (no longer in its tree) dies with the subtree's cgroup.kill.
        File.WriteAllText(System.IO.Path.Join(Dir, "cgroup.kill"), "1");

        CgroupFiles.RemoveTree(Dir, TimeSpan.FromSeconds(5));
    }
}
