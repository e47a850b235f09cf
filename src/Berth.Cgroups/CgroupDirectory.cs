using Berth.Linux;

namespace Berth.Cgroups;

/// <summary>The container's cgroup in one hierarchy: its cgroup path, its directory, and the directories to create.</summary>
internal sealed class CgroupDirectory
{
    internal CgroupDirectory(CgroupHierarchy hierarchy, string relative, string? parent)
    {
        Hierarchy = hierarchy;
        // On v2 a caller in berth's supervisor leaf nests containers beside it, under the cgroup it was moved from.
        BasePath = parent ?? (hierarchy.IsUnified ? V2.SupervisorCgroup.BaseOf(hierarchy.OwnPath) : hierarchy.OwnPath);
        CgroupPath = CgroupPaths.Join(BasePath, relative);
        Dir = hierarchy.DirectoryOf(CgroupPath);
        BaseDir = hierarchy.DirectoryOf(BasePath);
        Chain = CgroupPaths.Chain(BasePath, CgroupPath).Select(hierarchy.DirectoryOf).ToList();
    }

    internal CgroupHierarchy Hierarchy { get; }

    /// <summary>
    /// The cgroup the container's path is nested under: the configured parent, else the caller's own (on v2 the one
    /// above <see cref="V2.SupervisorCgroup.Name"/> when the caller sits in that leaf).
    /// </summary>
    internal string BasePath { get; }

    internal string CgroupPath { get; }

    internal string Dir { get; }

    internal string BaseDir { get; }

    /// <summary>Directories below the base down to <see cref="Dir"/>, outermost first.</summary>
    internal IReadOnlyList<string> Chain { get; }

    /// <summary>
    /// The deepest directory that exists now among the base and its ancestors (a configured parent may not exist
    /// yet): where to look for the files a limit needs before anything is created.
    /// </summary>
    internal string ExistingBase()
    {
        var dir = BaseDir;
        var mount = Hierarchy.MountPoint.TrimEnd('/');
        while (!Directory.Exists(dir) && dir.Length > mount.Length)
        {
            dir = System.IO.Path.GetDirectoryName(dir) ?? mount;
        }

        return dir;
    }

    /// <summary>Every directory from the existing base down to <see cref="Dir"/> that must exist, outermost first.</summary>
    internal IEnumerable<string> DirectoriesToCreate()
    {
        var existing = ExistingBase();
        var dir = BaseDir;
        var above = new List<string>();
        while (dir.Length > existing.Length)
        {
            above.Insert(0, dir);
            dir = System.IO.Path.GetDirectoryName(dir) ?? existing;
        }

        return above.Concat(Chain);
    }

    /// <summary>Creates the missing directories, recording each created one in <paramref name="created"/>.</summary>
    internal void Create(List<string> created)
    {
        // A concurrent delete of a sibling may remove a shared parent between our mkdirs (see
        // RemoveEmptyParents): start over when a parent vanished under us.
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                foreach (var dir in DirectoriesToCreate())
                {
                    if (CgroupFiles.MakeDirectory(dir))
                    {
                        created.Add(dir);
                    }
                }
                return;
            }
            catch (CgroupException e) when (e.Errno == Errno.ENOENT && attempt < 10)
            {
            }
        }
    }

    /// <summary>
    /// After the container's own directory is gone: removes the now empty directories between it and the base
    /// (such as <c>P/</c> of a <c>linux.cgroupsPath</c> of <c>P/ID</c>), deepest first, stopping at the first one still
    /// used by another container. The base (the caller's own cgroup or the configured parent) always stays.
    /// </summary>
    internal void RemoveEmptyParents()
    {
        for (var i = Chain.Count - 2; i >= 0; i--)
        {
            if (!CgroupFiles.TryRemoveEmpty(Chain[i]))
            {
                return;
            }
        }
    }

    /// <summary>
    /// Runs <paramref name="create"/> (which makes directories, recording each in the list it is given, and writes
    /// limits); if it fails, removes what it made before rethrowing, so a refused create leaves nothing.
    /// </summary>
    internal static void CreateOrRollback(Action<List<string>> create)
    {
        var created = new List<string>();
        try
        {
            create(created);
        }
        catch
        {
            Rollback(created);
            throw;
        }
    }

    /// <summary>Removes directories a failed create made, deepest first, ignoring what cannot be removed.</summary>
    private static void Rollback(List<string> created)
    {
        for (var i = created.Count - 1; i >= 0; i--)
        {
            try
            {
                CgroupFiles.RemoveTree(created[i], TimeSpan.FromMilliseconds(500));
            }
            catch (CgroupException)
            {
                // Best effort: the original failure is what the caller needs to see.
            }
        }

        created.Clear();
    }
}
