using System.Globalization;
using Berth.Linux;

namespace Berth.Engine;

/// <summary>
/// Resolves a container's user (<c>name</c>, <c>uid</c>, <c>name:group</c>, <c>uid:gid</c>) against the image's own
/// <c>/etc/passwd</c> and <c>/etc/group</c>, read inside the container's root (an image's symlinks never lead to
/// the host's files).
/// </summary>
public static class ImageUser
{
    /// <summary>What a user spec resolves to.</summary>
    public sealed record Resolved(uint Uid, uint Gid, IReadOnlyList<uint> AdditionalGids, string Home);

    /// <summary>Resolves <paramref name="user"/> (empty: root) in the tree at <paramref name="rootfs"/>.</summary>
    /// <exception cref="EngineException">A name that the image does not know, or an id out of range.</exception>
    public static Resolved Resolve(string rootfs, string user)
    {
        var root = Fd.Open(rootfs, Fd.O_RDONLY | Fd.O_DIRECTORY);
        using (root)
        {
            var fd = (int)root.DangerousGetHandle();
            var passwd = Entries(fd, "/etc/passwd");
            var groups = Entries(fd, "/etc/group");
            var (userPart, groupPart) = user.IndexOf(':', StringComparison.Ordinal) is var i and >= 0 ? (user[..i], user[(i + 1)..]) : (user, null);
            if (userPart.Length == 0) userPart = "0";

            string[]? entry;
            uint uid;
            if (TryId(userPart, out uid))
            {
                entry = passwd.FirstOrDefault(e => e.Length > 2 && e[2] == userPart);
            }
            else
            {
                entry = passwd.FirstOrDefault(e => e[0] == userPart)
                        ?? throw new EngineException($"unable to find user {userPart}: no matching entries in passwd file");
                if (entry.Length < 4 || !TryId(entry[2], out uid)) throw new EngineException($"user {userPart}: its passwd entry is malformed");
            }

            uint gid = 0;
            if (groupPart is { Length: > 0 })
            {
                if (!TryId(groupPart, out gid))
                {
                    var g = groups.FirstOrDefault(e => e[0] == groupPart)
                            ?? throw new EngineException($"unable to find group {groupPart}: no matching entries in group file");
                    if (g.Length < 3 || !TryId(g[2], out gid)) throw new EngineException($"group {groupPart}: its group entry is malformed");
                }
            }
            else if (entry is { Length: > 3 } && TryId(entry[3], out var primary))
            {
                gid = primary;
            }

            // Supplementary groups: those that list the user by name (only when no group was forced, as Docker).
            var extra = new List<uint>();
            if (entry is not null && groupPart is null)
            {
                foreach (var g in groups)
                {
                    if (g.Length > 3 && g[3].Split(',').Contains(entry[0]) && TryId(g[2], out var id) && id != gid && !extra.Contains(id))
                        extra.Add(id);
                }
            }
            var home = entry is { Length: > 5 } && entry[5].Length > 0 ? entry[5] : "/";
            return new Resolved(uid, gid, extra, home);
        }
    }

    /// <summary>
    /// The user names of the tree at <paramref name="rootfs"/> by uid, from its own <c>/etc/passwd</c> read as
    /// <see cref="Resolve"/> reads it (the first entry of a uid wins); empty when it has no such file.
    /// </summary>
    /// <exception cref="EngineException">Its passwd is not a regular file of at most 4 MiB.</exception>
    /// <exception cref="LinuxException">The root or the file cannot be opened.</exception>
    public static IReadOnlyDictionary<uint, string> Names(string rootfs)
    {
        using var root = Fd.Open(rootfs, Fd.O_RDONLY | Fd.O_DIRECTORY);
        var names = new Dictionary<uint, string>();
        foreach (var e in Entries((int)root.DangerousGetHandle(), "/etc/passwd"))
            if (e.Length > 2 && e[0].Length > 0 && TryId(e[2], out var uid)) names.TryAdd(uid, e[0]);
        return names;
    }

    private const long MaxFileSize = 4 << 20;

    private static bool TryId(string text, out uint id)
        => uint.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out id) && id < uint.MaxValue;

    /// <summary>The colon-separated entries of a passwd-style file in the image; none when it has no such file.</summary>
    private static List<string[]> Entries(int root, string path)
    {
        // Looked at before it is opened for reading: an image (or a container, between its starts) may make it a FIFO,
        // a device or something huge, and opening some devices has effects of its own.
        var pathFd = FilesAt.TryOpenInRoot(root, path, Fd.O_PATH, out var errno);
        if (pathFd < 0)
            return errno is Errno.ENOENT or Errno.ENOTDIR or Errno.ELOOP ? [] : throw new LinuxException("openat2", errno, path);
        int fd;
        try
        {
            var stat = FilesAt.Stat(pathFd);
            if (!stat.IsRegularFile || stat.Size > MaxFileSize) throw new EngineException($"the image's {path} is not a regular file of at most {MaxFileSize} bytes");
            fd = Fd.TryOpen($"/proc/self/fd/{pathFd}", Fd.O_RDONLY | Fd.O_NOCTTY | Fd.O_NONBLOCK, out errno);
            if (fd < 0) throw new LinuxException("open", errno, path);
        }
        finally { Fd.Close(pathFd); }
        try
        {
            using var stream = new FileStream(new Microsoft.Win32.SafeHandles.SafeFileHandle(fd, ownsHandle: false), FileAccess.Read);
            var text = new StreamReader(stream).ReadToEnd();
            return text.Split('\n').Where(l => l.Length > 0 && !l.StartsWith('#')).Select(l => l.Split(':')).ToList();
        }
        finally { Fd.Close(fd); }
    }
}
