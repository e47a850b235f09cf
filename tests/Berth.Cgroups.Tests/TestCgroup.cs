using System.Diagnostics;

namespace Berth.Cgroups.Tests;

/// <summary>
/// A uniquely named cgroup nested under the test process's own cgroup, plus the processes a test starts; Dispose
/// kills those processes and removes the cgroup in every hierarchy, even when the test failed.
/// </summary>
public sealed class TestCgroup : IDisposable
{
    private readonly List<Process> processes = [];

    public TestCgroup(CgroupLayout? layout = null, string? suffix = null)
    {
        Layout = layout ?? CgroupLayout.Detect();
        Name = $"berth-test-{Guid.NewGuid():N}" + suffix;
        Manager = CgroupManagerFactory.Create(Layout, Name);
    }

    public CgroupLayout Layout { get; }

    /// <summary>
    /// This host's cgroup2 mount alone, as a unified host would show it, with the caller's own cgroup at
    /// <paramref name="ownPath"/> (default: the test process's own there).
    /// </summary>
    public static CgroupLayout UnifiedOnlyLayout(string? ownPath = null)
    {
        var mountInfo = string.Join('\n', File.ReadAllLines("/proc/self/mountinfo").Where(l => l.Contains(" - cgroup2 ", StringComparison.Ordinal)));
        return CgroupLayout.Detect(mountInfo, ownPath is null ? File.ReadAllText("/proc/self/cgroup") : $"0::{ownPath}\n", null);
    }

    public string Name { get; }

    public ICgroupManager Manager { get; }

    public string Dir(string key) => Manager.Directories[key];

    public string Read(string key, string file) => File.ReadAllText(Path.Join(Dir(key), file)).Trim();

    /// <summary>Starts <c>/bin/sh -c script</c> with redirected stdio; scripts begin with <c>read x</c> so they wait to be released.</summary>
    public Process StartShell(string script)
    {
        var p = Process.Start(new ProcessStartInfo("/bin/sh", ["-c", script])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        processes.Add(p);
        return p;
    }

    /// <summary>Starts a waiting shell, moves it into the cgroup, then lets it run the rest of <paramref name="script"/>.</summary>
    public Process RunInside(string script)
    {
        var p = StartShell("read x; " + script);
        Manager.AddProcess(p.Id);
        p.StandardInput.WriteLine("go");
        p.StandardInput.Flush();
        return p;
    }

    public void Dispose()
    {
        try
        {
            if (Manager.Exists())
            {
                Manager.Destroy(kill: true);
            }
        }
        finally
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
        }
    }
}
