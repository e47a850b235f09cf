using System.Globalization;
using System.Text;
using Berth.Linux;

namespace Berth.Cgroups;

/// <summary>
/// The host's cgroup hierarchies as the calling process sees them: which are mounted where, which controllers
/// each holds, and the caller's own cgroup in each. Built from <c>/proc/self/mountinfo</c> and <c>/proc/self/cgroup</c>.
/// </summary>
public sealed class CgroupLayout
{
    /// <summary>v1 controllers Berth knows; other words in a cgroup mount's options are mount flags.</summary>
    private static readonly HashSet<string> KnownV1Controllers = new(StringComparer.Ordinal)
    {
        "cpu", "cpuacct", "cpuset", "memory", "devices", "freezer", "net_cls", "net_prio", "blkio",
        "perf_event", "hugetlb", "pids", "rdma", "misc",
    };

    private CgroupLayout(CgroupLayoutKind kind, IReadOnlyList<CgroupHierarchy> hierarchies)
    {
        Kind = kind;
        Hierarchies = hierarchies;
        Unified = hierarchies.FirstOrDefault(h => h.IsUnified);
        V1 = hierarchies.Where(h => !h.IsUnified && h.Name is null).ToList();
    }

    /// <summary>Unified, legacy or hybrid.</summary>
    public CgroupLayoutKind Kind { get; }

    /// <summary>Every mounted hierarchy, named v1 hierarchies included, in mount order.</summary>
    public IReadOnlyList<CgroupHierarchy> Hierarchies { get; }

    /// <summary>The cgroup2 hierarchy, or null on a legacy host.</summary>
    public CgroupHierarchy? Unified { get; }

    /// <summary>The v1 hierarchies that hold controllers (named ones such as <c>name=systemd</c> left out).</summary>
    public IReadOnlyList<CgroupHierarchy> V1 { get; }

    /// <summary>The v1 hierarchy holding <paramref name="controller"/>, or null.</summary>
    public CgroupHierarchy? FindV1(string controller) => V1.FirstOrDefault(h => h.Has(controller));

    /// <summary>Detects the layout of the running host. Throws <see cref="CgroupException"/> when no cgroup hierarchy is mounted.</summary>
    public static CgroupLayout Detect()
    {
        var mountInfo = Fd.ReadText("/proc/self/mountinfo");
        var selfCgroup = Fd.ReadText("/proc/self/cgroup");
        return Detect(mountInfo, selfCgroup, null);
    }

    /// <summary>
    /// Builds the layout from the text of <c>/proc/self/mountinfo</c> and <c>/proc/self/cgroup</c>.
    /// <paramref name="unifiedControllers"/> is the content of the caller's <c>cgroup.controllers</c> in the unified
    /// hierarchy; when null it is read from the mounted file system (and taken as empty if absent).
    /// Throws <see cref="CgroupException"/> when no cgroup hierarchy is mounted.
    /// </summary>
    public static CgroupLayout Detect(string mountInfo, string selfCgroup, string? unifiedControllers = null)
    {
        var ownPaths = ParseSelfCgroup(selfCgroup);
        var hierarchies = new List<CgroupHierarchy>();
        var seen = new HashSet<string>(StringComparer.Ordinal);

        foreach (var rawLine in mountInfo.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var mount = ParseMountLine(rawLine);
            if (mount is null)
            {
                continue;
            }

            var (root, mountPoint, fsType, superOptions) = mount.Value;
            if (fsType == "cgroup2")
            {
                if (!seen.Add(CgroupHierarchy.UnifiedKey))
                {
                    continue;
                }

                var own = OwnPathFor(ownPaths, string.Empty, root);
                var controllers = unifiedControllers ?? ReadUnifiedControllers(mountPoint, root, own);
                hierarchies.Add(new CgroupHierarchy(true, mountPoint, root,
                    controllers.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries), null, own));
            }
            else if (fsType == "cgroup")
            {
                var options = superOptions.Split(',', StringSplitOptions.RemoveEmptyEntries);
                var name = options.FirstOrDefault(o => o.StartsWith("name=", StringComparison.Ordinal))?["name=".Length..];
                var controllers = options.Where(KnownV1Controllers.Contains).Order(StringComparer.Ordinal).ToList();
                if (name is null && controllers.Count == 0)
                {
                    continue;
                }

                var key = name is not null ? $"name={name}" : string.Join(',', controllers);
                if (!seen.Add(key))
                {
                    continue;
                }

                var own = OwnPathFor(ownPaths, key, root);
                hierarchies.Add(new CgroupHierarchy(false, mountPoint, root, controllers, name, own));
            }
        }

        if (hierarchies.Count == 0)
        {
            throw new CgroupException("no cgroup hierarchy is mounted (no cgroup or cgroup2 entry in /proc/self/mountinfo)");
        }

        return From(hierarchies);
    }

    /// <summary>
    /// The layout made of <paramref name="hierarchies"/> as <see cref="Hierarchies"/> lists them (kept from an
    /// earlier detection). Throws <see cref="CgroupException"/> when none holds a controller.
    /// </summary>
    public static CgroupLayout From(IReadOnlyList<CgroupHierarchy> hierarchies)
    {
        var hasV1Controllers = hierarchies.Any(h => !h.IsUnified && h.Name is null);
        var hasUnified = hierarchies.Any(h => h.IsUnified);
        var kind = (hasV1Controllers, hasUnified) switch
        {
            (true, true) => CgroupLayoutKind.Hybrid,
            (true, false) => CgroupLayoutKind.Legacy,
            (false, true) => CgroupLayoutKind.Unified,
            _ => throw new CgroupException("no cgroup controller is mounted: only named v1 hierarchies were found"),
        };
        return new CgroupLayout(kind, hierarchies);
    }

    /// <summary>Maps the hierarchy key (sorted controllers, <c>name=X</c>, or empty for v2) to the caller's path.</summary>
    private static Dictionary<string, string> ParseSelfCgroup(string text)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            // hierarchy-ID:controller-list:cgroup-path; the path itself may contain ':'.
            var first = line.IndexOf(':', StringComparison.Ordinal);
            var second = first < 0 ? -1 : line.IndexOf(':', first + 1);
            if (second < 0)
            {
                continue;
            }

            var controllers = line[(first + 1)..second];
            var path = line[(second + 1)..];
            var key = string.Join(',', controllers.Split(',', StringSplitOptions.RemoveEmptyEntries)
                .Where(c => c.StartsWith("name=", StringComparison.Ordinal) || KnownV1Controllers.Contains(c))
                .Order(StringComparer.Ordinal));
            if (controllers.Length > 0 && key.Length == 0)
            {
                continue;
            }

            result.TryAdd(key, path.Length == 0 ? "/" : path);
        }

        return result;
    }

    private static string OwnPathFor(Dictionary<string, string> ownPaths, string key, string root)
    {
        if (!ownPaths.TryGetValue(key, out var own))
        {
            return root;
        }

        // Inside a cgroup namespace the caller's path may not lie under the mount's root: the mount then shows the
        // caller's own cgroup (or an ancestor of it that the namespace hides), so the mount point is the best guess.
        var r = root.TrimEnd('/');
        return r.Length == 0 || own == r || own.StartsWith(r + "/", StringComparison.Ordinal) ? own : root;
    }

    private static string ReadUnifiedControllers(string mountPoint, string root, string own)
    {
        var hierarchy = new CgroupHierarchy(true, mountPoint, root, [], null, own);
        return CgroupFiles.TryRead(hierarchy.DirectoryOf(own), "cgroup.controllers")
            ?? CgroupFiles.TryRead(mountPoint, "cgroup.controllers")
            ?? string.Empty;
    }

    /// <summary>Parses one mountinfo line (proc(5)): root is field 4, mount point field 5, then after "-": type, source, super options.</summary>
    private static (string Root, string MountPoint, string FsType, string SuperOptions)? ParseMountLine(string line)
    {
        var fields = line.Trim().Split(' ');
        var separator = Array.IndexOf(fields, "-");
        if (separator < 6 || fields.Length < separator + 4)
        {
            return null;
        }

        return (Unescape(fields[3]), Unescape(fields[4]), fields[separator + 1], fields[separator + 3]);
    }

    /// <summary>mountinfo escapes space, tab, newline and backslash as three octal digits.</summary>
    private static string Unescape(string s)
    {
        if (!s.Contains('\\', StringComparison.Ordinal))
        {
            return s;
        }

        var sb = new StringBuilder(s.Length);
        for (var i = 0; i < s.Length; i++)
        {
            if (s[i] == '\\' && i + 3 < s.Length
                && int.TryParse(s.AsSpan(i + 1, 3), NumberStyles.None, CultureInfo.InvariantCulture, out _))
            {
                sb.Append((char)Convert.ToInt32(s.Substring(i + 1, 3), 8));
                i += 3;
            }
            else
            {
                sb.Append(s[i]);
            }
        }

        return sb.ToString();
    }
}
