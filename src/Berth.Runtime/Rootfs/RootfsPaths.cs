using Berth.Linux;

namespace Berth.Runtime.Rootfs;

/// <summary>
/// Paths inside the container's root file system resolved by the kernel as descriptors, never as strings:
/// <c>openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS)</c> relative to a descriptor of the rootfs, so a symlink
/// in the image (absolute, or climbing with <c>..</c>) resolves as if the rootfs were <c>/</c>, and a path swapped
/// for a symlink between resolution and use (a shared volume flipped by another container, CVE-2021-30465) still
/// cannot lead out: the mount is made onto the descriptor (<see cref="ProcPath"/>), which names the object that was
/// resolved. Missing directories are made one component at a time with <c>mkdirat</c> in a descriptor of their
/// parent. The caller owns the returned descriptors (close-on-exec) and closes them with <see cref="Fd.Close"/>.
/// </summary>
public sealed class RootfsPaths : IDisposable
{
    private const int MaxLinks = 40;
    private readonly int _root;

    /// <summary>Opens <paramref name="rootfs"/> (a host path the caller trusts: the bundle's root).</summary>
    /// <exception cref="LinuxException">The rootfs cannot be opened.</exception>
    public RootfsPaths(string rootfs)
    {
        Rootfs = rootfs;
        _root = Fd.TryOpen(rootfs, Fd.O_PATH | Fd.O_DIRECTORY | Fd.O_CLOEXEC, out var errno);
        if (_root < 0) throw new LinuxException("open", errno, rootfs);
    }

    /// <summary>The rootfs as given.</summary>
    public string Rootfs { get; }

    /// <summary>The path through which the kernel follows descriptor <paramref name="fd"/> to the object it names (a mount target).</summary>
    public static string ProcPath(int fd) => "/proc/self/fd/" + fd.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>
    /// An <c>O_PATH</c> descriptor of the directory <paramref name="path"/> inside the rootfs, made (mode 0755) with
    /// every missing parent when <paramref name="create"/>. A dangling symlink on the way is followed inside the
    /// rootfs and what it names is made (an image's <c>/var/run -> /run</c> without <c>/run</c>), as runc does.
    /// </summary>
    /// <exception cref="RuntimeException">It cannot be resolved or made inside the rootfs (a file in the way, a symlink loop).</exception>
    public int OpenDirectory(string path, bool create)
    {
        const int flags = Fd.O_PATH | Fd.O_DIRECTORY;
        var fd = FilesAt.TryOpenInRoot(_root, path, flags, out var errno);
        if (fd >= 0) return fd;
        if (errno != Errno.ENOENT || !create) throw Failure("open", errno, path);

        // Walk from the root: each prefix is resolved in the root again by the kernel (so its symlinks stay
        // inside), a missing component is made in the descriptor of its resolved parent, and a dangling symlink
        // is read and its target walked instead.
        var current = OpenRootDirectory();
        var prefix = "";
        var pending = new Stack<string>(Components(path).Reverse());
        var links = 0;
        try
        {
            while (pending.Count > 0)
            {
                var part = pending.Pop();
                if (part == ".") continue;
                if (part == "..")
                {
                    prefix = prefix.Length == 0 ? "" : prefix[..prefix.LastIndexOf('/')];
                    Replace(ref current, FilesAt.TryOpenInRoot(_root, prefix.Length == 0 ? "/" : prefix, flags, out errno), prefix);
                    continue;
                }
                var next = prefix + "/" + part;
                var child = FilesAt.TryOpenInRoot(_root, next, flags, out errno);
                if (child < 0 && errno == Errno.ENOENT)
                {
                    if (FilesAt.TryStat(current, part) is { IsSymlink: true })
                    {
                        if (++links > MaxLinks) throw Failure("open", Errno.ELOOP, path);
                        var target = FilesAt.ReadLink(current, part);
                        if (target.StartsWith('/'))
                        {
                            prefix = "";
                            Replace(ref current, OpenRootDirectory(), "/");
                        }
                        foreach (var p in Components(target).Reverse()) pending.Push(p);
                        continue;
                    }
                    var made = FilesAt.TryMakeDirectory(current, part, 0x1ED /* 0755 */);
                    // EEXIST: made meanwhile (the open below takes what is there now, resolved in the root again).
                    if (made != 0 && made != Errno.EEXIST) throw Failure("mkdirat", made, next);
                    child = FilesAt.TryOpenInRoot(_root, next, flags, out errno);
                }
                Replace(ref current, child, next);
                // What the kernel resolved (through symlinks), so that a later ".." climbs from there as it would.
                prefix = PathInRoot(current) ?? next;
            }
            var result = current;
            current = -1;
            return result;
        }
        finally
        {
            Fd.Close(current);
        }

        void Replace(ref int current, int fd, string what)
        {
            if (fd < 0) throw Failure("open", errno, what);
            Fd.Close(current);
            current = fd;
        }
    }

    /// <summary>
    /// An <c>O_PATH</c> descriptor of <paramref name="path"/> inside the rootfs, whatever it is; with
    /// <paramref name="createFile"/> a missing one is made as an empty regular file (mode 0644), its parents as
    /// directories (the target of a bind mount of a file).
    /// </summary>
    /// <exception cref="RuntimeException">It cannot be resolved or made inside the rootfs.</exception>
    public int Open(string path, bool createFile) => Open(path, createFile, 0);

    private int Open(string path, bool createFile, int links)
    {
        var fd = FilesAt.TryOpenInRoot(_root, path, Fd.O_PATH, out var errno);
        if (fd >= 0) return fd;
        if (errno != Errno.ENOENT || !createFile) throw Failure("open", errno, path);
        var (dirPath, name) = Split(path);
        var dir = OpenDirectory(dirPath, create: true);
        try
        {
            // O_EXCL and O_NOFOLLOW: never opens what is already there (a device or FIFO put in the way).
            var created = FilesAt.TryOpen(dir, name, Fd.O_CREAT | Fd.O_EXCL | Fd.O_NOFOLLOW | Fd.O_RDONLY, out errno, 0x1A4 /* 0644 */);
            if (created >= 0)
            {
                Fd.Close(created);
            }
            else if (errno == Errno.EEXIST && FilesAt.TryStat(dir, name) is { IsSymlink: true })
            {
                // A dangling symlink: make what it names, inside the root.
                if (links >= MaxLinks) throw Failure("open", Errno.ELOOP, path);
                var target = FilesAt.ReadLink(dir, name);
                return Open(target.StartsWith('/') ? target : dirPath.TrimEnd('/') + "/" + target, createFile, links + 1);
            }
            else if (errno != Errno.EEXIST)
            {
                throw Failure("create", errno, path);
            }
            fd = FilesAt.TryOpen(dir, name, Fd.O_PATH | Fd.O_NOFOLLOW, out errno);
            return fd >= 0 ? fd : throw Failure("open", errno, path);
        }
        finally
        {
            Fd.Close(dir);
        }
    }

    /// <summary>The path of <paramref name="fd"/> inside the rootfs ("" for its root), or null when the kernel cannot name it.</summary>
    private string? PathInRoot(int fd)
    {
        var root = new FileInfo(ProcPath(_root)).LinkTarget;
        var path = new FileInfo(ProcPath(fd)).LinkTarget;
        if (root is null || path is null) return null;
        if (path == root) return "";
        return path.StartsWith(root.TrimEnd('/') + "/", StringComparison.Ordinal) ? path[root.TrimEnd('/').Length..] : null;
    }

    private int OpenRootDirectory()
    {
        var fd = FilesAt.TryOpenInRoot(_root, "/", Fd.O_PATH | Fd.O_DIRECTORY, out var errno);
        return fd >= 0 ? fd : throw Failure("open", errno, "/");
    }

    private static string[] Components(string path) => path.Split('/', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>The parent directory and the last component of a container path (<c>/dev/null</c> → <c>/dev</c>, <c>null</c>).</summary>
    public static (string Directory, string Name) Split(string path)
    {
        var trimmed = path.TrimEnd('/');
        var slash = trimmed.LastIndexOf('/');
        return slash < 0 ? ("/", trimmed) : (slash == 0 ? "/" : trimmed[..slash], trimmed[(slash + 1)..]);
    }

    private RuntimeException Failure(string call, int errno, string path)
        => new($"{path} in the rootfs {Rootfs}: {new LinuxException(call == "open" ? "openat2" : call, errno, path).Message}");

    /// <summary>Closes the rootfs descriptor.</summary>
    public void Dispose() => Fd.Close(_root);
}
