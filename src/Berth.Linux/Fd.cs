using Microsoft.Win32.SafeHandles;

namespace Berth.Linux;

/// <summary>Opening, duplicating and piping raw file descriptors; every descriptor is close-on-exec unless said otherwise.</summary>
public static unsafe class Fd
{
    public const int O_RDONLY = 0;
    public const int O_WRONLY = 1;
    public const int O_RDWR = 2;
    public const int O_CREAT = 0x40;
    public const int O_EXCL = 0x80;
    public const int O_NOCTTY = 0x100;
    public const int O_TRUNC = 0x200;
    public const int O_APPEND = 0x400;
    public const int O_NONBLOCK = 0x800;
    public const int O_DIRECTORY = 0x10000;
    public const int O_NOFOLLOW = 0x20000;
    public const int O_CLOEXEC = 0x80000;
    public const int O_PATH = 0x200000;

    private const int F_DUPFD_CLOEXEC = 1030;
    private const int F_GETFD = 1;
    private const int F_SETFD = 2;
    private const int F_GETFL = 3;
    private const int F_SETFL = 4;
    private const int FD_CLOEXEC = 1;

    /// <summary>Opens <paramref name="path"/> with <c>open(2)</c>, always adding O_CLOEXEC.</summary>
    /// <exception cref="LinuxException">open failed.</exception>
    public static SafeFileHandle Open(string path, int flags, uint mode = 0)
    {
        var fd = Libc.open(path, flags | O_CLOEXEC, mode);
        if (fd < 0) throw LinuxException.FromLastError("open", path);
        return new SafeFileHandle(fd, ownsHandle: true);
    }

    /// <summary>Like <see cref="Open"/> but returns -1 with the errno instead of throwing.</summary>
    public static int TryOpen(string path, int flags, out int errno, uint mode = 0)
    {
        var fd = Libc.open(path, flags | O_CLOEXEC, mode);
        errno = fd < 0 ? System.Runtime.InteropServices.Marshal.GetLastPInvokeError() : 0;
        return fd;
    }

    /// <summary>Closes a raw descriptor, ignoring errors (used on error paths).</summary>
    public static void Close(int fd)
    {
        if (fd >= 0) Libc.close(fd);
    }

    /// <summary>Creates a pipe; both ends close-on-exec.</summary>
    public static (int Read, int Write) Pipe()
    {
        int* fds = stackalloc int[2];
        if (Libc.pipe2(fds, O_CLOEXEC) != 0) throw LinuxException.FromLastError("pipe2");
        return (fds[0], fds[1]);
    }

    /// <summary>Duplicates <paramref name="fd"/> onto the lowest free number at or above <paramref name="min"/>, close-on-exec.</summary>
    public static int DupAbove(int fd, int min)
    {
        var r = Libc.fcntl(fd, F_DUPFD_CLOEXEC, min);
        if (r < 0) throw LinuxException.FromLastError("fcntl(F_DUPFD_CLOEXEC)", fd.ToString());
        return r;
    }

    /// <summary>dup2 without close-on-exec on the target.</summary>
    public static void Dup2(int fd, int target)
    {
        if (Libc.dup2(fd, target) < 0) throw LinuxException.FromLastError("dup2", $"{fd} -> {target}");
    }

    /// <summary>Sets or clears close-on-exec.</summary>
    public static void SetCloseOnExec(int fd, bool value)
    {
        var flags = Libc.fcntl(fd, F_GETFD, 0);
        if (flags < 0) throw LinuxException.FromLastError("fcntl(F_GETFD)", fd.ToString());
        flags = value ? flags | FD_CLOEXEC : flags & ~FD_CLOEXEC;
        if (Libc.fcntl(fd, F_SETFD, flags) < 0) throw LinuxException.FromLastError("fcntl(F_SETFD)", fd.ToString());
    }

    /// <summary>
    /// Marks every descriptor from <paramref name="first"/> up close-on-exec, so an execve passes on only those
    /// below it (stdio). close_range(CLOSE_RANGE_CLOEXEC); on kernels without it, each open descriptor in turn.
    /// </summary>
    public static void CloseOnExecFrom(int first)
    {
        const long CLOSE_RANGE_CLOEXEC = 4;
        if (Libc.syscall(Libc.SYS_close_range, first, uint.MaxValue, CLOSE_RANGE_CLOEXEC, 0, 0, 0) == 0) return;
        foreach (var entry in Directory.GetFiles("/proc/self/fd"))
        {
            if (int.TryParse(Path.GetFileName(entry), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var fd)
                && fd >= first && Libc.fcntl(fd, F_GETFD, 0) is var flags and >= 0)
                Libc.fcntl(fd, F_SETFD, flags | FD_CLOEXEC);
        }
    }

    /// <summary>Sets or clears O_NONBLOCK.</summary>
    public static void SetNonBlocking(int fd, bool value)
    {
        var flags = Libc.fcntl(fd, F_GETFL, 0);
        if (flags < 0) throw LinuxException.FromLastError("fcntl(F_GETFL)", fd.ToString());
        flags = value ? flags | O_NONBLOCK : flags & ~O_NONBLOCK;
        if (Libc.fcntl(fd, F_SETFL, flags) < 0) throw LinuxException.FromLastError("fcntl(F_SETFL)", fd.ToString());
    }

    /// <summary>Whether <paramref name="fd"/> is an open descriptor.</summary>
    public static bool IsOpen(int fd) => Libc.fcntl(fd, F_GETFD, 0) >= 0;

    /// <summary>Reads up to <paramref name="buffer"/>.Length bytes, retrying on EINTR; 0 at end of file.</summary>
    public static int Read(int fd, Span<byte> buffer)
    {
        fixed (byte* p = buffer)
        {
            while (true)
            {
                var n = Libc.read(fd, p, (nuint)buffer.Length);
                if (n >= 0) return (int)n;
                var errno = System.Runtime.InteropServices.Marshal.GetLastPInvokeError();
                if (errno != Errno.EINTR) throw new LinuxException("read", errno, $"fd {fd}");
            }
        }
    }

    /// <summary>Writes all of <paramref name="data"/>, retrying on EINTR and short writes.</summary>
    public static void WriteAll(int fd, ReadOnlySpan<byte> data)
    {
        fixed (byte* p = data)
        {
            var done = 0;
            while (done < data.Length)
            {
                var n = Libc.write(fd, p + done, (nuint)(data.Length - done));
                if (n < 0)
                {
                    var errno = System.Runtime.InteropServices.Marshal.GetLastPInvokeError();
                    if (errno == Errno.EINTR) continue;
                    throw new LinuxException("write", errno, $"fd {fd}");
                }
                done += (int)n;
            }
        }
    }

    /// <summary>
    /// One write(2) of what fits of <paramref name="data"/> (for non-blocking descriptors): the bytes written, or -1
    /// with <paramref name="errno"/> (EAGAIN when nothing fits now). Retries EINTR.
    /// </summary>
    public static int TryWrite(int fd, ReadOnlySpan<byte> data, out int errno)
    {
        fixed (byte* p = data)
        {
            while (true)
            {
                var n = Libc.write(fd, p, (nuint)data.Length);
                if (n >= 0)
                {
                    errno = 0;
                    return (int)n;
                }
                errno = System.Runtime.InteropServices.Marshal.GetLastPInvokeError();
                if (errno != Errno.EINTR) return -1;
            }
        }
    }

    /// <summary>
    /// One write(2) of <paramref name="data"/> to the file at <paramref name="path"/> (opened write-only and
    /// truncated), returning the errno (0 on success): pseudo-files such as cgroupfs report a refused value only
    /// through that errno, and expect the whole value in one write.
    /// </summary>
    public static int TryWriteFile(string path, ReadOnlySpan<byte> data)
    {
        var fd = Libc.open(path, O_WRONLY | O_TRUNC | O_CLOEXEC, 0);
        if (fd < 0) return System.Runtime.InteropServices.Marshal.GetLastPInvokeError();
        try
        {
            fixed (byte* p = data)
            {
                var n = Libc.write(fd, p, (nuint)data.Length);
                return n < 0 ? System.Runtime.InteropServices.Marshal.GetLastPInvokeError() : 0;
            }
        }
        finally { Libc.close(fd); }
    }

    /// <summary>
    /// The whole of a small file such as a /proc or cgroupfs one, as UTF-8 text; null, with the errno, when it
    /// cannot be opened or read. Leaner than File.ReadAllText (no stream, reader or heap buffer), which matters
    /// on the container start-up path, where such files are read a dozen times.
    /// </summary>
    public static string? TryReadText(string path, out int errno)
    {
        var fd = Libc.open(path, O_RDONLY | O_CLOEXEC, 0);
        if (fd < 0)
        {
            errno = System.Runtime.InteropServices.Marshal.GetLastPInvokeError();
            return null;
        }
        try
        {
            Span<byte> buf = stackalloc byte[4096];
            var len = 0;
            while (true)
            {
                if (len == buf.Length)
                {
                    var bigger = new byte[buf.Length * 2];
                    buf.CopyTo(bigger);
                    buf = bigger;
                }
                nint n;
                fixed (byte* p = buf) n = Libc.read(fd, p + len, (nuint)(buf.Length - len));
                if (n < 0)
                {
                    errno = System.Runtime.InteropServices.Marshal.GetLastPInvokeError();
                    if (errno == Errno.EINTR) continue;
                    return null;
                }
                if (n == 0) break;
                len += (int)n;
            }
            errno = 0;
            return System.Text.Encoding.UTF8.GetString(buf[..len]);
        }
        finally { Libc.close(fd); }
    }

    /// <summary>Like <see cref="TryReadText"/>, throwing <see cref="LinuxException"/> on failure.</summary>
    public static string ReadText(string path)
        => TryReadText(path, out var errno) ?? throw new LinuxException("read", errno, path);

    /// <summary>Reads until end of file.</summary>
    public static byte[] ReadToEnd(int fd)
    {
        var ms = new MemoryStream();
        Span<byte> buf = stackalloc byte[4096];
        int n;
        while ((n = Read(fd, buf)) > 0) ms.Write(buf[..n]);
        return ms.ToArray();
    }

    /// <summary>
    /// Waits until one of <paramref name="fds"/> is readable (or hung up) or <paramref name="timeoutMs"/> passes
    /// (-1 = forever); fills <paramref name="ready"/> with the readable ones. Returns false on timeout.
    /// </summary>
    public static bool WaitAnyReadable(IReadOnlyList<int> fds, int timeoutMs, List<int> ready)
    {
        ready.Clear();
        var pfds = new Libc.PollFd[fds.Count];
        for (var i = 0; i < fds.Count; i++) pfds[i] = new Libc.PollFd { Fd = fds[i], Events = 1 /* POLLIN */ };
        fixed (Libc.PollFd* p = pfds)
        {
            while (true)
            {
                var r = Libc.poll(p, (ulong)pfds.Length, timeoutMs);
                if (r == 0) return false;
                if (r > 0) break;
                var errno = System.Runtime.InteropServices.Marshal.GetLastPInvokeError();
                if (errno != Errno.EINTR) throw new LinuxException("poll", errno);
            }
        }
        foreach (var pfd in pfds)
            if (pfd.REvents != 0) ready.Add(pfd.Fd);
        return true;
    }

    /// <summary>
    /// Waits until <paramref name="fd"/> is readable or <paramref name="timeoutMs"/> passes (-1 = forever).
    /// Returns false on timeout.
    /// </summary>
    public static bool WaitReadable(int fd, int timeoutMs)
    {
        var pfd = new Libc.PollFd { Fd = fd, Events = 1 /* POLLIN */ };
        while (true)
        {
            var r = Libc.poll(&pfd, 1, timeoutMs);
            if (r > 0) return true;
            if (r == 0) return false;
            var errno = System.Runtime.InteropServices.Marshal.GetLastPInvokeError();
            if (errno != Errno.EINTR) throw new LinuxException("poll", errno, $"fd {fd}");
        }
    }
}
