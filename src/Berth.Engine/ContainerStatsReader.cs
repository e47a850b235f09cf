using Berth.Cgroups;

namespace Berth.Engine;

/// <summary>Reads one container's cgroup statistics again and again, its cgroup resolved once (<see cref="ContainerEngine.OpenStats"/>).</summary>
public sealed class ContainerStatsReader
{
    private readonly ICgroupManager _cgroup;

    internal ContainerStatsReader(ICgroupManager cgroup) => _cgroup = cgroup;

    /// <summary>
    /// The counters now; null when the cgroup no longer exists (the container was deleted). Cumulative counters
    /// start again from zero when the container is restarted under the same id.
    /// </summary>
    public CgroupStats? Read()
    {
        var stats = _cgroup.GetStats();
        // A live cgroup has spent some CPU on its init; all zeros means the files were gone. Only then pay for the
        // directory checks.
        if (stats.CpuUsageTotal == 0 && !_cgroup.Exists()) return null;
        return stats;
    }
}
