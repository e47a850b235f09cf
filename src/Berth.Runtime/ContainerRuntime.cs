using System.Globalization;
using System.Text.Json;
using Berth.Cgroups;
using Berth.Linux;
using Berth.Runtime.Hooks;
using Berth.Runtime.Monitor;
using Berth.Runtime.Spec;
using Berth.Runtime.State;

namespace Berth.Runtime;

/// <summary>
/// The OCI runtime operations over one state root: create, start, state, kill, delete, pause, resume, update,
/// stats, list. Each call is independent (the CLI runs one per process); the per-container monitor keeps the
/// container and its exit status between calls.
/// </summary>
public sealed partial class ContainerRuntime
{
    private readonly RuntimeOptions _options;
    private CgroupLayout? _layout;

    public ContainerRuntime(RuntimeOptions options)
    {
        _options = options;
        Store = new StateStore(options.Root);
    }

    /// <summary>The state root.</summary>
    public StateStore Store { get; }

    private CgroupLayout Layout => _layout ??= CgroupLayout.Detect();

    private ICgroupManager Cgroup(ContainerState s) => CgroupManagerFactory.Create(LayoutOf(s), s.CgroupPath, s.CgroupParent);

    /// <summary>
    /// The cgroup layout as the container's creator saw it, so that its cgroup resolves to the same directories
    /// whichever cgroup the caller (a later CLI call, the monitor, the init, an exec) is in.
    /// </summary>
    internal static CgroupLayout LayoutOf(ContainerState s)
        => s.CgroupLayout is { Count: > 0 } kept ? CgroupLayout.From(kept)
            : s.CreatorCgroup is { Length: > 0 } creator ? CgroupLayout.Detect(Fd.ReadText("/proc/self/mountinfo"), creator)
            : CgroupLayout.Detect();

    /// <summary>
    /// Creates a container from <paramref name="options"/>.Bundle: validates everything, creates the cgroup and
    /// state, starts the monitor and waits until the init is ready and blocked before the payload.
    /// On any failure nothing is left behind.
    /// </summary>
    /// <returns>The init's host pid.</returns>
    public int Create(string id, CreateOptions options)
    {
        var (bundle, spec, rootfs, cgroup) = Prepare(id, options);
        if (spec.Process!.Terminal && options.ConsoleSocket is null)
            throw new RuntimeException("process.terminal is true: --console-socket is required to create a container in the background");
        var dir = Store.CreateDir(id);
        var state = NewState(id, bundle, rootfs, spec, options);
        state.CgroupLayout = Layout.Hierarchies;
        try
        {
            if (options.Caller == Processes.GetPid()) return CreateHere(dir, bundle, spec, state, cgroup, options);
            // Until the monitor saves the state with itself in it, this process stands for it: state reads
            // "creating" while it lives (hooks that run meanwhile see that), "stopped" if it dies half-way.
            state.MonitorPid = Processes.GetPid();
            state.MonitorStartTime = Processes.StartTime(state.MonitorPid) ?? 0;
            Materialize(dir, bundle, spec, state, cgroup);
            var (r, w) = Fd.Pipe();
            var monitor = 0;
            try
            {
                if (options.PidFile is null)
                {
                    // Nobody will reap the container for us: the root's waiter adopts it, so an idle container
                    // costs no process of its own.
                    NodeWaiter.StartMonitor(Store.Root, _options.BerthPath, dir, [0, 1, 2, w]);
                }
                else
                {
                    // A caller that asks for the pid (conmon, containerd's shims, Docker) supervises the
                    // container itself; the monitor hands the init over to it when it is a subreaper.
                    monitor = Processes.Spawn(new SpawnOptions
                    {
                        Path = _options.BerthPath,
                        Args = options.Caller > 1
                            ? ["berth", "__monitor", dir, options.Caller.ToString(CultureInfo.InvariantCulture)]
                            : ["berth", "__monitor", dir],
                        Env = Trace.Env,
                        NewSession = true,
                        Fds = new Dictionary<int, int> { [0] = 0, [1] = 1, [2] = 2, [w] = ContainerMonitor.ResultFd },
                    });
                }
            }
            finally { Fd.Close(w); }
            var result = System.Text.Encoding.UTF8.GetString(Fd.ReadToEnd(r)).Trim();
            Fd.Close(r);
            if (!result.StartsWith("ok ", StringComparison.Ordinal))
            {
                if (monitor > 0) Processes.Wait(monitor);
                throw new RuntimeException(result.StartsWith("error ", StringComparison.Ordinal) ? result[6..] : "container monitor exited unexpectedly");
            }
            var pid = int.Parse(result[3..], CultureInfo.InvariantCulture);
            if (options.PidFile is { } pf) WritePidFile(pf, pid);
            return pid;
        }
        catch
        {
            // The init was killed and reaped by the monitor (or by this process). runtime-spec, lifecycle: when a
            // createRuntime, createContainer or prestart hook (or anything else of create) fails, the container is
            // stopped and the lifecycle goes on at the poststop hooks, whose failures are only warnings.
            RunPoststopAfterFailedCreate(state, spec);
            Cleanup(id, state, cgroup);
            throw;
        }
    }

    private void RunPoststopAfterFailedCreate(ContainerState state, RuntimeSpec spec)
    {
        try { HookRunner.Run("poststop", spec.Hooks?.Poststop, () => ContainerInitState(state, spec, "stopped")); }
        catch (RuntimeException e) { Log?.Invoke("warning", e.Message); }
    }

    /// <summary>
    /// <see cref="Create"/> for a caller that reaps the init itself: this process does the monitor's setup, so the
    /// init is its child from the start and no monitor process is started (one exec fewer per container). The
    /// cgroup and the config copy are made while the init is spawned and starts up. The state names no monitor
    /// once the init is ready: nothing must wait for, or kill, the caller as one.
    /// </summary>
    private int CreateHere(string dir, string bundle, RuntimeSpec spec, ContainerState state, ICgroupManager cgroup, CreateOptions options)
    {
        // While the init is set up the state reads "creating", as it does under a monitor.
        state.MonitorPid = Processes.GetPid();
        state.MonitorStartTime = Processes.StartTime(state.MonitorPid) ?? 0;
        var pid = ContainerMonitor.Setup(dir, _options.BerthPath, spec, state, new Dictionary<int, int> { [0] = 0, [1] = 1, [2] = 2 }, ptyHandler: null,
            beforeGo: () =>
            {
                Materialize(dir, bundle, spec, state, cgroup);
                Trace.Mark("cgroup created");
                return cgroup;
            });
        state.MonitorPid = 0;
        state.MonitorStartTime = 0;
        Store.Save(state);
        if (options.PidFile is { } pf) WritePidFile(pf, pid);
        return pid;
    }

    /// <summary>Lets a created container's init exec its payload, then runs the poststart hooks.</summary>
    public void Start(string id)
    {
        var state = Store.Load(id);
        var status = Status(state);
        if (status != ContainerStatus.Created)
            throw new RuntimeException($"cannot start container \"{id}\": it is {StateStore.StatusName(status)}, not created");
        Release(id);
        var spec = SpecLoader.Read(Path.Combine(Store.Dir(id), StateStore.ConfigFile));
        RunPoststart(state, spec);
    }

    /// <summary>Lets the init of created container <paramref name="id"/> exec its payload (after its startContainer hooks).</summary>
    private void Release(string id)
    {
        var fifo = Path.Combine(Store.Dir(id), StateStore.ExecFifo);
        // Opened before the init is released: a FIFO whose every end is closed loses what was written to it.
        var hooksFifo = Path.Combine(Store.Dir(id), StateStore.HooksFifo);
        var hooks = File.Exists(hooksFifo) ? Fd.TryOpen(hooksFifo, Fd.O_RDONLY | Fd.O_NONBLOCK, out _) : -1;
        try
        {
            var fd = Fd.TryOpen(fifo, Fd.O_WRONLY | Fd.O_NONBLOCK, out var errno);
            if (fd < 0)
                throw errno == Errno.ENXIO ? new RuntimeException($"cannot start container \"{id}\": its init is gone")
                    : new LinuxException("open", errno, fifo);
            try { Fd.WriteAll(fd, [0]); }
            finally { Fd.Close(fd); }
            File.Delete(fifo);
            if (hooks >= 0)
            {
                Fd.SetNonBlocking(hooks, false);
                var buffer = new byte[4096];
                var n = Fd.Read(hooks, buffer);
                var outcome = System.Text.Encoding.UTF8.GetString(buffer, 0, n);
                File.Delete(hooksFifo);
                if (outcome != "ok")
                    throw new RuntimeException(outcome.StartsWith("error: ", StringComparison.Ordinal) ? outcome[7..]
                        : $"container \"{id}\" exited while its startContainer hooks ran");
            }
        }
        finally { Fd.Close(hooks); }
    }

    /// <summary>The poststart hooks: a failure is a warning (runtime spec).</summary>
    private void RunPoststart(ContainerState state, RuntimeSpec spec)
    {
        try { HookRunner.Run("poststart", spec.Hooks?.Poststart, () => ContainerInitState(state, spec, "running")); }
        catch (RuntimeException e) { Log?.Invoke("warning", e.Message); }
    }

    /// <summary>Where warnings go (the CLI points it at --log and stderr).</summary>
    public Action<string, string>? Log { get; set; }

    /// <summary>
    /// The OCI state of <paramref name="id"/>. When the init has just died, waits (briefly) for its monitor to
    /// record the exit, so a "stopped" state always carries the exit code where a monitor keeps one.
    /// </summary>
    public OciState State(string id)
    {
        var state = Store.Load(id);
        if (state.Exit is null && state.Pid > 0 && Status(state) == ContainerStatus.Stopped)
        {
            // An adopted monitor leaves right after setup: even when there was one to wait for, the waiter may be
            // the one that records the exit.
            if (WaitForMonitor(state)) state = Store.Load(id);
            if (state.Exit is null && WaitForReaper(state)) state = Store.Load(id);
        }
        return ToOci(state);
    }

    /// <summary>The OCI state of every container.</summary>
    public List<OciState> List()
    {
        var list = new List<OciState>();
        foreach (var id in Store.List())
        {
            try { list.Add(State(id)); }
            catch (RuntimeException) { /* deleted meanwhile */ }
        }
        return list;
    }

    /// <summary>Sends <paramref name="signal"/> to the init, or with <paramref name="all"/> to every process of the container.</summary>
    public void Kill(string id, int signal, bool all)
    {
        var state = Store.Load(id);
        var status = Status(state);
        if (status is ContainerStatus.Stopped)
            throw new RuntimeException($"cannot kill container \"{id}\": it is not running");
        if (all)
        {
            Cgroup(state).Signal(signal);
            ThawAfterKill(state, signal);
            return;
        }
        var pidfd = Pidfd.TryOpen(state.Pid);
        if (pidfd < 0 || Processes.StartTime(state.Pid) != state.PidStartTime)
        {
            Fd.Close(pidfd);
            throw new RuntimeException($"cannot kill container \"{id}\": it is not running");
        }
        try
        {
            var err = Pidfd.Signal(pidfd, signal);
            if (err != 0 && err != Errno.ESRCH) throw new LinuxException("pidfd_send_signal", err, $"{Signals.Name(signal)} to {state.Pid}");
        }
        finally { Fd.Close(pidfd); }
        ThawAfterKill(state, signal);
    }

    /// <summary>A frozen process cannot act on SIGKILL: thaw the container so it dies now, as runc does.</summary>
    private void ThawAfterKill(ContainerState state, int signal)
    {
        if (signal != Signals.SIGKILL) return;
        var cgroup = Cgroup(state);
        try
        {
            if (cgroup.IsFrozen()) cgroup.SetFrozen(false);
        }
        catch (CgroupException e) { Log?.Invoke("warning", e.Message); }
    }

    /// <summary>
    /// Deletes a stopped container (with <paramref name="force"/>, any container: its processes are killed first):
    /// runs poststop hooks, removes its cgroup and state directory.
    /// </summary>
    public void Delete(string id, bool force)
    {
        ContainerState state;
        try { state = Store.Load(id); }
        catch (RuntimeException) when (force && Directory.Exists(Store.Dir(id)))
        {
            // A state directory without a readable state.json (a crash mid-create, a damaged file): nothing
            // in it can be trusted to find processes or cgroups, but --force must still free the id.
            Store.Remove(id);
            return;
        }
        var cgroup = Cgroup(state);
        var status = Status(state, cgroup);
        if (status != ContainerStatus.Stopped && !force)
            throw new RuntimeException($"cannot delete container \"{id}\": it is {StateStore.StatusName(status)} (stop it first or use --force)");
        RuntimeSpec? spec = null;
        try { spec = SpecLoader.Read(Path.Combine(Store.Dir(id), StateStore.ConfigFile)); }
        catch (RuntimeException) { /* a broken copy must not block the delete */ }
        Remove(state, spec, cgroup, stopped: status == ContainerStatus.Stopped);
    }

    /// <summary>
    /// The delete itself, for a container whose state, spec and cgroup the caller already has: stops what
    /// still runs, waits for the monitor, runs poststop hooks, removes the cgroup and the state directory.
    /// </summary>
    internal void Remove(ContainerState state, RuntimeSpec? spec, ICgroupManager? cgroup, bool stopped)
    {
        if (!stopped) StopEverything(state, cgroup);
        WaitForMonitor(state);
        WaitForReaper(state);
        try { HookRunner.Run("poststop", spec?.Hooks?.Poststop, () => ContainerInitState(state, spec ?? new RuntimeSpec(), "stopped")); }
        catch (RuntimeException e) { Log?.Invoke("warning", e.Message); }
        // When the init of a private pid namespace has been reaped, the kernel has already killed and waited for
        // every other process in it (zap_pid_ns_processes), so there is nothing left in the cgroup to kill.
        var ownPidNs = spec?.Linux?.Namespaces?.Any(n => n.Type == "pid" && string.IsNullOrEmpty(n.Path)) ?? false;
        Cleanup(state.Id, state, cgroup, kill: !(stopped && ownPidNs));
    }

    /// <summary>Freezes every process of a running container.</summary>
    public void Pause(string id)
    {
        var state = Store.Load(id);
        var status = Status(state);
        if (status != ContainerStatus.Running) throw new RuntimeException($"cannot pause container \"{id}\": it is {StateStore.StatusName(status)}");
        Cgroup(state).SetFrozen(true);
    }

    /// <summary>Thaws a paused container.</summary>
    public void Resume(string id)
    {
        var state = Store.Load(id);
        var status = Status(state);
        if (status != ContainerStatus.Paused) throw new RuntimeException($"cannot resume container \"{id}\": it is {StateStore.StatusName(status)}, not paused");
        Cgroup(state).SetFrozen(false);
    }

    /// <summary>Changes the limits of a live container.</summary>
    public void Update(string id, ResourcesSpec resources)
    {
        var state = Store.Load(id);
        if (Status(state) == ContainerStatus.Stopped) throw new RuntimeException($"cannot update container \"{id}\": it is stopped");
        Cgroup(state).Update(ResourceMapper.Map(resources));
    }

    /// <summary>The cgroup statistics of a container.</summary>
    public CgroupStats Stats(string id)
    {
        var state = Store.Load(id);
        if (Status(state) == ContainerStatus.Stopped) throw new RuntimeException($"container \"{id}\" is stopped");
        return Cgroup(state).GetStats();
    }

    /// <summary>
    /// The manager of container <paramref name="id"/>'s cgroup, resolved once from its state, for callers that read
    /// its statistics again and again (a sampler) and need not load state.json each time. The manager stays valid
    /// across a restart under the same id (the cgroup path is kept in the state); once the container is deleted its
    /// reads find nothing (see <see cref="ICgroupManager.Exists"/>).
    /// </summary>
    /// <exception cref="RuntimeException">No such container.</exception>
    public ICgroupManager CgroupOf(string id) => Cgroup(Store.Load(id));

    /// <summary>
    /// How many processes the kernel's OOM killer killed in container <paramref name="id"/>'s cgroup so far (while
    /// the cgroup exists, until <see cref="Delete"/>); for callers that reap the init themselves.
    /// </summary>
    public long OomKills(string id)
    {
        var state = Store.Load(id);
        try { return Cgroup(state).OomKillCount(); }
        catch (CgroupException) { return 0; }
    }

    /// <summary>The host pids of every process in the container.</summary>
    public IReadOnlyList<int> Pids(string id)
    {
        var state = Store.Load(id);
        if (Status(state) == ContainerStatus.Stopped) throw new RuntimeException($"container \"{id}\" is not running");
        return Cgroup(state).GetPids();
    }

    /// <summary>The status of a loaded state.</summary>
    public ContainerStatus Status(ContainerState state) => Status(state, null);

    private ContainerStatus Status(ContainerState state, ICgroupManager? cgroup)
        => Store.Status(state, () =>
        {
            try { return (cgroup ?? Cgroup(state)).IsFrozen(); }
            catch (CgroupException) { return false; }
        });

    // ---- shared by create and run ----

    internal (string Bundle, RuntimeSpec Spec, string Rootfs, ICgroupManager Cgroup) Prepare(string id, CreateOptions options)
    {
        var (bundle, spec, rootfs) = PrepareSpec(id, options);
        return (bundle, spec, rootfs, PrepareCgroup(id, spec));
    }

    /// <summary>Checks the id and the options, then reads and validates the bundle's config.</summary>
    internal (string Bundle, RuntimeSpec Spec, string Rootfs) PrepareSpec(string id, CreateOptions options)
    {
        StateStore.ValidateId(id);
        if (Store.Exists(id)) throw new RuntimeException($"container \"{id}\" already exists");
        var bundle = Path.GetFullPath(options.Bundle);
        if (!Directory.Exists(bundle)) throw new RuntimeException($"bundle {bundle} does not exist");
        var (spec, rootfs) = SpecLoader.Load(bundle);
        if (options.ConsoleSocket is { } cs && !File.Exists(cs) && !Path.Exists(cs))
            throw new RuntimeException($"--console-socket {cs} does not exist");
        return (bundle, spec, rootfs);
    }

    /// <summary>The manager of the container's cgroup-to-be; refuses a cgroup that already exists.</summary>
    internal ICgroupManager PrepareCgroup(string id, RuntimeSpec spec)
    {
        var cgroupPath = string.IsNullOrEmpty(spec.Linux?.CgroupsPath) ? "berth-" + id : spec.Linux!.CgroupsPath!;
        ICgroupManager cgroup;
        try { cgroup = CgroupManagerFactory.Create(Layout, cgroupPath, _options.CgroupParent); }
        catch (CgroupException e) { throw new RuntimeException("linux.cgroupsPath: " + e.Message, e); }
        if (cgroup.Exists()) throw new RuntimeException($"linux.cgroupsPath: cgroup {cgroup.Path} is already in use");
        return cgroup;
    }

    internal ContainerState NewState(string id, string bundle, string rootfs, RuntimeSpec spec, CreateOptions options) => new()
    {
        Id = id,
        Bundle = bundle,
        Rootfs = rootfs,
        Created = DateTimeOffset.UtcNow,
        CgroupPath = string.IsNullOrEmpty(spec.Linux?.CgroupsPath) ? "berth-" + id : spec.Linux!.CgroupsPath!,
        CgroupParent = _options.CgroupParent,
        ConsoleSocket = options.ConsoleSocket is null ? null : Path.GetFullPath(options.ConsoleSocket),
        NoPivot = options.NoPivot,
        NoNewKeyring = options.NoNewKeyring,
        Annotations = spec.Annotations,
    };

    internal void Materialize(string dir, string bundle, RuntimeSpec spec, ContainerState state, ICgroupManager cgroup)
    {
        CreateCgroup(spec, cgroup);
        WriteConfigCopy(dir, bundle, spec);
        Store.Save(state);
    }

    /// <summary>The unified file of the pids limit, set late like the limit itself.</summary>
    internal const string PidsMaxFile = "pids.max";

    /// <summary>Creates the container's cgroup with every limit but the pids limit, given or as a unified file (see ContainerMonitor.Setup).</summary>
    internal static void CreateCgroup(RuntimeSpec spec, ICgroupManager cgroup)
    {
        var resources = ResourceMapper.Map(spec.Linux?.Resources);
        ResourceMapper.AllowDefaultDevices(resources);
        resources.PidsLimit = null;
        resources.Unified.Remove(PidsMaxFile);
        try { cgroup.Create(resources); }
        catch (CgroupException e) { throw new RuntimeException("linux.resources: " + e.Message, e); }
    }

    /// <summary>What the init opens besides the state it is sent: the config copy and the exec (and hooks) FIFO.</summary>
    internal static void WriteConfigCopy(string dir, string bundle, RuntimeSpec spec)
    {
        File.Copy(Path.Combine(bundle, "config.json"), Path.Combine(dir, StateStore.ConfigFile));
        Nodes.MakeFifo(Path.Combine(dir, StateStore.ExecFifo), 0x192 /* 0622 */);
        if (spec.Hooks?.StartContainer is { Count: > 0 }) Nodes.MakeFifo(Path.Combine(dir, StateStore.HooksFifo), 0x180 /* 0600 */);
    }

    /// <summary>Removes every trace of a container (a null <paramref name="cgroup"/>: none was made); tolerant of what is already gone.</summary>
    internal void Cleanup(string id, ContainerState state, ICgroupManager? cgroup, bool kill = true)
    {
        if (state.MonitorPid > 0 && state.MonitorPid != Processes.GetPid() && Processes.IsAlive(state.MonitorPid, state.MonitorStartTime))
            Signals.TryKill(state.MonitorPid, Signals.SIGKILL);
        try { cgroup?.Destroy(kill); }
        catch (CgroupException e) { Log?.Invoke("warning", e.Message); }
        Store.Remove(id);
    }

    private void StopEverything(ContainerState state, ICgroupManager? cgroup)
    {
        try
        {
            if (cgroup?.IsFrozen() == true) cgroup.SetFrozen(false);
            cgroup?.Signal(Signals.SIGKILL);
        }
        catch (CgroupException e) { Log?.Invoke("warning", e.Message); }
        if (state.Pid > 0 && Processes.StartTime(state.Pid) == state.PidStartTime)
        {
            var pidfd = Pidfd.TryOpen(state.Pid);
            if (pidfd >= 0)
            {
                Pidfd.Signal(pidfd, Signals.SIGKILL);
                Pidfd.WaitExit(pidfd, 5000);
                Fd.Close(pidfd);
            }
        }
    }

    /// <summary>
    /// Where the root's waiter reaps the init: waits (at most a second) until it has recorded the exit, so that
    /// nothing writes into the state directory once we remove it. True if there was such a waiter.
    /// </summary>
    private bool WaitForReaper(ContainerState state)
    {
        if (state.ReaperPid <= 0 || !Processes.IsAlive(state.ReaperPid, state.ReaperStartTime)) return false;
        for (var i = 0; i < 200; i++)
        {
            try
            {
                if (Store.Load(state.Id).Exit is not null) return true;
            }
            catch (RuntimeException) { return true; }
            Thread.Sleep(5);
        }
        return true;
    }

    /// <summary>Waits for a live monitor to finish (it records the exit and leaves within milliseconds of the init's death); true if one was waited for.</summary>
    private static bool WaitForMonitor(ContainerState state)
    {
        if (state.MonitorPid <= 0 || state.MonitorPid == Processes.GetPid()) return false;
        if (Processes.StartTime(state.MonitorPid) != state.MonitorStartTime) return false;
        var pidfd = Pidfd.TryOpen(state.MonitorPid);
        if (pidfd < 0) return false;
        if (!Pidfd.WaitExit(pidfd, 3000)) Pidfd.Signal(pidfd, Signals.SIGKILL);
        Fd.Close(pidfd);
        return true;
    }

    private OciState ToOci(ContainerState s)
    {
        var status = Status(s);
        return new OciState
        {
            Id = s.Id,
            Pid = status is ContainerStatus.Stopped ? 0 : s.Pid,
            Status = StateStore.StatusName(status),
            Bundle = s.Bundle,
            Rootfs = s.Rootfs,
            Created = s.Created,
            Owner = s.Owner,
            Annotations = s.Annotations,
            ExitCode = s.Exit?.ExitCode,
            ExitSignal = s.Exit?.Signal,
            OomKilled = s.Exit?.OomKilled,
            Finished = s.Exit?.Finished,
        };
    }

    private static string ContainerInitState(ContainerState state, RuntimeSpec spec, string status)
        => Process.ContainerInit.StateJson(state, spec, status, state.Pid);

    internal static void WritePidFile(string path, int pid)
    {
        var full = Path.GetFullPath(path);
        var tmp = full + ".tmp";
        File.WriteAllText(tmp, pid.ToString(CultureInfo.InvariantCulture));
        File.Move(tmp, full, overwrite: true);
    }
}
