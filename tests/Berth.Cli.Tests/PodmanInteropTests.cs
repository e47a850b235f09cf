using Berth.Testing;

namespace Berth.Cli.Tests;

/// <summary>
/// Podman 4.3 (through conmon) using the real berth binary as its OCI runtime: <c>podman --runtime BERTH …</c>.
/// Conmon calls <c>create --bundle … --pid-file … ID</c>, <c>start</c>, <c>exec --detach</c>, <c>kill</c> and
/// <c>delete --force</c>, and reaps the container itself, so these cover berth's runc-compatible contract.
/// </summary>
public sealed class PodmanInteropTests(PodmanFixture podman) : IClassFixture<PodmanFixture>
{
    [RequiresRootFact]
    public void Run_RmEcho_PrintsHiAndExitsZero()
    {
        var r = podman.Podman(["run", "--rm", "--network=none", .. PodmanFixture.Ulimits, podman.Image, "echo", "hi"]);

        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal("hi\n", r.Stdout);
    }

    [RequiresRootFact]
    public void Run_ExitingThree_ExitCodePassesThrough()
    {
        var r = podman.Podman(["run", "--rm", "--network=none", .. PodmanFixture.Ulimits, podman.Image, "sh", "-c", "echo out; echo err >&2; exit 3"]);

        Assert.True(r.ExitCode == 3, r.ToString());
        Assert.Equal("out\n", r.Stdout);
        Assert.Contains("err", r.Stderr, StringComparison.Ordinal);
    }

    [RequiresRootFact]
    public void Run_WithTerminal_UsesConsoleSocket()
    {
        var r = podman.Podman(["run", "--rm", "-t", "--network=none", .. PodmanFixture.Ulimits, podman.Image, "sh", "-c", "test -t 1 && tty"]);

        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.StartsWith("/dev/pts/", r.Stdout, StringComparison.Ordinal);
    }

    [RequiresRootFact]
    public void RunDetachedStopRm_LeavesNoStateCgroupOrProcess()
    {
        var run = podman.Podman(["run", "-d", "--network=none", .. PodmanFixture.Ulimits, podman.Image, "sleep", "1000"]);
        Assert.True(run.ExitCode == 0, run.ToString());
        var id = run.Stdout.Trim();
        Assert.Matches("^[0-9a-f]{64}$", id);
        try
        {
            var inspect = podman.Podman(["inspect", "--format", "{{.State.Status}} {{.State.Pid}}", id]).Check("podman inspect");
            var fields = inspect.Stdout.Trim().Split(' ');
            Assert.Equal("running", fields[0]);
            var pid = int.Parse(fields[1], System.Globalization.CultureInfo.InvariantCulture);
            var cgroups = CgroupDirectoriesOf(pid);
            Assert.True(cgroups.Count > 0, $"container process {pid} is in no cgroup of its own: {File.ReadAllText($"/proc/{pid}/cgroup")}");
            Assert.All(cgroups, d => Assert.True(Directory.Exists(d), $"{d} does not exist"));
            var stateDir = Path.Combine(PodmanFixture.BerthStateRoot, id);
            Assert.True(Directory.Exists(stateDir), $"berth keeps no state at {stateDir}");

            var stop = podman.Podman(["stop", "--time", "1", id]);
            Assert.True(stop.ExitCode == 0, stop.ToString());
            var status = podman.Podman(["inspect", "--format", "{{.State.Status}}", id]).Check("podman inspect");
            Assert.Equal("exited", status.Stdout.Trim());
            var rm = podman.Podman(["rm", id]);
            Assert.True(rm.ExitCode == 0, rm.ToString());

            Assert.False(Directory.Exists(stateDir), $"{stateDir} is left behind");
            Assert.All(cgroups, d => Assert.False(Directory.Exists(d), $"cgroup {d} is left behind"));
            // conmon leaves once it has reported the exit; give it a moment.
            var deadline = DateTime.UtcNow.AddSeconds(3);
            while (ProcessesMentioning(id).Count > 0 && DateTime.UtcNow < deadline) Thread.Sleep(50);
            Assert.Empty(ProcessesMentioning(id));
        }
        finally
        {
            podman.Podman(["rm", "--force", "--time", "0", id]);
        }
    }

    [RequiresRootFact]
    public void Exec_WithStdin_PassesInputOutputAndExitCode()
    {
        var run = podman.Podman(["run", "-d", "--network=none", .. PodmanFixture.Ulimits, podman.Image, "sleep", "1000"]);
        Assert.True(run.ExitCode == 0, run.ToString());
        var id = run.Stdout.Trim();
        try
        {
            var cat = podman.Podman(["exec", "-i", id, "cat"], stdin: "through stdin\n");
            Assert.True(cat.ExitCode == 0, cat.ToString());
            Assert.Equal("through stdin\n", cat.Stdout);

            var ps = podman.Podman(["exec", id, "ps", "-o", "pid,args"]);
            Assert.True(ps.ExitCode == 0, ps.ToString());
            Assert.Matches(@"(?m)^\s*1\s+sleep 1000\s*$", ps.Stdout);

            var exit = podman.Podman(["exec", id, "sh", "-c", "exit 7"]);
            Assert.True(exit.ExitCode == 7, exit.ToString());
        }
        finally
        {
            podman.Podman(["rm", "--force", "--time", "0", id]);
        }
    }

    /// <summary>The directories of the cgroups <paramref name="pid"/> is in that are not the root of a hierarchy.</summary>
    private static List<string> CgroupDirectoriesOf(int pid)
    {
        var dirs = new List<string>();
        foreach (var line in File.ReadAllLines($"/proc/{pid}/cgroup"))
        {
            var parts = line.Split(':', 3);
            if (parts.Length < 3 || parts[2] == "/" || parts[1].StartsWith("name=", StringComparison.Ordinal)) continue;
            var hierarchy = parts[1].Length == 0 ? "unified" : parts[1].Split(',')[0];
            var mount = parts[1].Length == 0 && !Directory.Exists("/sys/fs/cgroup/unified") ? "/sys/fs/cgroup" : $"/sys/fs/cgroup/{hierarchy}";
            dirs.Add(mount + parts[2]);
        }

        return dirs;
    }

    /// <summary>Processes whose command line mentions <paramref name="text"/> (conmon, a berth monitor, the payload).</summary>
    private static List<string> ProcessesMentioning(string text)
    {
        var found = new List<string>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out _)) continue;
            try
            {
                var cmdline = File.ReadAllText(Path.Combine(dir, "cmdline")).Replace('\0', ' ');
                // podman itself (a cleanup process that is just finishing) is not a leak.
                if (cmdline.Contains(text, StringComparison.Ordinal) && !cmdline.StartsWith(PodmanFixture.PodmanPath + " ", StringComparison.Ordinal))
                    found.Add($"{Path.GetFileName(dir)}: {cmdline}");
            }
            catch (IOException) { /* gone meanwhile */ }
        }

        return found;
    }
}
