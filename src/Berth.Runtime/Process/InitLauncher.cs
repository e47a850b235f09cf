using Berth.Linux;
using Berth.Runtime.Spec;

namespace Berth.Runtime.Process;

/// <summary>
/// Starts a container's init: on a fresh thread it joins the namespaces the config names by path, unshares the
/// new ones, and spawns <c>berth __init</c> from that same thread, so the child starts inside them (PID 1 of
/// its own pid namespace) while no managed code ever runs in a forked child. The thread then makes the new
/// network namespace, if the config asks for one, and ends, taking its namespaces with it; the rest of the
/// process is untouched.
/// </summary>
/// <remarks>
/// A network namespace is the dearest to make (≈0.5 ms): made after the spawn, it costs nothing while the init
/// process starts up, and reaches the init as a descriptor sent with "go" (<see cref="LaunchedInit.TakeNetworkNamespace"/>).
/// </remarks>
public static class InitLauncher
{
    /// <summary>
    /// Starts launching the init for the container in <paramref name="stateDir"/> with <paramref name="stdio"/>
    /// (parent descriptor → 0, 1, 2) and returns at once: the caller may work meanwhile, then calls
    /// <see cref="LaunchedInit.WaitSpawned"/>.
    /// </summary>
    /// <remarks>
    /// The init joins the container's cgroup by itself once told to go (see <see cref="ContainerInit"/>), so the
    /// cgroup need not exist yet: a caller can create it while the init is spawned and starts up.
    /// </remarks>
    public static LaunchedInit Start(string berthPath, string stateDir, RuntimeSpec spec, IReadOnlyDictionary<int, int> stdio)
    {
        var (parentEnd, childEnd) = UnixSockets.Pair();
        var fds = new Dictionary<int, int>(stdio) { [childEnd] = ContainerInit.SyncFd };
        var newNetwork = spec.Linux?.Namespaces?.Any(n => n.Type == "network" && string.IsNullOrEmpty(n.Path)) ?? false;
        var launched = new LaunchedInit(new SyncChannel(parentEnd));
        if (UserNamespaceLauncher.Wanted(spec))
        {
            launched.Thread = new Thread(() => UserNamespaceLauncher.Launch(launched, berthPath, stateDir, spec, fds, childEnd), 256 * 1024);
            launched.Thread.Start();
            return launched;
        }
        launched.Thread = new Thread(() =>
        {
            try
            {
                EnterNamespaces(spec, NamespaceType.CLONE_NEWCGROUP | (newNetwork ? NamespaceType.CLONE_NEWNET : NamespaceType.None));
                launched.Pid = Processes.Spawn(new SpawnOptions
                {
                    Path = berthPath,
                    Args = ["berth", "__init", stateDir],
                    Env = Trace.Env,
                    Fds = fds,
                });
            }
            catch (Exception e) when (e is LinuxException or RuntimeException)
            {
                launched.SpawnError = e is RuntimeException ? e : new RuntimeException(e.Message, e);
            }
            finally
            {
                Fd.Close(childEnd);
                launched.Spawned.Set();
            }
            if (launched.SpawnError is null && newNetwork) launched.MakeNetworkNamespace();
        }, 256 * 1024);
        launched.Thread.Start();
        return launched;
    }

    /// <summary>
    /// Joins and unshares the spec's namespaces on the calling thread, but for the new ones in
    /// <paramref name="later"/> (the init unshares the cgroup namespace once in its cgroup).
    /// </summary>
    public static void EnterNamespaces(RuntimeSpec spec, NamespaceType later)
    {
        JoinNamespaces(spec);
        Namespaces.Unshare(NewNamespaces(spec) & ~later);
    }

    /// <summary>Joins, on the calling thread, every namespace the spec names by path but a user namespace.</summary>
    internal static void JoinNamespaces(RuntimeSpec spec)
    {
        foreach (var n in (spec.Linux?.Namespaces ?? []).Where(n => !string.IsNullOrEmpty(n.Path) && n.Type != "user"))
            Namespaces.Join(n.Path!, SpecValidator.NamespaceTypes[n.Type]);
    }

    /// <summary>The clone flags of the namespaces the spec asks to be made.</summary>
    internal static NamespaceType NewNamespaces(RuntimeSpec spec)
    {
        var flags = NamespaceType.None;
        foreach (var n in (spec.Linux?.Namespaces ?? []).Where(n => string.IsNullOrEmpty(n.Path)))
            flags |= SpecValidator.NamespaceTypes[n.Type];
        return flags;
    }
}

/// <summary>An init process being spawned: its pid, the parent's end of the sync channel, and its network namespace in the making.</summary>
public sealed class LaunchedInit : IDisposable
{
    private int _netns = -1;
    private LinuxException? _netError;

    internal LaunchedInit(SyncChannel sync) => Sync = sync;

    /// <summary>The parent's end of the sync channel (closed on <see cref="Dispose"/>).</summary>
    public SyncChannel Sync { get; }

    internal int Pid { get; set; }

    internal Exception? SpawnError { get; set; }

    internal ManualResetEventSlim Spawned { get; } = new();

    internal Thread? Thread { get; set; }

    /// <summary>Waits until the init is spawned; returns its pid.</summary>
    /// <exception cref="RuntimeException">It could not be: a namespace could not be entered, or the spawn failed.</exception>
    public int WaitSpawned()
    {
        Spawned.Wait();
        if (SpawnError is not null) throw SpawnError;
        return Pid;
    }

    /// <summary>
    /// Waits for the launcher thread; returns a descriptor of the new network namespace the init must join, or -1
    /// when the config asks for none. The caller sends it with "go" and closes it.
    /// </summary>
    /// <exception cref="RuntimeException">The namespace could not be made.</exception>
    public int TakeNetworkNamespace()
    {
        Thread?.Join();
        if (_netError is not null) throw new RuntimeException("network namespace: " + _netError.Message, _netError);
        var fd = _netns;
        _netns = -1;
        return fd;
    }

    /// <summary>Gives up on the init: once spawned, it is killed and reaped.</summary>
    public void Abandon()
    {
        Thread?.Join();
        if (SpawnError is null && Pid > 0 && Signals.TryKill(Pid, Signals.SIGKILL) == 0) Processes.Wait(Pid);
    }

    /// <summary>On the launcher thread, after the spawn: unshares a network namespace and keeps a descriptor of it.</summary>
    internal void MakeNetworkNamespace()
    {
        try
        {
            Namespaces.Unshare(NamespaceType.CLONE_NEWNET);
            var fd = Fd.TryOpen("/proc/thread-self/ns/net", Fd.O_RDONLY | Fd.O_CLOEXEC, out var errno);
            if (fd < 0) throw new LinuxException("open", errno, "/proc/thread-self/ns/net");
            _netns = fd;
        }
        catch (LinuxException e)
        {
            _netError = e;
        }
    }

    /// <summary>Waits for the launcher thread, closes a namespace descriptor nobody took and the sync channel.</summary>
    public void Dispose()
    {
        Thread?.Join();
        Fd.Close(_netns);
        _netns = -1;
        Sync.Dispose();
        Spawned.Dispose();
    }
}
