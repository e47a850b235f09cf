using System.Runtime.InteropServices;
using System.Text;

namespace Berth.Linux;

/// <summary>
/// AF_UNIX sockets at the descriptor level: socket pairs for parent/child sync, connecting to a path, and
/// passing descriptors with SCM_RIGHTS (which .NET's Socket class does not expose).
/// </summary>
public static unsafe class UnixSockets
{
    private const int AF_UNIX = 1;
    /// <summary>SOCK_STREAM.</summary>
    public const int SOCK_STREAM = 1;
    /// <summary>SOCK_SEQPACKET: message boundaries kept, EOF when the peer closes.</summary>
    public const int SOCK_SEQPACKET = 5;
    private const int SOCK_CLOEXEC = 0x80000;
    private const int SOL_SOCKET = 1;
    private const int SCM_RIGHTS = 1;
    private const int MSG_PEEK = 0x2;
    private const int MSG_TRUNC = 0x20;
    private const int MSG_NOSIGNAL = 0x4000;
    private const int MSG_CMSG_CLOEXEC = 0x40000000;

    /// <summary>socketpair(2), both ends close-on-exec.</summary>
    public static (int A, int B) Pair(int type = SOCK_SEQPACKET)
    {
        int* sv = stackalloc int[2];
        if (Libc.socketpair(AF_UNIX, type | SOCK_CLOEXEC, 0, sv) != 0) throw LinuxException.FromLastError("socketpair");
        return (sv[0], sv[1]);
    }

    /// <summary>
    /// Connects a new close-on-exec socket of <paramref name="type"/> to the socket file at <paramref name="path"/>.
    /// A path longer than a socket address holds (107 bytes) is reached through its directory's descriptor.
    /// </summary>
    public static int Connect(string path, int type = SOCK_STREAM)
        => WithShortPath(path, shortPath =>
        {
            var fd = Libc.socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
            if (fd < 0) throw LinuxException.FromLastError("socket");
            var addr = stackalloc byte[110];
            var len = Address(shortPath, addr, fd, "connect");
            if (Libc.connect(fd, addr, len) != 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                Fd.Close(fd);
                throw new LinuxException("connect", errno, path);
            }
            return fd;
        });

    /// <summary>
    /// Creates a close-on-exec listening socket of <paramref name="type"/> bound to <paramref name="path"/> (a long
    /// path as for <see cref="Connect"/>).
    /// </summary>
    public static int Listen(string path, int type = SOCK_SEQPACKET)
        => WithShortPath(path, shortPath =>
        {
            var fd = Libc.socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
            if (fd < 0) throw LinuxException.FromLastError("socket");
            var addr = stackalloc byte[110];
            var len = Address(shortPath, addr, fd, "bind");
            if (Libc.bind(fd, addr, len) != 0 || Libc.listen(fd, 64) != 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                Fd.Close(fd);
                throw new LinuxException("bind", errno, path);
            }
            return fd;
        });

    /// <summary>
    /// Calls <paramref name="use"/> with <paramref name="path"/>, or, when it is too long for a socket address, with
    /// <c>/proc/self/fd/N/NAME</c> over a descriptor of its directory (which the kernel resolves the same way).
    /// </summary>
    private static int WithShortPath(string path, Func<string, int> use)
    {
        if (Encoding.UTF8.GetByteCount(path) < 108) return use(path);
        var dir = Path.GetDirectoryName(path);
        if (string.IsNullOrEmpty(dir)) return use(path);
        var dirFd = Fd.TryOpen(dir, Fd.O_PATH | Fd.O_DIRECTORY, out var errno);
        if (dirFd < 0) throw new LinuxException("open", errno, dir);
        try { return use($"/proc/self/fd/{dirFd}/{Path.GetFileName(path)}"); }
        finally { Fd.Close(dirFd); }
    }

    /// <summary>accept4(2) of one connection (close-on-exec); -1 when none is pending on a non-blocking socket.</summary>
    public static int Accept(int listener)
    {
        var fd = Libc.accept4(listener, null, null, SOCK_CLOEXEC);
        if (fd >= 0) return fd;
        var errno = Marshal.GetLastPInvokeError();
        if (errno is Errno.EAGAIN or Errno.EINTR) return -1;
        throw new LinuxException("accept4", errno, $"fd {listener}");
    }

    private static uint Address(string path, byte* addr, int fd, string call)
    {
        var pathBytes = Encoding.UTF8.GetBytes(path);
        if (pathBytes.Length >= 108) { Fd.Close(fd); throw new LinuxException(call, Errno.ERANGE, $"{path} (socket path longer than 107 bytes)"); }
        new Span<byte>(addr, 110).Clear();
        *(ushort*)addr = AF_UNIX;
        pathBytes.CopyTo(new Span<byte>(addr + 2, 108));
        return (uint)(2 + pathBytes.Length + 1);
    }

    /// <summary>Sends one message of <paramref name="data"/> carrying <paramref name="fds"/> as SCM_RIGHTS.</summary>
    public static void Send(int socket, ReadOnlySpan<byte> data, ReadOnlySpan<int> fds = default)
    {
        var payload = data.Length == 0 ? [0] : data.ToArray();
        var controlLen = fds.Length == 0 ? 0 : CmsgSpace(fds.Length * 4);
        var control = stackalloc byte[Math.Max(controlLen, 1)];
        fixed (byte* p = payload)
        {
            var iov = new Libc.IoVec { Base = p, Len = (nuint)payload.Length };
            var msg = new Libc.MsgHdr { Iov = &iov, IovLen = 1 };
            if (fds.Length > 0)
            {
                new Span<byte>(control, controlLen).Clear();
                *(nuint*)control = (nuint)(16 + fds.Length * 4); // cmsg_len
                *(int*)(control + 8) = SOL_SOCKET;
                *(int*)(control + 12) = SCM_RIGHTS;
                for (var i = 0; i < fds.Length; i++) *(int*)(control + 16 + i * 4) = fds[i];
                msg.Control = control;
                msg.ControlLen = (nuint)controlLen;
            }
            while (Libc.sendmsg(socket, &msg, MSG_NOSIGNAL) < 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                if (errno != Errno.EINTR) throw new LinuxException("sendmsg", errno, $"fd {socket}");
            }
        }
    }

    /// <summary>
    /// Receives one message, whatever its length, and the descriptors it carries (close-on-exec).
    /// Returns an empty array at end of file.
    /// </summary>
    public static byte[] Receive(int socket, out int[] fds)
    {
        // The length first, so that the usual short line is read on the stack: a fresh heap buffer for every
        // message costs page faults on the container start-up path.
        var max = Math.Max(PeekLength(socket), 1);
        var buf = max <= 4096 ? stackalloc byte[max] : new byte[max];
        const int maxFds = 8;
        var controlLen = CmsgSpace(maxFds * 4);
        var control = stackalloc byte[controlLen];
        fixed (byte* p = buf)
        {
            var iov = new Libc.IoVec { Base = p, Len = (nuint)max };
            var msg = new Libc.MsgHdr { Iov = &iov, IovLen = 1, Control = control, ControlLen = (nuint)controlLen };
            nint n;
            while ((n = Libc.recvmsg(socket, &msg, MSG_CMSG_CLOEXEC)) < 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                if (errno != Errno.EINTR) throw new LinuxException("recvmsg", errno, $"fd {socket}");
            }
            var got = new List<int>();
            if (msg.ControlLen >= 16 && *(int*)(control + 8) == SOL_SOCKET && *(int*)(control + 12) == SCM_RIGHTS)
            {
                var count = ((int)*(nuint*)control - 16) / 4;
                for (var i = 0; i < count; i++) got.Add(*(int*)(control + 16 + i * 4));
            }
            fds = got.ToArray();
            return buf[..(int)n].ToArray();
        }
    }

    /// <summary>Waits for the next message and returns its length (0 at end of file) without taking it.</summary>
    private static int PeekLength(int socket)
    {
        var msg = new Libc.MsgHdr();
        nint n;
        // MSG_TRUNC makes the kernel report the whole length of the message, not what fitted (nothing).
        while ((n = Libc.recvmsg(socket, &msg, MSG_PEEK | MSG_TRUNC)) < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            if (errno != Errno.EINTR) throw new LinuxException("recvmsg", errno, $"fd {socket}");
        }
        return (int)n;
    }

    private static int CmsgSpace(int len) => 16 + ((len + 7) & ~7);
}
