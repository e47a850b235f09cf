using Berth.Linux;
using Berth.Runtime.Spec;

namespace Berth.Runtime.Process;

/// <summary>
/// Starts a container's init: on a fresh thread it joins the namespaces the config names by path, unshares the
/// new ones, and spawns <c>berth __init</c> from that same thread, so the child starts inside them (PID 1 of
/// its own pid namespace) while no managed code ever runs in a forked child. The thread then ends, taking its
/// namespaces with it; the rest of the process is untouched.
/// </summary>
public static class InitLauncher
{
    /// <summary>
    /// Launches the init for the container in <paramref name="stateDir"/> with <paramref name="stdio"/>
    /// (parent descriptor → 0, 1, 2). Returns its pid and the parent's end of the sync channel.
    /// </summary>
    /// <remarks>
    /// The init joins the container's cgroup by itself once told to go (see <see cref="ContainerInit"/>), so the
    /// cgroup need not exist yet: a caller can create it while the init process starts up.
    /// </remarks>
    public static (int Pid, SyncChannel Sync) Launch(string berthPath, string stateDir, RuntimeSpec spec,
        IReadOnlyDictionary<int, int> stdio)
    {
        var (parentEnd, childEnd) = UnixSockets.Pair();
        var fds = new Dictionary<int, int>(stdio) { [childEnd] = ContainerInit.SyncFd };
        int pid = 0;
        Exception? error = null;
        var thread = new Thread(() =>
        {
            try
            {
                EnterNamespaces(spec);
                pid = Processes.Spawn(new SpawnOptions
                {
                    Path = berthPath,
                    Args = ["berth", "__init", stateDir],
                    Env = Environment.GetEnvironmentVariable("BERTH_TRACE") is { } t ? ["BERTH_TRACE=" + t] : [],
                    Fds = fds,
                });
            }
            catch (Exception e) when (e is LinuxException or RuntimeException)
            {
                error = e;
            }
        }, 256 * 1024);
        thread.Start();
        thread.Join();
        Fd.Close(childEnd);
        if (error is not null)
        {
            Fd.Close(parentEnd);
            throw error is RuntimeException ? error : new RuntimeException(error.Message, error);
        }
        return (pid, new SyncChannel(parentEnd));
    }

    /// <summary>Joins and unshares the spec's namespaces on the calling thread (all but cgroup, which the init unshares after joining its cgroup).</summary>
    public static void EnterNamespaces(RuntimeSpec spec)
    {
        var list = spec.Linux?.Namespaces ?? [];
        var joins = list.Where(n => !string.IsNullOrEmpty(n.Path)).ToList();
        foreach (var n in joins) Namespaces.Join(n.Path!, SpecValidator.NamespaceTypes[n.Type]);
        var flags = NamespaceType.None;
        foreach (var n in list.Where(n => string.IsNullOrEmpty(n.Path) && n.Type != "cgroup"))
            flags |= SpecValidator.NamespaceTypes[n.Type];
        Namespaces.Unshare(flags);
    }
}
