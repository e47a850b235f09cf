namespace Berth.Cgroups;

/// <summary>How the host mounts its cgroup hierarchies.</summary>
public enum CgroupLayoutKind
{
    /// <summary>Only cgroup v2: one unified hierarchy holds every controller.</summary>
    Unified,

    /// <summary>Only cgroup v1: one hierarchy per controller (or co-mounted group of controllers).</summary>
    Legacy,

    /// <summary>v1 controller hierarchies plus a cgroup2 mount (such as <c>/sys/fs/cgroup/unified</c>) for what v1 does not hold.</summary>
    Hybrid,
}
