using System.Diagnostics;
using System.Text.Json.Nodes;
using Berth.Testing;

namespace Berth.Cli.Tests;

public sealed class LimitsTests : IDisposable
{
    private const long SixteenMiB = 16L * 1024 * 1024;
    private readonly CliHarness _h = new();
    private readonly string _id = UniqueId.New("c");

    public void Dispose() => _h.Dispose();

    private static void SetResources(OciBundle bundle, JsonObject resources)
    {
        var existing = bundle.Config["linux"]!["resources"]!.AsObject();
        foreach (var (name, value) in resources.ToList())
        {
            resources.Remove(name);
            existing[name] = value;
        }

        bundle.Save();
    }

    [RequiresRootFact]
    public void MemoryLimit_DdAllocatingPastIt_IsOomKilled()
    {
        // busybox dd allocates its whole block; memory.swap equal to the
        // limit leaves no swap to escape to.
        var bundle = _h.NewBundle("dd", "if=/dev/zero", "of=/dev/null", "bs=64M", "count=1");
        SetResources(bundle, new JsonObject
        {
            ["memory"] = new JsonObject { ["limit"] = SixteenMiB, ["swap"] = SixteenMiB },
        });
        _h.Ok("create", "--bundle", bundle.Path, _id);
        var memoryDir = HostCgroups.ContainerDir("memory", _id);
        Assert.Equal(SixteenMiB, long.Parse(File.ReadAllText(Path.Join(memoryDir, "memory.limit_in_bytes"))));

        _h.Ok("start", _id);

        var stopped = _h.WaitForExit(_id);
        Assert.Equal(137, (int?)stopped["exitCode"]);
        Assert.True((bool?)stopped["oomKilled"], stopped.ToJsonString());
    }

    [RequiresRootFact]
    public void MemoryLimit_RunForeground_Exits137()
    {
        var bundle = _h.NewBundle("dd", "if=/dev/zero", "of=/dev/null", "bs=64M", "count=1");
        SetResources(bundle, new JsonObject
        {
            ["memory"] = new JsonObject { ["limit"] = SixteenMiB, ["swap"] = SixteenMiB },
        });

        var result = _h.Run("run", "--bundle", bundle.Path, _id);

        Assert.True(result.ExitCode == 137, result.ToString());
    }

    [RequiresRootFact]
    public void PidsLimit_ForkingPastIt_CannotFork()
    {
        var bundle = _h.NewBundle("sh", "-c", "for i in 1 2 3 4 5 6 7 8; do sleep 2 & done; echo STARTED-ALL");
        SetResources(bundle, new JsonObject { ["pids"] = new JsonObject { ["limit"] = 5 } });

        var result = _h.Run("run", "--bundle", bundle.Path, _id);

        Assert.Contains("can't fork", result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("STARTED-ALL", result.Stdout, StringComparison.Ordinal);
    }

    [RequiresRootFact]
    public void PidsLimit_Running_ShowsInPidsMax()
    {
        var bundle = _h.NewBundle("sleep", "30");
        SetResources(bundle, new JsonObject { ["pids"] = new JsonObject { ["limit"] = 5 } });

        _h.CreateAndStart(bundle, _id);

        Assert.Equal("5", File.ReadAllText(Path.Join(HostCgroups.ContainerDir("pids", _id), "pids.max")).Trim());
    }

    [RequiresRootFact]
    public void CpuQuota_BusyLoop_IsThrottled()
    {
        var bundle = _h.NewBundle("sh", "-c", "while :; do :; done");
        SetResources(bundle, new JsonObject
        {
            ["cpu"] = new JsonObject { ["quota"] = 10000, ["period"] = 100000 },
        });
        _h.Ok("run", "-d", "--bundle", bundle.Path, _id);

        long throttled = 0;
        CliHarness.WaitUntil(
            () =>
            {
                var result = _h.Ok("events", "--stats", _id);
                var stats = JsonNode.Parse(result.Stdout)!;
                Assert.Equal("stats", (string?)stats["type"]);
                throttled = stats["data"]!["cpu"]!["throttling"]!["throttledPeriods"]!.GetValue<long>();
                return throttled > 0;
            },
            "events --stats to show throttled periods",
            5);

        Assert.True(throttled > 0);
        var quota = File.ReadAllText(Path.Join(HostCgroups.ContainerDir("cpu", _id), "cpu.cfs_quota_us")).Trim();
        Assert.Equal("10000", quota);
    }

    [RequiresRootFact]
    public void Update_MemoryAndPids_ReachTheKernel()
    {
        var bundle = _h.NewBundle("sleep", "30");
        _h.CreateAndStart(bundle, _id);

        _h.Ok("update", "--memory", "64m", "--pids-limit", "20", _id);

        Assert.Equal(64L * 1024 * 1024, long.Parse(File.ReadAllText(Path.Join(HostCgroups.ContainerDir("memory", _id), "memory.limit_in_bytes"))));
        Assert.Equal("20", File.ReadAllText(Path.Join(HostCgroups.ContainerDir("pids", _id), "pids.max")).Trim());
        var stats = JsonNode.Parse(_h.Ok("events", "--stats", _id).Stdout)!;
        Assert.Equal(20, stats["data"]!["pids"]!["limit"]!.GetValue<long>());
    }

    [RequiresRootFact]
    public void MemoryLimit_BelowIt_DdSucceeds()
    {
        var bundle = _h.NewBundle("dd", "if=/dev/zero", "of=/dev/null", "bs=1M", "count=4");
        SetResources(bundle, new JsonObject
        {
            ["memory"] = new JsonObject { ["limit"] = SixteenMiB, ["swap"] = SixteenMiB },
        });
        var clock = Stopwatch.StartNew();

        var result = _h.Run("run", "--bundle", bundle.Path, _id);

        Assert.True(result.Succeeded, result.ToString());
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5));
    }
}
