using System.Runtime.ExceptionServices;
using Berth.Linux;
using Berth.Testing;

namespace Berth.Linux.Tests;

public sealed class MountsTests : IDisposable
{
    private readonly string _dir = TestPaths.NewDirectory("mounts");

    public void Dispose() => TestPaths.DeleteDirectory(_dir);

    [RequiresRootFact]
    public void Mount_TmpfsInThreadsOwnNamespace_VisibleOnlyToThatThread()
    {
        var target = Path.Combine(_dir, "tmpfs");
        Directory.CreateDirectory(target);
        string threadMountinfo = "";
        var fileSeenByThread = false;

        OnOwnMountNamespace(() =>
        {
            Mounts.Mount("tmpfs", target, "tmpfs", MountFlags.MS_NOSUID, "size=1m,mode=700");
            File.WriteAllText(Path.Combine(target, "inside"), "x");
            fileSeenByThread = File.Exists(Path.Combine(target, "inside"));
            threadMountinfo = File.ReadAllText("/proc/thread-self/mountinfo");
        });

        Assert.True(fileSeenByThread);
        Assert.Contains(MountinfoLines(threadMountinfo), l => l.Target == target && l.FsType == "tmpfs" && l.Options.Contains("nosuid"));
        Assert.DoesNotContain(MountinfoLines(File.ReadAllText("/proc/thread-self/mountinfo")), l => l.Target == target);
        Assert.DoesNotContain(MountinfoLines(File.ReadAllText("/proc/self/mountinfo")), l => l.Target == target);
        Assert.Empty(Directory.GetFileSystemEntries(target));
    }

    [RequiresRootFact]
    public void IsMountRoot_BeforeAndAfterMount_FollowsTheMount()
    {
        var target = Path.Combine(_dir, "point");
        Directory.CreateDirectory(target);
        bool? before = null, mounted = null, inside = null;

        OnOwnMountNamespace(() =>
        {
            before = FilesAt.IsMountRoot(target);
            Mounts.Mount("tmpfs", target, "tmpfs", MountFlags.None, "size=1m");
            Directory.CreateDirectory(Path.Combine(target, "sub"));
            mounted = FilesAt.IsMountRoot(target);
            inside = FilesAt.IsMountRoot(Path.Combine(target, "sub"));
        });

        Assert.False(before);
        Assert.True(mounted);
        Assert.False(inside);
        Assert.True(FilesAt.IsMountRoot("/proc"));
        Assert.Null(FilesAt.IsMountRoot(Path.Combine(_dir, "missing")));
    }

    [RequiresRootFact]
    public void Mount_MissingTarget_ThrowsEnoentNamingPath()
    {
        var target = Path.Combine(_dir, "missing");
        LinuxException? error = null;

        // A private namespace, so a mistake here can never mount on the host.
        OnOwnMountNamespace(() => error = Assert.Throws<LinuxException>(() => Mounts.Mount("tmpfs", target, "tmpfs", MountFlags.None)));

        Assert.NotNull(error);
        Assert.Equal(Errno.ENOENT, error.Errno);
        Assert.Equal("mount", error.Syscall);
        Assert.Equal($"mount tmpfs on {target} (tmpfs, flags 0x0): ENOENT (No such file or directory)", error.Message);
    }

    [RequiresRootFact]
    public void Bind_ReadOnlyRemount_WritesFailWithErofsInThatNamespace()
    {
        var source = Path.Combine(_dir, "src");
        var target = Path.Combine(_dir, "dst");
        Directory.CreateDirectory(source);
        Directory.CreateDirectory(target);
        File.WriteAllText(Path.Combine(source, "f"), "content");
        var read = "";
        Exception? writeError = null;

        OnOwnMountNamespace(() =>
        {
            Mounts.Bind(source, target, recursive: false);
            Mounts.Mount(null, target, null, MountFlags.MS_BIND | MountFlags.MS_REMOUNT | MountFlags.MS_RDONLY);
            read = File.ReadAllText(Path.Combine(target, "f"));
            writeError = Record.Exception(() => File.WriteAllText(Path.Combine(target, "g"), "x"));
        });

        Assert.Equal("content", read);
        var io = Assert.IsType<IOException>(writeError);
        Assert.Contains("Read-only file system", io.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(source, "g")));
    }

    /// <summary>
    /// Runs <paramref name="work"/> on a new thread with its own fs state and mount namespace (slave to the host's,
    /// so nothing propagates back). The namespace, and every mount in it, goes away when the thread ends.
    /// </summary>
    private static void OnOwnMountNamespace(Action work)
    {
        ExceptionDispatchInfo? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                Namespaces.Unshare(NamespaceType.CLONE_FS | NamespaceType.CLONE_NEWNS);
                Mounts.SetPropagation("/", MountFlags.MS_SLAVE | MountFlags.MS_REC);
                work();
            }
            catch (Exception e)
            {
                failure = ExceptionDispatchInfo.Capture(e);
            }
        });
        thread.Start();
        thread.Join();
        failure?.Throw();
    }

    private static IEnumerable<(string Target, string FsType, string[] Options)> MountinfoLines(string mountinfo)
    {
        foreach (var line in mountinfo.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var fields = line.Split(' ');
            var dash = Array.IndexOf(fields, "-");
            yield return (fields[4].Replace("\\040", " ", StringComparison.Ordinal), fields[dash + 1], fields[5].Split(','));
        }
    }
}
