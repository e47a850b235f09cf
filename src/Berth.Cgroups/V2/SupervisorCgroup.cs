using System.Globalization;
using Berth.Linux;

namespace Berth.Cgroups.V2;

/// <summary>
/// The leaf that takes the processes of berth's own cgroup on cgroup v2, so that controllers can be enabled for the
/// containers nested beside it. v2's no-internal-process rule (Documentation/admin-guide/cgroup-v2.rst, "No Internal
/// Process Constraint") refuses with EBUSY a controller in the <c>cgroup.subtree_control</c> of a non-root cgroup
/// that holds processes, and on a systemd host berth's own cgroup (a session scope, a service) always does. As a
/// <c>Delegate=yes</c> service or docker-in-docker does, those processes move into a leaf child,
/// <c>berth.supervisor</c>; the containers' cgroups are then made beside it.
/// </summary>
internal static class SupervisorCgroup
{
    /// <summary>The leaf's name, a child of the cgroup berth was started in.</summary>
    internal const string Name = "berth.supervisor";

    /// <summary>Rounds of moving before processes that keep appearing are given up on.</summary>
    private const int MaxRounds = 100;

    /// <summary>
    /// The cgroup containers nest under when the caller sits at <paramref name="ownPath"/>: its parent when the
    /// caller is already in the leaf (moved there by an earlier berth, or started by a process that was), else the
    /// cgroup itself.
    /// </summary>
    internal static string BaseOf(string ownPath)
    {
        var suffix = "/" + Name;
        if (!ownPath.EndsWith(suffix, StringComparison.Ordinal))
        {
            return ownPath;
        }

        var parent = ownPath[..^suffix.Length];
        return parent.Length == 0 ? "/" : parent;
    }

    /// <summary>
    /// Whether <paramref name="dir"/> is its hierarchy's root cgroup, which the kernel exempts from the
    /// no-internal-process rule and whose processes (kernel threads among them) are never moved. The kernel leaves
    /// <c>cgroup.type</c> off the root alone (CFTYPE_NOT_ON_ROOT); the root of a cgroup namespace has it, and is
    /// treated as docker-in-docker treats it.
    /// </summary>
    internal static bool IsHierarchyRoot(string dir) => !CgroupFiles.Exists(dir, "cgroup.type");

    /// <summary>
    /// Moves every process of the cgroup at <paramref name="dir"/> (cgroup path <paramref name="cgroupPath"/>, as
    /// <c>/proc/PID/cgroup</c> names it) into its leaf <see cref="Name"/>, made when missing, until its
    /// <c>cgroup.procs</c> reads empty: processes that fork meanwhile are taken in the next round. Safe when another
    /// berth does the same at once (the leaf may exist, a process may already be moved or gone). A process listed
    /// but seen in another cgroup by then (such as a container's init that joined its own) is left where it is.
    /// Throws <see cref="CgroupException"/> naming the pid and the file when the kernel refuses to move a process,
    /// or when processes keep appearing.
    /// </summary>
    internal static void Evict(string dir, string cgroupPath)
    {
        var leaf = System.IO.Path.Join(dir, Name);
        CgroupFiles.MakeDirectory(leaf);
        for (var round = 0; round < MaxRounds; round++)
        {
            var pids = new SortedSet<int>();
            CgroupFiles.ReadPids(dir, pids);
            if (pids.Count == 0)
            {
                return;
            }

            foreach (var pid in pids.Where(p => CgroupOf(p) == cgroupPath))
            {
                MoveProcess(pid, dir, leaf);
            }
        }

        throw new CgroupException(
            $"processes kept appearing in {System.IO.Path.Join(dir, "cgroup.procs")} while moving them into {leaf} ({MaxRounds} rounds)");
    }

    /// <summary>Moves process <paramref name="pid"/> into <paramref name="to"/>; one that has exited meanwhile is fine.</summary>
    internal static void MoveProcess(int pid, string from, string to)
    {
        var value = pid.ToString(CultureInfo.InvariantCulture);
        var target = System.IO.Path.Join(to, "cgroup.procs");
        var errno = Fd.TryWriteFile(target, System.Text.Encoding.ASCII.GetBytes(value));
        if (errno is 0 or Errno.ESRCH)
        {
            return;
        }

        var refused = new CgroupException("write", target, value, errno);
        throw new CgroupException(
            $"cannot move process {pid} out of {System.IO.Path.Join(from, "cgroup.procs")} ({refused.Message}): berth moves the " +
            $"processes of its own cgroup into {Name} so that controllers can be enabled for the containers nested beside it; " +
            "set BERTH_CGROUP_PARENT to a cgroup without processes instead", refused);
    }

    /// <summary>The unified cgroup of <paramref name="pid"/> from its <c>0::</c> line, or null once it has exited.</summary>
    private static string? CgroupOf(int pid)
    {
        var text = Fd.TryReadText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/cgroup", out _);
        if (text is null)
        {
            return null;
        }

        foreach (var line in text.Split('\n'))
        {
            if (line.StartsWith("0::", StringComparison.Ordinal))
            {
                return line[3..];
            }
        }

        return null;
    }
}
