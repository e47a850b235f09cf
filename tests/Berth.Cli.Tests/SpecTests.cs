using System.Text.Json.Nodes;
using Berth.Testing;

namespace Berth.Cli.Tests;

public sealed class SpecTests : IDisposable
{
    private readonly CliHarness _h = new();
    private readonly string _id = UniqueId.New("c");

    public void Dispose() => _h.Dispose();

    [RequiresRootFact]
    public void Spec_WithTerminalOffAndArgs_IsAcceptedByRun()
    {
        var bundle = _h.NewBundle("true");
        File.Delete(bundle.ConfigPath);

        _h.Ok("spec", "--bundle", bundle.Path);

        var config = JsonNode.Parse(File.ReadAllText(bundle.ConfigPath))!.AsObject();
        Assert.Equal("rootfs", (string?)config["root"]!["path"]);
        config["process"]!["terminal"] = false;
        config["process"]!["args"] = new JsonArray("sh", "-c", "echo spec-ok");
        File.WriteAllText(bundle.ConfigPath, config.ToJsonString());
        var result = _h.Run("run", "--bundle", bundle.Path, _id);
        Assert.True(result.Succeeded, result.ToString());
        Assert.Equal("spec-ok", result.Stdout.Trim());
    }

    [RequiresRootFact]
    public void Spec_ExistingConfig_RefusedAndKept()
    {
        var bundle = _h.NewBundle("true");
        var before = File.ReadAllText(bundle.ConfigPath);

        var result = _h.Run("spec", "--bundle", bundle.Path);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Equal(before, File.ReadAllText(bundle.ConfigPath));
    }

    [RequiresRootFact]
    public void Features_PrintsJsonWithVersions()
    {
        var result = _h.Ok("features");

        var features = JsonNode.Parse(result.Stdout)!.AsObject();
        Assert.NotNull((string?)features["ociVersionMin"]);
        Assert.NotNull((string?)features["ociVersionMax"]);
    }
}
