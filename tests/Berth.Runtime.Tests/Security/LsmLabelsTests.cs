using Berth.Runtime.Security;
using Berth.Runtime.Spec;

namespace Berth.Runtime.Tests.Security;

public class LsmLabelsTests
{
    private const string MountinfoWithoutSelinux = """
        22 1 0:21 / / rw,relatime shared:1 - ext4 /dev/vda1 rw
        23 22 0:22 / /proc rw,nosuid,nodev,noexec,relatime shared:2 - proc proc rw
        24 22 0:23 / /srv/selinuxfs rw,relatime shared:3 - tmpfs selinuxfs rw
        """;

    private const string MountinfoWithSelinux = MountinfoWithoutSelinux + "\n25 22 0:24 / /sys/fs/selinux rw,relatime shared:4 - selinuxfs selinuxfs rw\n";

    private static ProcessSpec Labelled(string? profile = null, string? label = null)
        => new() { Args = ["true"], Cwd = "/", ApparmorProfile = profile, SelinuxLabel = label };

    [Theory]
    [InlineData("Y\n", true, true)]
    [InlineData("Y", true, true)]
    [InlineData("N\n", true, false)]
    [InlineData("Y\n", false, false)]
    [InlineData(null, true, false)]
    [InlineData("", true, false)]
    public void DetectAppArmor_ParameterAndSecurityFs_EnabledOnlyWithBoth(string? parameter, bool securityFs, bool expected)
    {
        Assert.Equal(expected, LsmLabels.DetectAppArmor(parameter, securityFs));
    }

    [Fact]
    public void HasSelinuxfs_ByFileSystemTypeOnly()
    {
        Assert.True(LsmLabels.HasSelinuxfs(MountinfoWithSelinux));
        // A tmpfs whose source and mount point are named selinuxfs is not one.
        Assert.False(LsmLabels.HasSelinuxfs(MountinfoWithoutSelinux));
        Assert.False(LsmLabels.HasSelinuxfs(null));
        Assert.False(LsmLabels.HasSelinuxfs(""));
    }

    [Fact]
    public void AppArmorEnabled_OnThisHost_MatchesItsFiles()
    {
        var parameter = File.Exists(LsmLabels.AppArmorParameter) ? File.ReadAllText(LsmLabels.AppArmorParameter).Trim() : null;
        var expected = parameter == "Y" && Directory.Exists(LsmLabels.AppArmorSecurityFs);

        Assert.Equal(expected, LsmLabels.AppArmorEnabled);
    }

    [Fact]
    public void SelinuxEnabled_OnThisHost_MatchesMountinfo()
    {
        var expected = File.ReadLines("/proc/self/mountinfo").Any(l => l.Contains(" - selinuxfs ", StringComparison.Ordinal));

        Assert.Equal(expected, LsmLabels.SelinuxEnabled);
    }

    [Fact]
    public void Validate_ProfileWithoutAppArmor_RefusedNamingFieldAndProfile()
    {
        var e = Assert.Throws<RuntimeException>(() => LsmLabels.Validate(Labelled(profile: "berth-test"), "process", appArmor: false, selinux: true));

        Assert.StartsWith("process.apparmorProfile: \"berth-test\" cannot be applied: AppArmor is not enabled on this host", e.Message);
    }

    [Fact]
    public void Validate_LabelWithoutSelinux_RefusedNamingFieldAndLabel()
    {
        var e = Assert.Throws<RuntimeException>(() => LsmLabels.Validate(Labelled(label: "system_u:system_r:container_t:s0"), "process", appArmor: true, selinux: false));

        Assert.Equal("process.selinuxLabel: \"system_u:system_r:container_t:s0\" cannot be applied: SELinux is not enabled on this host (no selinuxfs is mounted)", e.Message);
    }

    [Fact]
    public void Validate_LabelsWithTheirModules_Accepted()
    {
        LsmLabels.Validate(Labelled("berth-test", "system_u:system_r:container_t:s0"), "process", appArmor: true, selinux: true);
        LsmLabels.Validate(Labelled(), "process", appArmor: false, selinux: false);
    }

    [Theory]
    [InlineData("berth\ntest", "holds a control character")]
    [InlineData(" berth-test", "has leading or trailing white space")]
    [InlineData("berth-test\0", "holds a control character")]
    public void Validate_ProfileTheKernelCannotTake_Refused(string profile, string expected)
    {
        var e = Assert.Throws<RuntimeException>(() => LsmLabels.Validate(Labelled(profile: profile), "process", appArmor: true, selinux: true));

        Assert.StartsWith("process.apparmorProfile: ", e.Message);
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void ApplyForExec_ProfileTheKernelRefuses_NamesProfileFileAndErrno()
    {
        // Here AppArmor is not enabled, so the kernel refuses the write; where it is, no profile has this name (ENOENT).
        var profile = $"berth-missing-{Guid.NewGuid():N}";
        var e = Assert.Throws<RuntimeException>(() => DedicatedThread.Run(() =>
        {
            LsmLabels.ApplyForExec(Labelled(profile: profile));
            return 0;
        }));

        Assert.Matches($"^apparmor profile \"{profile}\": (writing \"exec {profile}\" to|cannot open) /proc/thread-self/attr/(apparmor/)?exec", e.Message);
        Assert.Matches("E[A-Z]+", e.Message);
    }
}
