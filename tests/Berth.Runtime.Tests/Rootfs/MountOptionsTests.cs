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
    [InlineData("tmpfs", new[] { "nosuid", "nodev", "mode=1777", "size=65536k" })]
    [InlineData("devpts", new[] { "nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5" })]
    [InlineData("proc", new[] { "nosuid", "hidepid=2" })]
    [InlineData("cgroup", new[] { "nosuid", "noexec", "nodev", "relatime", "ro" })]
    [InlineData("hugetlbfs", new[] { "pagesize=2M" })]
    [InlineData("bind", new[] { "rbind", "rprivate", "ro" })]
    [InlineData("none", new[] { "rbind", "ro" })]
    [InlineData("", new[] { "bind" })]
    [InlineData("sysfs", new[] { "nosuid", "noexec", "nodev", "ro" })]
    public void Problem_KnownTypeAndOptions_None(string type, string[] options)
    {
        Assert.Null(MountOptions.Problem(type, options));
    }

    [Theory]
    [InlineData("ext4", new[] { "ro" }, "type: unknown mount type \"ext4\"")]
    [InlineData("none", new[] { "ro" }, "type: unknown mount type \"none\"")]
    [InlineData("nfs", new[] { "bind" }, "type: unknown mount type \"nfs\"")]
    [InlineData("tmpfs", new[] { "nosiud" }, "options: unknown option \"nosiud\" for a mount of type tmpfs")]
    [InlineData("tmpfs", new[] { "mode=7 55" }, "options: unknown option \"mode=7 55\"")]
    [InlineData("tmpfs", new[] { "size=1m,mode=755" }, "options: unknown option \"size=1m,mode=755\"")]
    [InlineData("tmpfs", new[] { "" }, "options: unknown option \"\"")]
    [InlineData("bind", new[] { "rbind", "size=1m" }, "options: unknown option \"size=1m\" for a mount of type bind")]
    [InlineData("sysfs", new[] { "mode=755" }, "options: unknown option \"mode=755\" for a mount of type sysfs")]
    [InlineData("bind", new[] { "rbind", "rro" }, "options: \"rro\": recursive mount attributes are not supported")]
    [InlineData("bind", new[] { "rbind", "idmap" }, "options: \"idmap\": id-mapped mounts in mounts are not supported")]
    public void Problem_UnknownTypeOrOption_NamesIt(string type, string[] options, string expected)
    {
        var problem = MountOptions.Problem(type, options);

        Assert.NotNull(problem);
        Assert.StartsWith(expected, problem, StringComparison.Ordinal);
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
