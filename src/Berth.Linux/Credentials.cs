namespace Berth.Linux;

/// <summary>
/// User and group identity of the calling thread, for a thread about to exec: credentials are per thread in the
/// kernel, and the program that execve starts gets the exec'ing thread's. These are the raw system calls, not
/// glibc's wrappers, which signal every other thread of the process and wait for each to make the same call.
/// </summary>
public static unsafe class Credentials
{
    /// <summary>setgroups(2) for the calling thread.</summary>
    public static void SetGroups(IReadOnlyList<uint> groups)
    {
        var arr = groups.ToArray();
        fixed (uint* p = arr)
        {
            if (Libc.syscall(Libc.SYS_setgroups, arr.Length, (long)p, 0, 0, 0, 0) != 0)
                throw LinuxException.FromLastError("setgroups", string.Join(',', arr));
        }
    }

    /// <summary>setgid(2) for the calling thread.</summary>
    public static void SetGid(uint gid)
    {
        if (Libc.syscall(Libc.SYS_setgid, gid, 0, 0, 0, 0, 0) != 0)
            throw LinuxException.FromLastError("setgid", gid.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>setuid(2) for the calling thread.</summary>
    public static void SetUid(uint uid)
    {
        if (Libc.syscall(Libc.SYS_setuid, uid, 0, 0, 0, 0, 0) != 0)
            throw LinuxException.FromLastError("setuid", uid.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>umask(2); returns the previous mask.</summary>
    public static uint SetUmask(uint mask) => Libc.umask(mask);

    /// <summary>lchown(2).</summary>
    public static void Lchown(string path, uint uid, uint gid)
    {
        if (Libc.lchown(path, uid, gid) != 0) throw LinuxException.FromLastError("lchown", path);
    }
}
