namespace Berth.Linux;

/// <summary>Special files: device nodes and FIFOs.</summary>
public static class Nodes
{
    public const uint S_IFIFO = 0x1000;
    public const uint S_IFCHR = 0x2000;
    public const uint S_IFBLK = 0x6000;

    /// <summary>makedev(3) for the kernel's dev_t encoding.</summary>
    public static ulong MakeDev(long major, long minor)
    {
        var ma = (ulong)major;
        var mi = (ulong)minor;
        return ((ma & 0xfffff000UL) << 32) | ((ma & 0xfffUL) << 8) | ((mi & 0xffffff00UL) << 12) | (mi & 0xffUL);
    }

    /// <summary>mknod(2): <paramref name="type"/> is S_IFCHR, S_IFBLK or S_IFIFO; <paramref name="perm"/> the permission bits.</summary>
    public static void MakeNode(string path, uint type, uint perm, long major, long minor)
    {
        if (Libc.mknod(path, type | (perm & 0xfff), MakeDev(major, minor)) != 0)
            throw LinuxException.FromLastError("mknod", $"{path} ({major}:{minor})");
    }

    /// <summary>mkfifo(3).</summary>
    public static void MakeFifo(string path, uint perm)
    {
        if (Libc.mkfifo(path, perm) != 0) throw LinuxException.FromLastError("mkfifo", path);
    }

    /// <summary>mkdir(2): true if this call created the directory, false if it already existed (EEXIST).</summary>
    /// <remarks>Unlike Directory.CreateDirectory, tells the caller whether it won a race to create it.</remarks>
    public static bool MakeDirectory(string path, uint mode)
    {
        if (Libc.mkdir(path, mode) == 0) return true;
        var errno = System.Runtime.InteropServices.Marshal.GetLastPInvokeError();
        if (errno == Errno.EEXIST) return false;
        throw new LinuxException("mkdir", errno, path);
    }

    /// <summary>mkdir(2) returning the errno (0 on success) instead of throwing.</summary>
    public static int TryMakeDirectory(string path, uint mode)
        => Libc.mkdir(path, mode) == 0 ? 0 : System.Runtime.InteropServices.Marshal.GetLastPInvokeError();

    /// <summary>rmdir(2) returning the errno (0 on success) instead of throwing.</summary>
    public static int TryRemoveDirectory(string path)
        => Libc.rmdir(path) == 0 ? 0 : System.Runtime.InteropServices.Marshal.GetLastPInvokeError();

    /// <summary>unlink(2) returning the errno (0 on success) instead of throwing.</summary>
    public static int TryUnlink(string path)
        => Libc.unlink(path) == 0 ? 0 : System.Runtime.InteropServices.Marshal.GetLastPInvokeError();

    /// <summary>chmod(2) (follows symlinks; callers resolve paths first).</summary>
    public static void Chmod(string path, uint mode)
    {
        if (Libc.chmod(path, mode) != 0) throw LinuxException.FromLastError("chmod", path);
    }
}
