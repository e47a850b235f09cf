using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace Berth.Linux;

/// <summary>
/// Process creation and reaping without fork: posix_spawn (vfork+exec in glibc, so no managed code
/// ever runs in the child) and a direct execve for processes that replace themselves.
/// </summary>
public static unsafe class Processes
{
    private const short POSIX_SPAWN_SETSIGDEF = 0x04;
    private const short POSIX_SPAWN_SETSIGMASK = 0x08;
    private const short POSIX_SPAWN_SETSID = 0x80;
    private const int WNOHANG = 1;
    private const int __WALL = 0x40000000;

    /// <summary>
    /// Starts a program with posix_spawn from the calling thread, so the child inherits the thread's namespaces
    /// (after <see cref="Namespaces.Unshare"/>). Signals start at their defaults and unblocked.
    /// </summary>
    /// <returns>The child's pid.</returns>
    /// <exception cref="LinuxException">posix_spawn failed (such as ENOENT for a missing program).</exception>
    public static int Spawn(SpawnOptions options)
    {
        var fa = NativeMemory.AllocZeroed(256);
        var attr = NativeMemory.AllocZeroed(512);
        var moved = new List<int>();
        using var strings = new NativeStrings();
        try
        {
            Check(Libc.posix_spawn_file_actions_init(fa), "posix_spawn_file_actions_init");
            Check(Libc.posix_spawnattr_init(attr), "posix_spawnattr_init");
            // Move every source above all targets first, so that a dup2 never clobbers a source still needed
            // and never degenerates to dup2(fd, fd), which would leave close-on-exec set.
            var (fds, path) = WithProgramDescriptor(options);
            var minHigh = AboveAll(fds);
            foreach (var (src, dst) in fds)
            {
                var high = Fd.DupAbove(src, minHigh);
                moved.Add(high);
                Check(Libc.posix_spawn_file_actions_adddup2(fa, high, dst), "posix_spawn_file_actions_adddup2");
            }
            // Descriptors this process inherited without close-on-exec (from the shell or harness that started it)
            // would pass to the child too: close every non-target from 3 up, after the dup2s (glibc >= 2.34).
            var maxTarget = fds.Count == 0 ? 2 : Math.Max(2, fds.Values.Max());
            for (var fd = 3; fd < maxTarget; fd++)
                if (!fds.ContainsValue(fd))
                    Check(Libc.posix_spawn_file_actions_addclose(fa, fd), "posix_spawn_file_actions_addclose");
            Check(Libc.posix_spawn_file_actions_addclosefrom_np(fa, maxTarget + 1), "posix_spawn_file_actions_addclosefrom_np");
            ulong none = 0, all = ~0UL;
            Check(Libc.posix_spawnattr_setsigmask(attr, &none), "posix_spawnattr_setsigmask");
            Check(Libc.posix_spawnattr_setsigdefault(attr, &all), "posix_spawnattr_setsigdefault");
            var flags = (short)(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK | (options.NewSession ? POSIX_SPAWN_SETSID : 0));
            Check(Libc.posix_spawnattr_setflags(attr, flags), "posix_spawnattr_setflags");

            var program = strings.Add(path);
            var argv = strings.Array(options.Args);
            var envp = strings.Array(options.Env);
            int pid;
            var rc = Libc.posix_spawn(&pid, program, fa, attr, argv, envp);
            if (rc != 0) throw new LinuxException("posix_spawn", rc, options.Path);
            return pid;
        }
        finally
        {
            foreach (var fd in moved) Fd.Close(fd);
            Libc.posix_spawn_file_actions_destroy(fa);
            Libc.posix_spawnattr_destroy(attr);
            NativeMemory.Free(fa);
            NativeMemory.Free(attr);
        }
    }

    /// <summary>
    /// The descriptors to place in the child and the program to exec. A program given as a descriptor
    /// (<c>/proc/self/fd/N</c>) must stay open until the exec: it gets the number above every target (left open in
    /// the child; the exec'd program decides what to do with it), and the path names that number.
    /// </summary>
    internal static (Dictionary<int, int> Fds, string Path) WithProgramDescriptor(SpawnOptions options)
    {
        var fds = new Dictionary<int, int>(options.Fds);
        if (ExecDescriptor(options.Path) is not { } exe) return (fds, options.Path);
        var number = Math.Max(2, fds.Count == 0 ? 2 : fds.Values.Max()) + 1;
        fds[exe] = number;
        return (fds, "/proc/self/fd/" + number.ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>The descriptor of a program given as <c>/proc/self/fd/N</c>, or null for a path.</summary>
    private static int? ExecDescriptor(string path)
        => path.StartsWith("/proc/self/fd/", StringComparison.Ordinal)
           && int.TryParse(path.AsSpan(14), NumberStyles.None, CultureInfo.InvariantCulture, out var fd) ? fd : null;

    /// <summary>The lowest descriptor number (at least 10) above every source and target of <paramref name="fds"/>.</summary>
    internal static int AboveAll(IReadOnlyDictionary<int, int> fds)
        => Math.Max(10, fds.Count == 0 ? 3 : Math.Max(fds.Values.Max(), fds.Keys.Max()) + 1);

    /// <summary>
    /// execve(2): replaces the calling process. Returns only by throwing. The caller resets signals first
    /// (<see cref="Signals.ResetAllForExec"/>).
    /// </summary>
    public static void Exec(string path, IReadOnlyList<string> args, IReadOnlyList<string> env)
    {
        var strings = new NativeStrings();
        var p = strings.Add(path);
        var argv = strings.Array(args);
        var envp = strings.Array(env);
        Libc.execve(p, argv, envp);
        var errno = Marshal.GetLastPInvokeError();
        strings.Dispose();
        throw new LinuxException("execve", errno, path);
    }

    /// <summary>waitpid(2) blocking for <paramref name="pid"/> (-1 = any child), retrying on EINTR.</summary>
    /// <returns>The status, or null when there is no such child (ECHILD).</returns>
    public static WaitStatus? Wait(int pid)
    {
        int status;
        while (true)
        {
            var r = Libc.waitpid(pid, &status, __WALL);
            if (r > 0) return new WaitStatus(r, status);
            var errno = Marshal.GetLastPInvokeError();
            if (errno == Errno.EINTR) continue;
            if (errno == Errno.ECHILD) return null;
            throw new LinuxException("waitpid", errno, pid.ToString(CultureInfo.InvariantCulture));
        }
    }

    /// <summary>waitpid(2) with WNOHANG: a status if a child (of <paramref name="pid"/>, -1 = any) has exited, else null.</summary>
    public static WaitStatus? TryWait(int pid)
    {
        int status;
        var r = Libc.waitpid(pid, &status, WNOHANG | __WALL);
        return r > 0 ? new WaitStatus(r, status) : null;
    }

    /// <summary>The calling thread's id.</summary>
    public static int GetTid() => (int)Libc.syscall(Libc.SYS_gettid, 0, 0, 0, 0, 0, 0);

    /// <summary>The calling process's id.</summary>
    public static int GetPid() => Libc.getpid();

    /// <summary>The parent's pid (that of the nearest child subreaper, or 1, once the parent has exited).</summary>
    public static int GetParentPid() => Libc.getppid();

    /// <summary>Whether the effective user is root.</summary>
    public static bool IsRoot => Libc.geteuid() == 0;

    /// <summary>setsid(2).</summary>
    public static void NewSession()
    {
        if (Libc.setsid() < 0) throw LinuxException.FromLastError("setsid");
    }

    /// <summary>
    /// The start time of <paramref name="pid"/> in clock ticks since boot (field 22 of /proc/PID/stat),
    /// or null if it does not exist. Together with the pid it names one process across pid reuse.
    /// </summary>
    public static ulong? StartTime(int pid)
        => StatFields(pid) is { Length: > 19 } fields && ulong.TryParse(fields[19], NumberStyles.None, CultureInfo.InvariantCulture, out var t) ? t : null;

    /// <summary>The one-letter state of <paramref name="pid"/> (field 3 of /proc/PID/stat: R, S, Z, …), or null if gone.</summary>
    public static char? State(int pid)
        => StatFields(pid) is { Length: > 0 } fields && fields[0].Length > 0 ? fields[0][0] : null;

    /// <summary>The session id of <paramref name="pid"/> (field 6 of /proc/PID/stat, in this process's pid namespace), or null if gone.</summary>
    public static int? SessionId(int pid)
        => StatFields(pid) is { Length: > 3 } fields && int.TryParse(fields[3], NumberStyles.None, CultureInfo.InvariantCulture, out var sid) ? sid : null;

    /// <summary>
    /// The fields of /proc/PID/stat from field 3 (the state) on, or null if the process is gone. The command name
    /// before them is in parentheses and may hold spaces and parentheses: they follow the last ')'.
    /// </summary>
    public static string[]? StatFields(int pid) => SplitStat(Fd.TryReadText($"/proc/{pid}/stat", out _));

    /// <summary>The fields of the text of a /proc/PID/stat file from field 3 on (see <see cref="StatFields"/>); null for no text.</summary>
    public static string[]? SplitStat(string? stat)
    {
        var close = stat?.LastIndexOf(')') ?? -1;
        return stat is null || close < 0 || close + 2 >= stat.Length ? null : stat[(close + 2)..].Split(' ');
    }

    /// <summary>Whether <paramref name="pid"/> still names the process that started at <paramref name="startTime"/> and is not a zombie.</summary>
    public static bool IsAlive(int pid, ulong startTime)
        => pid > 0 && StartTime(pid) == startTime && State(pid) is not (null or 'Z' or 'X');

    private static void Check(int rc, string what)
    {
        if (rc != 0) throw new LinuxException(what, rc);
    }

    /// <summary>NUL-terminated UTF-8 strings and string arrays in native memory, freed together.</summary>
    internal sealed class NativeStrings : IDisposable
    {
        private readonly List<nint> _blocks = [];

        public byte* Add(string s)
        {
            var bytes = Encoding.UTF8.GetByteCount(s);
            var p = (byte*)NativeMemory.Alloc((nuint)bytes + 1);
            Encoding.UTF8.GetBytes(s, new Span<byte>(p, bytes));
            p[bytes] = 0;
            _blocks.Add((nint)p);
            return p;
        }

        public byte** Array(IReadOnlyList<string> items)
        {
            var arr = (byte**)NativeMemory.Alloc((nuint)(items.Count + 1), (nuint)sizeof(byte*));
            _blocks.Add((nint)arr);
            for (var i = 0; i < items.Count; i++) arr[i] = Add(items[i]);
            arr[items.Count] = null;
            return arr;
        }

        public void Dispose()
        {
            foreach (var b in _blocks) NativeMemory.Free((void*)b);
            _blocks.Clear();
        }
    }
}
