using Berth.Linux;
using Berth.Runtime.Security;
using Berth.Runtime.Spec;

namespace Berth.Runtime.Process;

/// <summary>
/// The last steps before a container process execs its payload, shared by the container init and
/// <c>exec</c>: terminal, executable lookup, rlimits, identity, capabilities, no_new_privs and seccomp, all on
/// the calling thread (capabilities, seccomp and the exec's security labels are per-thread), then execve from that same thread.
/// </summary>
public static class ProcessFinalizer
{
    private const string DefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    /// <summary>
    /// Opens a pty through the container's /dev/ptmx, makes its slave the caller's controlling terminal and stdio,
    /// and returns the master for the caller to hand over (console socket or monitor). Call after entering the root.
    /// </summary>
    public static int SetupTerminal(ProcessSpec process, bool bindConsole)
    {
        var (master, slavePath) = Terminals.OpenPty("/dev/ptmx", "/dev/pts");
        if (process.ConsoleSize is { } size) Terminals.SetSize(master, size.Height, size.Width);
        if (bindConsole)
        {
            if (!Path.Exists("/dev/console")) File.WriteAllBytes("/dev/console", []);
            Mounts.Mount(slavePath, "/dev/console", null, MountFlags.MS_BIND);
        }
        try { Processes.NewSession(); }
        catch (LinuxException e) when (e.Errno == Errno.EPERM) { /* already a session leader */ }
        using var slave = Fd.Open(slavePath, Fd.O_RDWR);
        var s = slave.DangerousGetHandle().ToInt32();
        Terminals.SetControllingTerminal(s);
        Fd.Dup2(s, 0);
        Fd.Dup2(s, 1);
        Fd.Dup2(s, 2);
        return master;
    }

    /// <summary>
    /// Sets up the terminal (see <see cref="SetupTerminal"/>) and hands its master over: through the console
    /// socket <paramref name="consoleFd"/> when there is one (as runc does, with the name <c>/dev/ptmx</c>),
    /// else to the runtime over <paramref name="sync"/> (<c>pty</c>), which proxies it.
    /// </summary>
    public static void HandOverTerminal(ProcessSpec process, int consoleFd, SyncChannel sync, bool bindConsole)
    {
        var master = SetupTerminal(process, bindConsole);
        try
        {
            if (consoleFd >= 0) UnixSockets.Send(consoleFd, "/dev/ptmx"u8, [master]);
            else sync.Send("pty", master);
        }
        finally
        {
            Fd.Close(consoleFd);
            Fd.Close(master);
        }
    }

    /// <summary>
    /// Finds the program to run the way execvp does, inside the (already entered) root: an argv[0] with a slash
    /// is taken as is (relative to the cwd), otherwise PATH from the process environment is searched.
    /// </summary>
    /// <exception cref="RuntimeException">Nothing executable was found.</exception>
    public static string ResolveExecutable(ProcessSpec process)
    {
        var name = process.Args![0];
        if (name.Contains('/', StringComparison.Ordinal))
        {
            var full = name.StartsWith('/') ? name : Path.Combine(process.Cwd, name);
            if (!IsExecutable(full)) throw new RuntimeException($"exec: \"{name}\": no such executable file");
            return full;
        }
        var pathVar = process.Env?.LastOrDefault(e => e.StartsWith("PATH=", StringComparison.Ordinal))?[5..] ?? DefaultPath;
        foreach (var dir in pathVar.Split(':'))
        {
            var candidate = Path.Combine(dir.Length == 0 ? "." : dir, name);
            if (IsExecutable(candidate)) return candidate;
        }
        throw new RuntimeException($"exec: \"{name}\": executable file not found in $PATH");
    }

    private static bool IsExecutable(string path)
    {
        try
        {
            if (!File.Exists(path)) return false;
            var mode = File.GetUnixFileMode(path);
            return (mode & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0;
        }
        catch (IOException) { return false; }
        catch (UnauthorizedAccessException) { return false; }
    }

    /// <summary>
    /// Applies identity and privileges, then execs <paramref name="executable"/>. Never returns:
    /// throws if any step (or the execve) fails.
    /// </summary>
    /// <remarks>
    /// Order matters (rlimits were applied earlier, while still privileged): without no_new_privs the seccomp filter must be loaded
    /// while CAP_SYS_ADMIN is held; the bounding set is dropped and PR_SET_KEEPCAPS set before the uid change
    /// so the permitted set survives it; capset and ambient raises come after; with no_new_privs the filter
    /// is loaded last, so it need not allow the setup syscalls. The AppArmor profile and SELinux label are set for
    /// the exec before any privilege goes (as runc does): the kernel takes the exec attribute from the thread that
    /// execs, and a transition asked for after no_new_privs is one AppArmor and SELinux may refuse.
    /// </remarks>
    public static void ExecPayload(ProcessSpec process, string executable, SeccompSpec? seccomp, SeccompListener? listener = null)
    {
        // The listener goes to the agent right after the filter is loaded: from then on a notified call waits for it.
        void LoadSeccomp()
        {
            var fd = Seccomp.Load(seccomp!);
            if (fd >= 0) listener?.HandOver(fd);
        }

        // Only stdio goes on to the payload: not the sync socket (dup2'ed to a fixed number, so not close-on-exec),
        // whose end-of-file tells exec and the monitor that the process has exec'ed, nor whatever the caller leaked.
        Fd.CloseOnExecFrom(3);
        if (process.User.Umask is { } umask) Credentials.SetUmask(umask);
        if (seccomp is not null && !process.NoNewPrivileges) LoadSeccomp();

        try { Mounts.Chdir(process.Cwd); }
        catch (LinuxException e) { throw new RuntimeException($"process.cwd: cannot enter {process.Cwd}: {e.Message}", e); }
        // CVE-2024-21626: a cwd such as /proc/self/fd/N, N a descriptor of this process still open on a host
        // directory, would resolve outside the container's root. The kernel tells by its "(unreachable)" prefix.
        if (!Mounts.GetCwd().StartsWith('/'))
            throw new RuntimeException($"process.cwd: {process.Cwd} leads outside the container's root file system");

        LsmLabels.ApplyForExec(process);
        Capabilities.DropBounding(process.Capabilities);
        var uid = process.User.Uid;
        Capabilities.PrepareUserChange(uid);
        Credentials.SetGroups(process.User.AdditionalGids ?? []);
        Credentials.SetGid(process.User.Gid);
        Credentials.SetUid(uid);
        Capabilities.ApplySets(process.Capabilities);

        if (process.NoNewPrivileges) Prctl.SetNoNewPrivileges();
        if (seccomp is not null && process.NoNewPrivileges) LoadSeccomp();

        Signals.ResetAllForExec();
        Trace.Mark("init: exec");
        Processes.Exec(executable, process.Args!, process.Env ?? []);
    }
}
