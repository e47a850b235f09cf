namespace Berth.Cgroups;

/// <summary>
/// One mounted cgroup hierarchy: where it is mounted, which part of the hierarchy the mount shows
/// (<see cref="Root"/>, not <c>/</c> inside containers), which controllers it holds and where the
/// calling process sits in it.
/// </summary>
public sealed class CgroupHierarchy
{
    /// <summary>The key used for the unified hierarchy in <see cref="ICgroupManager.Directories"/>.</summary>
    public const string UnifiedKey = "unified";

    /// <summary>Creates a hierarchy description.</summary>
    public CgroupHierarchy(bool isUnified, string mountPoint, string root, IReadOnlyList<string> controllers, string? name, string ownPath)
    {
        IsUnified = isUnified;
        MountPoint = mountPoint;
        Root = root;
        Controllers = controllers;
        Name = name;
        OwnPath = ownPath;
    }

    /// <summary>True for the cgroup2 hierarchy.</summary>
    public bool IsUnified { get; }

    /// <summary>Where the hierarchy is mounted, such as <c>/sys/fs/cgroup/memory</c>.</summary>
    public string MountPoint { get; }

    /// <summary>The cgroup path shown at <see cref="MountPoint"/> (mountinfo's root field), <c>/</c> on a host.</summary>
    public string Root { get; }

    /// <summary>
    /// Controllers of a v1 hierarchy (such as <c>cpu</c>, <c>cpuacct</c>); for the unified hierarchy, the controllers
    /// available to the calling process's cgroup (its <c>cgroup.controllers</c>).
    /// </summary>
    public IReadOnlyList<string> Controllers { get; }

    /// <summary>The name of a named v1 hierarchy (<c>systemd</c> for <c>name=systemd</c>); such hierarchies hold no controller.</summary>
    public string? Name { get; }

    /// <summary>The calling process's cgroup in this hierarchy, as <c>/proc/self/cgroup</c> shows it.</summary>
    public string OwnPath { get; }

    /// <summary>The key of this hierarchy: <c>unified</c>, the comma-joined controllers, or <c>name=NAME</c>.</summary>
    public string Key => IsUnified ? UnifiedKey : Name is not null ? $"name={Name}" : string.Join(',', Controllers);

    /// <summary>Whether this v1 hierarchy holds <paramref name="controller"/> (always false for named and unified ones).</summary>
    public bool Has(string controller) => !IsUnified && Controllers.Contains(controller);

    /// <summary>
    /// The directory of the cgroup at <paramref name="cgroupPath"/> (a path in the hierarchy, as /proc/self/cgroup writes it).
    /// Throws <see cref="CgroupException"/> when that cgroup lies outside the part of the hierarchy this mount shows.
    /// </summary>
    public string DirectoryOf(string cgroupPath)
    {
        var rel = RelativeToRoot(cgroupPath)
            ?? throw new CgroupException($"cgroup {cgroupPath} is outside the part of the {Key} hierarchy mounted at {MountPoint} (root {Root})");
        return rel.Length == 0 ? MountPoint : MountPoint.TrimEnd('/') + "/" + rel;
    }

    private string? RelativeToRoot(string cgroupPath)
    {
        var root = Root.TrimEnd('/');
        var path = cgroupPath.TrimEnd('/');
        if (root.Length == 0)
        {
            return path.TrimStart('/');
        }

        if (path == root)
        {
            return string.Empty;
        }

        return path.StartsWith(root + "/", StringComparison.Ordinal) ? path[(root.Length + 1)..] : null;
    }
}
