using System.Globalization;
using System.Text;
using System.Text.Json;
using Berth.Images;
using Berth.Linux;
using Berth.Runtime;
using Berth.Runtime.Spec;

namespace Berth.Engine;

/// <summary>
/// The per-container supervisor (<c>berth __shim DATA RUNTIME-ROOT ID MODE</c>), the engine's conmon. Started in a
/// session of its own, it mounts the container's root file system, builds its runtime config, creates the container
/// through the runtime as a child subreaper (so the init is handed over to it), holds the container's stdio and
/// writes it to the rotated log, serves <c>attach.sock</c> (live output, stdin, terminal size), reaps the init,
/// records the exit code, OOM kills and times in the container's record and the event log, restarts the
/// container as its policy says, and at the end unmounts the root (and removes the container under --rm).
/// It tells whoever started it how the start went on descriptor 3 (<c>ok</c>, or <c>error MESSAGE</c>).
/// </summary>
public static class ContainerShim
{
    /// <summary>The descriptor on which the starter reads the outcome of the first start.</summary>
    public const int ResultFd = 3;

    /// <summary>The marker file that says a user stopped the container (no restart).</summary>
    public const string StoppingFile = "stopping";

    /// <summary>The container's log file name.</summary>
    public const string LogFile = "container.log";

    /// <summary>The mode argument of a shim started before its container is known (see <see cref="RunReady"/>).</summary>
    public const string ReadyMode = ReadyShim.Mode;

    /// <summary>The shim's own log (its stderr) in the container's folder.</summary>
    public const string LogFileOfShim = "shim.log";

    /// <summary>How long the shim waits for the terminal once the runtime has created the container (it was sent by then).</summary>
    private static readonly TimeSpan ConsoleWait = TimeSpan.FromSeconds(10);

    /// <summary>How long a start waits for the attach client that asked for it.</summary>
    private static readonly TimeSpan AttachWait = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Spawns <c>berth __shim DATA ROOT ARGS…</c> in a session of its own, with <paramref name="stdin"/> as its
    /// descriptor 0, /dev/null as 1, <paramref name="stderr"/> as 2 and <paramref name="result"/> as
    /// <see cref="ResultFd"/>; a thread reaps it when it ends (for long-lived callers: a CLI exits first). Returns its pid.
    /// </summary>
    /// <exception cref="LinuxException">The spawn failed.</exception>
    internal static int Spawn(EngineOptions options, IReadOnlyList<string> env, IReadOnlyList<string> args, int stdin, int stderr, int result)
    {
        using var devnull = Fd.Open("/dev/null", Fd.O_WRONLY);
        var pid = Processes.Spawn(new SpawnOptions
        {
            Path = options.BerthPath,
            Args = ["berth", "__shim", options.DataRoot, options.RuntimeRoot, .. args],
            Env = env,
            NewSession = true,
            Fds = new Dictionary<int, int> { [stdin] = 0, [(int)devnull.DangerousGetHandle()] = 1, [stderr] = 2, [result] = ResultFd },
        });
        new Thread(() => Processes.Wait(pid)) { IsBackground = true, Name = "berth-shim-reaper" }.Start();
        return pid;
    }

    /// <summary>Runs the shim; returns its exit code. <paramref name="waitAttach"/>: start the payload only once a client is attached.</summary>
    public static int Run(EngineOptions options, string id, bool waitAttach)
    {
        ArgumentNullException.ThrowIfNull(options);
        Trace.Mark("shim");
        if (Prepare() is { } error)
        {
            Report("error " + error);
            return 1;
        }
        return Serve(new ContainerEngine(options), id, waitAttach);
    }

    /// <summary>
    /// Runs a shim started before its container was known (<see cref="ReadyShim"/>): it prepares what it can, waits
    /// for the container on descriptor 0, then is that container's shim as <see cref="Run"/> would be. Returns 0
    /// at once, having touched nothing, when its engine lets it go instead.
    /// </summary>
    public static int RunReady(EngineOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var error = Prepare();
        var engine = new ContainerEngine(options);
        Rehearse();
        if (ReadyShim.WaitForOrder() is not { } order) return 0;
        // From here on it is the container's shim, its stderr in the container's shim.log like a shim started for it.
        var log = Fd.TryOpen(Path.Combine(engine.Containers.Dir(order.Id), LogFileOfShim), Fd.O_WRONLY | Fd.O_CREAT | Fd.O_APPEND, out _, 0x1a4 /* 0644 */);
        if (log >= 0)
        {
            Fd.Dup2(log, 2);
            Fd.Close(log);
        }
        using (var devnull = Fd.Open("/dev/null", Fd.O_RDONLY)) Fd.Dup2((int)devnull.DangerousGetHandle(), 0);
        Trace.Mark("shim");
        if (error is not null)
        {
            Report("error " + error);
            return 1;
        }
        return Serve(engine, order.Id, order.Attach);
    }

    /// <summary>
    /// Does once, on made-up values, what a launch does first in a new process, while the ready shim has time: the
    /// serialisers' metadata for a record and a runtime config (built on first use), the default security profile,
    /// and the runtime's reading of the config.
    /// </summary>
    private static void Rehearse()
    {
        var record = new ContainerRecord
        {
            Id = "rehearsal", Name = "rehearsal", Image = "rehearsal", ImageId = "", ManifestDigest = "",
            Args = ["true"], Env = ["PATH=/bin"], Labels = new() { ["a"] = "b" },
            UserNamespace = new UserNamespaceRange { HostUid = 100000, HostGid = 100000, Size = 65536 },
        };
        record = JsonSerializer.Deserialize(JsonSerializer.SerializeToUtf8Bytes(record, EngineJsonContext.Default.ContainerRecord), EngineJsonContext.Default.ContainerRecord)!;
        var spec = SpecBuilder.Build(record, new ImageUser.Resolved(0, 0, [], "/root"), "/rehearsal");
        SpecLoader.Parse(JsonSerializer.SerializeToUtf8Bytes(spec, SpecJsonContext.Default.RuntimeSpec), "rehearsal");
    }

    /// <summary>What a shim does before it touches its container; the error, if any.</summary>
    private static string? Prepare()
    {
        Prctl.SetChildSubreaper();
        Prctl.SetName("berth-shim");
        try
        {
            PrivateMounts();
            return null;
        }
        catch (LinuxException e)
        {
            return "cannot make the shim's mount namespace: " + e.Message;
        }
    }

    private static int Serve(ContainerEngine engine, string id, bool waitAttach)
    {
        var dir = engine.Containers.Dir(id);
        var listener = -1;
        var reported = false;
        using var clients = new AttachClients();
        // One shim per container: a second start that raced past the engine's check stops here, before touching anything.
        FileStream shimLock;
        try { shimLock = new FileStream(Path.Combine(dir, "shim.lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None); }
        catch (IOException)
        {
            Report($"error container {id[..12]} is already running");
            return 1;
        }
        using var held = shimLock;
        try
        {
            var record = engine.Containers.Load(id);
            // Known before anything starts, so that rm and stop see the container as busy from now on.
            record.State.ShimPid = Processes.GetPid();
            record.State.ShimStartTime = Processes.StartTime(record.State.ShimPid) ?? 0;
            record.State.RuntimeRoot = engine.Options.RuntimeRoot;
            engine.Containers.Save(record);
            var attachPath = Path.Combine(dir, AttachFrame.SocketName);
            File.Delete(attachPath);
            listener = UnixSockets.Listen(attachPath);
            Fd.SetNonBlocking(listener, true);
            var delay = TimeSpan.FromMilliseconds(100);
            while (true)
            {
                var started = DateTimeOffset.UtcNow;
                using var session = new Session(engine, record, dir, listener, clients);
                int exitCode;
                try
                {
                    session.Create();
                    // A stop or rm -f that came while no runtime container existed (between restarts) found nothing to signal.
                    if (File.Exists(Path.Combine(dir, StoppingFile))) throw new EngineException("the container was stopped while it started");
                    if (!reported && waitAttach)
                    {
                        // The client that asked to attach connects once we say the container exists, and sees it from its first byte.
                        Report("ok");
                        reported = true;
                        session.WaitForClient(AttachWait);
                    }
                    session.Start();
                    if (!reported)
                    {
                        Report("ok");
                        reported = true;
                    }
                    exitCode = session.Supervise();
                }
                catch (Exception e) when (e is RuntimeException or LinuxException or EngineException or ImageException or IOException)
                {
                    session.Abandon();
                    record = engine.Containers.Load(id);
                    record.State.Status = record.State.StartedAt is null ? ContainerStatus.Created : ContainerStatus.Exited;
                    record.State.Error = e.Message;
                    record.State.ExitCode = ContainerEngine.StartFailureExitCode(e.Message);
                    record.State.Pid = 0;
                    engine.Containers.Save(record);
                    // Cleaned up before the starter hears of it: when it returns, nothing of a --rm container is left.
                    var code = Finish(engine, record, dir, clients, record.State.ExitCode.Value, held);
                    if (!reported)
                    {
                        Report("error " + e.Message);
                        reported = true;
                    }
                    return code;
                }
                record = engine.Containers.Load(id);
                var stopped = File.Exists(Path.Combine(dir, StoppingFile));
                if (!record.Restart.ShouldRestart(exitCode, record.State.RestartCount, stopped))
                    return Finish(engine, record, dir, clients, exitCode, held);

                // Docker's back-off: 100 ms, doubling, back to 100 ms after a run of 10 s or more.
                delay = DateTimeOffset.UtcNow - started >= TimeSpan.FromSeconds(10) ? TimeSpan.FromMilliseconds(100) : delay;
                record.State.Status = ContainerStatus.Restarting;
                record.State.RestartCount++;
                engine.Containers.Save(record);
                engine.Events.Append(new EngineEvent { Type = "container", Action = "restart", Subject = id, Name = record.Name, Image = record.Image });
                var until = DateTime.UtcNow + delay;
                while (DateTime.UtcNow < until && !File.Exists(Path.Combine(dir, StoppingFile))) Thread.Sleep(20);
                if (File.Exists(Path.Combine(dir, StoppingFile)))
                {
                    record.State.Status = ContainerStatus.Exited;
                    engine.Containers.Save(record);
                    return Finish(engine, record, dir, clients, exitCode, held);
                }
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromMinutes(1).Ticks));
            }
        }
        catch (Exception e) when (!reported && e is EngineException or LinuxException or IOException)
        {
            Report("error " + e.Message);
            return 1;
        }
        finally
        {
            Fd.Close(listener);
        }
    }

    /// <summary>
    /// Moves this thread (and so the threads it starts, the runtime's init launcher among them) into a mount
    /// namespace of the shim's own, where the container's root file system is mounted: the host's mount table then
    /// does not grow with every running container. That table is read by every process that starts (the .NET runtime
    /// reads /proc/self/mountinfo twice to find its cgroup limits) and copied by every new mount namespace, so on a
    /// host with hundreds of containers each start would pay for all of them. The mount also goes away with the last
    /// process that uses it, even when the shim is killed. Host mounts still propagate in (slave); ours never out.
    /// Others reach the root through <c>/proc/PID/root</c> of the container's init.
    /// </summary>
    private static void PrivateMounts()
    {
        Namespaces.Unshare(NamespaceType.CLONE_NEWNS);
        Mounts.SetPropagation("/", MountFlags.MS_SLAVE | MountFlags.MS_REC);
    }

    private static void Report(string line)
    {
        try { Fd.WriteAll(ResultFd, Encoding.UTF8.GetBytes(line)); }
        catch (LinuxException) { }
        Fd.Close(ResultFd);
    }

    /// <summary>The end: unmount, remove under --rm, then tell attached clients the exit code.</summary>
    private static int Finish(ContainerEngine engine, ContainerRecord record, string dir, AttachClients clients, int exitCode, FileStream shimLock)
    {
        OverlayRootfs.Unmount(ContainerEngine.RootfsOf(dir));
        File.Delete(Path.Combine(dir, StoppingFile));
        File.Delete(Path.Combine(dir, AttachFrame.SocketName));
        if (record.AutoRemove)
        {
            engine.RemoveFiles(record);
            shimLock.Dispose();
        }
        else
        {
            // The lock first: a start that finds no shim in the record (while this one still tells its clients the
            // exit code) must find the lock free too.
            shimLock.Dispose();
            record.State.ShimPid = 0;
            record.State.ShimStartTime = 0;
            record.State.RuntimeRoot = null;
            engine.Containers.Save(record);
        }
        clients.Finish(AttachFrame.Make(AttachFrame.Exit, Encoding.ASCII.GetBytes(exitCode.ToString(CultureInfo.InvariantCulture))), TimeSpan.FromSeconds(5));
        return 0;
    }

    /// <summary>One run of the container: create, start, supervise, reap.</summary>
    private sealed class Session(ContainerEngine engine, ContainerRecord record, string dir, int listener, AttachClients clients) : IDisposable
    {
        private readonly string _id = record.Id;
        private int _stdinWrite = -1;
        private int _stdoutRead = -1;
        private int _stderrRead = -1;
        private int _master = -1;
        private int _initPid;
        private int _initPidfd = -1;
        private const int MaxStdinBacklog = 256;
        private readonly Queue<byte[]> _stdinPending = new();
        private bool _closeStdinWhenDrained;
        private bool _logFailed;
        private WaitStatus? _status;
        private ProcessSpec? _process;
        private HealthProbe? _health;
        private string? _address;

        /// <summary>
        /// The overlay of the image's snapshots; in a user namespace with the snapshots idmapped to the container's
        /// range (see <see cref="OverlayRootfs.MountIdmapped"/>).
        /// </summary>
        private void MountRootfs(string rootfs)
        {
            var lowers = record.Snapshots.Select(s => engine.Snapshots.PathOf(Digest.Parse(s))).ToList();
            string upper = Path.Combine(dir, "upper"), work = Path.Combine(dir, "work");
            if (record.UserNamespace is not { } range)
            {
                OverlayRootfs.Mount(lowers, upper, work, rootfs);
                return;
            }
            int userns;
            try { userns = UserNamespaceSpawn.OpenMapped([(0, range.HostUid, range.Size)], [(0, range.HostGid, range.Size)]); }
            catch (LinuxException e) { throw new EngineException($"--userns auto: cannot make a user namespace for the image's layers: {e.Message}", e); }
            try
            {
                OverlayRootfs.MountIdmapped(lowers, upper, work, rootfs, Path.Combine(dir, "idmapped"), userns, range.HostUid, range.HostGid);
            }
            catch (LinuxException e) when (e.Errno is Errno.EINVAL or Errno.ENOSYS or Errno.EPERM)
            {
                throw new EngineException($"--userns auto: the image's layers cannot be idmapped here ({e.Message}); this needs Linux 5.19 or later and a file system with idmapped mounts (ext4, xfs, btrfs) under the data root", e);
            }
            finally { Fd.Close(userns); }
        }

        public void Create()
        {
            var rootfs = ContainerEngine.RootfsOf(dir);
            if (!OverlayRootfs.IsMounted(rootfs)) MountRootfs(rootfs);
            Trace.Mark("shim: rootfs mounted");
            // As Docker: a bind's missing host folder is made when the container starts.
            foreach (var bind in record.Binds)
            {
                var source = bind.Split(':')[0];
                if (!Path.Exists(source)) Directory.CreateDirectory(source);
            }
            var user = ImageUser.Resolve(rootfs, record.User);
            // Made from the host, so owned by the host ids the container's user maps to.
            var userns = record.UserNamespace;
            RootfsDirectories.Make(rootfs, record.WorkingDir, user.Uid + (userns?.HostUid ?? 0), user.Gid + (userns?.HostGid ?? 0));
            var spec = SpecBuilder.Build(record, user, dir, ImageVolumes.Prepare(record, dir, rootfs));
            _process = spec.Process;
            var bundle = Path.GetDirectoryName(rootfs)!;
            File.WriteAllBytes(Path.Combine(bundle, "config.json"),
                JsonSerializer.SerializeToUtf8Bytes(spec, SpecJsonContext.Default.RuntimeSpec));
            Trace.Mark("shim: config written");

            // A container of the same id left by a crashed shim is gone for good: make room.
            if (engine.Runtime.Store.Exists(_id))
            {
                try { engine.Runtime.Delete(_id, force: true); }
                catch (RuntimeException) { }
            }

            string? consoleSocket = null;
            var consoleListener = -1;
            var stdio = new int[3];
            var childEnds = new List<int>();
            try
            {
                if (record.Tty)
                {
                    consoleSocket = Path.Combine(dir, "console.sock");
                    File.Delete(consoleSocket);
                    consoleListener = UnixSockets.Listen(consoleSocket, UnixSockets.SOCK_STREAM);
                    var devnull = Fd.Open("/dev/null", Fd.O_RDWR);
                    stdio = [(int)devnull.DangerousGetHandle(), (int)devnull.DangerousGetHandle(), (int)devnull.DangerousGetHandle()];
                    childEnds.Add((int)devnull.DangerousGetHandle());
                    devnull.SetHandleAsInvalid();
                }
                else
                {
                    int stdinRead;
                    if (record.OpenStdin)
                    {
                        (stdinRead, _stdinWrite) = Fd.Pipe();
                        Fd.SetNonBlocking(_stdinWrite, true);
                    }
                    else
                    {
                        var devnull = Fd.Open("/dev/null", Fd.O_RDONLY);
                        stdinRead = (int)devnull.DangerousGetHandle();
                        devnull.SetHandleAsInvalid();
                    }
                    var (outRead, outWrite) = Fd.Pipe();
                    var (errRead, errWrite) = Fd.Pipe();
                    (_stdoutRead, _stderrRead) = (outRead, errRead);
                    stdio = [stdinRead, outWrite, errWrite];
                    childEnds.AddRange(stdio);
                }

                // The runtime hands the monitor our descriptors 0-2: put the container's stdio there while it creates.
                var saved = new int[3];
                for (var i = 0; i < 3; i++) saved[i] = Fd.DupAbove(i, 10);
                try
                {
                    for (var i = 0; i < 3; i++) Fd.Dup2(stdio[i], i);
                    _initPid = engine.Runtime.Create(_id, new CreateOptions
                    {
                        Bundle = bundle,
                        PidFile = Path.Combine(dir, "init.pid"),
                        ConsoleSocket = consoleSocket,
                        Caller = Processes.GetPid(),
                    });
                }
                finally
                {
                    for (var i = 0; i < 3; i++)
                    {
                        Fd.Dup2(saved[i], i);
                        Fd.Close(saved[i]);
                    }
                }
                if (consoleListener >= 0) _master = ConsoleSockets.ReceiveMaster(consoleListener, ConsoleWait);
                Trace.Mark("shim: created");
                _initPidfd = Pidfd.TryOpen(_initPid);
                if (record.Network != "host") BringUpLoopback(_initPid);
                Trace.Mark("shim: loopback up");
                if (Berth.Networking.NetworkManager.IsBridge(record.Network))
                {
                    _address = engine.AttachNetwork(record, _initPid);
                    Trace.Mark("shim: network attached");
                }
            }
            finally
            {
                foreach (var fd in childEnds) Fd.Close(fd);
                Fd.Close(consoleListener);
                if (consoleSocket is not null) File.Delete(consoleSocket);
            }
        }

        /// <summary>
        /// Brings up <c>lo</c> in the container's network namespace, as Docker's <c>none</c> network has it: a thread
        /// joins the namespace for that (setns is per thread).
        /// </summary>
        private static void BringUpLoopback(int initPid)
        {
            var path = $"/proc/{initPid}/ns/net";
            try
            {
                using var netns = Fd.Open(path, Fd.O_RDONLY | Fd.O_CLOEXEC);
                Namespaces.RunOnThreadIn((int)netns.DangerousGetHandle(), NamespaceType.CLONE_NEWNET, path, () =>
                {
                    NetworkInterfaces.SetUp("lo");
                    return true;
                });
            }
            catch (LinuxException e)
            {
                throw new EngineException($"cannot bring up the container's loopback interface: {e.Message}", e);
            }
        }

        /// <summary>Waits until an attach client connects (the one that asked to be there from the first byte).</summary>
        public void WaitForClient(TimeSpan timeout)
        {
            var deadline = DateTime.UtcNow + timeout;
            while (clients.Fds.Count == 0 && DateTime.UtcNow < deadline)
            {
                Fd.WaitReadable(listener, 100);
                clients.Accept(listener);
            }
        }

        /// <summary>Lets the payload run, and records that it does.</summary>
        public void Start()
        {
            engine.Runtime.Start(_id);
            Trace.Mark("shim: started");
            record = engine.Containers.Load(_id);
            record.State.Status = ContainerStatus.Running;
            record.State.Pid = _initPid;
            record.State.StartedAt = DateTimeOffset.UtcNow;
            record.State.FinishedAt = null;
            record.State.ExitCode = null;
            record.State.Error = null;
            record.State.OomKilled = false;
            record.State.IpAddress = _address;
            record.State.Health = record.Healthcheck is null ? null : new HealthState();
            engine.Containers.Save(record);
            if (record.Healthcheck is { } settings && _process is not null) _health = new HealthProbe(engine, _id, settings, _process, dir);
            engine.Events.Append(new EngineEvent { Type = "container", Action = "start", Subject = _id, Name = record.Name, Image = record.Image });
            Trace.Mark("shim: recorded");
        }

        /// <summary>Pumps the container's output to its log and clients until it exits; returns its exit code.</summary>
        public int Supervise()
        {
            using var log = new ContainerLogWriter(Path.Combine(dir, LogFile));
            var buffer = new byte[64 * 1024];
            var outputs = new List<(int Fd, string Stream)>();
            if (_master >= 0) outputs.Add((_master, "stdout"));
            if (_stdoutRead >= 0) outputs.Add((_stdoutRead, "stdout"));
            if (_stderrRead >= 0) outputs.Add((_stderrRead, "stderr"));
            var ready = new List<int>();
            DateTime? drainUntil = null;
            while (outputs.Count > 0 || _status is null)
            {
                var watched = new List<int>(outputs.Select(o => o.Fd)) { listener };
                // Clients' input waits while the container's stdin has a backlog: it is read only as the container reads.
                if (_stdinPending.Count < MaxStdinBacklog) watched.AddRange(clients.Fds);
                if (_status is null && _initPidfd >= 0) watched.Add(_initPidfd);
                if (_health is not null) watched.AddRange(_health.Fds);
                var timeout = _status is null ? Math.Min(1000, _health?.MillisecondsUntilDue() ?? 1000) : 100;
                // Backlogs (stdin, slow clients) are retried often; poll says nothing of room to write here.
                if (_stdinPending.Count > 0 || clients.HasPending) timeout = Math.Min(timeout, 10);
                Fd.WaitAnyReadable(watched, timeout, ready);
                Reap();
                WriteStdin();
                clients.Flush();
                if (_status is null) _health?.Tick();
                // Once the init is gone its descendants are too (the PID namespace dies with it); what they wrote
                // is drained, but a descriptor someone outside still holds open does not keep the shim.
                if (_status is not null)
                {
                    drainUntil ??= DateTime.UtcNow.AddSeconds(2);
                    if (DateTime.UtcNow > drainUntil) break;
                }
                foreach (var fd in ready)
                {
                    if (fd == listener) { clients.Accept(listener); continue; }
                    if (clients.Fds.Contains(fd)) { FromClient(fd); continue; }
                    if (_health is not null && _health.Fds.Contains(fd)) { _health.OnReadable(fd); continue; }
                    var output = outputs.FirstOrDefault(o => o.Fd == fd);
                    if (output.Stream is null) continue;
                    int n;
                    try { n = Fd.Read(fd, buffer); }
                    catch (LinuxException e) when (e.Errno == Errno.EIO) { n = 0; } // a terminal whose last holder closed it
                    catch (LinuxException e) when (e.Errno == Errno.EAGAIN) { continue; } // the terminal is non-blocking for stdin's sake
                    if (n == 0)
                    {
                        outputs.Remove(output);
                        Fd.Close(fd);
                        if (fd == _master) _master = -1;
                        if (fd == _stdoutRead) _stdoutRead = -1;
                        if (fd == _stderrRead) _stderrRead = -1;
                        continue;
                    }
                    try { log.Write(output.Stream, buffer.AsSpan(0, n)); }
                    catch (IOException e) when (!_logFailed)
                    {
                        // A full disk must not take the container down: its output still reaches attached clients.
                        _logFailed = true;
                        Console.Error.WriteLine($"berth-shim {_id}: cannot write the log: {e.Message}");
                    }
                    catch (IOException)
                    {
                    }
                    clients.Broadcast(AttachFrame.Make(output.Stream == "stderr" ? AttachFrame.Stderr : AttachFrame.Stdout, buffer.AsSpan(0, n)));
                }
            }
            foreach (var (fd, _) in outputs) Fd.Close(fd);
            _health?.Dispose();
            _health = null;
            Fd.Close(_stdinWrite);
            Fd.Close(_initPidfd);
            (_stdinWrite, _stdoutRead, _stderrRead, _master, _initPidfd) = (-1, -1, -1, -1, -1);
            _initPid = 0;

            var exitCode = _status!.Value.ShellStatus;
            var oom = engine.Runtime.OomKills(_id) > 0;
            try { engine.Runtime.Delete(_id, force: true); }
            catch (RuntimeException) { }
            ReleaseNetwork();
            record = engine.Containers.Load(_id);
            record.State.Status = ContainerStatus.Exited;
            record.State.ExitCode = exitCode;
            record.State.OomKilled = oom;
            record.State.FinishedAt = DateTimeOffset.UtcNow;
            record.State.Pid = 0;
            record.State.IpAddress = null;
            if (record.State.Health is { } h && h.Status == HealthState.Starting) record.State.Health = null;
            engine.Containers.Save(record);
            if (oom) engine.Events.Append(new EngineEvent { Type = "container", Action = "oom", Subject = _id, Name = record.Name, Image = record.Image });
            engine.Events.Append(new EngineEvent { Type = "container", Action = "die", Subject = _id, Name = record.Name, Image = record.Image, ExitCode = exitCode });
            return exitCode;
        }

        public void Dispose()
        {
            _health?.Dispose();
            _health = null;
        }

        /// <summary>Undoes a <see cref="Create"/> (or a run) that failed half way.</summary>
        public void Abandon()
        {
            Fd.Close(_stdinWrite);
            Fd.Close(_stdoutRead);
            Fd.Close(_stderrRead);
            Fd.Close(_master);
            (_stdinWrite, _stdoutRead, _stderrRead, _master) = (-1, -1, -1, -1);
            // Through the pidfd, so that a pid reused since cannot be hit.
            if (_initPidfd >= 0)
            {
                Pidfd.Signal(_initPidfd, Signals.SIGKILL);
                Fd.Close(_initPidfd);
                _initPidfd = -1;
            }
            if (_initPid > 0 && _status is null) Processes.Wait(_initPid);
            _initPid = 0;
            if (engine.Runtime.Store.Exists(_id))
            {
                try { engine.Runtime.Delete(_id, force: true); }
                catch (RuntimeException) { }
            }
            Reap();
            ReleaseNetwork();
        }

        /// <summary>CNI DEL once the init is gone (its network namespace with it); nothing for none and host.</summary>
        private void ReleaseNetwork()
        {
            if (!Berth.Networking.NetworkManager.IsBridge(record.Network)) return;
            engine.DetachNetwork(_id);
            _address = null;
        }

        /// <summary>Reaps every child that has exited: the runtime's monitor, the init, health probes, orphans handed to us (a subreaper).</summary>
        private void Reap()
        {
            while (Processes.TryWait(-1) is { } s)
            {
                if (s.Pid == _initPid) _status = s;
                else _health?.OnExit(s);
            }
        }

        private void FromClient(int fd)
        {
            byte[] message;
            int[] fds;
            try { message = UnixSockets.Receive(fd, out fds); }
            catch (LinuxException) { (message, fds) = ([], []); }
            // Descriptors have no business on this socket.
            foreach (var passed in fds) Fd.Close(passed);
            if (message.Length == 0)
            {
                clients.Remove(fd);
                return;
            }
            switch (message[0])
            {
                case AttachFrame.Stdin when message.Length > 1 && (_master >= 0 || _stdinWrite >= 0):
                    _stdinPending.Enqueue(message[1..]);
                    WriteStdin();
                    break;
                case AttachFrame.CloseStdin:
                    // A terminal has no end of file of its own: ^D, as a user would type it.
                    if (_master >= 0) _stdinPending.Enqueue([4]);
                    else _closeStdinWhenDrained = true;
                    WriteStdin();
                    break;
                case AttachFrame.Resize when _master >= 0:
                    var parts = Encoding.ASCII.GetString(message, 1, message.Length - 1).Split(' ');
                    if (parts.Length == 2 && ushort.TryParse(parts[0], CultureInfo.InvariantCulture, out var rows) && ushort.TryParse(parts[1], CultureInfo.InvariantCulture, out var cols))
                        Terminals.SetSize(_master, rows, cols);
                    break;
            }
        }

        /// <summary>Writes what the container's stdin takes now; the rest waits for the next turn of the loop.</summary>
        private void WriteStdin()
        {
            var target = _master >= 0 ? _master : _stdinWrite;
            while (target >= 0 && _stdinPending.Count > 0)
            {
                var chunk = _stdinPending.Peek();
                var n = Fd.TryWrite(target, chunk, out var errno);
                if (n < 0)
                {
                    if (errno == Errno.EAGAIN) return;
                    _stdinPending.Clear(); // the container closed its stdin: what it did not read is dropped
                    break;
                }
                if (n < chunk.Length)
                {
                    _stdinPending.Dequeue();
                    var rest = new Queue<byte[]>([chunk[n..], .. _stdinPending]);
                    _stdinPending.Clear();
                    foreach (var c in rest) _stdinPending.Enqueue(c);
                    return;
                }
                _stdinPending.Dequeue();
            }
            if (_closeStdinWhenDrained && _stdinPending.Count == 0 && _stdinWrite >= 0)
            {
                Fd.Close(_stdinWrite);
                _stdinWrite = -1;
            }
        }
    }
}
