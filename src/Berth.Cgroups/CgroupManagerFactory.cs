using Berth.Cgroups.V1;
using Berth.Cgroups.V2;

namespace Berth.Cgroups;

/// <summary>Chooses the cgroup backend once, from the detected layout.</summary>
public static class CgroupManagerFactory
{
    /// <summary>
    /// Returns the manager of the cgroup at <paramref name="path"/> for <paramref name="layout"/>: the v2 backend on a
    /// unified host, the v1 backend on a legacy one, and both composed on a hybrid one. Relative and absolute paths
    /// alike are nested under a base cgroup in each hierarchy: <paramref name="parent"/> (a path within each hierarchy,
    /// such as <c>/berth</c>) when given, otherwise the calling process's own cgroup there, never elsewhere on the
    /// host. On cgroup v2 a caller's own cgroup that holds processes cannot hand controllers to children: when a
    /// limit needs one, its processes are moved into a leaf child <c>berth.supervisor</c> first (never with a
    /// <paramref name="parent"/>, never in the root cgroup), and a caller in that leaf nests containers beside it.
    /// Nothing is created until <see cref="ICgroupManager.Create"/>.
    /// Throws <see cref="CgroupException"/> for a path or parent with <c>..</c>, <c>.</c> or empty segments, or one
    /// that lies outside what a hierarchy's mount shows, and for a path under the caller's own cgroup starting with
    /// <c>berth.supervisor</c>.
    /// </summary>
    public static ICgroupManager Create(CgroupLayout layout, string path, string? parent = null)
    {
        ArgumentNullException.ThrowIfNull(layout);
        var relative = CgroupPaths.Normalize(path, "cgroup path");
        var parentPath = parent is null ? null : CgroupPaths.NormalizeParent(parent);
        if (parentPath is null && layout.Unified is not null && relative.Split('/')[0] == SupervisorCgroup.Name)
        {
            throw new CgroupException($"invalid cgroup path \"{path}\": {SupervisorCgroup.Name} is where berth keeps its own processes on cgroup v2");
        }

        switch (layout.Kind)
        {
            case CgroupLayoutKind.Unified:
                return new V2CgroupManager(layout.Unified!, relative, parentPath, _ => true);
            case CgroupLayoutKind.Legacy:
                return new V1CgroupManager(layout.V1, relative, parentPath, _ => true);
            default:
                var mountedV1 = layout.V1.SelectMany(h => h.Controllers).ToHashSet(StringComparer.Ordinal);
                var unifiedOnly = layout.Unified!.Controllers
                    .Select(c => c == "io" ? "blkio" : c)
                    .Where(c => !mountedV1.Contains(c))
                    .ToHashSet(StringComparer.Ordinal);
                return new HybridCgroupManager(
                    new V1CgroupManager(layout.V1, relative, parentPath, c => !unifiedOnly.Contains(c)),
                    new V2CgroupManager(layout.Unified, relative, parentPath, unifiedOnly.Contains));
        }
    }
}
