using System.Formats.Tar;
using System.Text;
using Berth.Linux;

namespace Berth.Images;

/// <summary>
/// Unpacks a layer's tar into a directory that overlayfs will use as one of a container's lower layers. Docker and
/// OCI whiteouts become overlayfs ones: <c>.wh.NAME</c> a 0/0 character device NAME, <c>.wh..wh..opq</c> the
/// directory's <c>trusted.overlay.opaque</c> attribute. Nothing in the tar is trusted: a name that is absolute or
/// climbs with <c>..</c>, an entry that would be written through a symlink, a hardlink to something that is not
/// in this layer, a device node (unless allowed), an unknown entry type, more bytes or entries than the limits,
/// or a damaged tar stops the unpack with an <see cref="ImageException"/>. The tree is walked one component at a
/// time with <c>openat(O_NOFOLLOW)</c>, so no symlink in the layer is ever followed on the host. Symlinks
/// themselves are kept as written: they are resolved inside the container's root.
/// </summary>
public static class LayerUnpacker
{
    /// <summary>The prefix of a whiteout's name.</summary>
    public const string WhiteoutPrefix = ".wh.";

    /// <summary>The entry that marks its directory opaque.</summary>
    public const string OpaqueWhiteout = ".wh..wh..opq";

    /// <summary>The attribute overlayfs reads for an opaque directory.</summary>
    public const string OverlayOpaqueXattr = "trusted.overlay.opaque";

    private const int DirFlags = Fd.O_RDONLY | Fd.O_DIRECTORY | Fd.O_NOFOLLOW;

    /// <summary>The longest entry name (and link target of a hardlink) taken: PATH_MAX less room for the snapshot's own path.</summary>
    public const int MaxPath = 3800;

    /// <summary>
    /// Unpacks the (uncompressed) tar read from <paramref name="tar"/> into <paramref name="target"/>, an existing
    /// directory. The caller owns the stream and the directory, and removes the directory when this throws.
    /// <paramref name="label"/> names the layer in errors (such as by its digest).
    /// </summary>
    /// <exception cref="ImageException">The tar is hostile, damaged or beyond the limits; the message names the entry.</exception>
    public static UnpackResult Unpack(Stream tar, string target, UnpackOptions? options = null, string label = "layer", CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(tar);
        options ??= new UnpackOptions();
        var root = Fd.Open(target, DirFlags);
        using var counted = new DigestingReadStream(tar, options.MaxBytes, label);
        using var session = new Session((int)root.DangerousGetHandle(), options);
        var entries = 0;
        string current = "";
        try
        {
            using (root)
            {
                var reader = new TarReader(counted, leaveOpen: true);
                while (reader.GetNextEntry(copyData: false) is { } entry)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    if (++entries > options.MaxEntries) throw new ImageException($"more than {options.MaxEntries} entries");
                    current = entry.Name;
                    session.Apply(entry);
                }
                current = "";
                counted.Drain();
                session.Finish();
            }
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException or FormatException or ArgumentException or ZstdSharp.ZstdException)
        {
            throw new ImageException($"{label}: damaged or truncated tar{(current.Length > 0 ? $" at entry {current}" : "")}: {e.Message}", e);
        }
        catch (LinuxException e)
        {
            throw new ImageException($"entry {current}: {e.Message}", e);
        }
        return new UnpackResult(counted.Digest(), counted.Count, entries);
    }

    /// <summary>
    /// A tar entry's name as path components: a leading <c>./</c> and empty or <c>.</c> components dropped;
    /// absolute names and <c>..</c> refused. An empty array is the layer's root.
    /// </summary>
    /// <exception cref="ImageException">The name is absolute or climbs with <c>..</c>.</exception>
    public static string[] Components(string name, string what = "entry")
    {
        if (name.StartsWith('/')) throw new ImageException($"{what} \"{name}\" is an absolute path");
        if (name.Contains('\0')) throw new ImageException($"{what} \"{name}\" holds a NUL byte");
        // PATH_MAX: deeper trees could not be used (or removed) by path, and each entry walks its whole depth.
        if (name.Length > MaxPath) throw new ImageException($"{what} \"{name[..64]}…\" is longer than {MaxPath} characters");
        var parts = name.Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Contains("..")) throw new ImageException($"{what} \"{name}\" climbs out of the layer with ..");
        return parts.Where(p => p != ".").ToArray();
    }

    private sealed class Session(int root, UnpackOptions options) : IDisposable
    {
        private readonly byte[] _buffer = new byte[128 * 1024];
        private readonly List<(string[] Path, DateTimeOffset Time)> _directoryTimes = [];
        private string? _cachedParent;
        private readonly List<int> _stale = [];
        private int _cachedFd = -1;

        public void Apply(TarEntry entry)
        {
            var path = Components(entry.Name);
            if (entry.EntryType is TarEntryType.GlobalExtendedAttributes) return;
            if (path.Length == 0)
            {
                if (entry.EntryType == TarEntryType.Directory) SetDirectoryMetadata(root, [], entry, "/");
                return;
            }
            var name = path[^1];
            var parent = Parent(path, entry.Name);
            if (name.StartsWith(WhiteoutPrefix, StringComparison.Ordinal))
            {
                Whiteout(parent, name, entry.Name);
                return;
            }
            switch (entry.EntryType)
            {
                case TarEntryType.Directory:
                    Directory(parent, path, entry);
                    break;
                case TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile:
                    RegularFile(parent, name, entry);
                    break;
                case TarEntryType.SymbolicLink:
                    Remove(parent, name, keepDirectory: false);
                    FilesAt.Symlink(entry.LinkName, parent, name, entry.Name);
                    FilesAt.ChownNoFollow(parent, name, (uint)entry.Uid, (uint)entry.Gid, entry.Name);
                    FilesAt.SetTimesNoFollow(parent, name, entry.ModificationTime, entry.ModificationTime, entry.Name);
                    break;
                case TarEntryType.HardLink:
                    HardLink(parent, name, entry);
                    break;
                case TarEntryType.CharacterDevice or TarEntryType.BlockDevice:
                    var kind = entry.EntryType == TarEntryType.CharacterDevice ? "character" : "block";
                    var (major, minor) = entry is PosixTarEntry p ? (p.DeviceMajor, p.DeviceMinor) : (0, 0);
                    if (!options.AllowDevices)
                        throw new ImageException($"entry {entry.Name} is a {kind} device ({major}:{minor}); images may not carry device nodes");
                    Remove(parent, name, keepDirectory: false);
                    FilesAt.MakeNode(parent, name, (kind == "character" ? Nodes.S_IFCHR : Nodes.S_IFBLK) | Mode(entry), major, minor, entry.Name);
                    FilesAt.ChownNoFollow(parent, name, (uint)entry.Uid, (uint)entry.Gid, entry.Name);
                    break;
                case TarEntryType.Fifo:
                    Remove(parent, name, keepDirectory: false);
                    FilesAt.MakeNode(parent, name, Nodes.S_IFIFO | Mode(entry), 0, 0, entry.Name);
                    FilesAt.ChownNoFollow(parent, name, (uint)entry.Uid, (uint)entry.Gid, entry.Name);
                    break;
                default:
                    throw new ImageException($"entry {entry.Name} is of type {entry.EntryType}, which a layer may not hold");
            }
        }

        /// <summary>Sets the directories' times last: creating their entries changed them.</summary>
        public void Finish()
        {
            foreach (var (path, time) in _directoryTimes)
            {
                if (path.Length == 0)
                {
                    FilesAt.SetTimes(root, time, time, "/");
                    continue;
                }
                var parent = Walk(path, create: false, string.Join('/', path));
                if (parent < 0) continue;
                var fd = FilesAt.TryOpen(parent, path[^1], DirFlags, out _);
                if (parent != root) Fd.Close(parent);
                if (fd < 0) continue;
                try { FilesAt.SetTimes(fd, time, time, string.Join('/', path)); }
                finally { Fd.Close(fd); }
            }
        }

        public void Dispose()
        {
            Uncache();
            CloseStale();
        }

        private static uint Mode(TarEntry entry) => (uint)entry.Mode & 0xfff;

        private void Whiteout(int parent, string name, string entryName)
        {
            if (name == OpaqueWhiteout)
            {
                FilesAt.SetXattr(parent, OverlayOpaqueXattr, "y"u8, entryName);
                return;
            }
            // Other .wh..wh. names are aufs' own bookkeeping (hardlink stores and the like), not whiteouts.
            if (name.StartsWith(WhiteoutPrefix + WhiteoutPrefix, StringComparison.Ordinal)) return;
            var hidden = name[WhiteoutPrefix.Length..];
            if (hidden is "" or "." or "..") throw new ImageException($"entry {entryName} is a whiteout of nothing");
            Remove(parent, hidden, keepDirectory: false);
            FilesAt.MakeNode(parent, hidden, Nodes.S_IFCHR, 0, 0, entryName);
        }

        private void Directory(int parent, string[] path, TarEntry entry)
        {
            var name = path[^1];
            Remove(parent, name, keepDirectory: true);
            var errno = FilesAt.TryMakeDirectory(parent, name, 0x1c0 /* 0700 until chmod */);
            if (errno is not (0 or Errno.EEXIST)) throw new LinuxException("mkdirat", errno, entry.Name);
            var fd = FilesAt.Open(parent, name, DirFlags, entry.Name);
            try { SetDirectoryMetadata(fd, path, entry, entry.Name); }
            finally { Fd.Close(fd); }
        }

        private void SetDirectoryMetadata(int fd, string[] path, TarEntry entry, string what)
        {
            FilesAt.Chown(fd, (uint)entry.Uid, (uint)entry.Gid, what);
            FilesAt.Chmod(fd, Mode(entry), what);
            SetXattrs(fd, entry);
            _directoryTimes.Add((path, entry.ModificationTime));
        }

        private void RegularFile(int parent, string name, TarEntry entry)
        {
            Remove(parent, name, keepDirectory: false);
            var fd = FilesAt.Open(parent, name, Fd.O_WRONLY | Fd.O_CREAT | Fd.O_EXCL | Fd.O_NOFOLLOW, entry.Name, 0x180 /* 0600 */);
            try
            {
                if (entry.DataStream is { } data)
                {
                    int n;
                    while ((n = data.Read(_buffer)) > 0) Fd.WriteAll(fd, _buffer.AsSpan(0, n));
                }
                FilesAt.Chown(fd, (uint)entry.Uid, (uint)entry.Gid, entry.Name);
                FilesAt.Chmod(fd, Mode(entry), entry.Name);
                SetXattrs(fd, entry);
                FilesAt.SetTimes(fd, entry.ModificationTime, entry.ModificationTime, entry.Name);
            }
            finally { Fd.Close(fd); }
        }

        private void HardLink(int parent, string name, TarEntry entry)
        {
            var target = Components(entry.LinkName, $"hardlink {entry.Name} to");
            if (target.Length == 0) throw new ImageException($"entry {entry.Name} is a hardlink to the layer's root");
            var targetParent = Walk(target, create: false, entry.LinkName);
            try
            {
                var stat = targetParent < 0 ? null : FilesAt.TryStat(targetParent, target[^1]);
                if (stat is null)
                    throw new ImageException($"entry {entry.Name} is a hardlink to {entry.LinkName}, which is not in this layer (or lies behind a symlink)");
                if (stat.Value.IsDirectory) throw new ImageException($"entry {entry.Name} is a hardlink to directory {entry.LinkName}");
                if (FilesAt.TryStat(parent, name) is { } own && own.Inode == stat.Value.Inode) return;
                Remove(parent, name, keepDirectory: false);
                FilesAt.Link(targetParent, target[^1], parent, name, entry.Name);
            }
            finally
            {
                if (targetParent != root) Fd.Close(targetParent);
            }
        }

        /// <summary>Sets the extended attributes a PAX header carries; overlayfs' own and unknown namespaces are left out.</summary>
        private static void SetXattrs(int fd, TarEntry entry)
        {
            if (entry is not PaxTarEntry pax) return;
            foreach (var (key, value) in pax.ExtendedAttributes)
            {
                string name;
                byte[] bytes;
                if (key.StartsWith("SCHILY.xattr.", StringComparison.Ordinal))
                {
                    name = key["SCHILY.xattr.".Length..];
                    // The tar reader hands values over as UTF-8 text: a binary value that did not survive that is skipped
                    // rather than set wrong.
                    if (value.Contains('\uFFFD')) continue;
                    bytes = Encoding.UTF8.GetBytes(value);
                }
                else if (key.StartsWith("LIBARCHIVE.xattr.", StringComparison.Ordinal))
                {
                    name = Uri.UnescapeDataString(key["LIBARCHIVE.xattr.".Length..]);
                    try { bytes = Convert.FromBase64String(value); }
                    catch (FormatException) { throw new ImageException($"entry {entry.Name}: extended attribute {name} is not valid base64"); }
                }
                else
                {
                    continue;
                }
                // Overlay's trusted.overlay.* attributes (redirects, metacopy, opacity) would change what other layers
                // show; only plain user attributes and file capabilities come from images.
                if (name.StartsWith("user.", StringComparison.Ordinal) || name == "security.capability")
                    FilesAt.SetXattr(fd, name, bytes, entry.Name);
            }
        }

        /// <summary>Removes what is at <paramref name="name"/> (a whole tree for a directory) unless it is a directory to keep.</summary>
        private void Remove(int parent, string name, bool keepDirectory)
        {
            var stat = FilesAt.TryStat(parent, name);
            if (stat is null) return;
            if (stat.Value.IsDirectory)
            {
                if (keepDirectory) return;
                Uncache();
                RemoveTree(parent, name);
                return;
            }
            var errno = FilesAt.TryUnlink(parent, name);
            if (errno != 0) throw new LinuxException("unlinkat", errno, name);
        }

        private static void RemoveTree(int parent, string name)
        {
            var fd = FilesAt.Open(parent, name, DirFlags, name);
            try
            {
                foreach (var child in System.IO.Directory.EnumerateFileSystemEntries($"/proc/self/fd/{fd}").Select(Path.GetFileName).ToList())
                {
                    var st = FilesAt.TryStat(fd, child!);
                    if (st is { IsDirectory: true }) RemoveTree(fd, child!);
                    else if (FilesAt.TryUnlink(fd, child!) is var e and not 0) throw new LinuxException("unlinkat", e, child);
                }
            }
            finally { Fd.Close(fd); }
            if (FilesAt.TryUnlink(parent, name, directory: true) is var errno and not 0) throw new LinuxException("unlinkat", errno, name);
        }

        /// <summary>
        /// The directory that holds <paramref name="path"/>'s last component, made when missing; the descriptor of the
        /// last one asked for is kept, as a tar lists a directory's entries together.
        /// </summary>
        private int Parent(string[] path, string what)
        {
            CloseStale();
            if (path.Length == 1) return root;
            var key = string.Join('/', path, 0, path.Length - 1);
            if (key == _cachedParent) return _cachedFd;
            Uncache();
            CloseStale();
            _cachedFd = Walk(path, create: true, what);
            _cachedParent = key;
            return _cachedFd;
        }

        /// <summary>
        /// Opens the directory holding <paramref name="path"/>'s last component one component at a time, never through
        /// a symlink; the caller closes it unless it is the root. -1 when it is missing and not to be made.
        /// </summary>
        private int Walk(string[] path, bool create, string what)
        {
            var fd = root;
            for (var i = 0; i < path.Length - 1; i++)
            {
                var next = FilesAt.TryOpen(fd, path[i], DirFlags, out var errno);
                if (next < 0 && errno == Errno.ENOENT && create)
                {
                    // Tars may leave out the parents of an entry: make them as tar does.
                    var made = FilesAt.TryMakeDirectory(fd, path[i], 0x1ed /* 0755 */);
                    if (made is not (0 or Errno.EEXIST)) throw new LinuxException("mkdirat", made, string.Join('/', path, 0, i + 1));
                    next = FilesAt.TryOpen(fd, path[i], DirFlags, out errno);
                }
                if (fd != root) Fd.Close(fd);
                if (next < 0)
                {
                    var prefix = string.Join('/', path, 0, i + 1);
                    if (errno is Errno.ELOOP or Errno.ENOTDIR)
                        throw new ImageException($"entry {what}: {prefix} is a symlink or not a directory, and nothing is written through it");
                    if (!create && errno == Errno.ENOENT) return -1;
                    throw new LinuxException("openat", errno, prefix);
                }
                fd = next;
            }
            return fd;
        }

        /// <summary>Forgets the cached directory (something under it may have been replaced); it is closed after the current entry.</summary>
        private void Uncache()
        {
            if (_cachedFd >= 0 && _cachedFd != root) _stale.Add(_cachedFd);
            _cachedFd = -1;
            _cachedParent = null;
        }

        private void CloseStale()
        {
            foreach (var fd in _stale) Fd.Close(fd);
            _stale.Clear();
        }
    }
}
