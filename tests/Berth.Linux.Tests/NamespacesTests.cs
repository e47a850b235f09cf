using System.Net;
using System.Net.Sockets;
using Berth.Testing;

namespace Berth.Linux.Tests;

public sealed class NamespacesTests
{
    private static string? NetworkNamespaceOfThisThread() => new FileInfo("/proc/thread-self/ns/net").LinkTarget;

    /// <summary>A descriptor of a new network namespace, made by a thread that unshares and then ends.</summary>
    private static int NewNetworkNamespace()
    {
        var fd = -1;
        var thread = new Thread(() =>
        {
            Namespaces.Unshare(NamespaceType.CLONE_NEWNET);
            fd = Fd.Open("/proc/thread-self/ns/net", Fd.O_RDONLY | Fd.O_CLOEXEC).DangerousGetHandle().ToInt32();
        });
        thread.Start();
        thread.Join();
        return fd;
    }

    [RequiresRootFact]
    public void RunOnThreadIn_NewNetworkNamespace_SocketIsMadeThereAndTheCallerStaysHome()
    {
        var home = NetworkNamespaceOfThisThread();
        var netns = NewNetworkNamespace();
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        try
        {
            var (fd, inside) = Namespaces.RunOnThreadIn(netns, NamespaceType.CLONE_NEWNET, "a new network namespace",
                () => (InetSockets.OpenTcp(), NetworkNamespaceOfThisThread()));
            using var socket = new Socket(new SafeSocketHandle(fd, ownsHandle: true));

            // The new namespace's loopback is down: the host's listener is out of reach from there.
            Assert.Throws<SocketException>(() => socket.Connect(listener.LocalEndpoint));
            Assert.False(listener.Pending());
            Assert.Equal(new FileInfo($"/proc/self/fd/{netns}").LinkTarget, inside);
            Assert.NotEqual(home, inside);
            Assert.Equal(home, NetworkNamespaceOfThisThread());
        }
        finally
        {
            Fd.Close(netns);
        }
    }

    [RequiresRootFact]
    public void RunOnThreadIn_WorkThrows_TheCallerGetsItsException()
    {
        var netns = NewNetworkNamespace();
        try
        {
            var e = Assert.Throws<InvalidOperationException>(() =>
                Namespaces.RunOnThreadIn<int>(netns, NamespaceType.CLONE_NEWNET, "a new network namespace", () => throw new InvalidOperationException("from the work")));

            Assert.Equal("from the work", e.Message);
        }
        finally
        {
            Fd.Close(netns);
        }
    }

    [RequiresRootFact]
    public void RunOnThreadIn_NotANamespace_ThrowsNamingSetns()
    {
        using var file = Fd.Open("/proc/self/status", Fd.O_RDONLY | Fd.O_CLOEXEC);

        var e = Assert.Throws<LinuxException>(() =>
            Namespaces.RunOnThreadIn((int)file.DangerousGetHandle(), NamespaceType.CLONE_NEWNET, "/proc/self/status", () => 0));

        Assert.Equal("setns", e.Syscall);
        Assert.Equal(Errno.EINVAL, e.Errno);
        Assert.Contains("/proc/self/status", e.Message);
    }
}
