using Berth.Linux;

namespace Berth.Runtime.Rootfs;

/// <summary>
/// The <c>mounts[].options</c> vocabulary: flags that map to mount(2) flags, propagation changes applied after
/// the mount, and everything else passed to the file system as data (<c>size=64k</c>, <c>mode=755</c>).
/// </summary>
public sealed class MountOptions
{
    private static readonly Dictionary<string, (bool Clear, MountFlags Flag)> FlagTable = new(StringComparer.Ordinal)
    {
        ["ro"] = (false, MountFlags.MS_RDONLY), ["rw"] = (true, MountFlags.MS_RDONLY),
        ["nosuid"] = (false, MountFlags.MS_NOSUID), ["suid"] = (true, MountFlags.MS_NOSUID),
        ["nodev"] = (false, MountFlags.MS_NODEV), ["dev"] = (true, MountFlags.MS_NODEV),
        ["noexec"] = (false, MountFlags.MS_NOEXEC), ["exec"] = (true, MountFlags.MS_NOEXEC),
        ["sync"] = (false, MountFlags.MS_SYNCHRONOUS), ["async"] = (true, MountFlags.MS_SYNCHRONOUS),
        ["dirsync"] = (false, MountFlags.MS_DIRSYNC),
        ["remount"] = (false, MountFlags.MS_REMOUNT),
        ["mand"] = (false, MountFlags.MS_MANDLOCK), ["nomand"] = (true, MountFlags.MS_MANDLOCK),
        ["noatime"] = (false, MountFlags.MS_NOATIME), ["atime"] = (true, MountFlags.MS_NOATIME),
        ["nodiratime"] = (false, MountFlags.MS_NODIRATIME), ["diratime"] = (true, MountFlags.MS_NODIRATIME),
        ["relatime"] = (false, MountFlags.MS_RELATIME), ["norelatime"] = (true, MountFlags.MS_RELATIME),
        ["strictatime"] = (false, MountFlags.MS_STRICTATIME), ["nostrictatime"] = (true, MountFlags.MS_STRICTATIME),
        ["lazytime"] = (false, MountFlags.MS_LAZYTIME), ["nolazytime"] = (true, MountFlags.MS_LAZYTIME),
        ["nosymfollow"] = (false, MountFlags.MS_NOSYMFOLLOW), ["symfollow"] = (true, MountFlags.MS_NOSYMFOLLOW),
        ["bind"] = (false, MountFlags.MS_BIND), ["rbind"] = (false, MountFlags.MS_BIND | MountFlags.MS_REC),
    };

    private static readonly Dictionary<string, MountFlags> PropagationFlags = new(StringComparer.Ordinal)
    {
        ["private"] = MountFlags.MS_PRIVATE, ["rprivate"] = MountFlags.MS_PRIVATE | MountFlags.MS_REC,
        ["shared"] = MountFlags.MS_SHARED, ["rshared"] = MountFlags.MS_SHARED | MountFlags.MS_REC,
        ["slave"] = MountFlags.MS_SLAVE, ["rslave"] = MountFlags.MS_SLAVE | MountFlags.MS_REC,
        ["unbindable"] = MountFlags.MS_UNBINDABLE, ["runbindable"] = MountFlags.MS_UNBINDABLE | MountFlags.MS_REC,
    };

    /// <summary>mount(2) flags.</summary>
    public MountFlags Flags { get; private init; }
    /// <summary>Propagation changes to apply after mounting, in order.</summary>
    public IReadOnlyList<MountFlags> Propagation { get; private init; } = [];
    /// <summary>File-system data, comma-joined.</summary>
    public string Data { get; private init; } = "";

    /// <summary>Whether the options ask for a bind mount.</summary>
    public bool IsBind => (Flags & MountFlags.MS_BIND) != 0;

    /// <summary>
    /// The mount types berth mounts, with the file-system data keys each takes (<c>size</c> in <c>size=64k</c>,
    /// or a bare word such as devpts' <c>newinstance</c>). Bind mounts (type <c>bind</c>, or <c>none</c> and an empty
    /// type with the <c>bind</c>/<c>rbind</c> option) take none: the kernel ignores data on a bind.
    /// </summary>
    private static readonly Dictionary<string, HashSet<string>> TypeData = new(StringComparer.Ordinal)
    {
        ["bind"] = [],
        ["proc"] = ["hidepid", "subset", "gid"],
        ["sysfs"] = [],
        ["tmpfs"] = ["size", "mode", "uid", "gid", "nr_inodes", "nr_blocks", "mpol", "huge", "inode32", "inode64", "noswap"],
        ["ramfs"] = ["mode"],
        ["devpts"] = ["newinstance", "ptmxmode", "mode", "gid", "uid", "max"],
        ["mqueue"] = [],
        ["cgroup"] = [],
        ["cgroup2"] = [],
        ["hugetlbfs"] = ["pagesize", "size", "min_size", "nr_inodes", "mode", "uid", "gid"],
        ["overlay"] = ["lowerdir", "upperdir", "workdir", "redirect_dir", "index", "metacopy", "xino", "userxattr", "volatile", "nfs_export"],
    };

    /// <summary>Options of other runtimes that berth does not implement, and why (refused by name rather than passed to the kernel).</summary>
    private static readonly Dictionary<string, string> Unsupported = new(StringComparer.Ordinal)
    {
        ["idmap"] = "id-mapped mounts in mounts are not supported", ["ridmap"] = "id-mapped mounts in mounts are not supported",
        ["tmpcopyup"] = "tmpcopyup is not supported",
        ["rro"] = "recursive mount attributes are not supported", ["rrw"] = "recursive mount attributes are not supported",
        ["rnosuid"] = "recursive mount attributes are not supported", ["rsuid"] = "recursive mount attributes are not supported",
        ["rnodev"] = "recursive mount attributes are not supported", ["rdev"] = "recursive mount attributes are not supported",
        ["rnoexec"] = "recursive mount attributes are not supported", ["rexec"] = "recursive mount attributes are not supported",
        ["rnoatime"] = "recursive mount attributes are not supported", ["ratime"] = "recursive mount attributes are not supported",
        ["rnodiratime"] = "recursive mount attributes are not supported", ["rdiratime"] = "recursive mount attributes are not supported",
        ["rrelatime"] = "recursive mount attributes are not supported", ["rnorelatime"] = "recursive mount attributes are not supported",
        ["rstrictatime"] = "recursive mount attributes are not supported", ["rnostrictatime"] = "recursive mount attributes are not supported",
        ["rnosymfollow"] = "recursive mount attributes are not supported", ["rsymfollow"] = "recursive mount attributes are not supported",
    };

    /// <summary>The mount types berth accepts (for <c>berth features</c> and validation).</summary>
    public static IEnumerable<string> KnownTypes => TypeData.Keys.Order(StringComparer.Ordinal);

    /// <summary>
    /// Why a mount of <paramref name="type"/> cannot be made as asked: an unknown type, or an option that is neither a
    /// mount flag, a propagation, nor file-system data that type takes. Null when it can. Checked before anything is
    /// made, so a typo fails <c>create</c> cleanly instead of as EINVAL from the kernel half-way through the rootfs.
    /// </summary>
    public static string? Problem(string? type, IReadOnlyList<string>? options)
    {
        options ??= [];
        var bind = options.Any(o => o is "bind" or "rbind");
        // With bind or rbind the mount is a bind whatever the type says (as runc reads it); the type must still be one we know.
        if (!(TypeData.ContainsKey(type ?? "") || (bind && type is null or "" or "none")))
            return $"type: unknown mount type \"{type}\" (berth mounts {string.Join(", ", KnownTypes)})";
        var effective = bind ? "bind" : type!;
        var dataKeys = TypeData[effective];
        foreach (var o in options)
        {
            if (FlagTable.ContainsKey(o) || PropagationFlags.ContainsKey(o)) continue;
            if (Unsupported.TryGetValue(o, out var why)) return $"options: \"{o}\": {why}";
            var key = o.Split('=', 2)[0];
            if (o.Length == 0 || o.Contains(',', StringComparison.Ordinal) || o.Any(char.IsWhiteSpace) || !dataKeys.Contains(key))
                return $"options: unknown option \"{o}\" for a mount of type {effective}";
        }
        return null;
    }

    /// <summary>Parses an options list.</summary>
    public static MountOptions Parse(IEnumerable<string>? options)
    {
        MountFlags flags = 0;
        var prop = new List<MountFlags>();
        var data = new List<string>();
        foreach (var o in options ?? [])
        {
            if (FlagTable.TryGetValue(o, out var f))
            {
                flags = f.Clear ? flags & ~f.Flag : flags | f.Flag;
            }
            else if (PropagationFlags.TryGetValue(o, out var p))
            {
                prop.Add(p);
            }
            else
            {
                data.Add(o);
            }
        }
        return new MountOptions { Flags = flags, Propagation = prop, Data = string.Join(',', data) };
    }

    /// <summary>The option names that are mount flags or propagation (for <c>berth features</c>).</summary>
    public static IEnumerable<string> KnownNames => FlagTable.Keys.Concat(PropagationFlags.Keys).Order(StringComparer.Ordinal);
}
