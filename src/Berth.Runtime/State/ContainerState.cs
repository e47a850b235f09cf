namespace Berth.Runtime.State;

/// <summary>
/// What Berth keeps about one container in <c>ROOT/ID/state.json</c>. Written by <c>create</c>, completed by the
/// monitor when the container is set up and again when it exits; everything else reads it.
/// </summary>
public sealed class ContainerState
{
    public string Id { get; set; } = "";
    public string Bundle { get; set; } = "";
    public string Rootfs { get; set; } = "";
    public DateTimeOffset Created { get; set; }
    public string Owner { get; set; } = "";
    /// <summary>Host pid of the container's init (0 until it exists).</summary>
    public int Pid { get; set; }
    /// <summary>Start time of the init in clock ticks, to recognise the same process across pid reuse.</summary>
    public ulong PidStartTime { get; set; }
    public int MonitorPid { get; set; }
    public ulong MonitorStartTime { get; set; }
    /// <summary>The root's waiter when it, not the monitor, reaps the init (0 otherwise).</summary>
    public int ReaperPid { get; set; }
    public ulong ReaperStartTime { get; set; }
    /// <summary>The container's cgroup path as given to the cgroup manager.</summary>
    public string CgroupPath { get; set; } = "";
    /// <summary>Cgroup parent override, when one was configured.</summary>
    public string? CgroupParent { get; set; }
    /// <summary>
    /// The cgroup hierarchies as the creating process saw them, its own cgroup in each included. Without a parent
    /// override the container's cgroup is nested under the creator's own cgroup; every later call (from whatever
    /// cgroup it runs in) resolves the path against this, not its own, and need not read mountinfo again.
    /// </summary>
    public IReadOnlyList<Berth.Cgroups.CgroupHierarchy>? CgroupLayout { get; set; }
    /// <summary>The creating process's <c>/proc/self/cgroup</c>, in the state of containers made before <see cref="CgroupLayout"/> was kept.</summary>
    public string? CreatorCgroup { get; set; }
    public string? ConsoleSocket { get; set; }
    public bool NoPivot { get; set; }
    public bool NoNewKeyring { get; set; }
    /// <summary>Set by the monitor when the init has exited.</summary>
    public ExitInfo? Exit { get; set; }
    /// <summary>Set when the container failed before it ran (the message create printed).</summary>
    public string? Error { get; set; }
    public Dictionary<string, string>? Annotations { get; set; }
}
