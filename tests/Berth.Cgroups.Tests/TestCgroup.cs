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
