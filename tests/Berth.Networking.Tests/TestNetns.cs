using Berth.Linux;
using Berth.Testing;

namespace Berth.Networking.Tests;

/// <summary>
/// A network namespace of the test's own, kept alive by a bind mount of it on a file (as <c>ip netns add</c> does):
/// made on a thread that unshares its network namespace and ends. Dispose unmounts and removes the file, which
/// destroys the namespace and every interface in it.
/// </summary>
internal sealed class TestNetns : IDisposable
{
    public TestNetns()
    {
        Dir = TestPaths.NewDirectory("netns");
        Path = System.IO.Path.Combine(Dir, "ns");
        File.WriteAllText(Path, "");
        Exception? error = null;
        var thread = new Thread(() =>
        {
            try
            {
                Namespaces.Unshare(NamespaceType.CLONE_NEWNET);
                Mounts.Bind($"/proc/self/task/{Processes.GetTid()}/ns/net", Path, recursive: false);
            }
            catch (Exception e) { error = e; }
        });
        thread.Start();
        thread.Join();
        if (error is not null) throw new InvalidOperationException("cannot make a network namespace: " + error.Message, error);
    }

    public string Dir { get; }

    /// <summary>The namespace file, for CNI_NETNS.</summary>
    public string Path { get; }

    /// <summary>Runs <paramref name="work"/> on a thread inside the namespace.</summary>
    public T Run<T>(Func<T> work)
    {
        using var fd = Fd.Open(Path, Fd.O_RDONLY | Fd.O_CLOEXEC);
        return Namespaces.RunOnThreadIn((int)fd.DangerousGetHandle(), NamespaceType.CLONE_NEWNET, Path, work);
    }

    public void Dispose()
    {
        try { Mounts.Unmount(Path, Mounts.MNT_DETACH); }
        catch (LinuxException) { }
        TestPaths.DeleteDirectory(Dir);
    }
}
