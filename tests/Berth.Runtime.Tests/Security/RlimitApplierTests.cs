using System.Globalization;
using Berth.Linux;
using Berth.Runtime.Security;
using Berth.Runtime.Spec;

namespace Berth.Runtime.Tests.Security;

public class RlimitApplierTests
{
    private const int CAP_SYS_RESOURCE = 24;

    [Fact]
    public void Validate_UnknownType_NamesTheEntry()
    {
        var e = Assert.Throws<SecurityConfigException>(() => RlimitApplier.Validate([new RlimitSpec { Type = "RLIMIT_CORE" }, new RlimitSpec { Type = "RLIMIT_FOO" }]));
        Assert.Equal("process.rlimits[1].type: unknown rlimit type \"RLIMIT_FOO\"", e.Message);
    }

    [Fact]
    public void Validate_SoftAboveHard_Throws()
    {
        var e = Assert.Throws<SecurityConfigException>(() => RlimitApplier.Validate([new RlimitSpec { Type = "RLIMIT_NOFILE", Soft = 2048, Hard = 1024 }]));
        Assert.Equal("process.rlimits[0]: RLIMIT_NOFILE soft 2048 is above hard 1024", e.Message);
    }

    [Fact]
    public void Validate_DuplicateType_Throws()
    {
        var e = Assert.Throws<SecurityConfigException>(() => RlimitApplier.Validate([new RlimitSpec { Type = "RLIMIT_CORE" }, new RlimitSpec { Type = "RLIMIT_CORE" }]));
        Assert.Equal("process.rlimits[1].type: RLIMIT_CORE is given more than once", e.Message);
    }

    [Fact]
    public void Validate_SoftAboveHard_ApplyChangesNothing()
    {
        var before = Rlimits.Get("RLIMIT_CORE");
        Assert.Throws<SecurityConfigException>(() => RlimitApplier.Apply([
            new RlimitSpec { Type = "RLIMIT_CORE", Soft = 0, Hard = before.Hard },
            new RlimitSpec { Type = "RLIMIT_NOFILE", Soft = 10, Hard = 5 }]));
        Assert.Equal(before, Rlimits.Get("RLIMIT_CORE"));
    }

    [Fact]
    public void Apply_CoreSoftZero_KernelReportsIt()
    {
        var before = Rlimits.Get("RLIMIT_CORE");
        try
        {
            RlimitApplier.Apply([new RlimitSpec { Type = "RLIMIT_CORE", Soft = 0, Hard = before.Hard }]);

            var line = File.ReadLines("/proc/self/limits").Single(l => l.StartsWith("Max core file size", StringComparison.Ordinal));
            var fields = line["Max core file size".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal("0", fields[0]);
            Assert.Equal(before.Hard == Rlimits.Infinity ? "unlimited" : before.Hard.ToString(CultureInfo.InvariantCulture), fields[1]);
        }
        finally
        {
            Rlimits.Set("RLIMIT_CORE", before.Soft, before.Hard);
        }
    }

    [Fact]
    public void Apply_NofileHardAboveCurrent_NeedsCapSysResource()
    {
        var before = Rlimits.Get("RLIMIT_NOFILE");
        var raised = before.Hard + 1;
        var spec = new RlimitSpec { Type = "RLIMIT_NOFILE", Soft = before.Soft, Hard = raised };
        if (!HasCapSysResource())
        {
            var e = Assert.Throws<SecurityConfigException>(() => RlimitApplier.Apply([spec]));
            Assert.Equal($"RLIMIT_NOFILE hard {raised}: raising a hard limit above the current {before.Hard} needs CAP_SYS_RESOURCE, which this host's root lacks", e.Message);
            Assert.IsType<LinuxException>(e.InnerException);
            Assert.Equal(before, Rlimits.Get("RLIMIT_NOFILE"));
            return;
        }
        try
        {
            RlimitApplier.Apply([spec]);
            Assert.Equal((before.Soft, raised), Rlimits.Get("RLIMIT_NOFILE"));
        }
        finally
        {
            Rlimits.Set("RLIMIT_NOFILE", before.Soft, before.Hard);
        }
    }

    private static bool HasCapSysResource()
    {
        var line = File.ReadLines("/proc/self/status").Single(l => l.StartsWith("CapEff:", StringComparison.Ordinal));
        var mask = ulong.Parse(line["CapEff:".Length..].Trim(), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        return (mask & (1UL << CAP_SYS_RESOURCE)) != 0;
    }
}
