namespace Berth.Linux;

/// <summary>
/// Internet sockets made with socket(2) itself, for the places where the calling thread matters: a socket belongs to
/// the network namespace of the thread that makes it, and .NET's <c>Socket</c> constructor may do more on that
/// thread than the one syscall (see <see cref="Namespaces.RunOnThreadIn{T}"/>). Wrap the descriptor in a
/// <c>SafeSocketHandle</c> to use it through <c>Socket</c> from any thread.
/// </summary>
public static class InetSockets
{
    private const int AF_INET = 2;
    private const int SOCK_STREAM = 1;
    private const int SOCK_CLOEXEC = 0x80000;
    private const int IPPROTO_TCP = 6;

    /// <summary>A new close-on-exec IPv4 TCP socket in the calling thread's network namespace; the caller owns the descriptor.</summary>
    /// <exception cref="LinuxException">socket(2) failed.</exception>
    public static int OpenTcp()
    {
        var fd = Libc.socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, IPPROTO_TCP);
        return fd >= 0 ? fd : throw LinuxException.FromLastError("socket", "AF_INET SOCK_STREAM");
    }
}
