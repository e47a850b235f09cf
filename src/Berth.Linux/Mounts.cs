namespace Berth.Linux;

/// <summary>Typed wrappers over mount(2), umount2(2) and pivot_root(2).</summary>
public static class Mounts
{
    /// <summary>MNT_DETACH for <see cref="Unmount"/>.</summary>
    public const int MNT_DETACH = 2;

    /// <summary>mount(2).</summary>
    /// <exception cref="LinuxException">The kernel refused.</exception>
    public static void Mount(string? source, string target, string? fsType, MountFlags flags, string? data = null)
    {
        if (Libc.mount(source, target, fsType, (ulong)flags, string.IsNullOrEmpty(data) ? null : data) != 0)
            throw LinuxException.FromLastError("mount", $"{source ?? fsType ?? "none"} on {target} ({fsType ?? "bind"}, flags 0x{(ulong)flags:x}{(string.IsNullOrEmpty(data) ? "" : ", " + data)})");
    }

    /// <summary>Bind-mounts <paramref name="source"/> on <paramref name="target"/> (recursively when asked).</summary>
    public static void Bind(string source, string target, bool recursive)
        => Mount(source, target, null, MountFlags.MS_BIND | (recursive ? MountFlags.MS_REC : 0));

    /// <summary>Changes the propagation of <paramref name="target"/> (MS_PRIVATE, MS_SLAVE, MS_SHARED, MS_UNBINDABLE, optionally MS_REC).</summary>
    public static void SetPropagation(string target, MountFlags propagation)
        => Mount(null, target, null, propagation);

    /// <summary>umount2(2).</summary>
    public static void Unmount(string target, int flags = 0)
    {
        if (Libc.umount2(target, flags) != 0) throw LinuxException.FromLastError("umount2", target);
    }

    /// <summary>pivot_root(2): makes <paramref name="newRoot"/> the root, moving the old root to <paramref name="putOld"/>.</summary>
    public static unsafe void PivotRoot(string newRoot, string putOld)
    {
        var a = System.Text.Encoding.UTF8.GetBytes(newRoot + "\0");
        var b = System.Text.Encoding.UTF8.GetBytes(putOld + "\0");
        fixed (byte* pa = a, pb = b)
        {
            if (Libc.syscall(Libc.SYS_pivot_root, (long)pa, (long)pb, 0, 0, 0, 0) != 0)
                throw LinuxException.FromLastError("pivot_root", $"{newRoot} {putOld}");
        }
    }

    /// <summary>chroot(2).</summary>
    public static void Chroot(string path)
    {
        if (Libc.chroot(path) != 0) throw LinuxException.FromLastError("chroot", path);
    }

    /// <summary>chdir(2).</summary>
    public static void Chdir(string path)
    {
        if (Libc.chdir(path) != 0) throw LinuxException.FromLastError("chdir", path);
    }

    /// <summary>
    /// The working directory as the getcwd system call reports it: a path that does not start with <c>/</c> (the
    /// kernel's <c>(unreachable)</c> prefix) means the directory is outside the caller's root.
    /// </summary>
    public static unsafe string GetCwd()
    {
        var buffer = stackalloc byte[4096];
        var n = Libc.syscall(Libc.SYS_getcwd, (long)buffer, 4096, 0, 0, 0, 0);
        if (n < 0) throw LinuxException.FromLastError("getcwd", null);
        return System.Text.Encoding.UTF8.GetString(buffer, (int)Math.Max(0, n - 1));
    }
}
