using Berth.Runtime.Security;
using Berth.Runtime.Spec;

namespace Berth.Runtime.Tests.Security;

public class CapabilitiesTests
{
    private const ulong Chown = 1UL << 0;

    [Theory]
    [InlineData("CAP_CHOWN", 0)]
    [InlineData("CAP_NET_BIND_SERVICE", 10)]
    [InlineData("CAP_SYS_ADMIN", 21)]
    [InlineData("CAP_SYS_RESOURCE", 24)]
    [InlineData("CAP_AUDIT_READ", 37)]
    public void Parse_KernelName_ReturnsItsNumber(string name, int expected)
    {
        Assert.Equal(expected, Capabilities.Parse(name));
    }

    [Theory]
    [InlineData("CAP_FOO")]
    [InlineData("cap_chown")]
    [InlineData("CHOWN")]
    [InlineData("")]
    public void Parse_UnknownName_ThrowsNamingIt(string name)
    {
        var e = Assert.Throws<SecurityConfigException>(() => Capabilities.Parse(name));
        Assert.Equal($"unknown capability \"{name}\"", e.Message);
    }

    [Fact]
    public void LastCap_MatchesProcCapLastCap()
    {
        var fromProc = int.Parse(File.ReadAllText("/proc/sys/kernel/cap_last_cap").Trim(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(fromProc, Capabilities.LastCap);
    }

    [Fact]
    public void NameAndParse_EveryKernelCapability_RoundTrip()
    {
        for (var cap = 0; cap <= Math.Min(Capabilities.LastCap, Capabilities.KnownLast); cap++)
            Assert.Equal(cap, Capabilities.Parse(Capabilities.Name(cap)));
        Assert.Equal("CAP_CHECKPOINT_RESTORE", Capabilities.Name(40));
    }

    [Fact]
    public void Name_OutOfRange_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Capabilities.Name(-1));
        Assert.Throws<ArgumentOutOfRangeException>(() => Capabilities.Name(Capabilities.KnownLast + 1));
    }

    [Fact]
    public void Mask_Names_SetsTheirBits()
    {
        Assert.Equal(0UL, Capabilities.Mask(null));
        Assert.Equal(0UL, Capabilities.Mask([]));
        Assert.Equal((1UL << 0) | (1UL << 21) | (1UL << 24), Capabilities.Mask(["CAP_SYS_RESOURCE", "CAP_CHOWN", "CAP_SYS_ADMIN", "CAP_CHOWN"]));
    }

    [Fact]
    public void Mask_UnknownName_Throws()
    {
        var e = Assert.Throws<SecurityConfigException>(() => Capabilities.Mask(["CAP_CHOWN", "CAP_FOO"]));
        Assert.Equal("unknown capability \"CAP_FOO\"", e.Message);
    }

    [Fact]
    public void Validate_UnknownNameInASet_NamesTheSetAndIndex()
    {
        var spec = new CapabilitiesSpec { Bounding = ["CAP_CHOWN", "CAP_FOO"] };
        var e = Assert.Throws<SecurityConfigException>(() => Capabilities.Validate(spec));
        Assert.Equal("process.capabilities.bounding[1]: unknown capability \"CAP_FOO\"", e.Message);
    }

    [Fact]
    public void ApplySets_AmbientNotInheritable_SkipsItLikeRunc()
    {
        // `runc spec` itself lists ambient capabilities with an empty inheritable set.
        var spec = new CapabilitiesSpec { Bounding = ["CAP_CHOWN"], Effective = ["CAP_CHOWN"], Permitted = ["CAP_CHOWN"], Ambient = ["CAP_CHOWN"] };
        Capabilities.Validate(spec);

        var seen = DedicatedThread.Run(() =>
        {
            Capabilities.DropBounding(spec);
            Capabilities.ApplySets(spec);
            return (Eff: TestLibc.ThreadStatus("CapEff"), Amb: TestLibc.ThreadStatus("CapAmb"));
        });

        Assert.Equal((Chown, 0UL), seen);
    }

    [Fact]
    public void Validate_UnknownAmbientName_Throws()
    {
        var spec = new CapabilitiesSpec { Ambient = ["CAP_NOPE"] };
        Assert.Throws<SecurityConfigException>(() => Capabilities.Validate(spec));
    }

    [Fact]
    public void Validate_EffectiveNotPermitted_Throws()
    {
        var spec = new CapabilitiesSpec { Effective = ["CAP_KILL"], Permitted = ["CAP_CHOWN"] };
        var e = Assert.Throws<SecurityConfigException>(() => Capabilities.Validate(spec));
        Assert.Equal("process.capabilities.effective: CAP_KILL is not in process.capabilities.permitted", e.Message);
    }

    [Fact]
    public void DropBoundingThenApplySets_OnlyChown_ThreadStatusShowsOnlyChown()
    {
        var hostBounding = TestLibc.ThreadStatus("CapBnd");
        var spec = OnlyChown();

        var seen = DedicatedThread.Run(() =>
        {
            Capabilities.DropBounding(spec);
            Capabilities.ApplySets(spec);
            return (Eff: TestLibc.ThreadStatus("CapEff"), Prm: TestLibc.ThreadStatus("CapPrm"), Inh: TestLibc.ThreadStatus("CapInh"),
                Bnd: TestLibc.ThreadStatus("CapBnd"), Amb: TestLibc.ThreadStatus("CapAmb"));
        });

        Assert.Equal((Chown, Chown, Chown, Chown, Chown), seen);
        Assert.Equal(hostBounding, TestLibc.ThreadStatus("CapBnd"));
        Assert.NotEqual(Chown, TestLibc.ThreadStatus("CapEff"));
    }

    [Fact]
    public void DropBoundingThenApplySets_NullSpec_LeavesNoCapabilities()
    {
        var seen = DedicatedThread.Run(() =>
        {
            Capabilities.DropBounding(null);
            Capabilities.ApplySets(null);
            return (TestLibc.ThreadStatus("CapEff"), TestLibc.ThreadStatus("CapPrm"), TestLibc.ThreadStatus("CapInh"),
                TestLibc.ThreadStatus("CapBnd"), TestLibc.ThreadStatus("CapAmb"));
        });

        Assert.Equal((0UL, 0UL, 0UL, 0UL, 0UL), seen);
    }

    [Fact]
    public void PrepareUserChange_NonRootUid_KeepsCapabilitiesAcrossSetuid()
    {
        const uint nobody = 65534;
        var spec = OnlyChown();

        var seen = DedicatedThread.Run(() =>
        {
            Capabilities.DropBounding(spec);
            Capabilities.PrepareUserChange(nobody);
            TestLibc.SetThreadUids(nobody);
            Capabilities.ApplySets(spec);
            var uid = File.ReadLines("/proc/thread-self/status").Single(l => l.StartsWith("Uid:", StringComparison.Ordinal));
            return (uid, TestLibc.ThreadStatus("CapEff"), TestLibc.ThreadStatus("CapPrm"), TestLibc.ThreadStatus("CapAmb"));
        });

        Assert.Equal($"Uid:\t{nobody}\t{nobody}\t{nobody}\t{nobody}", seen.uid);
        Assert.Equal((Chown, Chown, Chown), (seen.Item2, seen.Item3, seen.Item4));
    }

    [Fact]
    public void SetuidWithoutPrepareUserChange_LosesPermittedSet_SoApplySetsFails()
    {
        const uint nobody = 65534;
        var spec = OnlyChown();

        Assert.Throws<Berth.Linux.LinuxException>(() => DedicatedThread.Run(() =>
        {
            Capabilities.DropBounding(spec);
            TestLibc.SetThreadUids(nobody);
            Capabilities.ApplySets(spec);
        }));
    }

    private static CapabilitiesSpec OnlyChown() => new()
    {
        Bounding = ["CAP_CHOWN"], Effective = ["CAP_CHOWN"], Permitted = ["CAP_CHOWN"],
        Inheritable = ["CAP_CHOWN"], Ambient = ["CAP_CHOWN"],
    };
}
