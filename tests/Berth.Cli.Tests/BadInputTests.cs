using System.Text.Json.Nodes;
using Berth.Testing;

namespace Berth.Cli.Tests;

public sealed class BadInputTests : IDisposable
{
    private readonly CliHarness _h = new();
    private readonly string _id = UniqueId.New("c");

    public void Dispose() => _h.Dispose();

    /// <summary>Non-zero exit, one line on stderr naming berth, nothing under the root, no cgroup.</summary>
    private void AssertRefusedCleanly(CliResult result, string mentions)
    {
        Assert.True(result.ExitCode != 0, result.ToString());
        var lines = result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 1, $"expected one line on stderr: {result}");
        Assert.StartsWith("berth: ", lines[0], StringComparison.Ordinal);
        Assert.Contains(mentions, lines[0], StringComparison.Ordinal);
        Assert.Empty(_h.RootEntries());
        Assert.Empty(HostCgroups.Leftovers(_id));
    }

    private CliResult CreateWith(Action<JsonObject> configure)
    {
        var bundle = _h.NewBundle("true");
        configure(bundle.Config);
        bundle.Save();
        return _h.Run("create", "--bundle", bundle.Path, _id);
    }

    [RequiresRootFact]
    public void Create_MalformedConfigJson_Refused()
    {
        var bundle = _h.NewBundle("true");
        File.WriteAllText(bundle.ConfigPath, "{\"ociVersion\": \"1.0.2\", \"process\": {");

        var result = _h.Run("create", "--bundle", bundle.Path, _id);

        AssertRefusedCleanly(result, "config.json");
    }

    [RequiresRootFact]
    public void Create_MalformedConfigJson_MessageIsReadable()
    {
        var bundle = _h.NewBundle("true");
        File.WriteAllText(bundle.ConfigPath, "{\"ociVersion\": \"1.0.2\", \"process\": {");

        var result = _h.Run("create", "--bundle", bundle.Path, _id);

        // NativeAOT strips framework messages to resource keys unless told not to.
        Assert.DoesNotContain("ZeroDepthAtEnd", result.Stderr, StringComparison.Ordinal);
    }

    [RequiresRootFact]
    public void Create_MissingRootfs_Refused()
    {
        var bundle = _h.NewBundle("true");
        Directory.Delete(bundle.RootfsPath, recursive: true);

        var result = _h.Run("create", "--bundle", bundle.Path, _id);

        AssertRefusedCleanly(result, "rootfs");
    }

    [RequiresRootFact]
    public void Create_MissingProcessArgs_Refused()
    {
        var result = CreateWith(c => c["process"]!.AsObject().Remove("args"));

        AssertRefusedCleanly(result, "process.args");
    }

    [RequiresRootFact]
    public void UnknownVerb_Refused()
    {
        var result = _h.Run("frobnicate", _id);

        AssertRefusedCleanly(result, "frobnicate");
    }

    [RequiresRootFact]
    public void Create_UnknownFlag_Refused()
    {
        var bundle = _h.NewBundle("true");

        var result = _h.Run("create", "--frobnicate", "--bundle", bundle.Path, _id);

        AssertRefusedCleanly(result, "--frobnicate");
    }

    [RequiresRootFact]
    public void Create_DuplicateId_SecondRefusedFirstStillWorks()
    {
        var first = _h.NewBundle("sh", "-c", "echo first; sleep 30");
        var second = _h.NewBundle("true");
        _h.Ok("create", "--bundle", first.Path, _id);

        var result = _h.Run("create", "--bundle", second.Path, _id);

        Assert.True(result.ExitCode != 0, result.ToString());
        Assert.Contains("already exists", result.Stderr, StringComparison.Ordinal);
        var state = _h.State(_id);
        Assert.Equal(first.Path, (string?)state["bundle"]);
        Assert.Equal("created", (string?)state["status"]);
        _h.Ok("start", _id);
        Assert.Equal("running", (string?)_h.State(_id)["status"]);
        Assert.Equal(0, _h.Run("exec", _id, "true").ExitCode);
    }

    [RequiresRootFact]
    public void Create_NegativeMemoryLimit_Refused()
    {
        var result = CreateWith(c => c["linux"]!["resources"]!["memory"] = new JsonObject { ["limit"] = -5 });

        AssertRefusedCleanly(result, "-5");
    }

    [RequiresRootFact]
    public void Create_CpuSharesOne_Refused()
    {
        var result = CreateWith(c => c["linux"]!["resources"]!["cpu"] = new JsonObject { ["shares"] = 1 });

        AssertRefusedCleanly(result, "shares");
    }

    [RequiresRootFact]
    public void Create_UnknownCapability_Refused()
    {
        var result = CreateWith(c => c["process"]!["capabilities"]!["bounding"]!.AsArray().Add("CAP_FROBNICATE"));

        AssertRefusedCleanly(result, "CAP_FROBNICATE");
    }

    [RequiresRootFact]
    public void Create_UnknownNamespaceType_Refused()
    {
        var result = CreateWith(c => c["linux"]!["namespaces"]!.AsArray().Add(new JsonObject { ["type"] = "frobnicate" }));

        AssertRefusedCleanly(result, "frobnicate");
    }

    [RequiresRootFact]
    public void Create_RelativeMountDestination_Refused()
    {
        var result = CreateWith(c => c["mounts"]!.AsArray().Add(
            new JsonObject { ["destination"] = "relative/dir", ["type"] = "tmpfs", ["source"] = "tmpfs" }));

        AssertRefusedCleanly(result, "relative/dir");
    }

    [RequiresRootFact]
    public void Start_NonExistentContainer_Refused()
    {
        var result = _h.Run("start", _id);

        AssertRefusedCleanly(result, _id);
    }

    [RequiresRootTheory]
    [InlineData("FROBNICATE")]
    [InlineData("999")]
    [InlineData("-1")]
    public void Kill_BadSignal_RefusedAndContainerRunsOn(string signal)
    {
        var bundle = _h.NewBundle("sleep", "30");
        _h.CreateAndStart(bundle, _id);

        var result = _h.Run("kill", _id, signal);

        Assert.True(result.ExitCode != 0, result.ToString());
        var lines = result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.Contains(signal, lines[0], StringComparison.Ordinal);
        Assert.Equal("running", (string?)_h.State(_id)["status"]);
    }

    [RequiresRootFact]
    public void Run_MissingRootfs_RefusedCleanly()
    {
        var bundle = _h.NewBundle("true");
        Directory.Delete(bundle.RootfsPath, recursive: true);

        var result = _h.Run("run", "--bundle", bundle.Path, _id);

        AssertRefusedCleanly(result, "rootfs");
    }

    [RequiresRootFact]
    public void Run_CgroupOfAnotherContainer_RefusedAndTheOtherUntouched()
    {
        // run makes its cgroup while the init starts: a refusal there must neither kill what lives in the
        // cgroup it was pointed at nor remove it.
        var owner = _id + "-owner";
        _h.CreateAndStart(_h.NewBundle("sleep", "30"), owner);
        var bundle = _h.NewBundle("true");
        bundle.Config["linux"]!["cgroupsPath"] = "berth-" + owner;
        bundle.Save();

        var result = _h.Run("run", "--bundle", bundle.Path, _id);

        Assert.True(result.ExitCode != 0, result.ToString());
        Assert.Contains("already in use", result.Stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(_h.StateDir(_id)), $"{_h.StateDir(_id)} left behind");
        Assert.Equal("running", (string?)_h.State(owner)["status"]);
        Assert.NotEmpty(HostProcess.CgroupProcs(HostCgroups.ContainerDir("memory", owner)));
        Assert.NotEmpty(HostProcess.CgroupProcs(HostCgroups.ContainerDir("pids", owner)));
        _h.Ok("delete", "--force", owner);
    }

    [RequiresRootFact]
    public void Run_ProgramNotInRootfs_FailsAndLeavesNothing()
    {
        var bundle = _h.NewBundle("/no/such/program");

        var result = _h.Run("run", "--bundle", bundle.Path, _id);

        Assert.True(result.ExitCode != 0, result.ToString());
        Assert.Contains("/no/such/program", result.Stderr, StringComparison.Ordinal);
        Assert.Empty(_h.RootEntries());
        Assert.Empty(HostCgroups.Leftovers(_id));
    }
    [RequiresRootTheory]
    [InlineData("create")]
    [InlineData("state")]
    [InlineData("delete")]
    [InlineData("kill")]
    [InlineData("start")]
    [InlineData("ps")]
    public void Verb_IdEscapingRoot_RefusedAndNothingOutsideTouched(string verb)
    {
        var victim = TestPaths.NewDirectory("victim");
        try
        {
            File.WriteAllText(Path.Join(victim, "state.json"), "{}");
            var bundle = _h.NewBundle("true");
            var id = $"../../{Path.GetFileName(Path.GetDirectoryName(victim))}/{Path.GetFileName(victim)}";

            var result = verb == "create" ? _h.Run("create", "--bundle", bundle.Path, id) : _h.Run(verb, id);

            Assert.True(result.ExitCode != 0, result.ToString());
            Assert.Contains("invalid container id", result.Stderr, StringComparison.Ordinal);
            Assert.Equal(["state.json"], Directory.GetFileSystemEntries(victim).Select(Path.GetFileName));
            Assert.Empty(_h.RootEntries());
        }
        finally
        {
            TestPaths.DeleteDirectory(victim);
        }
    }

    [RequiresRootFact]
    public void Run_NofileAboveHostHardLimit_RefusedWithReason()
    {
        var bundle = _h.NewBundle("true");
        bundle.Config["process"]!["rlimits"] = new JsonArray(new JsonObject { ["type"] = "RLIMIT_NOFILE", ["hard"] = 1048576, ["soft"] = 1048576 });
        bundle.Save();

        var result = _h.Run("run", "--bundle", bundle.Path, _id);

        AssertRefusedCleanly(result, "RLIMIT_NOFILE");
    }

    [RequiresRootFact]
    public void Create_UnknownRlimit_Refused()
    {
        var result = CreateWith(c => c["process"]!["rlimits"] = new JsonArray(new JsonObject { ["type"] = "RLIMIT_FROBNICATE", ["hard"] = 1, ["soft"] = 1 }));

        AssertRefusedCleanly(result, "RLIMIT_FROBNICATE");
    }

    [RequiresRootFact]
    public void Create_SoftRlimitAboveHard_Refused()
    {
        var result = CreateWith(c => c["process"]!["rlimits"] = new JsonArray(new JsonObject { ["type"] = "RLIMIT_NOFILE", ["hard"] = 100, ["soft"] = 200 }));

        AssertRefusedCleanly(result, "RLIMIT_NOFILE");
    }

    [RequiresRootTheory]
    [InlineData("--memory", "-5")]
    [InlineData("--memory", "lots")]
    [InlineData("--pids-limit", "abc")]
    [InlineData("--cpu-shares", "1")]
    [InlineData("--cpu-quota", "500")]
    public void Update_OutOfRange_RefusedAndLimitsUnchanged(string flag, string value)
    {
        var bundle = _h.NewBundle("sleep", "30");
        _h.CreateAndStart(bundle, _id);
        var files = new[]
        {
            Path.Join(HostCgroups.ContainerDir("memory", _id), "memory.limit_in_bytes"),
            Path.Join(HostCgroups.ContainerDir("pids", _id), "pids.max"),
            Path.Join(HostCgroups.ContainerDir("cpu", _id), "cpu.shares"),
            Path.Join(HostCgroups.ContainerDir("cpu", _id), "cpu.cfs_quota_us"),
        };
        var before = files.Select(File.ReadAllText).ToList();

        var result = _h.Run("update", flag, value, _id);

        Assert.True(result.ExitCode != 0, result.ToString());
        Assert.Single(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(before, files.Select(File.ReadAllText).ToList());
    }

    [RequiresRootTheory]
    [InlineData("state")]
    [InlineData("delete")]
    [InlineData("kill")]
    [InlineData("exec")]
    [InlineData("pause")]
    [InlineData("ps")]
    public void Verb_NonExistentContainer_RefusedWithOneLine(string verb)
    {
        var result = verb == "exec" ? _h.Run(verb, _id, "true") : _h.Run(verb, _id);

        AssertRefusedCleanly(result, _id);
    }
}
