using System.Globalization;
using System.Text.Json;
using Berth.Cgroups;
using Berth.Linux;
using Berth.Runtime.Spec;
using Berth.Runtime.State;

namespace Berth.Runtime.Process;

/// <summary>
/// <c>berth __exec</c>: an extra process entering a running container. It was spawned from a thread already in
/// the container's pid, ipc, uts and network namespaces; it joins the cgroup, the cgroup and mount namespaces,
/// sets up the terminal, and execs the process with the container's security settings (its AppArmor profile and
/// SELinux label too, unless the process names its own).
/// </summary>
public static class ExecInit
{
    /// <summary>Runs the exec helper; returns only on failure.</summary>
    public static int Run(string stateDir, string processFile, int initPid, string? consoleSocket)
    {
        using var sync = new SyncChannel(ContainerInit.SyncFd);
        try
        {
            // Until the exec, nothing in the container may open our /proc/PID files (see RuntimeBinary).
            Prctl.ClearDumpable();
            Prctl.SetName("berth-exec");
            var state = StateSerializer.Read(File.ReadAllBytes(Path.Combine(stateDir, StateStore.StateFile)), StateStore.StateFile);
            var spec = SpecLoader.Read(Path.Combine(stateDir, StateStore.ConfigFile));
            var process = SpecReader.ReadProcess(File.ReadAllBytes(processFile), processFile);
            File.Delete(processFile);
            // As runc: a process without labels of its own runs under the container's, confined as the container is.
            if (string.IsNullOrEmpty(process.ApparmorProfile)) process.ApparmorProfile = spec.Process?.ApparmorProfile;
            if (string.IsNullOrEmpty(process.SelinuxLabel)) process.SelinuxLabel = spec.Process?.SelinuxLabel;
            CgroupManagerFactory.Create(ContainerRuntime.LayoutOf(state), state.CgroupPath, state.CgroupParent).AddProcess(0);

            var pid = initPid.ToString(CultureInfo.InvariantCulture);
            if (Differs("cgroup", pid)) Namespaces.Join($"/proc/{pid}/ns/cgroup", NamespaceType.CLONE_NEWCGROUP);
            var consoleFd = process.Terminal && consoleSocket is not null ? UnixSockets.Connect(consoleSocket) : -1;
            // As the init does (see SeccompListener): connected while the host's paths are reachable. /proc is still
            // the host's, so /proc/self is this process's host pid.
            var seccompListener = spec.Linux?.Seccomp is { ListenerPath: { Length: > 0 } listenerPath } notify
                ? Security.SeccompListener.Connect(listenerPath, notify.ListenerMetadata,
                    int.Parse(new FileInfo("/proc/self").LinkTarget!, CultureInfo.InvariantCulture),
                    ContainerInit.StateJson(state, spec, "running", initPid))
                : null;
            if (spec.Linux?.Seccomp is not null) Security.Seccomp.Preload();
            if (Differs("mnt", pid))
            {
                using var mnt = Fd.Open($"/proc/{pid}/ns/mnt", Fd.O_RDONLY);
                Namespaces.Unshare(NamespaceType.CLONE_FS);
                Namespaces.Join(mnt.DangerousGetHandle().ToInt32(), NamespaceType.CLONE_NEWNS, $"/proc/{pid}/ns/mnt");
                Mounts.Chdir("/");
            }
            if (process.Terminal) ProcessFinalizer.HandOverTerminal(process, consoleFd, sync, bindConsole: false);
            var exe = ProcessFinalizer.ResolveExecutable(process);
            Security.RlimitApplier.Apply(process.Rlimits);
            ProcessFinalizer.ExecPayload(process, exe, spec.Linux?.Seccomp, seccompListener);
            return 0;
        }
        catch (Exception e) when (e is RuntimeException or LinuxException or IOException or UnauthorizedAccessException
                                      or Security.SecurityConfigException or CgroupException or JsonException)
        {
            sync.TrySendError(e.Message);
            return 1;
        }
    }

    /// <summary>Whether the namespace <paramref name="ns"/> of <paramref name="pid"/> is not the caller's.</summary>
    public static bool Differs(string ns, string pid)
        => new FileInfo($"/proc/self/ns/{ns}").LinkTarget != new FileInfo($"/proc/{pid}/ns/{ns}").LinkTarget;
}
