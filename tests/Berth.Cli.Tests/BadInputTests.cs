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
    public void Run_ProgramNotInRootfs_FailsAndLeavesNothing()
    {
        var bundle = _h.NewBundle("/no/such/program");

        var result = _h.Run("run", "--bundle", bundle.Path, _id);

        Assert.True(result.ExitCode != 0, result.ToString());
        Assert.Contains("/no/such/program", result.Stderr, StringComparison.Ordinal);
        Assert.Empty(_h.RootEntries());
        Assert.Empty(HostCgroups.Leftovers(_id));
    }
}
