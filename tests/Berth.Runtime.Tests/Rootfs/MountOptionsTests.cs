using Berth.Linux;
using Berth.Runtime.Rootfs;

namespace Berth.Runtime.Tests.Rootfs;

public sealed class MountOptionsTests
{
    [Fact]
    public void Parse_Null_NoFlagsNoPropagationNoData()
    {
        var o = MountOptions.Parse(null);

        Assert.Equal(MountFlags.None, o.Flags);
        Assert.Empty(o.Propagation);
        Assert.Equal("", o.Data);
        Assert.False(o.IsBind);
    }

    [Fact]
    public void Parse_SecurityFlags_SetsMountFlags()
    {
        var o = MountOptions.Parse(["ro", "nosuid", "nodev", "noexec"]);

        Assert.Equal(MountFlags.MS_RDONLY | MountFlags.MS_NOSUID | MountFlags.MS_NODEV | MountFlags.MS_NOEXEC, o.Flags);
        Assert.Equal("", o.Data);
    }

    [Fact]
    public void Parse_Rbind_BindAndRecursive()
    {
        var o = MountOptions.Parse(["rbind"]);

        Assert.Equal(MountFlags.MS_BIND | MountFlags.MS_REC, o.Flags);
        Assert.True(o.IsBind);
    }

    [Fact]
    public void Parse_Bind_BindOnly()
    {
        var o = MountOptions.Parse(["bind"]);

        Assert.Equal(MountFlags.MS_BIND, o.Flags);
        Assert.True(o.IsBind);
    }

    [Fact]
    public void Parse_RwAfterRo_ClearsReadOnly()
    {
        Assert.Equal(MountFlags.MS_NOSUID, MountOptions.Parse(["ro", "nosuid", "rw"]).Flags);
    }

    [Fact]
    public void Parse_RoAfterRw_LastOneWins()
    {
        Assert.Equal(MountFlags.MS_RDONLY, MountOptions.Parse(["rw", "ro"]).Flags);
    }

    [Theory]
    [InlineData("suid", MountFlags.MS_NOSUID)]
    [InlineData("dev", MountFlags.MS_NODEV)]
    [InlineData("exec", MountFlags.MS_NOEXEC)]
    [InlineData("atime", MountFlags.MS_NOATIME)]
    [InlineData("async", MountFlags.MS_SYNCHRONOUS)]
    public void Parse_NegatingOption_ClearsItsFlag(string negation, MountFlags flag)
    {
        var all = MountFlags.MS_NOSUID | MountFlags.MS_NODEV | MountFlags.MS_NOEXEC | MountFlags.MS_NOATIME | MountFlags.MS_SYNCHRONOUS;

        var o = MountOptions.Parse(["nosuid", "nodev", "noexec", "noatime", "sync", negation]);

        Assert.Equal(all & ~flag, o.Flags);
    }

    [Fact]
    public void Parse_PropagationList_KeptInOrderAndOutOfFlags()
    {
        var o = MountOptions.Parse(["rslave", "rbind", "private", "runbindable", "shared"]);

        Assert.Equal(
            [MountFlags.MS_SLAVE | MountFlags.MS_REC, MountFlags.MS_PRIVATE, MountFlags.MS_UNBINDABLE | MountFlags.MS_REC, MountFlags.MS_SHARED],
            o.Propagation);
        Assert.Equal(MountFlags.MS_BIND | MountFlags.MS_REC, o.Flags);
    }

    [Fact]
    public void Parse_FileSystemData_PassedThroughCommaJoinedInOrder()
    {
        var o = MountOptions.Parse(["nosuid", "mode=755", "strictatime", "size=64k", "newinstance"]);

        Assert.Equal("mode=755,size=64k,newinstance", o.Data);
        Assert.Equal(MountFlags.MS_NOSUID | MountFlags.MS_STRICTATIME, o.Flags);
    }

    [Fact]
    public void Parse_CaseMatters_UpperCaseRoIsData()
    {
        var o = MountOptions.Parse(["RO"]);

        Assert.Equal(MountFlags.None, o.Flags);
        Assert.Equal("RO", o.Data);
    }

    [Theory]
    [InlineData("ro", true)]
    [InlineData("size=64k", true)]
    [InlineData("", false)]
    [InlineData("a,b", false)]
    [InlineData("a b", false)]
    [InlineData("a\tb", false)]
    public void IsKnownOrData_Option_AcceptsSingleWordsOnly(string option, bool expected)
    {
        Assert.Equal(expected, MountOptions.IsKnownOrData(option));
    }

    [Fact]
    public void KnownNames_IncludesFlagsAndPropagation_Sorted()
    {
        var names = MountOptions.KnownNames.ToList();

        Assert.Contains("rbind", names);
        Assert.Contains("rslave", names);
        Assert.Equal(names.Order(StringComparer.Ordinal), names);
    }
}
