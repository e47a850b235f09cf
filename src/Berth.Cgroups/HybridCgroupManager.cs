using Berth.Cgroups.V1;
using Berth.Cgroups.V2;

namespace Berth.Cgroups;

/// <summary>
/// A hybrid host's container cgroup: the v1 backend for every mounted v1 controller, the v2 backend for the
/// controllers only the unified hierarchy holds (hugetlb on the development machines). The unified cgroup is
/// made only when a limit needs it (<see cref="NeedsUnified"/>): joining a v2 cgroup means a cgroup.procs
/// write, whose process-wide lock costs a RCU grace period (≈15 ms) on an idle host, while v1 lets a single
/// thread join through <c>tasks</c> cheaply. Everything else treats a missing unified cgroup as "not used".
/// </summary>
internal sealed class HybridCgroupManager(V1CgroupManager v1, V2CgroupManager v2) : ICgroupManager
{
    public string Path => v1.Path;

    public IReadOnlyDictionary<string, string> Paths => v2.Exists() ? Merge(v1.Paths, v2.Paths) : v1.Paths;

    public IReadOnlyDictionary<string, string> Directories => v2.Exists() ? Merge(v1.Directories, v2.Directories) : v1.Directories;

    /// <summary>Whether <paramref name="resources"/> sets a limit only the unified hierarchy can hold.</summary>
    public static bool NeedsUnified(CgroupResources resources) => resources.HugepageLimits.Count > 0 || resources.Unified.Count > 0;

    public void Create(CgroupResources resources)
    {
        v1.Validate(resources);
        v2.Validate(resources);
        CgroupDirectory.CreateOrRollback(created =>
        {
        v1.MakeDirectories(created);
        if (NeedsUnified(resources)) v2.MakeDirectories(created, resources);
        v1.Initialize(resources);
        v1.Apply(resources);
        if (NeedsUnified(resources)) v2.Apply(resources);
        });
    }

    public void Update(CgroupResources resources)
    {
        v1.Validate(resources);
        v2.Validate(resources);
        if (NeedsUnified(resources) && !v2.Exists())
            throw new CgroupException($"hugetlb limits and unified files can only be set when the container is created on this host (it has no unified cgroup {v2.Path})");
        v1.Apply(resources);
        if (v2.Exists()) v2.Apply(resources);
    }

    public void AddProcess(int pid)
    {
        v1.AddProcess(pid);
        if (v2.Exists()) v2.AddProcess(pid);
    }

    public bool AddCurrentThread() => v1.AddCurrentThread() && !v2.Exists();

    public IReadOnlyList<int> GetPids() => v2.Exists() ? v1.GetPids().Union(v2.GetPids()).Order().ToList() : v1.GetPids();

    /// <summary>The v1 freezer when mounted (it is what v1 tools look at), else the unified cgroup.freeze.</summary>
    public void SetFrozen(bool frozen)
    {
        if (v1.HasFreezer)
        {
            v1.SetFrozen(frozen);
        }
        else
        {
            v2.SetFrozen(frozen);
        }
    }

    public bool IsFrozen() => v1.HasFreezer ? v1.IsFrozen() : v2.IsFrozen();

    public void Signal(int signal) => ProcessSignals.Send(GetPids(), signal, v1.Directories.Values.First());

    public CgroupStats GetStats()
    {
        var stats = new CgroupStats();
        if (v2.Exists()) v2.ReadStats(stats);
        v1.ReadStats(stats);
        return stats;
    }

    public long OomKillCount() => v1.OomKillCount() + (v2.Exists() ? v2.OomKillCount() : 0);

    public void Destroy(bool kill = true)
    {
        if (kill)
        {
            ProcessSignals.KillAll(GetPids, () =>
            {
                v1.ThawIfFrozen();
                v2.BeforeKillRound();
            }, v1.Directories.Values.First());
        }

        v1.RemoveDirectories();
        v2.RemoveDirectories();
    }

    public bool Exists() => v1.Exists() || v2.Exists();

    private static Dictionary<string, string> Merge(IReadOnlyDictionary<string, string> a, IReadOnlyDictionary<string, string> b)
    {
        var result = new Dictionary<string, string>(a, StringComparer.Ordinal);
        foreach (var (k, v) in b)
        {
            result[k] = v;
        }

        return result;
    }
}
