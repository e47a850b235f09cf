namespace Berth.Cgroups;

/// <summary>
/// One container's cgroup across every mounted hierarchy of the host's layout (v1 controllers,
/// the v2 unified tree, or both on a hybrid host). The backend is chosen once by
/// <c>CgroupManagerFactory</c> from <c>CgroupLayout.Detect</c>; callers never branch on the version.
/// All failures throw <c>CgroupException</c> naming the file and the value.
/// </summary>
public interface ICgroupManager
{
    /// <summary>The container's path relative to each hierarchy's root, such as <c>/user.slice/berth/abc</c>.</summary>
    string Path { get; }

    /// <summary>
    /// The resolved cgroup path in each mounted hierarchy, keyed like <see cref="Directories"/>. The caller's own cgroup,
    /// under which the path is nested, may differ between v1 hierarchies, so <see cref="Path"/> is the first of these
    /// (the unified one on a unified host, the first mounted v1 controller hierarchy otherwise).
    /// </summary>
    IReadOnlyDictionary<string, string> Paths { get; }

    /// <summary>The absolute directory of this cgroup in each mounted hierarchy, keyed by controller list or <c>unified</c>.</summary>
    IReadOnlyDictionary<string, string> Directories { get; }

    /// <summary>
    /// Creates the cgroup directories (and missing parents) and applies <paramref name="resources"/>.
    /// Refuses, before creating anything, limits the kernel cannot honour here. On failure removes what it created.
    /// </summary>
    void Create(CgroupResources resources);

    /// <summary>Applies changed limits to an existing cgroup (<c>berth update</c>); null fields are left as they are.</summary>
    void Update(CgroupResources resources);

    /// <summary>Moves process <paramref name="pid"/> (all its threads; 0 = the caller) into this cgroup in every hierarchy.</summary>
    void AddProcess(int pid);

    /// <summary>
    /// Moves the calling thread alone into this cgroup where the hierarchy allows it (v1 <c>tasks</c>): a process
    /// it spawns starts inside, and so does the program it execs (the exec ends the other threads). Writing "0" (the caller) to <c>tasks</c> is the one move
    /// the kernel makes without the process-wide migration lock, whose RCU grace period costs ≈15 ms on an idle
    /// host (kernel/cgroup/cgroup.c, cgroup_procs_write_start). Returns false when some hierarchy only takes
    /// whole processes (v2): the spawned process must then call <see cref="AddProcess"/>.
    /// </summary>
    bool AddCurrentThread();

    /// <summary>The pids of every process in the cgroup (and its descendants), read from the kernel.</summary>
    IReadOnlyList<int> GetPids();

    /// <summary>Freezes (true) or thaws (false) every process in the cgroup and waits until the kernel reports the state.</summary>
    void SetFrozen(bool frozen);

    /// <summary>Whether the cgroup is frozen now.</summary>
    bool IsFrozen();

    /// <summary>Sends <paramref name="signal"/> to every process in the cgroup (v2 SIGKILL uses <c>cgroup.kill</c>).</summary>
    void Signal(int signal);

    /// <summary>Reads CPU, memory, pids and I/O statistics.</summary>
    CgroupStats GetStats();

    /// <summary>How many times the OOM killer killed a process in this cgroup.</summary>
    long OomKillCount();

    /// <summary>
    /// Removes the cgroup directories (deepest first), killing what still runs inside when <paramref name="kill"/> is set.
    /// Missing directories are not an error; a directory that stays busy throws.
    /// </summary>
    void Destroy(bool kill = true);

    /// <summary>Whether the cgroup directory exists in the hierarchies.</summary>
    bool Exists();
}
