using System.Net;
using System.Net.Sockets;
using Microsoft.Win32.SafeHandles;
using Berth.Testing;

namespace Berth.Linux.Tests;

public sealed class NamespacesTests
{
    private static string? NetworkNamespaceOfThisThread() => new FileInfo("/proc/thread-self/ns/net").LinkTarget;

    /// <summary>
    /// A descriptor of a new network namespace, made by a thread that unshares and then ends. The caller disposes it:
    /// a handle left to the finalizer would close its number later, when another test may own that number.
    /// </summary>
    private static SafeFileHandle NewNetworkNamespace()
    {
        SafeFileHandle? handle = null;
        var thread = new Thread(() =>
        {
            Namespaces.Unshare(NamespaceType.CLONE_NEWNET);
            handle = Fd.Open("/proc/thread-self/ns/net", Fd.O_RDONLY | Fd.O_CLOEXEC);
        });
        thread.Start();
        thread.Join();
        return handle ?? throw new InvalidOperationException("the namespace thread opened nothing");
    }

    [RequiresRootFact]
    public void RunOnThreadIn_NewNetworkNamespace_SocketIsMadeThereAndTheCallerStaysHome()
    {
        var home = NetworkNamespaceOfThisThread();
        using var netnsHandle = NewNetworkNamespace();
        var netns = (int)netnsHandle.DangerousGetHandle();
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();

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

    [RequiresRootFact]
    public void RunOnThreadIn_WorkThrows_TheCallerGetsItsException()
    {
        using var netns = NewNetworkNamespace();

        var e = Assert.Throws<InvalidOperationException>(() =>
            Namespaces.RunOnThreadIn<int>((int)netns.DangerousGetHandle(), NamespaceType.CLONE_NEWNET, "a new network namespace",
                () => throw new InvalidOperationException("from the work")));

        Assert.Equal("from the work", e.Message);
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
