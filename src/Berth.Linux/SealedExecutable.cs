using System.Runtime.InteropServices;

namespace Berth.Linux;

/// <summary>
/// A view of an executable that nobody can write through: what a process shows as <c>/proc/PID/exe</c> when it
/// was exec'd from it (CVE-2019-5736, where a container reopened the runtime's <c>/proc/PID/exe</c> for writing
/// and replaced the host's binary).
/// </summary>
/// <remarks>
/// First choice, a private read-only bind mount of the file: <c>open_tree(OPEN_TREE_CLONE)</c> makes a detached
/// copy of its mount that is in no mount namespace (nobody can reach it by path, and it goes away with its last
/// reference), and <c>mount_setattr(MOUNT_ATTR_RDONLY)</c> makes it read-only, so opening it for writing fails
/// with EROFS. It costs two system calls and no copy; the page cache stays shared with the host's file.
/// Fallback where the kernel lacks those calls (before 5.12): a copy in a memfd sealed against writes, growing
/// and shrinking (runc's original fix), which costs a copy of the file.
/// </remarks>
public static unsafe class SealedExecutable
{
    private const int AT_FDCWD = -100;
    private const uint OPEN_TREE_CLONE = 1;
    private const ulong MOUNT_ATTR_RDONLY = 0x1;
    private const ulong MOUNT_ATTR_NOSUID = 0x2;
    private const ulong MOUNT_ATTR_NODEV = 0x4;
    private const uint MFD_CLOEXEC = 1;
    private const uint MFD_ALLOW_SEALING = 2;
    private const int F_ADD_SEALS = 1033;
    private const int F_SEAL_SEAL = 1, F_SEAL_SHRINK = 2, F_SEAL_GROW = 4, F_SEAL_WRITE = 8;

    [StructLayout(LayoutKind.Sequential)]
    private struct MountAttr
    {
        public ulong AttrSet;
        public ulong AttrClr;
        public ulong Propagation;
        public ulong UsernsFd;
    }

    /// <summary>
    /// Opens <paramref name="path"/> through a read-only private mount, or else as a sealed memfd copy. The caller
    /// owns the close-on-exec descriptor, which can be exec'd through <c>/proc/self/fd/N</c>.
    /// </summary>
    /// <param name="path">The executable.</param>
    /// <param name="sealedCopy">True when the fallback (a memfd copy) was used.</param>
    /// <exception cref="LinuxException">Neither way worked; names the system call.</exception>
    public static int Open(string path, out bool sealedCopy)
    {
        sealedCopy = false;
        var fd = TryReadonlyMount(path, out var errno);
        if (fd >= 0) return fd;
        if (errno is not (Errno.ENOSYS or Errno.EPERM or Errno.EINVAL)) throw new LinuxException("open_tree", errno, path);
        sealedCopy = true;
        return SealedCopy(path);
    }

    private static int TryReadonlyMount(string path, out int errno)
    {
        var name = System.Text.Encoding.UTF8.GetBytes(path + "\0");
        long fd;
        fixed (byte* p = name) fd = Libc.syscall(Libc.SYS_open_tree, AT_FDCWD, (long)p, OPEN_TREE_CLONE | (uint)Fd.O_CLOEXEC, 0, 0, 0);
        if (fd < 0)
        {
            errno = Marshal.GetLastPInvokeError();
            return -1;
        }
        var attr = new MountAttr { AttrSet = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV };
        var empty = stackalloc byte[1];
        empty[0] = 0;
        if (Libc.syscall(Libc.SYS_mount_setattr, fd, (long)empty, FilesAt.AT_EMPTY_PATH, (long)&attr, sizeof(MountAttr), 0) != 0)
        {
            errno = Marshal.GetLastPInvokeError();
            Fd.Close((int)fd);
            return -1;
        }
        errno = 0;
        return (int)fd;
    }

    private static int SealedCopy(string path)
    {
        var name = "berth-sealed\0"u8;
        long fd;
        fixed (byte* p = name) fd = Libc.syscall(Libc.SYS_memfd_create, (long)p, MFD_CLOEXEC | MFD_ALLOW_SEALING, 0, 0, 0, 0);
        if (fd < 0) throw LinuxException.FromLastError("memfd_create", path);
        try
        {
            using (var source = File.OpenRead(path))
            using (var target = new FileStream(new Microsoft.Win32.SafeHandles.SafeFileHandle((nint)fd, ownsHandle: false), FileAccess.Write))
                source.CopyTo(target);
            if (Libc.fcntl((int)fd, F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE) < 0)
                throw LinuxException.FromLastError("fcntl(F_ADD_SEALS)", path);
            return (int)fd;
        }
        catch
        {
            Fd.Close((int)fd);
            throw;
        }
    }
}
