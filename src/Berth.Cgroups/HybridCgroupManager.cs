using Berth.Cgroups.V1;
using Berth.Cgroups.V2;

namespace Berth.Cgroups;

/// <summary>
/// A hybrid host's container cgroup: the v1 backend for every mounted v1 controller, the v2 backend for the
/// controllers only the unified hierarchy holds (hugetlb on the development machines); the process joins both.
/// </summary>
internal sealed class HybridCgroupManager(V1CgroupManager v1, V2CgroupManager v2) : ICgroupManager
{
    public string Path => v1.Path;

    public IReadOnlyDictionary<string, string> Paths => Merge(v1.Paths, v2.Paths);

    public IReadOnlyDictionary<string, string> Directories => Merge(v1.Directories, v2.Directories);

    public void Create(CgroupResources resources)
    {
        v1.Validate(resources);
        v2.Validate(resources);
        var created = new List<string>();
        try
        {
            v1.MakeDirectories(created);
            v2.MakeDirectories(created, resources);
            v1.Apply(resources);
            v2.Apply(resources);
        }
        catch
        {
            CgroupDirectory.Rollback(created);
            throw;
        }
    }

    public void Update(CgroupResources resources)
    {
        v1.Validate(resources);
        v2.Validate(resources);
        v1.Apply(resources);
        v2.Apply(resources);
    }

    public void AddProcess(int pid)
    {
        v1.AddProcess(pid);
        v2.AddProcess(pid);
    }

    public IReadOnlyList<int> GetPids() => v1.GetPids().Union(v2.GetPids()).Order().ToList();

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
        v2.ReadStats(stats);
        v1.ReadStats(stats);
        return stats;
    }

    public long OomKillCount() => v1.OomKillCount() + v2.OomKillCount();

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
