using System.Globalization;
using Berth.Linux;
using Berth.Testing;

namespace Berth.Linux.Tests;

public sealed class CapabilitySetsTests
{
    private const int CAP_SYS_ADMIN = 21;

    [RequiresRootFact]
    public void Get_AsRoot_SysAdminEffectiveAndPermitted()
    {
        var caps = CapabilitySets.Get();

        Assert.NotEqual(0UL, caps.Effective & (1UL << CAP_SYS_ADMIN));
        Assert.NotEqual(0UL, caps.Permitted & (1UL << CAP_SYS_ADMIN));
    }

    [Fact]
    public void Get_CallingThread_MatchesProcThreadSelfStatus()
    {
        var caps = CapabilitySets.Get();

        Assert.Equal(StatusHex("CapEff"), caps.Effective);
        Assert.Equal(StatusHex("CapPrm"), caps.Permitted);
        Assert.Equal(StatusHex("CapInh"), caps.Inheritable);
    }

    [RequiresRootFact]
    public void Apply_DropEffectiveOnDedicatedThread_KernelShowsItDroppedThere()
    {
        ulong seen = 0;
        var thread = new Thread(() =>
        {
            var caps = CapabilitySets.Get();
            (caps with { Effective = caps.Effective & ~(1UL << CAP_SYS_ADMIN) }).Apply();
            seen = StatusHex("CapEff");
        });
        thread.Start();
        thread.Join();

        Assert.Equal(0UL, seen & (1UL << CAP_SYS_ADMIN));
        Assert.NotEqual(0UL, seen);
        Assert.NotEqual(0UL, CapabilitySets.Get().Effective & (1UL << CAP_SYS_ADMIN));
    }

    private static ulong StatusHex(string field)
    {
        var line = File.ReadLines("/proc/thread-self/status").Single(l => l.StartsWith(field + ":", StringComparison.Ordinal));
        return ulong.Parse(line[(field.Length + 1)..].Trim(), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
    }
}
