using System.Text.Json;
using Berth.Cgroups;
using Berth.Linux;
using Berth.Runtime.Hooks;
using Berth.Runtime.Rootfs;
using Berth.Runtime.Spec;
using Berth.Runtime.State;

namespace Berth.Runtime.Process;

/// <summary>
/// The container's first process before it becomes the payload. It is <c>berth</c> re-exec'd by the monitor
/// from a thread that unshared the container's namespaces, so it starts as PID 1 in them; told to go, it joins its cgroup,
/// builds the root file system, reports <c>ready</c>, waits on the exec FIFO for <c>start</c>, then execs.
/// </summary>
public static class ContainerInit
{
    /// <summary>The descriptor the monitor hands the init for the sync channel.</summary>
    public const int SyncFd = 3;

    /// <summary>The start of the message that lets the init go on; the container's state JSON follows it.</summary>
    public static ReadOnlySpan<byte> GoPrefix => "go "u8;

    private static bool s_started;

    /// <summary>Runs the init for the container whose state directory is <paramref name="stateDir"/>. Returns only on failure (exit code).</summary>
    public static int Run(string stateDir)
    {
        using var sync = new SyncChannel(SyncFd);
        try
        {
            RunCore(stateDir, sync);
            return 0; // not reached: RunCore execs
        }
        catch (Exception e) when (e is RuntimeException or LinuxException or IOException or UnauthorizedAccessException
                                      or Security.SecurityConfigException or CgroupException)
        {
            // Before ready the monitor reports it to the caller; after start nobody listens, so the
            // container's stderr is where it shows (as with an exec failure in a shell).
            if (s_started) Console.Error.WriteLine($"berth: {e.Message}");
            else sync.TrySendError(e.Message);
            return s_started ? 127 : 1;
        }
    }

    private static void RunCore(string stateDir, SyncChannel sync)
    {
        // Until the payload's exec, nothing in the container may open our /proc/PID files (see RuntimeBinary).
        Prctl.ClearDumpable();
        // Started through a descriptor, the process would be named after its number.
        Prctl.SetName("berth-init");
        Trace.Mark("init");
        var go = sync.ReceiveBytes(out var netns);
        if (!go.AsSpan().StartsWith(GoPrefix)) throw new RuntimeException("the runtime went away before the container was set up");
        if (netns >= 0)
        {
            // The runtime made our new network namespace while we started up (see InitLauncher). Net namespaces
            // are per thread: this one execs the payload, which keeps it.
            Namespaces.Join(netns, NamespaceType.CLONE_NEWNET, "the container's new network namespace");
            Fd.Close(netns);
        }
        Trace.Mark("init: go");
        // The state comes with "go": the runtime writes state.json while we set up.
        var state = StateSerializer.Read(go.AsMemory(GoPrefix.Length), "the state sent with go");
        var spec = SpecLoader.Read(Path.Combine(stateDir, StateStore.ConfigFile));
        var process = spec.Process!;
        Trace.Mark("init: read");
        var namespaces = spec.Linux?.Namespaces ?? [];
        // /proc is still the host's here, so /proc/self names our pid as the host sees it (hooks want that one).
        var hostPid = int.Parse(new FileInfo("/proc/self").LinkTarget!, System.Globalization.CultureInfo.InvariantCulture);

        if (process.OomScoreAdj is { } adj)
        {
            var errno = Fd.TryWriteFile("/proc/self/oom_score_adj", System.Text.Encoding.ASCII.GetBytes(adj.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            if (errno != 0)
                throw new RuntimeException($"process.oomScoreAdj: {adj}: {new LinuxException("write", errno, "/proc/self/oom_score_adj").Message}" +
                    (errno is Errno.EACCES or Errno.EPERM && adj < 0 ? " (lowering it needs CAP_SYS_RESOURCE, which this host's root lacks)" : ""));
        }

        // Resolved against the creator's cgroup: once joined, our own cgroup is the container's.
        var cgroup = CgroupManagerFactory.Create(ContainerRuntime.LayoutOf(state), state.CgroupPath, state.CgroupParent);
        // Only now does the cgroup surely exist (the runtime creates it while this process starts up). Moving
        // this thread alone is cheap (see ICgroupManager.AddCurrentThread) and enough: it is the one that execs
        // the payload, and the exec ends every other thread. Where a hierarchy takes only whole processes, the
        // whole process moves.
        if (!cgroup.AddCurrentThread()) cgroup.AddProcess(0);
        var newCgroupNs = namespaces.Any(n => n.Type == "cgroup" && string.IsNullOrEmpty(n.Path));
        // The cgroup namespace's root is the cgroup its creator is in: unshare only after joining ours.
        if (newCgroupNs) Namespaces.Unshare(NamespaceType.CLONE_NEWCGROUP);

        Trace.Mark("init: cgroup");
        // Opened read-write so that our own read blocks (a FIFO with no other writer would give EOF);
        // `start` opens it for writing, which succeeds only while we hold it, and writes one byte.
        using var fifo = Fd.Open(Path.Combine(stateDir, StateStore.ExecFifo), Fd.O_RDWR);
        var hooksFifo = spec.Hooks?.StartContainer is { Count: > 0 } ? Fd.Open(Path.Combine(stateDir, StateStore.HooksFifo), Fd.O_RDWR) : null;
        var consoleSocket = process.Terminal && state.ConsoleSocket is { } cs ? UnixSockets.Connect(cs) : -1;
        // Connected while the host's paths are reachable; the listener goes over it once the filter is loaded.
        var seccompListener = spec.Linux?.Seccomp is { ListenerPath: { Length: > 0 } listenerPath } notify
            ? Security.SeccompListener.Connect(listenerPath, notify.ListenerMetadata, hostPid, StateJson(state, spec, "running", hostPid))
            : null;

        Trace.Mark("init: fifo");
        var userNs = UserNamespaceLauncher.Wanted(spec);
        // Up to here the host's ids opened our state files and joined the cgroup; what we make from now on (mount
        // points, devices, tmpfs roots) must belong to the container's root, and the file systems mounted in the
        // user namespace take no other owner (see UserNamespaceLauncher).
        if (userNs) BecomeNamespaceRoot();
        var rootfs = new RootfsBuilder(spec, state.Rootfs, cgroup, newCgroupNs) { InUserNamespace = userNs };
        rootfs.Prepare();
        Trace.Mark("init: mounted");

        var hooks = spec.Hooks;
        if (hooks?.Prestart is { Count: > 0 } || hooks?.CreateRuntime is { Count: > 0 })
        {
            // These run in the runtime's namespaces, so the monitor runs them and answers.
            sync.Send("hooks");
            var answer = sync.Receive();
            if (answer != "ok") throw new RuntimeException(answer?.StartsWith("error: ", StringComparison.Ordinal) == true ? answer[7..] : "monitor went away during hooks");
        }
        HookRunner.Run("createContainer", hooks?.CreateContainer, () => StateJson(state, spec, "created", hostPid));

        if (spec.Linux?.Seccomp is not null) Security.Seccomp.Preload();
        Trace.Mark("init: hooks");
        rootfs.EnterRoot(state.NoPivot);
        Trace.Mark("init: pivoted");
        if (!string.IsNullOrEmpty(spec.Hostname)) HostIdentity.SetHostname(spec.Hostname);
        if (!string.IsNullOrEmpty(spec.Domainname)) HostIdentity.SetDomainname(spec.Domainname);
        rootfs.Finish();
        if (!state.NoNewKeyring) Keyrings.JoinNewSessionKeyring();
        if (spec.Linux?.Personality is { } persona)
            Personality.Set(persona.Domain == "LINUX32" ? Personality.Linux32 : Personality.Linux);

        if (process.Terminal) ProcessFinalizer.HandOverTerminal(process, consoleSocket, sync, bindConsole: true);

        Trace.Mark("init: finished");
        var executable = ProcessFinalizer.ResolveExecutable(process);
        // Before ready, so that limits the kernel refuses fail create rather than start (as with runc).
        Security.RlimitApplier.Apply(process.Rlimits);
        Trace.Mark("init: ready");
        sync.Send("ready");

        Span<byte> one = stackalloc byte[1];
        if (Fd.Read(fifo.DangerousGetHandle().ToInt32(), one) != 1) throw new RuntimeException("exec FIFO closed before start");
        s_started = true;
        Trace.Mark("init: start");
        if (hooksFifo is not null)
        {
            var outcome = "ok";
            try { HookRunner.Run("startContainer", hooks!.StartContainer, () => StateJson(state, spec, "running", hostPid)); }
            catch (RuntimeException e) { outcome = "error: " + e.Message; }
            Fd.WriteAll(hooksFifo.DangerousGetHandle().ToInt32(), System.Text.Encoding.UTF8.GetBytes(outcome));
            hooksFifo.Dispose();
            if (outcome != "ok") throw new RuntimeException(outcome[7..]);
        }
        ProcessFinalizer.ExecPayload(process, executable, spec.Linux?.Seccomp, seccompListener);
    }

    /// <summary>
    /// Takes uid and gid 0 of the user namespace on this thread (the one that execs the payload), keeping its
    /// capabilities there (a change to the namespace's root does). Supplementary groups of the host go too.
    /// </summary>
    private static void BecomeNamespaceRoot()
    {
        try
        {
            Credentials.SetGroups([]);
            Credentials.SetGid(0);
            Credentials.SetUid(0);
        }
        catch (LinuxException e)
        {
            throw new RuntimeException($"user namespace: cannot become its root: {e.Message}", e);
        }
    }

    /// <summary>The OCI state JSON hooks receive on stdin.</summary>
    public static string StateJson(ContainerState state, RuntimeSpec spec, string status, int pid)
    {
        var s = new OciState
        {
            Id = state.Id, Pid = pid, Status = status, Bundle = state.Bundle, Rootfs = state.Rootfs,
            Created = state.Created, Annotations = spec.Annotations,
        };
        return StateSerializer.WriteOci(s, indented: false);
    }
}
