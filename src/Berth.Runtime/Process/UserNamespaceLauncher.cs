using Berth.Linux;
using Berth.Runtime.Spec;

namespace Berth.Runtime.Process;

/// <summary>
/// Starts the init of a container with a user namespace. A multithreaded process cannot unshare one, so the init is
/// cloned by native code (<see cref="UserNamespaceSpawn"/>) with every new namespace at once, the user namespace
/// first, so that it owns the others: the kernel then lets the container's root mount proc (the pid namespace),
/// sysfs (the network namespace) and mqueue (the ipc namespace) in them. The child waits until this thread has
/// written its id maps, then execs <c>berth __init</c>, which still has the host's ids for its state files and
/// cgroup, and becomes the namespace's root before it builds the root file system (see <see cref="ContainerInit"/>).
/// A user namespace joined by path is entered by the child with setns, which then unshares the new namespaces in it.
/// </summary>
internal static class UserNamespaceLauncher
{
    /// <summary>Whether the spec asks for a user namespace, new or joined.</summary>
    public static bool Wanted(RuntimeSpec spec) => spec.Linux?.Namespaces?.Any(n => n.Type == "user") ?? false;

    /// <summary>The thread body: the counterpart of InitLauncher's for a container with a user namespace.</summary>
    public static void Launch(LaunchedInit launched, string berthPath, string stateDir, RuntimeSpec spec, Dictionary<int, int> fds, int childEnd)
    {
        UserNamespaceChild? child = null;
        var userNsFd = -1;
        try
        {
            var user = spec.Linux!.Namespaces!.First(n => n.Type == "user");
            // The init unshares the cgroup namespace itself, once in its cgroup (as without a user namespace).
            var fresh = InitLauncher.NewNamespaces(spec) & ~NamespaceType.CLONE_NEWCGROUP;
            InitLauncher.JoinNamespaces(spec);
            var options = new SpawnOptions
            {
                Path = berthPath,
                Args = ["berth", "__init", stateDir],
                Env = Environment.GetEnvironmentVariable("BERTH_TRACE") is { } t ? ["BERTH_TRACE=" + t] : [],
                Fds = fds,
            };
            if (string.IsNullOrEmpty(user.Path))
            {
                child = UserNamespaceSpawn.Start(options, fresh, -1, NamespaceType.None, holdForMappings: true);
                UserNamespaceSpawn.WriteMappings(child.Pid, Ranges(spec.Linux.UidMappings), Ranges(spec.Linux.GidMappings));
                child.Release();
            }
            else
            {
                userNsFd = Fd.TryOpen(user.Path, Fd.O_RDONLY, out var errno);
                if (userNsFd < 0) throw new LinuxException("open", errno, user.Path);
                child = UserNamespaceSpawn.Start(options, NamespaceType.None, userNsFd, fresh & ~NamespaceType.CLONE_NEWUSER, holdForMappings: false);
            }
            child.WaitExec();
            launched.Pid = child.Pid;
        }
        catch (LinuxException e)
        {
            if (child is not null) child.Kill();
            launched.SpawnError = new RuntimeException(Explain(e), e);
        }
        finally
        {
            child?.Dispose();
            Fd.Close(userNsFd);
            Fd.Close(childEnd);
            launched.Spawned.Set();
        }
    }

    private static IEnumerable<(uint, uint, uint)> Ranges(List<IdMappingSpec>? list)
        => (list ?? []).Select(m => (m.ContainerID, m.HostID, m.Size));

    private static string Explain(LinuxException e)
        => e.Syscall == "write" && e.Detail?.Contains("_map", StringComparison.Ordinal) == true
            ? $"linux.uidMappings/gidMappings: the kernel refused the map: {e.Message}"
            : $"user namespace: {e.Message}";
}
