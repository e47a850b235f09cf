using System.Globalization;

namespace Berth.Cgroups.V1;

/// <summary>
/// A container's cgroup in every v1 controller hierarchy. <paramref name="owns"/> says which controllers this
/// backend is responsible for (all on a legacy host; on a hybrid host those the unified hierarchy holds are left
/// to the v2 backend).
/// </summary>
internal sealed class V1CgroupManager(IReadOnlyList<CgroupHierarchy> hierarchies, string relative, string? parent, Func<string, bool> owns)
    : ICgroupManager
{
    private static readonly TimeSpan BusyTimeout = TimeSpan.FromSeconds(1);

    private readonly List<(CgroupDirectory Directory, List<V1Controller> Controllers)> entries = hierarchies
        .Select(h => (new CgroupDirectory(h, relative, parent), h.Controllers.Where(owns).Select(ControllerFor).OfType<V1Controller>().ToList()))
        .ToList();

    public string Path => entries[0].Directory.CgroupPath;

    public IReadOnlyDictionary<string, string> Directories =>
        entries.ToDictionary(e => e.Directory.Hierarchy.Key, e => e.Directory.Dir, StringComparer.Ordinal);

    public IReadOnlyDictionary<string, string> Paths =>
        entries.ToDictionary(e => e.Directory.Hierarchy.Key, e => e.Directory.CgroupPath, StringComparer.Ordinal);

    internal bool HasFreezer => FreezerDir is not null;

    private string? FreezerDir => entries.FirstOrDefault(e => e.Directory.Hierarchy.Has("freezer")).Directory?.Dir;

    private string? MemoryDir => entries.FirstOrDefault(e => e.Directory.Hierarchy.Has("memory")).Directory?.Dir;

    public void Create(CgroupResources resources)
    {
        RefuseUnified(resources);
        Validate(resources);
        CgroupDirectory.CreateOrRollback(created =>
        {
        MakeDirectories(created);
        Initialize(resources);
        Apply(resources);
        });
    }

    public void Update(CgroupResources resources)
    {
        RefuseUnified(resources);
        Validate(resources);
        Apply(resources);
    }

    /// <summary>A host with cgroup v1 alone has no file a <c>unified</c> entry could name (on a hybrid host the v2 backend takes them).</summary>
    private static void RefuseUnified(CgroupResources resources)
    {
        if (resources.Unified.Count > 0)
            throw new CgroupException($"linux.resources.unified: {resources.Unified.Keys.First()} is a cgroup v2 file, and this host has cgroup v1 only");
    }

    /// <summary>Refuses out-of-range values and limits whose controller or file is missing; touches nothing.</summary>
    internal void Validate(CgroupResources resources)
    {
        ResourceValidator.Validate(resources);
        foreach (var controller in ResourceValidator.NeededControllers(resources).Where(owns))
        {
            if (!entries.Any(e => e.Directory.Hierarchy.Has(controller)))
            {
                throw new CgroupException($"the {controller} controller is not mounted on this host (cgroup v1): the requested {controller} limits cannot be applied");
            }
        }

        foreach (var (directory, controllers) in entries)
        {
            var baseDir = directory.ExistingBase();
            foreach (var c in controllers)
            {
                c.Validate(resources, baseDir);
            }
        }
    }

    /// <summary>Creates the directories in every hierarchy (recording what it made) and readies cpusets.</summary>
    internal void MakeDirectories(List<string> created)
    {
        foreach (var (directory, controllers) in entries)
        {
            var dirs = directory.DirectoriesToCreate().ToList();
            directory.Create(created);
            foreach (var c in controllers)
            {
                c.Prepare(dirs);
            }
        }
    }

    /// <summary>Readies the freshly made directories for <paramref name="resources"/> (see <see cref="V1Controller.Initialize"/>).</summary>
    internal void Initialize(CgroupResources resources)
    {
        foreach (var (directory, controllers) in entries)
        {
            foreach (var c in controllers)
            {
                c.Initialize(directory.Dir, resources);
            }
        }
    }

    internal void Apply(CgroupResources resources)
    {
        foreach (var (directory, controllers) in entries)
        {
            foreach (var c in controllers)
            {
                c.Apply(directory.Dir, resources);
            }
        }
    }

    public void AddProcess(int pid)
    {
        var value = (pid == 0 ? Environment.ProcessId : pid).ToString(CultureInfo.InvariantCulture);
        foreach (var (directory, _) in entries)
        {
            CgroupFiles.Write(directory.Dir, "cgroup.procs", value);
        }
    }

    /// <summary>Moves the calling thread through each hierarchy's <c>tasks</c> file (see <see cref="ICgroupManager.AddCurrentThread"/>).</summary>
    public bool AddCurrentThread()
    {
        foreach (var (directory, _) in entries)
        {
            CgroupFiles.Write(directory.Dir, "tasks", "0");
        }
        return true;
    }

    public IReadOnlyList<int> GetPids()
    {
        var pids = new SortedSet<int>();
        foreach (var (directory, _) in entries)
        {
            CgroupFiles.CollectPids(directory.Dir, pids);
        }

        return pids.ToList();
    }

    public void SetFrozen(bool frozen) =>
        FreezerController.SetFrozen(FreezerDir ?? throw new CgroupException("the freezer controller is not mounted on this host (cgroup v1)"), frozen);

    public bool IsFrozen() => FreezerDir is { } dir && FreezerController.IsFrozen(dir);

    public void Signal(int signal) => ProcessSignals.Send(GetPids(), signal, entries[0].Directory.Dir);

    public CgroupStats GetStats()
    {
        var stats = new CgroupStats();
        ReadStats(stats);
        return stats;
    }

    internal void ReadStats(CgroupStats stats)
    {
        foreach (var (directory, controllers) in entries)
        {
            foreach (var c in controllers)
            {
                c.ReadStats(directory.Dir, stats);
            }
        }
    }

    public long OomKillCount() => MemoryDir is { } dir ? (long)MemoryController.OomKills(dir) : 0;

    public void Destroy(bool kill = true)
    {
        if (kill)
        {
            KillAll();
        }

        RemoveDirectories();
    }

    /// <summary>SIGKILLs everything, thawing a frozen cgroup so the signal is delivered.</summary>
    internal void KillAll() => ProcessSignals.KillAll(GetPids, ThawIfFrozen, entries[0].Directory.Dir);

    internal void ThawIfFrozen()
    {
        if (FreezerDir is { } dir && Directory.Exists(dir))
        {
            FreezerController.ThawIfNeeded(dir);
        }
    }

    internal void RemoveDirectories()
    {
        foreach (var (directory, _) in entries)
        {
            CgroupFiles.RemoveTree(directory.Dir, BusyTimeout);
            directory.RemoveEmptyParents();
        }
    }

    public bool Exists() => entries.Any(e => Directory.Exists(e.Directory.Dir));

    private static V1Controller? ControllerFor(string name) => name switch
    {
        "memory" => new MemoryController(),
        "cpu" => new CpuController(),
        "cpuacct" => new CpuacctController(),
        "cpuset" => new CpusetController(),
        "pids" => new PidsController(),
        "blkio" => new BlkioController(),
        "devices" => new DevicesController(),
        "freezer" => new FreezerController(),
        "hugetlb" => new HugetlbController(),
        _ => null,
    };
}
