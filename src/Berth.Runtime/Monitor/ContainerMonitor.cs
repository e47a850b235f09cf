using System.Globalization;
using Berth.Cgroups;
using Berth.Linux;
using Berth.Runtime.Hooks;
using Berth.Runtime.Process;
using Berth.Runtime.Spec;
using Berth.Runtime.State;

namespace Berth.Runtime.Monitor;

/// <summary>
/// The per-container monitor (<c>berth __monitor</c>): started by <c>create</c> in a session of its own, it is
/// the container init's parent. It launches the init, runs the hooks that belong to the runtime's namespaces,
/// reports the outcome to <c>create</c> over descriptor 3, then waits for the init, reaps orphans
/// (PR_SET_CHILD_SUBREAPER) and records the exit code, the killing signal and OOM kills in state.json.
/// </summary>
public static class ContainerMonitor
{
    /// <summary>The descriptor on which <c>create</c> reads the monitor's result line.</summary>
    public const int ResultFd = 3;

    /// <summary>Marks a monitor started by the root's <see cref="NodeWaiter"/>: it leaves after setup and the waiter adopts the init.</summary>
    public const string AdoptedArg = "--adopted";

    /// <summary>
    /// Runs the monitor; returns the process exit code. <paramref name="caller"/> is the pid of <c>create</c>'s
    /// parent (0 if unknown): if that process turns out to be a child subreaper, the init is handed over to it.
    /// </summary>
    public static int Run(string stateDir, string berthPath, int caller = 0, bool adopted = false)
    {
        // Watch create (our parent) now, to know when it has gone and we have been reparented.
        var create = caller > 1 ? Pidfd.TryOpen(Processes.GetParentPid()) : -1;
        Prctl.SetChildSubreaper();
        Prctl.SetName("berth-monitor");
        var store = new StateStore(Path.GetDirectoryName(stateDir)!);
        var id = Path.GetFileName(stateDir);
        var state = store.Load(id);
        int initPid;
        try
        {
            var spec = SpecLoader.Read(Path.Combine(stateDir, StateStore.ConfigFile));
            var cgroup = CgroupManagerFactory.Create(ContainerRuntime.LayoutOf(state), state.CgroupPath, state.CgroupParent);
            state.MonitorPid = Processes.GetPid();
            state.MonitorStartTime = Processes.StartTime(state.MonitorPid) ?? 0;
            if (adopted)
            {
                state.ReaperPid = Processes.GetParentPid();
                state.ReaperStartTime = Processes.StartTime(state.ReaperPid) ?? 0;
            }
            initPid = Setup(stateDir, berthPath, spec, state, stdio: new Dictionary<int, int> { [0] = 0, [1] = 1, [2] = 2 }, ptyHandler: null, beforeGo: () => cgroup);
            store.Save(state);
        }
        catch (Exception e) when (e is RuntimeException or LinuxException or CgroupException or IOException)
        {
            Report("error " + e.Message);
            return 1;
        }
        Report("ok " + initPid.ToString(CultureInfo.InvariantCulture));
        Fd.Close(ResultFd);
        DetachStdio();
        // The waiter that started us is a subreaper: when we leave, it adopts the init and records its exit.
        if (adopted) return 0;
        // A caller that created the container in its own process (the engine's shim) is our parent and a subreaper
        // that reaps the init itself: leave now, and the init (or its zombie, if it was quick) becomes its child.
        if (caller > 1 && Processes.GetParentPid() == caller)
        {
            Fd.Close(create);
            return 0;
        }
        if (create >= 0)
        {
            // create exits right after reading our result. If we were then reparented to create's caller, that
            // caller is a child subreaper and reaps the container itself (runc's contract): leave, so that the
            // init becomes its child. Orphans go to the nearest subreaper, so any other parent means it is not.
            var gone = Pidfd.WaitExit(create, 10_000);
            Fd.Close(create);
            if (gone && Processes.GetParentPid() == caller) return 0;
        }
        // The monitor lives as long as the container, so it sheds everything setup used by re-executing itself
        // as a bare waiter: same pid (still the init's parent and a subreaper, which execve keeps), a fresh heap.
        try
        {
            Processes.Exec(berthPath, ["berth", "__reap", stateDir, initPid.ToString(CultureInfo.InvariantCulture)], []);
        }
        catch (LinuxException)
        {
            // Could not re-execute: wait in this image instead.
        }
        return Reap(stateDir, initPid);
    }

    /// <summary>
    /// The monitor's second half (<c>berth __reap</c>): waits for the init, reaps orphans, records the exit.
    /// </summary>
    public static int Reap(string stateDir, int initPid)
    {
        Prctl.SetName("berth-monitor");
        var status = WaitForInit(initPid);
        var store = new StateStore(Path.GetDirectoryName(stateDir)!);
        var id = Path.GetFileName(stateDir);
        ICgroupManager? cgroup = null;
        try
        {
            var state = store.Load(id);
            cgroup = CgroupManagerFactory.Create(ContainerRuntime.LayoutOf(state), state.CgroupPath, state.CgroupParent);
        }
        catch (Exception e) when (e is RuntimeException or CgroupException or IOException)
        {
            // delete --force removed the container while we waited.
        }
        RecordExit(store, id, status, cgroup);
        return 0;
    }

    /// <summary>
    /// Launches the init and drives it to <c>ready</c> (shared by the monitor and the foreground <c>run</c>).
    /// <paramref name="beforeGo"/> runs while the init is spawned and starts up, and returns the container's
    /// cgroup, which must exist once it returns: the init joins it after <c>go</c>, which carries its state.
    /// <paramref name="afterGo"/> (if any) gets the init's pid and runs while the init sets the container up.
    /// On failure the init is killed and reaped and the error thrown. Sets the init's pid in
    /// <paramref name="state"/>; saving it is the caller's.
    /// </summary>
    public static int Setup(string stateDir, string berthPath, RuntimeSpec spec, ContainerState state,
        IReadOnlyDictionary<int, int> stdio, Action<int>? ptyHandler, Func<ICgroupManager> beforeGo, Action<int>? afterGo = null)
    {
        using var init = InitLauncher.Start(Security.RuntimeBinary.ForContainer(berthPath), stateDir, spec, stdio);
        ICgroupManager cgroup;
        try { cgroup = beforeGo(); }
        catch
        {
            init.Abandon();
            throw;
        }
        var pid = init.WaitSpawned();
        Trace.Mark("init spawned");
        var sync = init.Sync;
        try
        {
            var netns = init.TakeNetworkNamespace();
            try { sync.Send([.. ContainerInit.GoPrefix, .. StateSerializer.Write(state)], netns); }
            finally { Fd.Close(netns); }
            Trace.Mark("go sent");
            afterGo?.Invoke(pid);
            while (true)
            {
                var msg = sync.Receive(out var fd);
                if (msg is null)
                {
                    var st = Processes.Wait(pid);
                    throw new RuntimeException($"container init exited during setup ({Describe(st)})");
                }
                if (msg == "ready") break;
                if (msg.StartsWith("error: ", StringComparison.Ordinal)) throw new RuntimeException(msg[7..]);
                if (msg == "pty")
                {
                    if (ptyHandler is null) { Fd.Close(fd); throw new RuntimeException("process.terminal is true but nobody takes the terminal (use --console-socket)"); }
                    ptyHandler(fd);
                    continue;
                }
                if (msg == "hooks")
                {
                    try
                    {
                        var json = ContainerInit.StateJson(state, spec, "created", pid);
                        HookRunner.Run("prestart", spec.Hooks?.Prestart, () => json);
                        HookRunner.Run("createRuntime", spec.Hooks?.CreateRuntime, () => json);
                        sync.Send("ok");
                    }
                    catch (RuntimeException e)
                    {
                        sync.TrySendError(e.Message);
                        throw;
                    }
                    continue;
                }
                throw new RuntimeException($"unexpected message from container init: {msg}");
            }
        }
        catch
        {
            if (Signals.TryKill(pid, Signals.SIGKILL) == 0) Processes.Wait(pid);
            throw;
        }
        // The pids limit is set only now: the init (a .NET process with a few threads) had to start first.
        var mapped = ResourceMapper.Map(spec.Linux?.Resources);
        var late = new CgroupResources { PidsLimit = mapped.PidsLimit };
        if (mapped.Unified.TryGetValue(ContainerRuntime.PidsMaxFile, out var rawPids)) late.Unified[ContainerRuntime.PidsMaxFile] = rawPids;
        if (late.PidsLimit is not null || late.Unified.Count > 0) cgroup.Update(late);
        state.Pid = pid;
        state.PidStartTime = Processes.StartTime(pid) ?? 0;
        return pid;
    }

    /// <summary>Waits for the init to exit, reaping any orphan handed to us meanwhile.</summary>
    public static WaitStatus WaitForInit(int initPid)
    {
        while (true)
        {
            var st = Processes.Wait(-1);
            if (st is null) return new WaitStatus(initPid, 0x7f00); // no children: treat as exit 127 (lost)
            if (st.Value.Pid == initPid)
            {
                while (Processes.TryWait(-1) is not null) { }
                return st.Value;
            }
        }
    }

    /// <summary>Writes the exit of the init into state.json.</summary>
    public static void RecordExit(StateStore store, string id, WaitStatus status, ICgroupManager? cgroup)
    {
        long oom = 0;
        try { oom = cgroup?.OomKillCount() ?? 0; }
        catch (CgroupException) { /* cgroup already gone (force-deleted) */ }
        try
        {
            var state = store.Load(id);
            state.Exit = new ExitInfo
            {
                ExitCode = status.ShellStatus,
                Signal = status.Signaled ? Signals.Name(status.Signal) : null,
                OomKilled = oom > 0,
                Finished = DateTimeOffset.UtcNow,
            };
            store.Save(state);
        }
        catch (Exception e) when (e is RuntimeException or IOException)
        {
            // delete --force removed the state while we waited: nothing left to record.
        }
    }

    private static string Describe(WaitStatus? st)
        => st is null ? "status unknown" : st.Value.Exited ? $"exit status {st.Value.ExitCode}" : $"killed by {Signals.Name(st.Value.Signal)}";

    private static void Report(string line)
    {
        try { Fd.WriteAll(ResultFd, System.Text.Encoding.UTF8.GetBytes(line + "\n")); }
        catch (LinuxException) { /* create went away */ }
    }

    private static void DetachStdio()
    {
        // Keep no copy of the container's stdio: whoever reads it must see EOF when the container exits.
        using var devNull = Fd.Open("/dev/null", Fd.O_RDWR);
        var n = devNull.DangerousGetHandle().ToInt32();
        Fd.Dup2(n, 0);
        Fd.Dup2(n, 1);
        Fd.Dup2(n, 2);
    }
}
