using System.Globalization;
using System.Runtime.InteropServices;
using Berth.Linux;

namespace Berth.Cgroups;

/// <summary>Signals the processes of a cgroup with kill(2).</summary>
internal static class ProcessSignals
{
    /// <summary>Sends <paramref name="signal"/> to each pid; processes that already exited (ESRCH) are skipped.</summary>
    internal static void Send(IEnumerable<int> pids, int signal, string dir)
    {
        var self = Environment.ProcessId;
        foreach (var pid in pids)
        {
            // A thread of ours can still be listed while it leaves the cgroup (a runtime thread that joined it
            // to spawn the init): never signal ourselves.
            if (pid == self)
            {
                continue;
            }

            var errno = Signals.TryKill(pid, signal);
            if (errno != 0)
            {
                if (errno != Errno.ESRCH)
                {
                    throw new CgroupException("kill", $"pid {pid} of {dir}", signal.ToString(CultureInfo.InvariantCulture), errno);
                }
            }
        }
    }

    /// <summary>
    /// Kills everything in the cgroup: SIGKILL (after <paramref name="beforeRound"/>, which thaws or uses cgroup.kill)
    /// until no pid is left, for at most about two seconds; what remains makes the following rmdir fail.
    /// </summary>
    internal static void KillAll(Func<IReadOnlyList<int>> getPids, Action beforeRound, string dir)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(2);
        while (true)
        {
            var pids = getPids();
            if (pids.Count == 0 || DateTime.UtcNow >= deadline)
            {
                return;
            }

            beforeRound();
            Send(pids, Signals.SIGKILL, dir);
            Thread.Sleep(10);
        }
    }
}
