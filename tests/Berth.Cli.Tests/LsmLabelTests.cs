using System.Text.Json.Nodes;
using Berth.Testing;

namespace Berth.Cli.Tests;

/// <summary>
/// AppArmor profiles and SELinux labels through the real binary. These hosts enforce neither module, so a label is
/// refused before anything is made; where AppArmor is enabled, a profile that is not loaded fails naming it. That
/// a loaded profile confines the container is shown in the VM stage (tests/cases/container-cases.sh, apparmor).
/// </summary>
public sealed class LsmLabelTests : IDisposable
{
    private readonly CliHarness _h = new();
    private readonly string _id = UniqueId.New("lsm");

    public void Dispose() => _h.Dispose();

    /// <summary>This host as the kernel shows it (what berth must find too).</summary>
    private static bool HostAppArmor =>
        File.Exists("/sys/module/apparmor/parameters/enabled")
        && File.ReadAllText("/sys/module/apparmor/parameters/enabled").Trim() == "Y"
        && Directory.Exists("/sys/kernel/security/apparmor");

    private static bool HostSelinux =>
        File.ReadLines("/proc/self/mountinfo").Any(l => l.Contains(" - selinuxfs ", StringComparison.Ordinal));

    [RequiresRootFact]
    public void Run_ApparmorProfile_RefusedOrMissingProfileNamed_NothingLeft()
    {
        var profile = $"berth-missing-{Guid.NewGuid():N}";
        var bundle = _h.NewBundle("true");
        bundle.Config["process"]!["apparmorProfile"] = profile;
        bundle.Save();

        var result = _h.Run("run", "--bundle", bundle.Path, _id);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains($"\"{profile}\"", result.Stderr, StringComparison.Ordinal);
        Assert.Contains(HostAppArmor ? "no such profile is loaded" : "AppArmor is not enabled on this host", result.Stderr, StringComparison.Ordinal);
        Assert.Empty(_h.RootEntries());
        Assert.Empty(HostCgroups.Leftovers(_id));
    }

    [RequiresRootFact]
    public void Create_SelinuxLabelWhereSelinuxIsNotEnabled_RefusedCleanly()
    {
        Assert.False(HostSelinux, "this test expects a host without SELinux");
        var bundle = _h.NewBundle("true");
        bundle.Config["process"]!["selinuxLabel"] = "system_u:system_r:container_t:s0";
        bundle.Save();

        var result = _h.Run("create", "--bundle", bundle.Path, _id);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Equal("berth: process.selinuxLabel: \"system_u:system_r:container_t:s0\" cannot be applied: SELinux is not enabled on this host (no selinuxfs is mounted)\n", result.Stderr);
        Assert.Empty(_h.RootEntries());
    }

    [RequiresRootTheory]
    [InlineData("--apparmor", "berth-test", "process.apparmorProfile: \"berth-test\" cannot be applied: AppArmor is not enabled")]
    [InlineData("--process-label", "system_u:system_r:container_t:s0", "process.selinuxLabel: \"system_u:system_r:container_t:s0\" cannot be applied: SELinux is not enabled")]
    public void Exec_LabelFlagWhereModuleIsNotEnabled_RefusedAndContainerRunsOn(string flag, string value, string message)
    {
        Assert.False(HostAppArmor || HostSelinux, "this test expects a host without AppArmor and SELinux");
        _h.CreateAndStart(_h.NewBundle("sleep", "30"), _id);

        var result = _h.Run("exec", flag, value, _id, "true");

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains(message, result.Stderr, StringComparison.Ordinal);
        Assert.Equal("running", (string?)_h.State(_id)["status"]);
        Assert.Equal(0, _h.Run("exec", _id, "true").ExitCode);
        _h.Ok("delete", "--force", _id);
    }

    [RequiresRootFact]
    public void Features_ApparmorAndSelinux_SupportedAndHostStateInAnnotations()
    {
        var features = JsonNode.Parse(_h.Ok("features").Stdout)!;

        // features.md: "enabled" is the runtime's support, whatever the host runs.
        Assert.True((bool)features["linux"]!["apparmor"]!["enabled"]!);
        Assert.True((bool)features["linux"]!["selinux"]!["enabled"]!);
        Assert.Equal(HostAppArmor ? "enabled" : "disabled", (string?)features["annotations"]!["org.berth.apparmor.host"]);
        Assert.Equal(HostSelinux ? "enabled" : "disabled", (string?)features["annotations"]!["org.berth.selinux.host"]);
    }
}
