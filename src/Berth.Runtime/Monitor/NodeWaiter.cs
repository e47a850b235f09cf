using System.Text;
using Berth.Cgroups;
using Berth.Linux;
using Berth.Runtime.State;

namespace Berth.Runtime.Monitor;

/// <summary>
/// One waiter per state root (<c>berth __waiter ROOT</c>), so that an idle container costs no process of its own
/// beside its payload. <c>create</c> asks it over <c>ROOT/waiter.sock</c> to start the container's monitor,
/// handing over the stdio and result descriptors; the monitor sets the container up and leaves, and the init,
/// orphaned, is reparented to the waiter (a child subreaper and the monitor's parent). The waiter then reaps it
/// and records its exit in state.json, as a per-container monitor would. It leaves once it has had nothing to
/// wait for during a second.
/// </summary>
public static class NodeWaiter
{
    /// <summary>The socket's file name in the state root.</summary>
    public const string SocketName = "waiter.sock";

    private const int IdleMs = 1000;

    /// <summary>Runs the waiter; returns its exit code.</summary>
    public static int Run(string root, string berthPath)
    {
        Prctl.SetChildSubreaper();
        Prctl.SetName("berth-waiter");
        var socketPath = Path.Combine(root, SocketName);
        int listener;
        try { listener = Bind(socketPath); }
        catch (LinuxException) { return 0; } // another waiter serves this root
        if (listener < 0) return 0;
        Fd.SetNonBlocking(listener, true);

        var monitors = new Dictionary<int, (int Pidfd, string Dir)>();
        var inits = new Dictionary<int, (int Pidfd, string Dir)>();
        var orphans = new Dictionary<int, WaitStatus>();
        var ready = new List<int>();
        var store = new StateStore(root);
        while (true)
        {
            var fds = new List<int> { listener };
            fds.AddRange(monitors.Values.Select(m => m.Pidfd));
            fds.AddRange(inits.Values.Select(i => i.Pidfd));
            var idle = monitors.Count == 0 && inits.Count == 0;
            if (!Fd.WaitAnyReadable(fds, idle ? IdleMs : -1, ready) && idle)
            {
                // Leave, but only after taking every request already queued.
                if (Serve(listener, berthPath, monitors) == 0)
                {
                    Fd.Close(listener);
                    TryUnlink(socketPath);
                    return 0;
                }
                continue;
            }
            if (ready.Contains(listener)) Serve(listener, berthPath, monitors);

            // Reap everything that has exited: monitors, adopted inits, and any other orphan handed to us.
            while (Processes.TryWait(-1) is { } st)
            {
                if (monitors.Remove(st.Pid, out var m))
                {
                    Fd.Close(m.Pidfd);
                    Adopt(store, m.Dir, inits, orphans);
                }
                else if (inits.Remove(st.Pid, out var i))
                {
                    Fd.Close(i.Pidfd);
                    Record(store, i.Dir, st);
                }
                else if (orphans.Count < 4096)
                {
                    orphans[st.Pid] = st; // an init that died before its monitor's exit was seen
                }
            }
        }
    }

    /// <summary>
    /// Asks the waiter of <paramref name="root"/> (started if there is none) to start the monitor of the container
    /// in <paramref name="stateDir"/> with <paramref name="fds"/> as its descriptors 0, 1, 2 and 3.
    /// Returns once the monitor is started.
    /// </summary>
    public static void StartMonitor(string root, string berthPath, string stateDir, int[] fds)
    {
        var socketPath = Path.Combine(root, SocketName);
        for (var attempt = 0; attempt < 50; attempt++)
        {
            int conn;
            try { conn = UnixSockets.Connect(socketPath, UnixSockets.SOCK_SEQPACKET); }
            catch (LinuxException e) when (e.Errno is Errno.ENOENT or Errno.ECONNREFUSED)
            {
                if (attempt == 0 || attempt % 10 == 0) Launch(root, berthPath);
                Thread.Sleep(attempt == 0 ? 2 : 10);
                continue;
            }
            try
            {
                UnixSockets.Send(conn, Encoding.UTF8.GetBytes("monitor " + stateDir), fds);
                if (Encoding.UTF8.GetString(UnixSockets.Receive(conn, out var extra)) == "started") return;
                foreach (var f in extra) Fd.Close(f);
            }
            catch (LinuxException)
            {
                // The waiter was leaving as we came: start over with a new one.
            }
            finally { Fd.Close(conn); }
        }
        throw new RuntimeException($"the container waiter of {root} does not answer on {socketPath}");
    }

    private static void Launch(string root, string berthPath)
    {
        using var devNull = Fd.Open("/dev/null", Fd.O_RDWR);
        var n = devNull.DangerousGetHandle().ToInt32();
        // It outlives us: once we exit, the host's init (or the nearest subreaper) becomes its parent.
        Processes.Spawn(new SpawnOptions
        {
            Path = berthPath,
            Args = ["berth", "__waiter", root],
            Env = [],
            NewSession = true,
            Fds = new Dictionary<int, int> { [n] = 0 },
        });
    }

    private static int Bind(string socketPath)
    {
        try { return UnixSockets.Listen(socketPath); }
        catch (LinuxException e) when (e.Errno == 98 /* EADDRINUSE */)
        {
            try
            {
                Fd.Close(UnixSockets.Connect(socketPath, UnixSockets.SOCK_SEQPACKET));
                return -1; // alive: someone else serves this root
            }
            catch (LinuxException)
            {
                TryUnlink(socketPath); // left by a waiter that died
                return UnixSockets.Listen(socketPath);
            }
        }
    }

    /// <summary>Starts a monitor for each queued request; returns how many it took.</summary>
    private static int Serve(int listener, string berthPath, Dictionary<int, (int, string)> monitors)
    {
        var served = 0;
        int conn;
        while ((conn = UnixSockets.Accept(listener)) >= 0)
        {
            served++;
            int[] fds = [];
            try
            {
                var message = Encoding.UTF8.GetString(UnixSockets.Receive(conn, out fds));
                if (!message.StartsWith("monitor ", StringComparison.Ordinal) || fds.Length != 4) continue;
                var dir = message[8..];
                var pid = Processes.Spawn(new SpawnOptions
                {
                    Path = berthPath,
                    Args = ["berth", "__monitor", dir, ContainerMonitor.AdoptedArg],
                    Env = [],
                    Fds = new Dictionary<int, int> { [fds[0]] = 0, [fds[1]] = 1, [fds[2]] = 2, [fds[3]] = ContainerMonitor.ResultFd },
                });
                monitors[pid] = (Pidfd.TryOpen(pid), dir);
                UnixSockets.Send(conn, "started"u8);
            }
            catch (LinuxException)
            {
                // The requester went away or the spawn failed: it sees EOF on its result pipe and reports it.
            }
            finally
            {
                foreach (var f in fds) Fd.Close(f);
                Fd.Close(conn);
            }
        }
        return served;
    }

    private static void Adopt(StateStore store, string dir, Dictionary<int, (int, string)> inits, Dictionary<int, WaitStatus> orphans)
    {
        ContainerState state;
        try { state = store.Load(Path.GetFileName(dir)); }
        catch (RuntimeException) { return; } // setup failed and was cleaned up
        if (state.Pid <= 0 || state.Exit is not null) return;
        if (orphans.Remove(state.Pid, out var early))
        {
            Record(store, dir, early);
            return;
        }
        var pidfd = Pidfd.TryOpen(state.Pid);
        if (pidfd >= 0 && Processes.StartTime(state.Pid) == state.PidStartTime) inits[state.Pid] = (pidfd, dir);
        else Fd.Close(pidfd);
    }

    private static void Record(StateStore store, string dir, WaitStatus status)
    {
        ICgroupManager? cgroup = null;
        try
        {
            var state = store.Load(Path.GetFileName(dir));
            cgroup = CgroupManagerFactory.Create(ContainerRuntime.LayoutOf(state), state.CgroupPath, state.CgroupParent);
        }
        catch (Exception e) when (e is RuntimeException or CgroupException or IOException)
        {
            return; // deleted meanwhile
        }
        ContainerMonitor.RecordExit(store, Path.GetFileName(dir), status, cgroup);
    }

    private static void TryUnlink(string path)
    {
        try { File.Delete(path); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
