using System.Runtime.InteropServices;
using System.Text;

namespace Berth.Linux;

/// <summary>
/// File operations relative to a directory descriptor (the <c>*at(2)</c> calls). Callers that must not be led
/// out of a directory tree by symlinks (the layer unpacker) walk it one component at a time with these, never
/// with a path the kernel would resolve through links.
/// </summary>
public static unsafe class FilesAt
{
    public const int AT_SYMLINK_NOFOLLOW = 0x100;
    public const int AT_REMOVEDIR = 0x200;
    public const int AT_EMPTY_PATH = 0x1000;
    private const uint STATX_BASIC_STATS = 0x7ff;
    private const ulong STATX_ATTR_MOUNT_ROOT = 0x2000;
    private const int AT_FDCWD = -100;
    private const int XATTR_SIZE_MAX = 65536;

    /// <summary>openat(2), adding O_CLOEXEC; returns the descriptor or -1 with <paramref name="errno"/>.</summary>
    public static int TryOpen(int dirfd, string name, int flags, out int errno, uint mode = 0)
    {
        var fd = Libc.openat(dirfd, name, flags | Fd.O_CLOEXEC, mode);
        errno = fd < 0 ? Marshal.GetLastPInvokeError() : 0;
        return fd;
    }

    /// <summary>openat(2), adding O_CLOEXEC.</summary>
    /// <exception cref="LinuxException">openat failed; <paramref name="what"/> names the file in the message.</exception>
    public static int Open(int dirfd, string name, int flags, string what, uint mode = 0)
    {
        var fd = TryOpen(dirfd, name, flags, out var errno, mode);
        return fd >= 0 ? fd : throw new LinuxException("openat", errno, what);
    }

    /// <summary>mkdirat(2); returns 0 or the errno.</summary>
    public static int TryMakeDirectory(int dirfd, string name, uint mode)
        => Libc.mkdirat(dirfd, name, mode) == 0 ? 0 : Marshal.GetLastPInvokeError();

    /// <summary>mknodat(2); <paramref name="mode"/> carries the type (S_IFCHR, S_IFBLK, S_IFIFO) and permission bits.</summary>
    public static void MakeNode(int dirfd, string name, uint mode, long major, long minor, string what)
    {
        if (Libc.mknodat(dirfd, name, mode, Nodes.MakeDev(major, minor)) != 0) throw LinuxException.FromLastError("mknodat", what);
    }

    /// <summary>symlinkat(2): a link named <paramref name="name"/> holding <paramref name="target"/> as is.</summary>
    public static void Symlink(string target, int dirfd, string name, string what)
    {
        if (Libc.symlinkat(target, dirfd, name) != 0) throw LinuxException.FromLastError("symlinkat", what);
    }

    /// <summary>linkat(2) without AT_SYMLINK_FOLLOW: a link to a symlink links the symlink itself.</summary>
    public static void Link(int olddirfd, string oldname, int newdirfd, string newname, string what)
    {
        if (Libc.linkat(olddirfd, oldname, newdirfd, newname, 0) != 0) throw LinuxException.FromLastError("linkat", what);
    }

    /// <summary>unlinkat(2) (AT_REMOVEDIR for an empty directory); returns 0 or the errno.</summary>
    public static int TryUnlink(int dirfd, string name, bool directory = false)
        => Libc.unlinkat(dirfd, name, directory ? AT_REMOVEDIR : 0) == 0 ? 0 : Marshal.GetLastPInvokeError();

    /// <summary>renameat(2); returns 0 or the errno.</summary>
    public static int TryRename(int olddirfd, string oldname, int newdirfd, string newname)
        => Libc.renameat(olddirfd, oldname, newdirfd, newname) == 0 ? 0 : Marshal.GetLastPInvokeError();

    /// <summary>fchownat(2) with AT_SYMLINK_NOFOLLOW: changes a symlink, never what it points at.</summary>
    public static void ChownNoFollow(int dirfd, string name, uint uid, uint gid, string what)
    {
        if (Libc.fchownat(dirfd, name, uid, gid, AT_SYMLINK_NOFOLLOW) != 0) throw LinuxException.FromLastError("fchownat", what);
    }

    /// <summary>fchown(2).</summary>
    public static void Chown(int fd, uint uid, uint gid, string what)
    {
        if (Libc.fchown(fd, uid, gid) != 0) throw LinuxException.FromLastError("fchown", what);
    }

    /// <summary>fchmod(2); after <see cref="Chown"/>, which clears set-user-id and set-group-id bits.</summary>
    public static void Chmod(int fd, uint mode, string what)
    {
        if (Libc.fchmod(fd, mode) != 0) throw LinuxException.FromLastError("fchmod", what);
    }

    /// <summary>futimens(2): access and modification time of an open file.</summary>
    public static void SetTimes(int fd, DateTimeOffset access, DateTimeOffset modified, string what)
    {
        var times = stackalloc Libc.TimeSpec[2];
        times[0] = ToTimeSpec(access);
        times[1] = ToTimeSpec(modified);
        if (Libc.futimens(fd, times) != 0) throw LinuxException.FromLastError("futimens", what);
    }

    /// <summary>utimensat(2) with AT_SYMLINK_NOFOLLOW (for symlinks, which cannot be opened).</summary>
    public static void SetTimesNoFollow(int dirfd, string name, DateTimeOffset access, DateTimeOffset modified, string what)
    {
        var times = stackalloc Libc.TimeSpec[2];
        times[0] = ToTimeSpec(access);
        times[1] = ToTimeSpec(modified);
        if (Libc.utimensat(dirfd, name, times, AT_SYMLINK_NOFOLLOW) != 0) throw LinuxException.FromLastError("utimensat", what);
    }

    /// <summary>fsetxattr(2).</summary>
    public static void SetXattr(int fd, string name, ReadOnlySpan<byte> value, string what)
    {
        fixed (byte* p = value)
        {
            if (Libc.fsetxattr(fd, name, p, (nuint)value.Length, 0) != 0) throw LinuxException.FromLastError("fsetxattr", $"{what} ({name})");
        }
    }

    /// <summary>fgetxattr(2): the attribute's value, or null when the file has none of that name.</summary>
    public static byte[]? GetXattr(int fd, string name)
    {
        var buffer = new byte[XATTR_SIZE_MAX];
        fixed (byte* p = buffer)
        {
            var n = Libc.fgetxattr(fd, name, p, (nuint)buffer.Length);
            if (n >= 0) return buffer.AsSpan(0, (int)n).ToArray();
            var errno = Marshal.GetLastPInvokeError();
            return errno is Errno.ENODATA ? null : throw new LinuxException("fgetxattr", errno, name);
        }
    }

    /// <summary>statx(2) of <paramref name="name"/> in <paramref name="dirfd"/> without following a final symlink; null if it does not exist.</summary>
    public static FileStat? TryStat(int dirfd, string name)
    {
        var buf = stackalloc byte[256];
        if (Libc.statx(dirfd, name, AT_SYMLINK_NOFOLLOW | (name.Length == 0 ? AT_EMPTY_PATH : 0), STATX_BASIC_STATS, buf) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            return errno is Errno.ENOENT or Errno.ENOTDIR ? null : throw new LinuxException("statx", errno, name);
        }
        return new FileStat(
            Mode: *(ushort*)(buf + 28), Uid: *(uint*)(buf + 20), Gid: *(uint*)(buf + 24), Size: *(long*)(buf + 40),
            Inode: *(ulong*)(buf + 32), Links: *(uint*)(buf + 16), Blocks: *(ulong*)(buf + 48),
            DeviceMajor: *(uint*)(buf + 128), DeviceMinor: *(uint*)(buf + 132));
    }

    /// <summary>
    /// Whether <paramref name="path"/> is the root of a mount (statx's STATX_ATTR_MOUNT_ROOT, Linux 5.8): one
    /// system call, where reading /proc/self/mountinfo costs as much as the host has mounts. Null when the path
    /// does not exist or the kernel does not report the attribute.
    /// </summary>
    public static bool? IsMountRoot(string path)
    {
        var buf = stackalloc byte[256];
        if (Libc.statx(AT_FDCWD, path, 0, STATX_BASIC_STATS, buf) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            return errno is Errno.ENOENT or Errno.ENOTDIR ? null : throw new LinuxException("statx", errno, path);
        }
        // struct statx: stx_attributes at offset 8, stx_attributes_mask at 56.
        if ((*(ulong*)(buf + 56) & STATX_ATTR_MOUNT_ROOT) == 0) return null;
        return (*(ulong*)(buf + 8) & STATX_ATTR_MOUNT_ROOT) != 0;
    }

    /// <summary>statx(2) of an open descriptor.</summary>
    public static FileStat Stat(int fd) => TryStat(fd, "") ?? throw new LinuxException("statx", Errno.ENOENT, $"fd {fd}");

    /// <summary>readlinkat(2).</summary>
    public static string ReadLink(int dirfd, string name)
    {
        var buffer = stackalloc byte[4096];
        var n = Libc.readlinkat(dirfd, name, buffer, 4096);
        if (n < 0) throw LinuxException.FromLastError("readlinkat", name);
        return Encoding.UTF8.GetString(buffer, (int)n);
    }

    /// <summary>RESOLVE_IN_ROOT for <see cref="TryOpenInRoot"/>: every path and symlink resolves as if <c>dirfd</c> were <c>/</c>.</summary>
    private const ulong RESOLVE_IN_ROOT = 0x10;
    private const ulong RESOLVE_NO_MAGICLINKS = 0x02;
    private const int OpenInRootAttempts = 128;

    /// <summary>
    /// openat2(2) with RESOLVE_IN_ROOT: opens <paramref name="path"/> inside the tree at <paramref name="root"/> as a
    /// process chrooted there would, so an image's absolute or climbing symlinks stay in the image. Returns the
    /// descriptor (close-on-exec) or -1 with <paramref name="errno"/>; EAGAIN (renames racing the walk) is retried a
    /// bounded number of times first.
    /// </summary>
    public static int TryOpenInRoot(int root, string path, int flags, out int errno, uint mode = 0)
    {
        var how = stackalloc ulong[3];
        how[0] = (ulong)(uint)(flags | Fd.O_CLOEXEC);
        how[1] = mode;
        how[2] = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
        var bytes = Encoding.UTF8.GetBytes(path + "\0");
        fixed (byte* p = bytes)
        {
            // EAGAIN: a rename somewhere on the host while a ".." was resolved, and the kernel could not prove the
            // walk stayed inside; openat2(2) leaves the retry to the caller.
            for (var attempt = 0; ; attempt++)
            {
                var fd = (int)Libc.syscall(Libc.SYS_openat2, root, (long)p, (long)how, 24, 0, 0);
                errno = fd < 0 ? Marshal.GetLastPInvokeError() : 0;
                if (errno != Errno.EAGAIN || attempt == OpenInRootAttempts - 1) return fd;
            }
        }
    }

    private static Libc.TimeSpec ToTimeSpec(DateTimeOffset t)
    {
        var ticks = t.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks;
        var seconds = Math.DivRem(ticks, TimeSpan.TicksPerSecond, out var rest);
        if (rest < 0) { seconds--; rest += TimeSpan.TicksPerSecond; }
        return new Libc.TimeSpec { Seconds = seconds, Nanoseconds = rest * 100 };
    }
}
