using Berth.Cgroups;
using Berth.Linux;
using Berth.Runtime.Spec;

namespace Berth.Runtime.Rootfs;

/// <summary>
/// Builds the container's file system view from inside its new mount namespace (the init process runs this):
/// mounts, device nodes, pivot_root, then masked and read-only paths. Every target is resolved with
/// <see cref="SecurePath"/> so symlinks inside the rootfs cannot point a mount at the host.
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
    /// mounts everything in <c>mounts</c>, then creates device nodes.
    /// </summary>
    public void Prepare()
    {
        // Slave first so nothing we mount propagates back to the host; the requested propagation is applied
        // to the new root after pivot_root (pivot_root refuses shared parents).
        Mounts.SetPropagation("/", MountFlags.MS_SLAVE | MountFlags.MS_REC);
        Mounts.Bind(_rootfs, _rootfs, recursive: true);
        Mounts.SetPropagation(_rootfs, MountFlags.MS_PRIVATE);

        var devIsTmpfs = false;
        foreach (var m in _spec.Mounts ?? [])
        {
            MountOne(m);
            if (m.Destination.TrimEnd('/') == "/dev" && m.Type == "tmpfs") devIsTmpfs = true;
        }
        var hasDevMount = _spec.Mounts?.Any(m => m.Destination.TrimEnd('/') == "/dev") ?? false;
        if (devIsTmpfs || !hasDevMount) CreateDefaultDevices();
        foreach (var d in _spec.Linux?.Devices ?? []) CreateDevice(d);
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

    private void MountOne(MountSpec m)
    {
        var opts = MountOptions.Parse(m.Options);
        var bind = m.Type == "bind" || opts.IsBind;
        var target = SecurePath.Join(_rootfs, m.Destination);

        if (m.Type == "cgroup" || m.Type == "cgroup2")
        {
            MountCgroups(target, opts);
            return;
        }
        if (bind)
        {
            var source = m.Source!;
            if (!File.Exists(source) && !Directory.Exists(source) && !new FileInfo(source).Exists)
                throw new RuntimeException($"mount {m.Destination}: bind source {source} does not exist");
            CreateTarget(target, Directory.Exists(source));
            Mounts.Mount(source, target, null, MountFlags.MS_BIND | (opts.Flags & MountFlags.MS_REC));
            var extra = opts.Flags & ~(MountFlags.MS_BIND | MountFlags.MS_REC | MountFlags.MS_REMOUNT);
            if (extra != 0)
                Mounts.Mount(null, target, null, MountFlags.MS_BIND | MountFlags.MS_REMOUNT | extra | Locked(target));
        }
        else
        {
            CreateTarget(target, directory: true);
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
                Mounts.Mount(null, target, null, MountFlags.MS_BIND | MountFlags.MS_REMOUNT | (opts.Flags & ~MountFlags.MS_REC) | Locked(target));
            }
        }
        foreach (var p in opts.Propagation) Mounts.SetPropagation(target, p);
    }

    private void MountCgroups(string target, MountOptions opts)
    {
        if (_cgroup is null) throw new RuntimeException("mount of type cgroup: no cgroup for this container");
        CreateTarget(target, directory: true);
        var flags = MountFlags.MS_NOSUID | MountFlags.MS_NODEV | MountFlags.MS_NOEXEC | (opts.Flags & MountFlags.MS_RDONLY);
        var dirs = _cgroup.Directories;
        if (dirs.Count == 1 && dirs.ContainsKey("unified"))
        {
            if (_cgroupNs) Mounts.Mount("cgroup2", target, "cgroup2", flags);
            else BindReadonlyAware(dirs["unified"], target, flags);
            return;
        }
        Mounts.Mount("tmpfs", target, "tmpfs", MountFlags.MS_NOSUID | MountFlags.MS_NODEV | MountFlags.MS_NOEXEC, "mode=755");
        foreach (var (key, dir) in dirs)
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
                BindReadonlyAware(dir, sub, flags);
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

    private static void BindReadonlyAware(string source, string target, MountFlags flags)
    {
        Mounts.Mount(source, target, null, MountFlags.MS_BIND | MountFlags.MS_REC);
        Mounts.Mount(null, target, null, MountFlags.MS_BIND | MountFlags.MS_REMOUNT | flags | Locked(target));
    }

    private void CreateDefaultDevices()
    {
        foreach (var (path, major, minor) in DefaultDevices)
        {
            var target = SecurePath.Join(_rootfs, path);
            if (Path.Exists(target)) continue;
            if (InUserNamespace)
            {
                BindDevice(path, target);
                continue;
            }
            Nodes.MakeNode(target, Nodes.S_IFCHR, 0x1B6 /* 0666 */, major, minor);
            Nodes.Chmod(target, 0x1B6 /* 0666 */);
        }
        var dev = SecurePath.Join(_rootfs, "/dev");
        Link(dev, "fd", "/proc/self/fd");
        Link(dev, "stdin", "/proc/self/fd/0");
        Link(dev, "stdout", "/proc/self/fd/1");
        Link(dev, "stderr", "/proc/self/fd/2");
        Link(dev, "core", "/proc/kcore");
        if (Directory.Exists(Path.Combine(dev, "pts"))) Link(dev, "ptmx", "pts/ptmx");
    }

    private static void Link(string dir, string name, string target)
    {
        var p = Path.Combine(dir, name);
        if (!Path.Exists(p) && new FileInfo(p).LinkTarget is null) File.CreateSymbolicLink(p, target);
    }

    private void CreateDevice(DeviceSpec d)
    {
        var target = SecurePath.Join(_rootfs, d.Path);
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        if (Path.Exists(target)) File.Delete(target);
        if (InUserNamespace)
        {
            // The host's node of the same path; its owner and mode are the host's.
            if (!Path.Exists(d.Path)) throw new RuntimeException($"linux.devices: {d.Path}: in a user namespace the host's device is bound, and the host has none");
            BindDevice(d.Path, target);
            return;
        }
        var type = d.Type switch { "b" => Nodes.S_IFBLK, "p" => Nodes.S_IFIFO, _ => Nodes.S_IFCHR };
        var mode = d.FileMode ?? 0x1B6 /* 0666 */;
        Nodes.MakeNode(target, type, mode, d.Major, d.Minor);
        Nodes.Chmod(target, mode & 0xfff);
        Credentials.Lchown(target, d.Uid ?? 0, d.Gid ?? 0);
    }

    private static void BindDevice(string hostPath, string target)
    {
        File.WriteAllBytes(target, []);
        Mounts.Mount(hostPath, target, null, MountFlags.MS_BIND);
    }

    private static void CreateTarget(string target, bool directory)
    {
        if (directory)
        {
            if (!Directory.Exists(target)) Directory.CreateDirectory(target);
            return;
        }
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        if (!Path.Exists(target)) File.WriteAllBytes(target, []);
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
