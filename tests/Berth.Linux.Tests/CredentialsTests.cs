using Berth.Linux;
using Berth.Testing;

namespace Berth.Linux.Tests;

public sealed class CredentialsTests
{
    [RequiresRootFact]
    public void SetGroupsAndGid_OnDedicatedThread_ChangeThatThreadOnly()
    {
        string? gid = null, groups = null;
        var thread = new Thread(() =>
        {
            Credentials.SetGroups([4243, 4244]);
            Credentials.SetGid(4242);
            gid = Field("/proc/thread-self/status", "Gid");
            groups = Field("/proc/thread-self/status", "Groups");
            // Still uid 0, so the thread may go back before it ends.
            Credentials.SetGid(0);
            Credentials.SetGroups([]);
        });
        thread.Start();
        thread.Join();

        Assert.Equal("4242\t4242\t4242\t4242", gid);
        Assert.Equal("4243 4244", groups);
        Assert.StartsWith("0\t", Field("/proc/thread-self/status", "Gid"), StringComparison.Ordinal);
        Assert.StartsWith("0\t", Field("/proc/self/status", "Gid"), StringComparison.Ordinal);
    }

    [RequiresRootFact]
    public void SetUid_OnDedicatedThread_LeavesTheProcessRoot()
    {
        string? uid = null;
        var thread = new Thread(() =>
        {
            Credentials.SetUid(4242);
            uid = Field("/proc/thread-self/status", "Uid");
        });
        thread.Start();
        thread.Join();

        Assert.Equal("4242\t4242\t4242\t4242", uid);
        Assert.StartsWith("0\t", Field("/proc/self/status", "Uid"), StringComparison.Ordinal);
    }

    [RequiresRootFact]
    public void SetGroups_MoreThanTheKernelAllows_ThrowsEinval()
    {
        var e = Assert.Throws<LinuxException>(() => Credentials.SetGroups(Enumerable.Range(1, 70000).Select(i => (uint)i).ToList()));
        Assert.Equal(Errno.EINVAL, e.Errno);
    }

    private static string Field(string file, string name)
        => File.ReadLines(file).Single(l => l.StartsWith(name + ":", StringComparison.Ordinal))[(name.Length + 1)..].Trim();
}
