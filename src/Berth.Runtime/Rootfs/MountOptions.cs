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

    /// <summary>Whether an option is a known flag, a propagation, or plausible file-system data (<c>key=value</c> or a word).</summary>
    public static bool IsKnownOrData(string option)
        => option.Length > 0 && !option.Contains(',', StringComparison.Ordinal) && !option.Any(char.IsWhiteSpace);

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
