namespace Berth.Linux;

/// <summary>
/// Idmapped mounts (mount_setattr(2) with MOUNT_ATTR_IDMAP, Linux 5.12): a detached copy of a directory's mount in
/// which its owners are seen through a user namespace's maps, so host root's files read as the namespace's root
/// (host uid 100000, say) without a single chown.
/// </summary>
public static unsafe class IdmappedMounts
{
    private const int SYS_open_tree = 428;
    private const int SYS_move_mount = 429;
    private const int SYS_mount_setattr = 442;
    private const int OPEN_TREE_CLONE = 1;
    private const int AT_FDCWD = -100;
    private const int AT_EMPTY_PATH = 0x1000;
    private const int MOVE_MOUNT_F_EMPTY_PATH = 0x4;
    private const ulong MOUNT_ATTR_IDMAP = 0x00100000;

    /// <summary>Mounts <paramref name="source"/> at <paramref name="target"/> (an existing directory) idmapped through the user namespace open at <paramref name="userNamespaceFd"/>.</summary>
    /// <exception cref="LinuxException">open_tree, mount_setattr or move_mount failed: EINVAL when the file system (or this kernel) cannot idmap.</exception>
    public static void Mount(string source, int userNamespaceFd, string target)
    {
        var tree = FileSyscall(SYS_open_tree, AT_FDCWD, source, OPEN_TREE_CLONE | Fd.O_CLOEXEC, "open_tree", source);
        try
        {
            // struct mount_attr { attr_set, attr_clr, propagation, userns_fd }
            var attr = stackalloc ulong[4];
            attr[0] = MOUNT_ATTR_IDMAP;
            attr[3] = (ulong)userNamespaceFd;
            var empty = stackalloc byte[1];
            if (Libc.syscall(SYS_mount_setattr, tree, (long)empty, AT_EMPTY_PATH, (long)attr, 32, 0) != 0)
                throw LinuxException.FromLastError("mount_setattr(MOUNT_ATTR_IDMAP)", source);
            var to = System.Text.Encoding.UTF8.GetBytes(target + "\0");
            fixed (byte* t = to)
            {
                if (Libc.syscall(SYS_move_mount, tree, (long)empty, AT_FDCWD, (long)t, MOVE_MOUNT_F_EMPTY_PATH, 0) != 0)
                    throw LinuxException.FromLastError("move_mount", $"{source} to {target}");
            }
        }
        finally { Fd.Close((int)tree); }
    }

    private static long FileSyscall(int number, int dirfd, string path, int flags, string name, string detail)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(path + "\0");
        fixed (byte* p = bytes)
        {
            var r = Libc.syscall(number, dirfd, (long)p, flags, 0, 0, 0);
            if (r < 0) throw LinuxException.FromLastError(name, detail);
            return r;
        }
    }
}
