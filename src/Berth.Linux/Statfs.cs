using System.Runtime.InteropServices;

namespace Berth.Linux;

/// <summary>statvfs(3) mount flags, and fchdir(2).</summary>
public static unsafe partial class Statfs
{
    public const ulong ST_RDONLY = 1;
    public const ulong ST_NOSUID = 2;
    public const ulong ST_NODEV = 4;
    public const ulong ST_NOEXEC = 8;

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int statvfs(string path, byte* buf);

    /// <summary>The ST_* flags of the mount holding <paramref name="path"/>.</summary>
    public static ulong Flags(string path)
    {
        var buf = stackalloc byte[128];
        if (statvfs(path, buf) != 0) throw LinuxException.FromLastError("statvfs", path);
        // struct statvfs on x86_64: f_flag is the 10th 8-byte field (offset 72).
        return *(ulong*)(buf + 72);
    }

    /// <summary>fchdir(2); returns 0 or -1 with errno set.</summary>
    public static int Fchdir(int fd) => Libc.fchdir(fd);
}
