namespace Berth.Linux;

/// <summary>prctl(2) operations the runtime uses. Per-thread ones act on the calling thread.</summary>
public static class Prctl
{
    private const int PR_SET_PDEATHSIG = 1;
    private const int PR_GET_DUMPABLE = 3;
    private const int PR_SET_DUMPABLE = 4;
    private const int PR_SET_KEEPCAPS = 8;
    private const int PR_SET_NAME = 15;
    private const int PR_CAPBSET_READ = 23;
    private const int PR_CAPBSET_DROP = 24;
    private const int PR_SET_CHILD_SUBREAPER = 36;
    private const int PR_SET_NO_NEW_PRIVS = 38;
    private const int PR_GET_NO_NEW_PRIVS = 39;
    private const int PR_CAP_AMBIENT = 47;
    private const int PR_CAP_AMBIENT_RAISE = 2;
    private const int PR_CAP_AMBIENT_CLEAR_ALL = 4;

    /// <summary>Makes the caller reap orphaned descendants (PR_SET_CHILD_SUBREAPER).</summary>
    public static void SetChildSubreaper() => Call(PR_SET_CHILD_SUBREAPER, 1, "PR_SET_CHILD_SUBREAPER");

    /// <summary>Sets no_new_privs, inherited across execve and never cleared.</summary>
    public static void SetNoNewPrivileges() => Call(PR_SET_NO_NEW_PRIVS, 1, "PR_SET_NO_NEW_PRIVS");

    /// <summary>Whether no_new_privs is set.</summary>
    public static bool GetNoNewPrivileges() => Libc.prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1;

    /// <summary>
    /// Clears the dumpable flag (PR_SET_DUMPABLE 0): /proc/PID/{exe,fd,cwd,root,mem,environ} of the caller then need
    /// CAP_SYS_PTRACE, so processes of a container cannot reach what a runtime process that entered it holds. The
    /// next execve sets it again (for a payload that is not set-user-id).
    /// </summary>
    public static void ClearDumpable() => Call(PR_SET_DUMPABLE, 0, "PR_SET_DUMPABLE");

    /// <summary>Whether the caller is dumpable (PR_GET_DUMPABLE).</summary>
    public static bool IsDumpable() => Libc.prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) == 1;

    /// <summary>Keeps permitted capabilities across a change away from uid 0.</summary>
    public static void SetKeepCapabilities(bool keep) => Call(PR_SET_KEEPCAPS, keep ? 1UL : 0, "PR_SET_KEEPCAPS");

    /// <summary>Signal delivered to the caller when its parent thread dies.</summary>
    public static void SetParentDeathSignal(int signal) => Call(PR_SET_PDEATHSIG, (ulong)signal, "PR_SET_PDEATHSIG");

    /// <summary>Whether capability <paramref name="cap"/> is in the bounding set.</summary>
    public static bool InBoundingSet(int cap) => Libc.prctl(PR_CAPBSET_READ, (ulong)cap, 0, 0, 0) == 1;

    /// <summary>Drops <paramref name="cap"/> from the bounding set.</summary>
    public static void DropFromBoundingSet(int cap) => Call(PR_CAPBSET_DROP, (ulong)cap, $"PR_CAPBSET_DROP {cap}");

    /// <summary>Raises <paramref name="cap"/> in the ambient set (it must be permitted and inheritable).</summary>
    public static void RaiseAmbient(int cap)
    {
        if (Libc.prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, (ulong)cap, 0, 0) != 0)
            throw LinuxException.FromLastError("prctl", $"PR_CAP_AMBIENT_RAISE {cap}");
    }

    /// <summary>Clears the ambient set.</summary>
    public static void ClearAmbient()
    {
        if (Libc.prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0)
            throw LinuxException.FromLastError("prctl", "PR_CAP_AMBIENT_CLEAR_ALL");
    }

    /// <summary>Sets the calling thread's name (15 bytes at most are kept).</summary>
    public static unsafe void SetName(string name)
    {
        var bytes = new byte[16];
        System.Text.Encoding.UTF8.GetBytes(name.AsSpan(0, Math.Min(15, name.Length)), bytes);
        fixed (byte* p = bytes) Libc.prctl(PR_SET_NAME, (ulong)p, 0, 0, 0);
    }

    private static void Call(int option, ulong arg, string what)
    {
        if (Libc.prctl(option, arg, 0, 0, 0) != 0) throw LinuxException.FromLastError("prctl", what);
    }
}
