using System.Globalization;
using System.Text;
using Berth.Cgroups;
using Berth.Images;
using Berth.Linux;
using Berth.Networking;
using Berth.Runtime;
using Berth.Runtime.Spec;

namespace Berth.Engine;

/// <summary>
/// One node's containers: makes them from images (<see cref="CreateAsync"/>), starts each under a shim of its
/// own (<see cref="Start"/>), stops, signals, removes, lists them, and reaches into them (exec, stats, top).
/// Several processes may use the same data root at once (the CLI, the control plane): every shared file is
/// written under a lock or replaced whole.
/// </summary>
public sealed partial class ContainerEngine
{
    /// <summary>The environment's PATH when an image sets none (Docker's).</summary>
    public const string DefaultPath = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    private static readonly TimeSpan ShimStartTimeout = TimeSpan.FromSeconds(60);

    /// <summary>How long image writers and the garbage collector wait for each other.</summary>
    private static readonly TimeSpan StoreLockTimeout = TimeSpan.FromMinutes(10);

    /// <summary>
    /// Held shared by whatever adds to the store until what it added is reachable (a name, a container record), and
    /// exclusively by garbage collection: a layer unpacked for a container being created is never collected before
    /// its record exists.
    /// </summary>
    internal IDisposable HoldStore() => FileLock.TakeShared(Path.Combine(Options.DataRoot, ".store.lock"), StoreLockTimeout);

    private IDisposable LockStore() => FileLock.Take(Path.Combine(Options.DataRoot, ".store.lock"), StoreLockTimeout);

    /// <summary>Uses (and creates when missing) the data root of <paramref name="options"/>.</summary>
    public ContainerEngine(EngineOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Options = options;
        Images = new ImageStore(Path.Combine(options.DataRoot, "images"));
        Snapshots = new SnapshotStore(Path.Combine(options.DataRoot, "snapshots"));
        Containers = new ContainerStore(Path.Combine(options.DataRoot, "containers"));
        Events = new EventLog(Path.Combine(options.DataRoot, "events.jsonl"));
        Runtime = new ContainerRuntime(new RuntimeOptions { Root = options.RuntimeRoot, BerthPath = options.BerthPath, CgroupParent = options.CgroupParent });
        Networks = new NetworkManager(Path.Combine(options.DataRoot, "networks"));
    }

    public EngineOptions Options { get; }

    public ImageStore Images { get; }

    public SnapshotStore Snapshots { get; }

    public ContainerStore Containers { get; }

    public EventLog Events { get; }

    public ContainerRuntime Runtime { get; }

    /// <summary>The bridge networks and the containers on them (see docs/networking.md).</summary>
    public NetworkManager Networks { get; }

    /// <summary>Where a container's root file system is mounted while it runs.</summary>
    public static string RootfsOf(string containerDir) => Path.Combine(containerDir, "bundle", "rootfs");

    /// <summary>
    /// The root file system of a running container as its init sees it: the shim mounts it in a mount namespace of
    /// its own (see <see cref="ContainerShim"/>), so <see cref="RootfsOf"/> is an empty folder from anywhere else.
    /// </summary>
    private static string LiveRootOf(ContainerRecord record) => $"/proc/{record.State.Pid}/root";

    /// <summary>A container's log file.</summary>
    public string LogPath(ContainerRecord record) => Path.Combine(Containers.Dir(record.Id), ContainerShim.LogFile);

    /// <summary>
    /// Creates a container from an image in the store: checks every option, unpacks the image's layers that are
    /// not unpacked yet, and writes the container's record; nothing runs yet. On any error nothing is left.
    /// </summary>
    /// <exception cref="EngineException">No such image, a bad option or a name in use; the message says which.</exception>
    public async Task<ContainerRecord> CreateAsync(RunOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        Trace.Mark("engine: create");
        Validate(options);
        (string Mode, Berth.Runtime.Spec.SeccompSpec? Profile) seccomp = options.SeccompProfile switch
        {
            null => (SeccompProfiles.Default, null),
            SeccompProfiles.Unconfined => (SeccompProfiles.Unconfined, null),
            var json => (SeccompProfiles.Custom, SeccompProfiles.Parse(json)),
        };
        using var hold = HoldStore();
        var image = await ResolveImageAsync(options.Image, cancellationToken).ConfigureAwait(false);
        var config = image.Config;
        IReadOnlyList<string> entrypoint = options.Entrypoint is null ? config.Entrypoint : options.Entrypoint.Length == 0 ? [] : [options.Entrypoint];
        // As Docker: a new entrypoint drops the image's cmd too.
        var cmd = options.Command is { Count: > 0 } given ? given : options.Entrypoint is null ? config.Cmd : [];
        var args = entrypoint.Concat(cmd).ToList();
        if (args.Count == 0) throw new EngineException($"no command specified: image {options.Image} has no entrypoint or cmd; give one after the image name");

        IReadOnlyList<Digest> chain;
        try
        {
            await Snapshots.PrepareAsync(Images.Content, image.Manifest, config, cancellationToken: cancellationToken).ConfigureAwait(false);
            chain = SnapshotStore.ChainIds(config.DiffIds);
        }
        catch (ImageException e)
        {
            throw new EngineException($"image {options.Image}: {e.Message}", e);
        }

        var ports = options.Ports.Select(PortMapping.Parse).ToList();
        if (NetworkManager.IsBridge(options.Network))
        {
            try
            {
                Networks.Resolve(options.Network);
                // Checked again when it starts; a port taken now fails the create rather than the start.
                Networks.EnsurePortsFree(ports, IsLive);
            }
            catch (NetworkException e) { throw new EngineException(e.Message, e); }
        }

        var id = ContainerStore.NewId();
        var hostname = options.Hostname ?? id[..12];
        var record = new ContainerRecord
        {
            Id = id,
            Name = options.Name ?? FreeName(),
            Image = image.Reference?.ToString() ?? image.Id,
            ImageId = image.Id,
            ManifestDigest = image.ManifestDescriptor.Digest.ToString(),
            Snapshots = chain.Select(c => c.ToString()).ToList(),
            Created = DateTimeOffset.UtcNow,
            Args = args,
            Env = MergeEnv(config.Env, options.Env, hostname, options.Tty),
            WorkingDir = options.WorkingDir ?? (config.WorkingDir.Length > 0 ? config.WorkingDir : "/"),
            User = options.User ?? config.User,
            Hostname = hostname,
            Tty = options.Tty,
            OpenStdin = options.Interactive,
            AutoRemove = options.AutoRemove,
            ReadOnly = options.ReadOnly,
            Restart = options.Restart,
            StopSignal = options.StopSignal ?? config.StopSignal ?? "SIGTERM",
            StopTimeout = options.StopTimeout ?? 10,
            Memory = options.Memory,
            Cpus = options.Cpus,
            PidsLimit = options.PidsLimit ?? DefaultSecurity.PidsLimit,
            Network = options.Network,
            Ports = ports.Select(p => p.ToString()).ToList(),
            NetworkAliases = [.. options.NetworkAliases],
            Binds = [.. options.Volumes],
            Tmpfs = [.. options.Tmpfs],
            ExposedPorts = [.. config.ExposedPorts],
            Volumes = [.. config.Volumes],
            Labels = new Dictionary<string, string>(config.Labels.Concat(options.Labels).GroupBy(p => p.Key).Select(g => g.Last())),
            Healthcheck = Health(config.Healthcheck, options),
            Seccomp = seccomp.Mode,
            SeccompProfile = seccomp.Profile,
        };
        if (options.UserNamespace == "auto")
        {
            // The range is chosen and the record written under one lock, so two creates never take the same one.
            using (FileLock.Take(Path.Combine(Containers.Root, ".userns.lock"), StoreLockTimeout))
            {
                record.UserNamespace = UserNamespacePool.FromHost().Allocate(Containers.UserNamespacesInUse());
                Containers.Add(record, dir => WriteEtcFiles(dir, record));
            }
        }
        else
        {
            Containers.Add(record, dir => WriteEtcFiles(dir, record));
        }
        Events.Append(new EngineEvent { Type = "container", Action = "create", Subject = id, Name = record.Name, Image = record.Image });
        Trace.Mark("engine: created");
        return record;
    }

    /// <summary>
    /// Starts a created or exited container under a new shim and returns once the container runs (or, with
    /// <paramref name="attach"/>, once it is created and waits for an attach client before it starts).
    /// </summary>
    /// <exception cref="EngineException">It is already running, or it could not start (the runtime's message).</exception>
    public ContainerRecord Start(string nameOrId, bool attach = false)
    {
        Trace.Mark("engine: start");
        var record = Finished(Containers.Find(nameOrId));
        if (IsShimAlive(record)) throw new EngineException($"container {record.Name} is already running");
        var dir = Containers.Dir(record.Id);
        File.Delete(Path.Combine(dir, ContainerShim.StoppingFile));
        var read = HandToReadyShim(record.Id, attach) ?? SpawnShim(dir, record.Id, attach);
        Trace.Mark("engine: shim spawned");
        string result;
        try
        {
            if (!Fd.WaitReadable(read, (int)ShimStartTimeout.TotalMilliseconds))
                throw new EngineException($"container {record.Name}: its shim did not report within {ShimStartTimeout.TotalSeconds:0} s (see {Path.Combine(dir, ContainerShim.LogFileOfShim)})");
            result = Encoding.UTF8.GetString(Fd.ReadToEnd(read)).Trim();
        }
        finally { Fd.Close(read); }
        Trace.Mark("engine: shim reported");
        if (result.StartsWith("error ", StringComparison.Ordinal)) throw new EngineException(result[6..]);
        if (result != "ok") throw new EngineException($"container {record.Name}: its shim exited without starting it (see {Path.Combine(dir, ContainerShim.LogFileOfShim)})");
        return Containers.Find(record.Id);
    }

    /// <summary>Spawns a shim for container <paramref name="id"/>; returns the descriptor on which it reports the start.</summary>
    private int SpawnShim(string dir, string id, bool attach)
    {
        var (read, write) = Fd.Pipe();
        try
        {
            using var devnull = Fd.Open("/dev/null", Fd.O_RDONLY);
            using var shimLog = Fd.Open(Path.Combine(dir, ContainerShim.LogFileOfShim), Fd.O_WRONLY | Fd.O_CREAT | Fd.O_APPEND, 0x1a4 /* 0644 */);
            ContainerShim.Spawn(Options, ShimEnvironment(), [id, attach ? "attach" : "detached"], (int)devnull.DangerousGetHandle(), (int)shimLog.DangerousGetHandle(), write);
            return read;
        }
        catch
        {
            Fd.Close(read);
            throw;
        }
        finally
        {
            Fd.Close(write);
        }
    }

    private List<string> ShimEnvironment()
    {
        var env = new List<string>();
        if (Options.CgroupParent is { } parent) env.Add("BERTH_CGROUP_PARENT=" + parent);
        env.AddRange(Trace.Env);
        return env;
    }

    private ReadyShim? _readyShim;
    private int _readying;
    private volatile bool _shimsReleased;

    /// <summary>
    /// With <see cref="EngineOptions.KeepShimReady"/>: gives container <paramref name="id"/> to the shim waiting for one,
    /// and starts the next in the background; returns the descriptor on which it reports the start, or null when none
    /// was ready.
    /// </summary>
    private int? HandToReadyShim(string id, bool attach)
    {
        if (!Options.KeepShimReady || _shimsReleased) return null;
        using var ready = Interlocked.Exchange(ref _readyShim, null);
        var read = ready?.Hand(id, attach);
        PrepareShim();
        return read;
    }

    /// <summary>Starts a shim that waits for a container, unless one waits already or is being started.</summary>
    private void PrepareShim()
    {
        if (Volatile.Read(ref _readyShim) is not null || Interlocked.Exchange(ref _readying, 1) == 1) return;
        ThreadPool.UnsafeQueueUserWorkItem(_ =>
        {
            try
            {
                var shim = ReadyShim.Start(Options, ShimEnvironment());
                if (_shimsReleased || Interlocked.CompareExchange(ref _readyShim, shim, null) is not null) shim.Dispose();
            }
            catch (LinuxException)
            {
                // None ready: the next start spawns its own shim, as without the option.
            }
            finally { Volatile.Write(ref _readying, 0); }
        }, null);
    }

    /// <summary>
    /// Lets the shim kept ready (<see cref="EngineOptions.KeepShimReady"/>) go: it leaves without touching anything, and
    /// no other is started. Containers already started are not affected. Call it when the engine's owner stops.
    /// </summary>
    public void ReleaseReadyShim()
    {
        _shimsReleased = true;
        Interlocked.Exchange(ref _readyShim, null)?.Dispose();
    }

    /// <summary>
    /// Stops a running container: its stop signal, then SIGKILL after <paramref name="timeout"/> seconds (the
    /// container's own timeout when null). A container that is not running is left as it is. Returns the record.
    /// </summary>
    public ContainerRecord Stop(string nameOrId, int? timeout = null)
    {
        var record = Containers.Find(nameOrId);
        if (!IsSupervisedHere(record)) return record;
        var dir = Containers.Dir(record.Id);
        File.WriteAllText(Path.Combine(dir, ContainerShim.StoppingFile), "");
        var signal = Signals.Parse(record.StopSignal);
        TryKill(record.Id, signal, all: false);
        if (!WaitForShim(record, TimeSpan.FromSeconds(timeout ?? record.StopTimeout))) KillUntilGone(record);
        Events.Append(new EngineEvent { Type = "container", Action = "stop", Subject = record.Id, Name = record.Name, Image = record.Image });
        return Containers.TryFind(record.Id) ?? record;
    }

    /// <summary>Sends <paramref name="signal"/> to a running container's init.</summary>
    /// <exception cref="EngineException">It is not running.</exception>
    public void Kill(string nameOrId, int signal)
    {
        var record = Containers.Find(nameOrId);
        if (!IsSupervisedHere(record) || !TryKill(record.Id, signal, all: false))
            throw new EngineException($"cannot kill container {record.Name}: it is not running");
        Events.Append(new EngineEvent { Type = "container", Action = "kill", Subject = record.Id, Name = record.Name, Image = record.Image });
    }

    /// <summary>Removes a container and everything it left (its layer, logs, mounts); a running one only with <paramref name="force"/> (killed first).</summary>
    /// <exception cref="EngineException">It runs and <paramref name="force"/> is not set.</exception>
    public void Remove(string nameOrId, bool force)
    {
        var record = Finished(Containers.Find(nameOrId));
        if (IsSupervisedHere(record))
        {
            if (!force) throw new EngineException($"cannot remove container {record.Name}: it is running (stop it first, or use --force)");
            File.WriteAllText(Path.Combine(Containers.Dir(record.Id), ContainerShim.StoppingFile), "");
            KillUntilGone(record);
            // Under --rm the shim removed it already.
            if (Containers.TryFind(record.Id) is null) return;
        }
        RemoveFiles(record);
    }

    /// <summary>Removes a stopped container's runtime state, mount and folder, and records its end.</summary>
    internal void RemoveFiles(ContainerRecord record)
    {
        if (Runtime.Store.Exists(record.Id))
        {
            try { Runtime.Delete(record.Id, force: true); }
            catch (RuntimeException) { }
        }
        OverlayRootfs.Unmount(RootfsOf(Containers.Dir(record.Id)));
        if (NetworkManager.IsBridge(record.Network)) DetachNetwork(record.Id);
        Containers.Remove(record.Id);
        Events.Append(new EngineEvent { Type = "container", Action = "destroy", Subject = record.Id, Name = record.Name, Image = record.Image });
    }

    /// <summary>The containers, running ones only unless <paramref name="all"/>.</summary>
    public IReadOnlyList<ContainerRecord> List(bool all)
    {
        var list = Containers.List().Select(Refresh);
        return (all ? list : list.Where(c => c.State.Status is ContainerStatus.Running or ContainerStatus.Restarting)).ToList();
    }

    /// <summary>A container's record, its state checked against its shim (a shim that died without recording the end shows <c>dead</c>).</summary>
    public ContainerRecord Inspect(string nameOrId) => Refresh(Containers.Find(nameOrId));

    /// <summary>Waits until the container's shim has finished with it; returns its exit code.</summary>
    public int Wait(string nameOrId, CancellationToken cancellationToken = default)
    {
        var record = Containers.Find(nameOrId);
        while (IsShimAlive(record))
        {
            cancellationToken.ThrowIfCancellationRequested();
            Thread.Sleep(20);
            record = Containers.TryFind(record.Id) ?? record;
        }
        return (Containers.TryFind(record.Id) ?? record).State.ExitCode ?? 0;
    }

    /// <summary>Runs <paramref name="args"/> in a running container, as its user, in its working directory, with its environment plus the request's.</summary>
    public int Exec(string nameOrId, IReadOnlyList<string> args, ExecRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var (record, process) = ExecProcess(nameOrId, args, request, request.Tty);
        return Runtime.Exec(record.Id, process, new ExecOptions { Detach = request.Detach });
    }

    /// <summary>
    /// Checks an exec request against a running container and makes the process to run (the container's user,
    /// directory and environment unless the request says otherwise); records the <c>exec</c> event.
    /// </summary>
    private (ContainerRecord Record, ProcessSpec Process) ExecProcess(string nameOrId, IReadOnlyList<string> args, ExecRequest request, bool terminal)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(request);
        var record = Running(nameOrId);
        if (args.Count == 0) throw new EngineException("exec: no command given");
        foreach (var e in request.Env) ValidateEnv(e);
        var user = ImageUser.Resolve(LiveRootOf(record), request.User ?? record.User);
        var env = record.Env.ToList();
        foreach (var e in request.Env) Override(env, e);
        if (!env.Any(e => e.StartsWith("HOME=", StringComparison.Ordinal))) env.Add("HOME=" + user.Home);
        // As Docker's exec -t: a terminal is an xterm unless the container or the request says otherwise.
        if (terminal && !env.Any(e => e.StartsWith("TERM=", StringComparison.Ordinal))) env.Add("TERM=xterm");
        List<string> caps = [.. DefaultSecurity.Capabilities];
        var process = new ProcessSpec
        {
            Terminal = terminal,
            Args = [.. args],
            Env = env,
            Cwd = request.WorkingDir ?? record.WorkingDir,
            User = new UserSpec { Uid = user.Uid, Gid = user.Gid, AdditionalGids = user.AdditionalGids.Count > 0 ? [.. user.AdditionalGids] : null },
            Capabilities = new CapabilitiesSpec { Bounding = [.. caps], Effective = [.. caps], Permitted = [.. caps] },
            NoNewPrivileges = true,
        };
        Events.Append(new EngineEvent { Type = "container", Action = "exec", Subject = record.Id, Name = record.Name, Image = record.Image });
        return (record, process);
    }

    /// <summary>The record of a container that runs (its shim alive, its status running).</summary>
    /// <exception cref="EngineException">No such container, or it is not running.</exception>
    private ContainerRecord Running(string nameOrId)
    {
        var record = Containers.Find(nameOrId);
        if (!IsSupervisedHere(record) || record.State.Status != ContainerStatus.Running)
            throw new EngineException($"container {record.Name} is not running");
        return record;
    }

    /// <summary>The cgroup statistics of a running container.</summary>
    public CgroupStats Stats(string nameOrId)
    {
        var record = Containers.Find(nameOrId);
        if (!IsShimAlive(record)) throw new EngineException($"container {record.Name} is not running");
        try { return Runtime.Stats(record.Id); }
        catch (RuntimeException e) { throw new EngineException($"container {record.Name}: {e.Message}", e); }
    }

    /// <summary>
    /// A reader of container <paramref name="id"/>'s cgroup statistics that resolves the cgroup once. <see cref="Stats"/>
    /// finds the record among all of them (reading every container.json), loads the runtime's state and resolves its
    /// cgroup on each call; a sampler that reads many containers every second opens one reader per container instead.
    /// The caller owns the reader; it holds no file open.
    /// </summary>
    /// <exception cref="EngineException">The container has no runtime state (not running, or between two runs).</exception>
    public ContainerStatsReader OpenStats(string id)
    {
        try { return new ContainerStatsReader(Runtime.CgroupOf(id)); }
        catch (RuntimeException e) { throw new EngineException($"container {id}: {e.Message}", e); }
    }

    /// <summary>
    /// The processes of a running container, as a tree under its init, with user names from the container's own
    /// /etc/passwd. Sample it twice and use <see cref="ProcessTree.CpuPercent"/> for each process's CPU use.
    /// </summary>
    /// <exception cref="EngineException">No such container, or it is not running.</exception>
    public ProcessTree Top(string nameOrId)
    {
        var record = Containers.Find(nameOrId);
        if (!IsShimAlive(record)) throw new EngineException($"container {record.Name} is not running");
        return ProcessTree.Read(PidsOf(record), LiveRootOf(record));
    }

    /// <summary>The host pids of a container's processes (its cgroup's), as the runtime lists them.</summary>
    /// <exception cref="EngineException">The runtime has no such running container.</exception>
    private IReadOnlyList<int> PidsOf(ContainerRecord record)
    {
        try { return Runtime.Pids(record.Id); }
        catch (RuntimeException e) { throw new EngineException($"container {record.Name}: {e.Message}", e); }
        catch (CgroupException e) { throw new EngineException($"container {record.Name}: {e.Message}", e); }
    }

    /// <summary>
    /// The record once its shim is done with it, when the container has exited and the shim is only finishing
    /// (unmounting, recording); as it was otherwise.
    /// </summary>
    private ContainerRecord Finished(ContainerRecord record)
    {
        if (IsShimAlive(record) && record.State.Status is ContainerStatus.Exited or ContainerStatus.Dead)
        {
            WaitForShim(record, TimeSpan.FromSeconds(10));
            return Containers.TryFind(record.Id) ?? record;
        }
        return record;
    }

    /// <summary>
    /// The exit status Docker gives a container whose start failed with <paramref name="message"/>: 127 when its
    /// program is not found, 126 when it cannot be run, 125 for anything else (the engine's or the runtime's own).
    /// </summary>
    public static int StartFailureExitCode(string message)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (message.Contains("executable file not found", StringComparison.Ordinal) || message.Contains("no such executable", StringComparison.Ordinal)
            || message.Contains("no such file or directory", StringComparison.OrdinalIgnoreCase))
            return 127;
        if (message.Contains("permission denied", StringComparison.OrdinalIgnoreCase) || message.Contains("is a directory", StringComparison.OrdinalIgnoreCase)
            || message.Contains("EACCES", StringComparison.Ordinal))
            return 126;
        return 125;
    }

    /// <summary>Whether the shim of <paramref name="record"/> still supervises it.</summary>
    public static bool IsShimAlive(ContainerRecord record)
        => record.State.ShimPid > 0 && Processes.IsAlive(record.State.ShimPid, record.State.ShimStartTime);

    /// <summary>
    /// Whether the shim of <paramref name="record"/> still supervises it, for an action that goes through the runtime.
    /// </summary>
    /// <exception cref="EngineException">It runs under another runtime root than this engine's: that root's runtime
    /// holds its state, this one would find nothing to signal.</exception>
    private bool IsSupervisedHere(ContainerRecord record)
    {
        if (!IsShimAlive(record)) return false;
        if (record.State.RuntimeRoot is { } root && !SamePath(root, Options.RuntimeRoot))
            throw new EngineException($"container {record.Name} runs under the runtime root {root}, not {Options.RuntimeRoot}: give --root {root}");
        return true;
    }

    private static bool SamePath(string a, string b)
        => string.Equals(Path.TrimEndingDirectorySeparator(Path.GetFullPath(a)), Path.TrimEndingDirectorySeparator(Path.GetFullPath(b)), StringComparison.Ordinal);

    private ContainerRecord Refresh(ContainerRecord record)
    {
        // A shim killed outside our control leaves "running" behind: report the truth.
        if (record.State.Status is ContainerStatus.Running or ContainerStatus.Restarting && record.State.ShimPid > 0 && !IsShimAlive(record))
            record.State.Status = ContainerStatus.Dead;
        return record;
    }

    private bool TryKill(string id, int signal, bool all)
    {
        try
        {
            Runtime.Kill(id, signal, all);
            return true;
        }
        catch (RuntimeException)
        {
            return false;
        }
    }

    /// <summary>
    /// SIGKILLs the container until its shim is gone (30 s at most): once is not enough when it was between two runs
    /// (a restart), with no runtime container to signal yet.
    /// </summary>
    private void KillUntilGone(ContainerRecord record)
    {
        for (var i = 0; i < 30; i++)
        {
            TryKill(record.Id, Signals.SIGKILL, all: true);
            if (WaitForShim(record, TimeSpan.FromSeconds(1))) return;
        }
        throw new EngineException($"container {record.Name} did not stop within 30 s of SIGKILL");
    }

    private bool WaitForShim(ContainerRecord record, TimeSpan timeout)
    {
        var pidfd = Pidfd.TryOpen(record.State.ShimPid);
        if (pidfd < 0) return true;
        try
        {
            // The pid may have been reused between the liveness check and the open.
            if (!IsShimAlive(record)) return true;
            return Pidfd.WaitExit(pidfd, (int)timeout.TotalMilliseconds);
        }
        finally { Fd.Close(pidfd); }
    }

    private string FreeName()
    {
        var taken = Containers.Names();
        for (var i = 0; i < 100; i++)
        {
            var name = Names.Random();
            if (!taken.Contains(name)) return name;
        }
        return Names.Random() + "_" + Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(3));
    }

    private static void WriteEtcFiles(string dir, ContainerRecord record)
    {
        File.WriteAllText(Path.Combine(dir, "hostname"), record.Hostname + "\n");
        File.WriteAllText(Path.Combine(dir, "hosts"),
            NetworkManager.LoopbackHosts + (record.Network == "host" ? "" : $"127.0.1.1\t{record.Hostname}\n"));
        // With its own network namespace a container cannot reach the host's loopback resolvers; its lo is its own.
        var resolv = record.Network == "host" && File.Exists("/etc/resolv.conf") ? File.ReadAllText("/etc/resolv.conf")
            : NetworkManager.IsBridge(record.Network) ? NetworkManager.ResolvConf() : "";
        File.WriteAllText(Path.Combine(dir, "resolv.conf"), resolv);
        Directory.CreateDirectory(Path.Combine(dir, "bundle", "rootfs"));
    }

    /// <summary>The image's health check with the run's flags over it; null when there is none or it is turned off.</summary>
    private static HealthSettings? Health(HealthcheckConfig? image, RunOptions o)
    {
        if (o.NoHealthcheck) return null;
        List<string> test = o.HealthCommand is { } cmd ? ["CMD-SHELL", cmd] : image?.Test.ToList() ?? [];
        if (test.Count < 2 || test[0] is not ("CMD" or "CMD-SHELL")) return null;
        static TimeSpan Or(TimeSpan? given, TimeSpan? image, TimeSpan fallback) => given ?? (image is { } i && i > TimeSpan.Zero ? i : fallback);
        return new HealthSettings
        {
            Test = test,
            Interval = Or(o.HealthInterval, image?.Interval, HealthSettings.DefaultInterval),
            Timeout = Or(o.HealthTimeout, image?.Timeout, HealthSettings.DefaultTimeout),
            StartPeriod = Or(o.HealthStartPeriod, image?.StartPeriod, TimeSpan.Zero),
            Retries = o.HealthRetries ?? (image is { Retries: > 0 } i ? i.Retries : HealthSettings.DefaultRetries),
        };
    }

    private static List<string> MergeEnv(IReadOnlyList<string> image, IReadOnlyList<string> given, string hostname, bool tty)
    {
        var env = new List<string>();
        foreach (var e in image) Override(env, e);
        if (!env.Any(e => e.StartsWith("PATH=", StringComparison.Ordinal))) env.Insert(0, DefaultPath);
        Override(env, "HOSTNAME=" + hostname);
        if (tty) Override(env, "TERM=xterm");
        foreach (var e in given) Override(env, e);
        return env;
    }

    private static void Override(List<string> env, string entry)
    {
        if (entry.Length == 0) return;
        var key = entry[..(entry.IndexOf('=', StringComparison.Ordinal) is var i and >= 0 ? i : entry.Length)];
        env.RemoveAll(x => x.StartsWith(key + "=", StringComparison.Ordinal));
        env.Add(entry);
    }

    /// <summary>
    /// An entry must be <c>NAME=value</c>: the engine never fills a bare name from its own environment (the CLI does
    /// that for <c>-e NAME</c>, from the user's), so no caller can read the engine's variables through a container.
    /// </summary>
    private static void ValidateEnv(string e)
    {
        var eq = e.IndexOf('=', StringComparison.Ordinal);
        var key = eq < 0 ? e : e[..eq];
        if (key.Length == 0 || key.Any(c => char.IsWhiteSpace(c) || c == '\0'))
            throw new EngineException($"invalid environment variable \"{e}\": it needs a name without spaces");
        if (eq < 0) throw new EngineException($"environment variable \"{e}\" has no value: give {e}=VALUE");
    }

    private static void Validate(RunOptions o)
    {
        if (o.Name is { } name && !ContainerStore.IsValidName(name))
            throw new EngineException($"invalid container name \"{name}\": use letters, digits, '_', '.' and '-', starting with a letter or digit");
        foreach (var e in o.Env) ValidateEnv(e);
        if (o.Memory is { } m && m < 6 << 20) throw new EngineException($"--memory {m}: the minimum memory limit is 6 MiB");
        if (o.Cpus is { } c && (c <= 0 || c > Environment.ProcessorCount || double.IsNaN(c)))
            throw new EngineException($"--cpus {c.ToString(CultureInfo.InvariantCulture)}: give a number above 0 and at most {Environment.ProcessorCount} (the CPUs of this host)");
        if (NetworkManager.IsBridge(o.Network) && !NetworkManager.IsValidName(o.Network))
            throw new EngineException($"--network {o.Network}: give none, host or a network's name");
        if (o.Ports.Count > 0 && !NetworkManager.IsBridge(o.Network))
            throw new EngineException($"-p needs a bridge network (--network {o.Network} has no ports of its own to publish); use --network {NetworkManager.DefaultNetwork} or another network");
        if (o.NetworkAliases.Count > 0 && !NetworkManager.IsBridge(o.Network))
            throw new EngineException($"network aliases need a bridge network (--network {o.Network} has no other containers to name it)");
        foreach (var alias in o.NetworkAliases)
        {
            if (!ContainerStore.IsValidName(alias))
                throw new EngineException($"invalid network alias \"{alias}\": use letters, digits, '_', '.' and '-', starting with a letter or digit");
        }
        foreach (var port in o.Ports)
        {
            try { PortMapping.Parse(port); }
            catch (NetworkException e) { throw new EngineException(e.Message, e); }
        }
        if (o.UserNamespace is not ("host" or "auto")) throw new EngineException($"--userns {o.UserNamespace}: only host and auto are available");
        if (o.Hostname is { } h && (h.Length is 0 or > 64 || !h.All(ch => char.IsAsciiLetterOrDigit(ch) || ch is '-' or '.')))
            throw new EngineException($"invalid hostname \"{h}\": at most 64 letters, digits, '-' and '.'");
        if (o.WorkingDir is { } w && !w.StartsWith('/')) throw new EngineException($"--workdir {w}: the working directory must be an absolute path");
        if (o.StopSignal is { } s)
        {
            try { Signals.Parse(s); }
            catch (ArgumentException e) { throw new EngineException($"--stop-signal: {e.Message}", e); }
        }
        if (o.StopTimeout is < 0) throw new EngineException("--stop-timeout must be 0 or more seconds");
        if (o.HealthInterval is { } hi && hi < TimeSpan.FromMilliseconds(100)) throw new EngineException("--health-interval must be at least 100ms");
        if (o.HealthTimeout is { } ht && ht < TimeSpan.FromMilliseconds(100)) throw new EngineException("--health-timeout must be at least 100ms");
        if (o.HealthStartPeriod is { } hs && hs < TimeSpan.Zero) throw new EngineException("--health-start-period must be 0 or more");
        if (o.HealthRetries is < 1) throw new EngineException("--health-retries must be 1 or more");
        if (o.HealthCommand is "") throw new EngineException("--health-cmd must not be empty");
        foreach (var t in o.Tmpfs)
        {
            var path = t.Split(':')[0];
            if (!path.StartsWith('/') || path == "/") throw new EngineException($"--tmpfs {t}: the mount point must be an absolute path other than /");
        }
        foreach (var v in o.Volumes)
        {
            var parts = v.Split(':');
            if (parts.Length is < 2 or > 3 || (parts.Length == 3 && parts[2] is not ("ro" or "rw")))
                throw new EngineException($"-v {v}: give HOST-PATH:CONTAINER-PATH[:ro|rw]");
            if (!parts[0].StartsWith('/')) throw new EngineException($"-v {v}: named volumes are not supported; the host path must be absolute");
            if (!parts[1].StartsWith('/') || parts[1] == "/") throw new EngineException($"-v {v}: the container path must be an absolute path other than /");
            if (parts[0].Contains(',', StringComparison.Ordinal)) throw new EngineException($"-v {v}: the host path may not hold ','");
        }
    }
}
