using Berth.Cgroups;
using Berth.Linux;
using Berth.Runtime.Spec;

namespace Berth.Runtime.Rootfs;

/// <summary>
/// Builds the container's file system view from inside its new mount namespace (the init process runs this):
/// mounts, device nodes, pivot_root, then masked and read-only paths. Every target is resolved by the kernel inside
/// the rootfs (<see cref="RootfsPaths"/>) so symlinks inside the rootfs cannot point a mount at the host.
/// </summary>
public sealed class RootfsBuilder
{
    private static readonly (string Path, long Major, long Minor)[] DefaultDevices =
    [
        ("/dev/null", 1, 3), ("/dev/zero", 1, 5), ("/dev/full", 1, 7),
        ("/dev/random", 1, 8), ("/dev/urandom", 1, 9), ("/dev/tty", 5, 0),
    ];

    private readonly RuntimeSpec _spec;
    private readonly string _rootfs;
    private readonly ICgroupManager? _cgroup;
    private readonly bool _cgroupNs;

    /// <summary>Prepares to build <paramref name="rootfs"/> for <paramref name="spec"/>.</summary>
    public RootfsBuilder(RuntimeSpec spec, string rootfs, ICgroupManager? cgroup, bool cgroupNamespace)
    {
        _spec = spec;
        _rootfs = rootfs;
        _cgroup = cgroup;
        _cgroupNs = cgroupNamespace;
    }

    /// <summary>
    /// The container has a user namespace: device nodes cannot be made there (mknod needs CAP_MKNOD in the
    /// host's), so the host's are bound instead, as runc does.
    /// </summary>
    public bool InUserNamespace { get; init; }

    /// <summary>
    /// Before pivot_root: stops mount events leaking to the host, turns the rootfs into a mount point and
    /// mounts everything in <c>mounts</c>, then creates device nodes. Every target inside the rootfs is resolved
    /// by the kernel as a descriptor (<see cref="RootfsPaths"/>) and mounted onto through it.
    /// </summary>
    public void Prepare()
    {
        // Slave first so nothing we mount propagates back to the host; the requested propagation is applied
        // to the new root after pivot_root (pivot_root refuses shared parents).
        Mounts.SetPropagation("/", MountFlags.MS_SLAVE | MountFlags.MS_REC);
        Mounts.Bind(_rootfs, _rootfs, recursive: true);
        Mounts.SetPropagation(_rootfs, MountFlags.MS_PRIVATE);

        // Opened after the bind, so the descriptor is the root of the container's own mount of it.
        using var paths = new RootfsPaths(_rootfs);
        var devIsTmpfs = false;
        foreach (var m in _spec.Mounts ?? [])
        {
            try
            {
                MountOne(paths, m);
            }
            catch (LinuxException e)
            {
                throw new RuntimeException($"mount {m.Destination} ({m.Type ?? "bind"}): {e.Message}", e);
            }
            if (m.Destination.TrimEnd('/') == "/dev" && m.Type == "tmpfs") devIsTmpfs = true;
        }
        var hasDevMount = _spec.Mounts?.Any(m => m.Destination.TrimEnd('/') == "/dev") ?? false;
        if (devIsTmpfs || !hasDevMount) CreateDefaultDevices(paths);
        foreach (var d in _spec.Linux?.Devices ?? []) CreateDevice(paths, d);
    }

    /// <summary>Makes the rootfs the root: pivot_root, or MS_MOVE plus chroot with <paramref name="noPivot"/>.</summary>
    public void EnterRoot(bool noPivot)
    {
        if (noPivot)
        {
            Mounts.Chdir(_rootfs);
            Mounts.Mount(_rootfs, "/", null, MountFlags.MS_MOVE);
            Mounts.Chroot(".");
            Mounts.Chdir("/");
            return;
        }
        using var oldRoot = Fd.Open("/", Fd.O_RDONLY | Fd.O_DIRECTORY);
        using var newRoot = Fd.Open(_rootfs, Fd.O_RDONLY | Fd.O_DIRECTORY);
        Fchdir(newRoot.DangerousGetHandle().ToInt32(), _rootfs);
        // pivot_root(".", ".") stacks the old root on top of the new one; detach it from where we stand.
        Mounts.PivotRoot(".", ".");
        Fchdir(oldRoot.DangerousGetHandle().ToInt32(), "old root");
        Mounts.SetPropagation(".", MountFlags.MS_SLAVE | MountFlags.MS_REC);
        Mounts.Unmount(".", Mounts.MNT_DETACH);
        Mounts.Chdir("/");
    }

    /// <summary>
    /// After entering the root: sysctls (before /proc/sys turns read-only), read-only and masked paths, the
    /// read-only root, and the requested root propagation.
    /// </summary>
    public void Finish()
    {
        var linux = _spec.Linux;
        foreach (var (key, value) in linux?.Sysctl ?? [])
        {
            var path = "/proc/sys/" + key.Replace('.', '/');
            var errno = Fd.TryWriteFile(path, System.Text.Encoding.UTF8.GetBytes(value));
            if (errno != 0)
                throw new RuntimeException($"linux.sysctl: {key}: {new LinuxException("write", errno, $"\"{value}\" to {path}").Message}");
        }
        foreach (var p in linux?.ReadonlyPaths ?? []) MakeReadonly(p);
        foreach (var p in linux?.MaskedPaths ?? []) Mask(p);
        if (_spec.Root?.Readonly == true)
            Mounts.Mount(null, "/", null, MountFlags.MS_BIND | MountFlags.MS_REMOUNT | MountFlags.MS_RDONLY | Locked("/"));
        var prop = linux?.RootfsPropagation;
        if (!string.IsNullOrEmpty(prop))
            foreach (var f in MountOptions.Parse([prop]).Propagation) Mounts.SetPropagation("/", f);
    }

    private void MountOne(RootfsPaths paths, MountSpec m)
    {
        var opts = MountOptions.Parse(m.Options);
        var bind = m.Type == "bind" || opts.IsBind;

        if (m.Type == "cgroup" || m.Type == "cgroup2")
        {
            var dir = paths.OpenDirectory(m.Destination, create: true);
            try { MountCgroups(paths, m.Destination, dir, opts); }
            finally { Fd.Close(dir); }
            return;
        }
        if (bind)
        {
            var source = m.Source!;
            if (!File.Exists(source) && !Directory.Exists(source) && !new FileInfo(source).Exists)
                throw new RuntimeException($"mount {m.Destination}: bind source {source} does not exist");
            var fd = Directory.Exists(source) ? paths.OpenDirectory(m.Destination, create: true) : paths.Open(m.Destination, createFile: true);
            try { Mounts.Mount(source, RootfsPaths.ProcPath(fd), null, MountFlags.MS_BIND | (opts.Flags & MountFlags.MS_REC)); }
            finally { Fd.Close(fd); }
            var extra = opts.Flags & ~(MountFlags.MS_BIND | MountFlags.MS_REC | MountFlags.MS_REMOUNT);
            if (extra != 0)
                OnMounted(paths, m.Destination, target => Mounts.Mount(null, target, null, MountFlags.MS_BIND | MountFlags.MS_REMOUNT | extra | Locked(target)));
        }
        else
        {
            var fd = paths.OpenDirectory(m.Destination, create: true);
            try
            {
                var target = RootfsPaths.ProcPath(fd);
                try
                {
                    Mounts.Mount(m.Source ?? m.Type, target, m.Type, opts.Flags, opts.Data);
                }
                catch (LinuxException e) when (e.Errno == Errno.EPERM && m.Type is "sysfs" or "mqueue")
                {
                    // Without its own network (sysfs) or ipc (mqueue) namespace the kernel refuses a fresh instance;
                    // bind the host's, read-only for sysfs, as other runtimes do.
                    var hostPath = m.Type == "sysfs" ? "/sys" : "/dev/mqueue";
                    Mounts.Mount(hostPath, target, null, MountFlags.MS_BIND | MountFlags.MS_REC);
                    OnMounted(paths, m.Destination, t => Mounts.Mount(null, t, null, MountFlags.MS_BIND | MountFlags.MS_REMOUNT | (opts.Flags & ~MountFlags.MS_REC) | Locked(t)));
                }
            }
            finally { Fd.Close(fd); }
        }
        if (opts.Propagation.Count > 0)
            OnMounted(paths, m.Destination, target => { foreach (var p in opts.Propagation) Mounts.SetPropagation(target, p); });
    }

    /// <summary>
    /// Runs <paramref name="action"/> on the mount just made at <paramref name="destination"/>: resolved again, since
    /// the descriptor of the target names the directory under the new mount, not the mount's root.
    /// </summary>
    private static void OnMounted(RootfsPaths paths, string destination, Action<string> action)
    {
        var fd = paths.Open(destination, createFile: false);
        try { action(RootfsPaths.ProcPath(fd)); }
        finally { Fd.Close(fd); }
    }

    private void MountCgroups(RootfsPaths paths, string destination, int dirFd, MountOptions opts)
    {
        if (_cgroup is null) throw new RuntimeException("mount of type cgroup: no cgroup for this container");
        var dir = RootfsPaths.ProcPath(dirFd);
        var flags = MountFlags.MS_NOSUID | MountFlags.MS_NODEV | MountFlags.MS_NOEXEC | (opts.Flags & MountFlags.MS_RDONLY);
        var dirs = _cgroup.Directories;
        if (dirs.Count == 1 && dirs.ContainsKey("unified"))
        {
            if (_cgroupNs) Mounts.Mount("cgroup2", dir, "cgroup2", flags);
            else BindReadonlyAware(dirs["unified"], dir, flags);
            return;
        }
        Mounts.Mount("tmpfs", dir, "tmpfs", MountFlags.MS_NOSUID | MountFlags.MS_NODEV | MountFlags.MS_NOEXEC, "mode=755");
        // The tmpfs is new and ours alone (nothing in the container runs yet, and it is shared with nobody), so
        // paths below its root are safe to use by name.
        var tmpfs = paths.Open(destination, createFile: false);
        try
        {
            var target = RootfsPaths.ProcPath(tmpfs);
            foreach (var (key, cgroupDir) in dirs)
            {
                var name = key == "unified" ? "unified" : key;
                var sub = Path.Combine(target, name);
                Directory.CreateDirectory(sub);
                if (_cgroupNs)
                {
                    if (key == "unified") Mounts.Mount("cgroup2", sub, "cgroup2", flags);
                    else Mounts.Mount("cgroup", sub, "cgroup", flags, key);
                }
                else
                {
                    BindReadonlyAware(cgroupDir, sub, flags);
                }
                // Co-mounted controllers (cpu,cpuacct) get a link per controller, as on the host.
                if (key.Contains(',', StringComparison.Ordinal))
                    foreach (var c in key.Split(','))
                        if (!c.Contains('=', StringComparison.Ordinal) && !Path.Exists(Path.Combine(target, c)))
                            File.CreateSymbolicLink(Path.Combine(target, c), name);
            }
            if ((opts.Flags & MountFlags.MS_RDONLY) != 0)
                Mounts.Mount(null, target, null, MountFlags.MS_REMOUNT | MountFlags.MS_RDONLY | MountFlags.MS_NOSUID | MountFlags.MS_NODEV | MountFlags.MS_NOEXEC, "mode=755");
        }
        finally { Fd.Close(tmpfs); }
    }

    private static void BindReadonlyAware(string source, string target, MountFlags flags)
    {
        Mounts.Mount(source, target, null, MountFlags.MS_BIND | MountFlags.MS_REC);
        Mounts.Mount(null, target, null, MountFlags.MS_BIND | MountFlags.MS_REMOUNT | flags | Locked(target));
    }

    private void CreateDefaultDevices(RootfsPaths paths)
    {
        var dev = paths.OpenDirectory("/dev", create: true);
        try
        {
            foreach (var (path, major, minor) in DefaultDevices)
            {
                var name = path[5..];
                if (FilesAt.TryStat(dev, name) is not null) continue;
                if (InUserNamespace)
                {
                    BindDevice(dev, name, path);
                    continue;
                }
                FilesAt.MakeNode(dev, name, Nodes.S_IFCHR | 0x1B6 /* 0666 */, major, minor, path);
                ChmodNoFollow(dev, name, 0x1B6 /* 0666 */, path);
            }
            Link(dev, "fd", "/proc/self/fd");
            Link(dev, "stdin", "/proc/self/fd/0");
            Link(dev, "stdout", "/proc/self/fd/1");
            Link(dev, "stderr", "/proc/self/fd/2");
            Link(dev, "core", "/proc/kcore");
            if (FilesAt.TryStat(dev, "pts") is { IsDirectory: true }) Link(dev, "ptmx", "pts/ptmx");
        }
        finally { Fd.Close(dev); }
    }

    private static void Link(int dir, string name, string target)
    {
        if (FilesAt.TryStat(dir, name) is null) FilesAt.Symlink(target, dir, name, "/dev/" + name);
    }

    private void CreateDevice(RootfsPaths paths, DeviceSpec d)
    {
        var (parent, name) = RootfsPaths.Split(d.Path);
        var dir = paths.OpenDirectory(parent, create: true);
        try
        {
            // unlinkat never follows: a symlink in the way is removed, not what it points at.
            var errno = FilesAt.TryUnlink(dir, name);
            if (errno is not (0 or Errno.ENOENT)) throw new LinuxException("unlinkat", errno, d.Path);
            if (InUserNamespace)
            {
                // The host's node of the same path; its owner and mode are the host's.
                if (!Path.Exists(d.Path)) throw new RuntimeException($"linux.devices: {d.Path}: in a user namespace the host's device is bound, and the host has none");
                BindDevice(dir, name, d.Path);
                return;
            }
            var type = d.Type switch { "b" => Nodes.S_IFBLK, "p" => Nodes.S_IFIFO, _ => Nodes.S_IFCHR };
            var mode = d.FileMode ?? 0x1B6 /* 0666 */;
            FilesAt.MakeNode(dir, name, (uint)(type | (mode & 0xfff)), d.Major, d.Minor, d.Path);
            FilesAt.ChownNoFollow(dir, name, d.Uid ?? 0, d.Gid ?? 0, d.Path);
            ChmodNoFollow(dir, name, (uint)(mode & 0xfff), d.Path);
        }
        finally { Fd.Close(dir); }
    }

    /// <summary>Binds the host's <paramref name="hostPath"/> on a new empty file <paramref name="name"/> in <paramref name="dir"/>.</summary>
    private static void BindDevice(int dir, string name, string hostPath)
    {
        Fd.Close(FilesAt.Open(dir, name, Fd.O_CREAT | Fd.O_EXCL | Fd.O_RDONLY | Fd.O_NOFOLLOW, hostPath, 0x1A4 /* 0644 */));
        var fd = FilesAt.Open(dir, name, Fd.O_PATH | Fd.O_NOFOLLOW, hostPath);
        try { Mounts.Mount(hostPath, RootfsPaths.ProcPath(fd), null, MountFlags.MS_BIND); }
        finally { Fd.Close(fd); }
    }

    /// <summary>chmod of the node just made, through an O_PATH descriptor of it (fchmodat cannot refuse to follow a link).</summary>
    private static void ChmodNoFollow(int dir, string name, uint mode, string what)
    {
        var fd = FilesAt.Open(dir, name, Fd.O_PATH | Fd.O_NOFOLLOW, what);
        try { Nodes.Chmod(RootfsPaths.ProcPath(fd), mode); }
        finally { Fd.Close(fd); }
    }

    private static void MakeReadonly(string path)
    {
        if (!Path.Exists(path)) return;
        Mounts.Mount(path, path, null, MountFlags.MS_BIND | MountFlags.MS_REC);
        Mounts.Mount(null, path, null, MountFlags.MS_BIND | MountFlags.MS_REMOUNT | MountFlags.MS_RDONLY | MountFlags.MS_REC | Locked(path));
    }

    private static void Mask(string path)
    {
        if (Directory.Exists(path))
            Mounts.Mount("tmpfs", path, "tmpfs", MountFlags.MS_RDONLY, "size=0k");
        else if (Path.Exists(path))
            Mounts.Mount("/dev/null", path, null, MountFlags.MS_BIND);
    }

    /// <summary>
    /// Flags a bind remount must keep: the kernel refuses (EPERM) to clear nosuid/nodev/noexec that the
    /// mount already carries, so read them back from the mount itself.
    /// </summary>
    private static MountFlags Locked(string path)
    {
        var st = Statfs.Flags(path);
        MountFlags f = 0;
        if ((st & Statfs.ST_NOSUID) != 0) f |= MountFlags.MS_NOSUID;
        if ((st & Statfs.ST_NODEV) != 0) f |= MountFlags.MS_NODEV;
        if ((st & Statfs.ST_NOEXEC) != 0) f |= MountFlags.MS_NOEXEC;
        return f;
    }

    private static void Fchdir(int fd, string what)
    {
        if (Statfs.Fchdir(fd) != 0) throw LinuxException.FromLastError("fchdir", what);
    }
}
