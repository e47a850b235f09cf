using System.Globalization;
using Berth.Linux;

namespace Berth.Cgroups.V2;

/// <summary>
/// A container's cgroup in the unified (v2) hierarchy. <paramref name="owns"/> (given v1 controller names, <c>blkio</c>
/// for <c>io</c>) says which controllers this backend is responsible for: all on a unified host, only those v1 does
/// not mount on a hybrid one. Core files (cgroup.procs, cgroup.freeze, cgroup.kill, pressure) are always used.
/// </summary>
internal sealed class V2CgroupManager(CgroupHierarchy unified, string relative, string? parent, Func<string, bool> owns)
    : ICgroupManager
{
    private static readonly TimeSpan BusyTimeout = TimeSpan.FromSeconds(1);

    /// <summary>Controllers enabled when available even without a limit, so their counters show up in the stats.</summary>
    private static readonly string[] StatsControllers = ["cpu", "memory", "io", "pids"];

    private readonly CgroupDirectory directory = new(unified, relative, parent);

    private readonly List<V2Controller> controllers = new V2Controller[]
    {
        new MemoryController(), new CpuController(), new CpusetController(), new PidsController(), new IoController(), new HugetlbController(),
    }.Where(c => owns(V1Name(c.Name))).ToList();

    public string Path => directory.CgroupPath;

    public IReadOnlyDictionary<string, string> Paths =>
        new Dictionary<string, string>(StringComparer.Ordinal) { [CgroupHierarchy.UnifiedKey] = directory.CgroupPath };

    public IReadOnlyDictionary<string, string> Directories =>
        new Dictionary<string, string>(StringComparer.Ordinal) { [CgroupHierarchy.UnifiedKey] = directory.Dir };

    private string Dir => directory.Dir;

    public void Create(CgroupResources resources)
    {
        Validate(resources);
        CgroupDirectory.CreateOrRollback(created =>
        {
        MakeDirectories(created, resources);
        Apply(resources);
        });
    }

    /// <summary>
    /// Validates, enables in the ancestors the controllers the new limits need (a limit set only now, such as the
    /// pids limit the runtime writes once the init runs, may need one the create did not), then writes them.
    /// </summary>
    public void Update(CgroupResources resources)
    {
        Validate(resources);
        EnableControllers(directory.DirectoriesToCreate().ToList(), resources);
        Apply(resources);
    }

    internal void Validate(CgroupResources resources)
    {
        ResourceValidator.Validate(resources);
        var baseDir = directory.ExistingBase();
        var available = Words(CgroupFiles.TryRead(baseDir, "cgroup.controllers"));
        foreach (var c in controllers.Where(c => c.IsNeeded(resources)))
        {
            if (!available.Contains(c.Name))
            {
                throw new CgroupException(
                    $"the {c.Name} controller is not available in the unified hierarchy at {baseDir} " +
                    $"(cgroup.controllers: \"{string.Join(' ', available)}\"): the requested {c.Name} limits cannot be applied");
            }

            c.Validate(resources);
        }

        foreach (var file in resources.Unified.Keys)
        {
            var controller = CgroupResources.UnifiedController(file);
            if (!owns(V1Name(controller)))
                throw new CgroupException($"linux.resources.unified: {file} is a cgroup v2 file, but this host runs the {controller} controller on cgroup v1");
            if (!available.Contains(controller))
                throw new CgroupException($"linux.resources.unified: {file} needs the {controller} controller, which is not available in the unified hierarchy at {baseDir} (cgroup.controllers: \"{string.Join(' ', available)}\")");
        }
    }

    /// <summary>Creates the directories (recording what it made) and enables the controllers the request needs.</summary>
    internal void MakeDirectories(List<string> created, CgroupResources resources)
    {
        var chain = directory.DirectoriesToCreate().ToList();
        directory.Create(created);
        EnableControllers(chain, resources);
    }

    /// <summary>
    /// A v2 controller's files appear in a cgroup only once its parent lists it in cgroup.subtree_control, so every
    /// ancestor from the base down gets it, the controllers the request needs first. A base that holds processes
    /// refuses with EBUSY (the no-internal-process rule): when the base is the caller's own cgroup (no parent was
    /// configured) and not the hierarchy's root, its processes move into <see cref="SupervisorCgroup.Name"/> and
    /// the write is tried again. Other refusals (EBUSY under a configured parent, ENOENT/EINVAL: not available) are
    /// tolerated for the controllers enabled only for their counters; a needed one is then refused by name.
    /// </summary>
    private void EnableControllers(List<string> chain, CgroupResources resources)
    {
        var needed = controllers.Where(c => c.IsNeeded(resources)).Select(c => c.Name)
            .Concat(resources.Unified.Keys.Select(CgroupResources.UnifiedController)).Distinct().ToList();
        var wanted = needed.Concat(controllers.Select(c => c.Name).Where(StatsControllers.Contains)).Distinct().ToList();
        var baseDir = directory.ExistingBase();
        var parents = new List<string> { baseDir };
        parents.AddRange(chain.Take(chain.Count - 1));
        var mayEvict = parent is null && baseDir == directory.BaseDir && !SupervisorCgroup.IsHierarchyRoot(baseDir);
        foreach (var dir in parents)
        {
            var available = Words(CgroupFiles.TryRead(dir, "cgroup.controllers"));
            var enabled = Words(CgroupFiles.TryRead(dir, "cgroup.subtree_control"));
            foreach (var name in wanted.Where(n => available.Contains(n) && !enabled.Contains(n)))
            {
                Enable(dir, name, needed.Contains(name), mayEvict && dir == baseDir);
            }
        }

        var leafAvailable = Words(CgroupFiles.TryRead(Dir, "cgroup.controllers"));
        foreach (var name in needed.Where(n => !leafAvailable.Contains(n)))
        {
            throw new CgroupException($"the {name} controller is not enabled for {Dir} (missing from its cgroup.controllers)");
        }
    }

    /// <summary>Writes <c>+NAME</c> to <paramref name="dir"/>'s cgroup.subtree_control (see <see cref="EnableControllers"/>).</summary>
    private void Enable(string dir, string name, bool needed, bool mayEvict)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                CgroupFiles.Write(dir, "cgroup.subtree_control", "+" + name);
                return;
            }
            catch (CgroupException e) when (e.Errno == Errno.EBUSY && needed && mayEvict && attempt < 10)
            {
                // Another process may join between the move and the write: move again.
                SupervisorCgroup.Evict(dir, directory.BasePath);
            }
            catch (CgroupException e) when (e.Errno is Errno.EBUSY or Errno.ENOENT or Errno.EINVAL or Errno.EOPNOTSUPP)
            {
                if (needed)
                {
                    throw new CgroupException(
                        $"the {name} controller could not be enabled below {dir}: {e.Message} " +
                        "(a v2 cgroup that holds processes itself cannot hand controllers to its children; choose a cgroup parent without processes)", e);
                }

                return;
            }
        }
    }

    internal void Apply(CgroupResources resources)
    {
        foreach (var c in controllers)
        {
            c.Apply(Dir, resources);
        }

        // v2 has no devices controller to enable: the rules are an eBPF program attached to the cgroup.
        if (owns("devices") && resources.Devices is { Count: > 0 } rules)
        {
            DeviceFilter.Apply(Dir, rules.ToList());
        }

        // Raw files last: unknown to Berth or not, they are written as given (the OCI spec's rule).
        foreach (var (file, value) in resources.Unified)
        {
            if (!CgroupFiles.Exists(Dir, file))
                throw new CgroupException($"linux.resources.unified: {Dir} has no file {file}");
            CgroupFiles.Write(Dir, file, value);
        }
    }

    public void AddProcess(int pid) =>
        CgroupFiles.Write(Dir, "cgroup.procs", (pid == 0 ? Environment.ProcessId : pid).ToString(CultureInfo.InvariantCulture));

    /// <summary>A v2 domain cgroup takes whole processes only: nothing is moved, the process joins itself.</summary>
    public bool AddCurrentThread() => false;

    public IReadOnlyList<int> GetPids()
    {
        var pids = new SortedSet<int>();
        CgroupFiles.CollectPids(Dir, pids);
        return pids.ToList();
    }

    /// <summary>Writes cgroup.freeze and waits for cgroup.events to report <c>frozen</c> (Documentation/admin-guide/cgroup-v2.rst).</summary>
    public void SetFrozen(bool frozen)
    {
        if (!CgroupFiles.Exists(Dir, "cgroup.freeze"))
        {
            throw new CgroupException($"freezing is not supported by this kernel (no cgroup.freeze file in {Dir})");
        }

        CgroupFiles.Write(Dir, "cgroup.freeze", frozen ? "1" : "0");
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        for (var round = 0; IsFrozen() != frozen; round++)
        {
            if (DateTime.UtcNow >= deadline)
            {
                if (frozen)
                {
                    CgroupFiles.Write(Dir, "cgroup.freeze", "0");
                }

                throw new CgroupException($"{Dir}/cgroup.events did not report frozen {(frozen ? 1 : 0)} within 10 s");
            }

            Thread.Sleep(round < 10 ? 1 : 10);
        }
    }

    public bool IsFrozen() => CgroupFiles.TryReadFlatKeyed(Dir, "cgroup.events").GetValueOrDefault("frozen") == 1;

    /// <summary>SIGKILL goes through cgroup.kill where the kernel has it (5.14+): no race with forks.</summary>
    public void Signal(int signal)
    {
        if (signal == Signals.SIGKILL && CgroupFiles.Exists(Dir, "cgroup.kill"))
        {
            CgroupFiles.Write(Dir, "cgroup.kill", "1");
            return;
        }

        ProcessSignals.Send(GetPids(), signal, Dir);
    }

    public CgroupStats GetStats()
    {
        var stats = new CgroupStats();
        ReadStats(stats);
        return stats;
    }

    internal void ReadStats(CgroupStats stats)
    {
        if (owns("cpuacct"))
        {
            CpuController.ReadUsage(Dir, stats);
        }

        foreach (var c in controllers)
        {
            c.ReadStats(Dir, stats);
        }

        PressureReader.Read(Dir, stats);
    }

    public long OomKillCount() => owns("memory") ? (long)MemoryController.OomKills(Dir) : 0;

    public void Destroy(bool kill = true)
    {
        if (kill)
        {
            ProcessSignals.KillAll(GetPids, BeforeKillRound, Dir);
        }

        RemoveDirectories();
    }

    /// <summary>Uses cgroup.kill when present; otherwise thaws so the SIGKILLs that follow are delivered.</summary>
    internal void BeforeKillRound()
    {
        if (!Directory.Exists(Dir))
        {
            return;
        }

        if (CgroupFiles.Exists(Dir, "cgroup.kill"))
        {
            CgroupFiles.Write(Dir, "cgroup.kill", "1");
        }
        else if (CgroupFiles.Exists(Dir, "cgroup.freeze"))
        {
            CgroupFiles.Write(Dir, "cgroup.freeze", "0");
        }
    }

    internal void RemoveDirectories()
    {
        CgroupFiles.RemoveTree(Dir, BusyTimeout);
        directory.RemoveEmptyParents();
    }

    public bool Exists() => Directory.Exists(Dir);

    private static string V1Name(string v2Name) => v2Name == "io" ? "blkio" : v2Name;

    private static HashSet<string> Words(string? text) =>
        new((text ?? string.Empty).Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries), StringComparer.Ordinal);
}
