namespace Berth.Linux;

/// <summary>
/// User and group identity. glibc's setuid/setgid/setgroups apply to every thread of the process
/// (it signals each thread to make the same call), which is what a process about to exec needs.
/// </summary>
public static unsafe class Credentials
{
    /// <summary>setgroups(2).</summary>
    public static void SetGroups(IReadOnlyList<uint> groups)
    {
        var arr = groups.ToArray();
        fixed (uint* p = arr)
        {
            if (Libc.setgroups((nuint)arr.Length, p) != 0)
                throw LinuxException.FromLastError("setgroups", string.Join(',', arr));
        }
    }

    /// <summary>setgid(2).</summary>
    public static void SetGid(uint gid)
    {
        if (Libc.setgid(gid) != 0) throw LinuxException.FromLastError("setgid", gid.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>setuid(2).</summary>
    public static void SetUid(uint uid)
    {
        if (Libc.setuid(uid) != 0) throw LinuxException.FromLastError("setuid", uid.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>umask(2); returns the previous mask.</summary>
    public static uint SetUmask(uint mask) => Libc.umask(mask);

    /// <summary>lchown(2).</summary>
    public static void Lchown(string path, uint uid, uint gid)
    {
        if (Libc.lchown(path, uid, gid) != 0) throw LinuxException.FromLastError("lchown", path);
    }
}
