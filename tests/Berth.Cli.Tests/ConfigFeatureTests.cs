using System.Diagnostics;
using System.Text.Json.Nodes;
using Berth.Testing;

namespace Berth.Cli.Tests;

/// <summary>Config fields and CLI flags, each checked by what the container or the kernel shows.</summary>
public sealed class ConfigFeatureTests : IDisposable
{
    private readonly CliHarness _h = new();
    private readonly string _id = UniqueId.New("c");
    private readonly string _dir = TestPaths.NewDirectory("feature");

    public void Dispose()
    {
        try
        {
            _h.Dispose();
        }
        finally
        {
            TestPaths.DeleteDirectory(_dir);
        }
    }

    private CliResult RunInside(string script, Action<JsonObject>? configure = null, params string[] runFlags)
    {
        var bundle = _h.NewBundle("sh", "-c", script);
        configure?.Invoke(bundle.Config);
        bundle.Save();
        return _h.Run(["run", .. runFlags, "--bundle", bundle.Path, _id]);
    }

    [RequiresRootFact]
    public void Run_SysctlIpForward_ShowsInsideNetworkNamespace()
    {
        var result = RunInside(
            "cat /proc/sys/net/ipv4/ip_forward",
            c => c["linux"]!["sysctl"] = new JsonObject { ["net.ipv4.ip_forward"] = "1" });

        Assert.True(result.Succeeded, result.ToString());
        Assert.Equal("1", result.Stdout.Trim());
    }

    [RequiresRootFact]
    public void Create_SysctlKernelPanic_IsRefused()
    {
        var before = File.ReadAllText("/proc/sys/kernel/panic");

        var result = RunInside("true", c => c["linux"]!["sysctl"] = new JsonObject { ["kernel.panic"] = "17" });

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("kernel.panic", result.Stderr, StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllText("/proc/sys/kernel/panic"));
        Assert.False(Directory.Exists(_h.StateDir(_id)));
    }

    [RequiresRootFact]
    public void Run_LinuxDevicesFuse_NodeHasMajorMinorAndMode()
    {
        var result = RunInside(
            "stat -c '%F %t %T %a' /dev/fuse",
            c =>
            {
                c["linux"]!["devices"] = new JsonArray(new JsonObject
                {
                    ["path"] = "/dev/fuse",
                    ["type"] = "c",
                    ["major"] = 10,
                    ["minor"] = 229,
                    ["fileMode"] = 438,
                    ["uid"] = 0,
                    ["gid"] = 0,
                });
                // As Docker's --device does: the node plus a cgroup rule, since
                // the default config denies every device (mknod included).
                c["linux"]!["resources"]!["devices"]!.AsArray().Add(new JsonObject
                {
                    ["allow"] = true, ["type"] = "c", ["major"] = 10, ["minor"] = 229, ["access"] = "rwm",
                });
            });

        Assert.True(result.Succeeded, result.ToString());
        // busybox prints major/minor in hex: 10 = a, 229 = e5.
        Assert.Equal("character special file a e5 666", result.Stdout.Trim());
    }

    [RequiresRootFact]
    public void Run_NoPivot_SeesItsOwnRootfs()
    {
        var marker = UniqueId.New("m");
        var bundle = _h.NewBundle("sh", "-c", "cat /marker; ls -d /proc/1 >/dev/null && echo proc-ok");
        File.WriteAllText(Path.Join(bundle.RootfsPath, "marker"), marker);

        var result = _h.Run("run", "--no-pivot", "--bundle", bundle.Path, _id);

        Assert.True(result.Succeeded, result.ToString());
        Assert.Equal($"{marker}proc-ok", result.Stdout.Replace("\n", "", StringComparison.Ordinal));
    }

    [RequiresRootFact]
    public void State_Annotations_AreReported()
    {
        var bundle = _h.NewBundle("sleep", "30");
        bundle.Config["annotations"] = new JsonObject { ["org.berth.test"] = "value-1", ["other"] = "" };
        bundle.Save();

        _h.Ok("create", "--bundle", bundle.Path, _id);

        var annotations = _h.State(_id)["annotations"]!.AsObject();
        Assert.Equal("value-1", (string?)annotations["org.berth.test"]);
        Assert.Equal("", (string?)annotations["other"]);
    }

    [RequiresRootFact]
    public void Run_ProcessUser_KernelShowsUidGidAndGroups()
    {
        var result = RunInside(
            "grep -E '^(Uid|Gid|Groups):' /proc/self/status",
            c => c["process"]!["user"] = new JsonObject { ["uid"] = 1000, ["gid"] = 1000, ["additionalGids"] = new JsonArray(5) });

        Assert.True(result.Succeeded, result.ToString());
        var fields = result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split(':', 2))
            .ToDictionary(p => p[0], p => p[1].Split((char[])['\t', ' '], StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(["1000", "1000", "1000", "1000"], fields["Uid"]);
        Assert.Equal(["1000", "1000", "1000", "1000"], fields["Gid"]);
        Assert.Equal(["5"], fields["Groups"]);
    }

    [RequiresRootFact]
    public void Run_OomScoreAdj_ShowsInProc()
    {
        var result = RunInside("cat /proc/self/oom_score_adj", c => c["process"]!["oomScoreAdj"] = 500);

        Assert.True(result.Succeeded, result.ToString());
        Assert.Equal("500", result.Stdout.Trim());
    }

    [RequiresRootFact]
    public void Run_RlimitNofile_ShowsInUlimit()
    {
        var result = RunInside(
            "ulimit -n; ulimit -Hn",
            c => c["process"]!["rlimits"] = new JsonArray(new JsonObject { ["type"] = "RLIMIT_NOFILE", ["hard"] = 100, ["soft"] = 100 }));

        Assert.True(result.Succeeded, result.ToString());
        Assert.Equal("100\n100", result.Stdout.Trim());
    }

    [RequiresRootFact]
    public void Log_JsonFormatOnFailure_WritesErrorLine()
    {
        var log = Path.Join(_dir, "berth.log");

        var result = _h.Run("--log", log, "--log-format", "json", "state", _id);

        Assert.NotEqual(0, result.ExitCode);
        var lines = File.ReadAllLines(log).Where(l => l.Length > 0).ToList();
        Assert.NotEmpty(lines);
        var entry = JsonNode.Parse(lines[^1])!.AsObject();
        Assert.Equal("error", (string?)entry["level"]);
        Assert.Contains(_id, (string?)entry["msg"] ?? "", StringComparison.Ordinal);
        Assert.NotNull(entry["time"]);
    }

    [RequiresRootFact]
    public async Task Events_Interval_StreamsStatsAndEndsWhenContainerStops()
    {
        var bundle = _h.NewBundle("sleep", "1");
        _h.CreateAndStart(bundle, _id);

        var result = await _h.Cli.RunAsync(["events", "--interval", "200ms", _id], TimeSpan.FromSeconds(10));

        Assert.True(result.Succeeded, result.ToString());
        var stats = result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => JsonNode.Parse(l)!.AsObject())
            .Where(e => (string?)e["type"] == "stats")
            .ToList();
        Assert.True(stats.Count >= 2, result.ToString());
        Assert.All(stats, e => Assert.Equal(_id, (string?)e["id"]));
        Assert.Equal("stopped", (string?)_h.State(_id)["status"]);
    }

    [RequiresRootFact]
    public void Events_Streaming_MissingContainer_FailsLikeStats()
    {
        var result = _h.Run("events", "--interval", "200ms", _id);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains(_id, result.Stderr, StringComparison.Ordinal);
        Assert.Empty(result.Stdout);
    }

    [RequiresRootFact]
    public void Exec_ProcessFile_RunsWithItsEnvAndCwd()
    {
        var bundle = _h.NewBundle("sleep", "30");
        _h.CreateAndStart(bundle, _id);
        var process = (JsonObject)bundle.Config["process"]!.DeepClone();
        process["args"] = new JsonArray("sh", "-c", "echo $FOO; pwd");
        process["env"] = new JsonArray("PATH=/bin:/usr/bin", "FOO=from-process-json");
        process["cwd"] = "/dev";
        var processFile = Path.Join(_dir, "process.json");
        File.WriteAllText(processFile, process.ToJsonString());

        var result = _h.Run("exec", "--process", processFile, _id);

        Assert.True(result.Succeeded, result.ToString());
        Assert.Equal("from-process-json\n/dev", result.Stdout.Trim());
    }

    [RequiresRootFact]
    public void Exec_ProcessFile_KernelShowsItsUserCapabilitiesNoNewPrivsAndRlimit()
    {
        var bundle = _h.NewBundle("sleep", "30");
        _h.CreateAndStart(bundle, _id);
        var process = (JsonObject)bundle.Config["process"]!.DeepClone();
        process["args"] = new JsonArray("sh", "-c", "grep -E '^(Uid|Gid|CapEff|CapBnd|NoNewPrivs):' /proc/self/status; ulimit -n");
        process["user"] = new JsonObject { ["uid"] = 1000, ["gid"] = 1000 };
        // A non-root process keeps a capability across its exec only through the ambient set.
        process["capabilities"] = new JsonObject
        {
            ["bounding"] = new JsonArray("CAP_KILL"), ["effective"] = new JsonArray("CAP_KILL"), ["permitted"] = new JsonArray("CAP_KILL"),
            ["inheritable"] = new JsonArray("CAP_KILL"), ["ambient"] = new JsonArray("CAP_KILL"),
        };
        process["rlimits"] = new JsonArray(new JsonObject { ["type"] = "RLIMIT_NOFILE", ["hard"] = 333, ["soft"] = 333 });
        process["noNewPrivileges"] = true;
        var processFile = Path.Join(_dir, "process.json");
        File.WriteAllText(processFile, process.ToJsonString());

        var result = _h.Run("exec", "--process", processFile, _id);

        Assert.True(result.Succeeded, result.ToString());
        var lines = result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => string.Join(' ', l.Split((char[])['\t', ' '], StringSplitOptions.RemoveEmptyEntries))).ToList();
        Assert.Contains("Uid: 1000 1000 1000 1000", lines);
        Assert.Contains("Gid: 1000 1000 1000 1000", lines);
        Assert.Contains("CapEff: 0000000000000020", lines);
        Assert.Contains("CapBnd: 0000000000000020", lines);
        Assert.Contains("NoNewPrivs: 1", lines);
        Assert.Contains("333", lines);
    }

    [RequiresRootFact]
    public async Task Update_ResourcesFromStdin_SetsPidsMax()
    {
        var bundle = _h.NewBundle("sleep", "30");
        _h.CreateAndStart(bundle, _id);

        var result = await _h.Cli.RunAsync(["update", "-r", "-", _id], stdin: """{"pids":{"limit":42}}""");

        Assert.True(result.Succeeded, result.ToString());
        Assert.Equal("42", File.ReadAllText(Path.Join(HostCgroups.ContainerDir("pids", _id), "pids.max")).Trim());
    }
}
