using System.Runtime.InteropServices;
using System.Text.Json;
using Berth.Cgroups;
using Berth.Linux;
using Berth.Runtime.Monitor;
using Berth.Runtime.Process;
using Berth.Runtime.Spec;
using Berth.Runtime.State;

namespace Berth.Runtime;

public sealed partial class ContainerRuntime
{
    private static readonly PosixSignal[] Forwarded = [PosixSignal.SIGINT, PosixSignal.SIGTERM, PosixSignal.SIGHUP, PosixSignal.SIGQUIT];

    /// <summary>
    /// <c>run</c>: with <paramref name="detach"/>, create then start and return 0. Otherwise this process is the
    /// container's monitor: it forwards SIGINT/SIGTERM/SIGHUP/SIGQUIT to the init, proxies a terminal if the
    /// process asks for one, waits for the exit, deletes the container and returns the shell-style exit status.
    /// </summary>
    public int Run(string id, CreateOptions options, bool detach)
    {
        if (detach)
        {
            Create(id, options);
            Start(id);
            return 0;
        }
        Trace.Mark("run");
        var (bundle, spec, rootfs) = PrepareSpec(id, options);
        Trace.Mark("prepared");
        var dir = Store.CreateDir(id);
        var state = NewState(id, bundle, rootfs, spec, options);
        state.MonitorPid = Processes.GetPid();
        TerminalProxy? proxy = null;
        ICgroupManager? cgroup = null; // set once this run has made it: clean-up must not touch a cgroup in use by others
        var registrations = new List<PosixSignalRegistration>();
        var exited = false;
        try
        {
            // The cgroup and the config copy are made while the init is spawned and starts up; state.json is
            // written and signal forwarding set up while it builds the container (it gets its state with "go").
            var pid = ContainerMonitor.Setup(dir, _options.BerthPath, spec, state,
                new Dictionary<int, int> { [0] = 0, [1] = 1, [2] = 2 }, master => proxy = new TerminalProxy(master),
                beforeGo: () =>
                {
                    var manager = PrepareCgroup(id, spec);
                    state.CgroupLayout = Layout.Hierarchies;
                    CreateCgroup(spec, manager);
                    cgroup = manager;
                    Trace.Mark("cgroup created");
                    state.MonitorStartTime = Processes.StartTime(state.MonitorPid) ?? 0;
                    Prctl.SetChildSubreaper();
                    WriteConfigCopy(dir, bundle, spec);
                    return manager;
                },
                afterGo: init =>
                {
                    Store.Save(state);
                    foreach (var sig in Forwarded)
                        registrations.Add(PosixSignalRegistration.Create(sig, ctx =>
                        {
                            ctx.Cancel = true;
                            Signals.TryKill(init, SignalNumber(ctx.Signal));
                        }));
                });
            if (options.PidFile is { } pf) WritePidFile(pf, pid);
            Trace.Mark("setup done");
            // This process created the container and has its state and spec: no need to reload them as start does.
            // The payload is let go first and the init's pid saved while it runs: until then the state reads
            // "creating", as it did during setup.
            Release(id);
            Store.Save(state);
            RunPoststart(state, spec);
            Trace.Mark("started");
            var status = ContainerMonitor.WaitForInit(pid);
            exited = true;
            Trace.Mark("exited");
            return status.ShellStatus;
        }
        finally
        {
            foreach (var r in registrations) r.Dispose();
            proxy?.Dispose();
            Remove(state, spec, cgroup, stopped: exited);
            Trace.Mark("deleted");
        }
    }

    /// <summary>
    /// <c>exec</c>: runs <paramref name="process"/> inside running container <paramref name="id"/>. Returns its
    /// exit status when in the foreground, 0 once it has exec'd when detached.
    /// </summary>
    public int Exec(string id, ProcessSpec process, ExecOptions options)
    {
        var state = Store.Load(id);
        var status = Status(state);
        if (status != ContainerStatus.Running)
            throw new RuntimeException($"cannot exec in container \"{id}\": it is {StateStore.StatusName(status)}, not running");
        SpecValidator.ValidateProcess(process, "process");
        if (process.Terminal && options.Detach && options.ConsoleSocket is null)
            throw new RuntimeException("a detached exec with a terminal needs --console-socket");
        var dir = Store.Dir(id);
        var processFile = Path.Combine(dir, $"exec-{Guid.NewGuid():N}.json");
        File.WriteAllBytes(processFile, JsonSerializer.SerializeToUtf8Bytes(process, SpecJsonContext.Default.ProcessSpec));
        int pid;
        SyncChannel sync;
        try
        {
            (pid, sync) = SpawnExecHelper(dir, processFile, state.Pid, options.ConsoleSocket is null ? null : Path.GetFullPath(options.ConsoleSocket));
        }
        catch
        {
            File.Delete(processFile);
            throw;
        }
        TerminalProxy? proxy = null;
        using (sync)
        {
            while (true)
            {
                var msg = sync.Receive(out var fd);
                if (msg is null) break;
                if (msg == "pty") { proxy = new TerminalProxy(fd); continue; }
                if (msg.StartsWith("error: ", StringComparison.Ordinal))
                {
                    Processes.Wait(pid);
                    File.Delete(processFile);
                    throw new RuntimeException(msg[7..]);
                }
            }
        }
        if (options.PidFile is { } pf) WritePidFile(pf, pid);
        if (options.Detach) return 0;
        var registrations = Forwarded.Select(sig => PosixSignalRegistration.Create(sig, ctx =>
        {
            ctx.Cancel = true;
            Signals.TryKill(pid, SignalNumber(ctx.Signal));
        })).ToList();
        try
        {
            var st = Processes.Wait(pid);
            return st?.ShellStatus ?? 255;
        }
        finally
        {
            foreach (var r in registrations) r.Dispose();
            proxy?.Dispose();
        }
    }

    private (int Pid, SyncChannel Sync) SpawnExecHelper(string dir, string processFile, int initPid, string? consoleSocket)
    {
        var (parentEnd, childEnd) = UnixSockets.Pair();
        var pidText = initPid.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var berth = Security.RuntimeBinary.ForContainer(_options.BerthPath);
        int pid = 0;
        Exception? error = null;
        var thread = new Thread(() =>
        {
            try
            {
                foreach (var (ns, type) in new[] { ("ipc", NamespaceType.CLONE_NEWIPC), ("uts", NamespaceType.CLONE_NEWUTS), ("net", NamespaceType.CLONE_NEWNET), ("pid", NamespaceType.CLONE_NEWPID) })
                    if (ExecInit.Differs(ns, pidText)) Namespaces.Join($"/proc/{pidText}/ns/{ns}", type);
                var options = new SpawnOptions
                {
                    Path = berth,
                    Args = consoleSocket is null ? ["berth", "__exec", dir, processFile, pidText] : ["berth", "__exec", dir, processFile, pidText, consoleSocket],
                    Env = [],
                    Fds = new Dictionary<int, int> { [0] = 0, [1] = 1, [2] = 2, [childEnd] = ContainerInit.SyncFd },
                };
                pid = ExecInit.Differs("user", pidText) ? SpawnInUserNamespace(options, $"/proc/{pidText}/ns/user") : Processes.Spawn(options);
            }
            catch (LinuxException e) { error = e; }
        }, 256 * 1024);
        thread.Start();
        thread.Join();
        Fd.Close(childEnd);
        if (error is not null)
        {
            Fd.Close(parentEnd);
            throw new RuntimeException($"cannot enter container: {error.Message}", error);
        }
        return (pid, new SyncChannel(parentEnd));
    }

    /// <summary>
    /// Spawns the exec helper with the container's user namespace open at <see cref="ExecUserNamespaceFd"/> and named in
    /// BERTH_USERNS_FD: berth's native pre-init joins it before the .NET runtime starts threads (see
    /// Native/berth_spawn.c), so any caller, a JIT-hosted engine included, can start it with posix_spawn.
    /// </summary>
    private static int SpawnInUserNamespace(SpawnOptions options, string userNs)
    {
        var fd = Fd.TryOpen(userNs, Fd.O_RDONLY, out var errno);
        if (fd < 0) throw new LinuxException("open", errno, userNs);
        try
        {
            return Processes.Spawn(new SpawnOptions
            {
                Path = options.Path,
                Args = options.Args,
                Env = [.. options.Env, "BERTH_USERNS_FD=" + ExecUserNamespaceFd.ToString(System.Globalization.CultureInfo.InvariantCulture)],
                Fds = new Dictionary<int, int>(options.Fds) { [fd] = ExecUserNamespaceFd },
            });
        }
        finally { Fd.Close(fd); }
    }

    /// <summary>Where the exec helper finds the user namespace to join (after its sync socket, descriptor 3).</summary>
    private const int ExecUserNamespaceFd = 4;

    private static int SignalNumber(PosixSignal s) => s switch
    {
        PosixSignal.SIGINT => Signals.SIGINT,
        PosixSignal.SIGTERM => Signals.SIGTERM,
        PosixSignal.SIGHUP => Signals.SIGHUP,
        PosixSignal.SIGQUIT => Signals.SIGQUIT,
        _ => (int)s,
    };
}
