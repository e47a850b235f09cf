using System.Runtime.InteropServices;

namespace Berth.Linux;

/// <summary>
/// Starts a program in a user namespace (a new one, made with clone, or one joined with setns), which a
/// multithreaded .NET process cannot enter itself. The child is made by <c>berth_spawn</c>, a few lines of C
/// (<c>Native/berth_spawn.c</c>) linked into the NativeAOT berth binary, that run only system calls until execve.
/// The child keeps its host ids and, through its ambient set, its capabilities in the namespace (see the C file):
/// the program it runs switches to the namespace's ids itself.
/// </summary>
/// <remarks>
/// Only the NativeAOT berth binary carries the native code: anywhere else (a JIT-hosted process) <see cref="Start"/>
/// throws a <see cref="LinuxException"/> that says so.
/// </remarks>
public static unsafe partial class UserNamespaceSpawn
{
    private const int ReportPid = 1;
    private const int ReportError = 2;

    private static readonly string[] Steps =
        ["?", "clone", "setns (user namespace)", "unshare", "clone (pid namespace)", "read (sync)", "capset (ambient)", "setsid", "dup2", "execve"];

    [StructLayout(LayoutKind.Sequential)]
    private struct Args
    {
        public byte* Path;
        public byte** Argv;
        public byte** Envp;
        public int* FdSources;
        public int* FdTargets;
        public int FdCount;
        public int CloneFlags;
        public int UserNamespaceFd;
        public int UnshareFlags;
        public int SyncFd;
        public int ReportFd;
        public int NewSession;
    }

    [LibraryImport("berthnative", EntryPoint = "berth_spawn")]
    private static partial int berth_spawn(Args* args);

    /// <summary>
    /// Clones a child from the calling thread (which it inherits namespaces from, as with <see cref="Processes.Spawn"/>)
    /// with <paramref name="cloneFlags"/>; it joins <paramref name="userNamespaceFd"/> first if that is not -1 and
    /// unshares <paramref name="unshareFlags"/> (a new pid namespace this way gets a second clone, whose pid is the one
    /// returned). With <paramref name="holdForMappings"/> it waits until <see cref="UserNamespaceChild.Release"/>:
    /// write its id maps (<see cref="WriteMappings"/>) in between.
    /// </summary>
    /// <returns>The child, which the caller releases, then waits on with <see cref="UserNamespaceChild.WaitExec"/>.</returns>
    /// <exception cref="LinuxException">The clone failed, or the native code is missing from this process.</exception>
    public static UserNamespaceChild Start(SpawnOptions options, NamespaceType cloneFlags, int userNamespaceFd, NamespaceType unshareFlags, bool holdForMappings)
    {
        ArgumentNullException.ThrowIfNull(options);
        var (reportRead, reportWrite) = Fd.Pipe();
        var (syncRead, syncWrite) = holdForMappings ? Fd.Pipe() : (-1, -1);
        var moved = new List<int>();
        using var strings = new Processes.NativeStrings();
        try
        {
            // Every source goes above every target first, and the report pipe above them all: the child dup2s the
            // sources into place, then closes everything but the targets and the report pipe.
            var (fds, path) = Processes.WithProgramDescriptor(options);
            var minHigh = Processes.AboveAll(fds);
            var sources = new int[fds.Count];
            var targets = new int[fds.Count];
            var i = 0;
            foreach (var (src, dst) in fds)
            {
                sources[i] = Fd.DupAbove(src, minHigh);
                moved.Add(sources[i]);
                targets[i++] = dst;
            }
            var report = Fd.DupAbove(reportWrite, minHigh);
            moved.Add(report);
            fixed (int* s = sources, t = targets)
            {
                var args = new Args
                {
                    Path = strings.Add(path),
                    Argv = strings.Array(options.Args),
                    Envp = strings.Array(options.Env),
                    FdSources = s,
                    FdTargets = t,
                    FdCount = sources.Length,
                    CloneFlags = (int)cloneFlags,
                    UserNamespaceFd = userNamespaceFd,
                    UnshareFlags = (int)unshareFlags,
                    SyncFd = syncRead,
                    ReportFd = report,
                    NewSession = options.NewSession ? 1 : 0,
                };
                int pid;
                try { pid = berth_spawn(&args); }
                catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
                {
                    throw new LinuxException("berth_spawn", Errno.ENOSYS, "user namespaces need the NativeAOT berth binary, which carries the native spawn code");
                }
                if (pid < 0) throw new LinuxException("clone", -pid, cloneFlags.ToString());
                foreach (var fd in moved) Fd.Close(fd);
                moved.Clear();
                Fd.Close(reportWrite);
                reportWrite = -1;
                Fd.Close(syncRead);
                syncRead = -1;
                var child = new UserNamespaceChild(pid, syncWrite, reportRead);
                syncWrite = reportRead = -1;
                if ((unshareFlags & NamespaceType.CLONE_NEWPID) != 0) child.TakeGrandchild();
                return child;
            }
        }
        finally
        {
            foreach (var fd in moved) Fd.Close(fd);
            Fd.Close(reportWrite);
            Fd.Close(reportRead);
            Fd.Close(syncRead);
            Fd.Close(syncWrite);
        }
    }

    /// <summary>
    /// A descriptor of a new user namespace with the given maps and no process in it, for idmapped mounts
    /// (<see cref="IdmappedMounts"/>): a child is cloned into it and held, the maps are written, the namespace is
    /// opened, and the child, never released, is killed and reaped. The caller closes the descriptor.
    /// </summary>
    /// <exception cref="LinuxException">The clone or a map write failed.</exception>
    public static int OpenMapped(IEnumerable<(uint Inside, uint Outside, uint Count)> uids, IEnumerable<(uint Inside, uint Outside, uint Count)> gids)
    {
        var options = new SpawnOptions { Path = "/", Args = ["berth-userns"], Env = [] };
        var child = Start(options, NamespaceType.CLONE_NEWUSER, -1, NamespaceType.None, holdForMappings: true);
        try
        {
            WriteMappings(child.Pid, uids, gids);
            var path = FormattableString.Invariant($"/proc/{child.Pid}/ns/user");
            var fd = Fd.TryOpen(path, Fd.O_RDONLY, out var errno);
            if (fd < 0) throw new LinuxException("open", errno, path);
            return fd;
        }
        finally
        {
            child.Kill();
            child.Dispose();
        }
    }

    /// <summary>
    /// Writes <c>/proc/PID/uid_map</c> and <c>gid_map</c> of a child held in its new user namespace: each a list of
    /// (inside, outside, count) ranges, written in one write as the kernel requires.
    /// </summary>
    /// <exception cref="LinuxException">The kernel refused a map (EINVAL: overlapping or out-of-range ranges; EPERM).</exception>
    public static void WriteMappings(int pid, IEnumerable<(uint Inside, uint Outside, uint Count)> uids, IEnumerable<(uint Inside, uint Outside, uint Count)> gids)
    {
        WriteMap(pid, "uid_map", uids);
        WriteMap(pid, "gid_map", gids);
    }

    private static void WriteMap(int pid, string file, IEnumerable<(uint Inside, uint Outside, uint Count)> ranges)
    {
        var text = string.Concat(ranges.Select(r => FormattableString.Invariant($"{r.Inside} {r.Outside} {r.Count}\n")));
        var path = FormattableString.Invariant($"/proc/{pid}/{file}");
        var errno = Fd.TryWriteFile(path, System.Text.Encoding.ASCII.GetBytes(text));
        if (errno != 0) throw new LinuxException("write", errno, $"\"{text.TrimEnd().Replace('\n', ',')}\" to {path}");
    }

    internal static LinuxException ErrorOf(int step, int errno, string program)
        => new(step > 0 && step < Steps.Length ? Steps[step] : "spawn", errno, program);

    internal static bool ReadReport(int fd, out int kind, out int a, out int b)
    {
        Span<int> message = stackalloc int[3];
        var bytes = MemoryMarshal.AsBytes(message);
        var n = 0;
        while (n < bytes.Length)
        {
            var r = Fd.Read(fd, bytes[n..]);
            if (r <= 0) break;
            n += r;
        }
        (kind, a, b) = (message[0], message[1], message[2]);
        return n == bytes.Length && kind is ReportPid or ReportError;
    }

    internal const int PidReport = ReportPid;
}
