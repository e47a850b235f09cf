using System.Globalization;
using Berth.Linux;

namespace Berth.Engine;

/// <summary>
/// A container's processes read from /proc, as a forest by parent pid (the container's init at the root): one
/// sample. Two samples taken some time apart give each process's CPU use in between (<see cref="CpuPercent"/>).
/// </summary>
public sealed record ProcessTree(IReadOnlyList<ProcessTree.Node> Roots)
{
    /// <summary>Clock ticks per second of the CPU times and start times in /proc (USER_HZ, 100 on Linux whatever the kernel's HZ).</summary>
    public const int ClockTicksPerSecond = 100;

    /// <summary>One process.</summary>
    /// <param name="Pid">Its pid on the host.</param>
    /// <param name="PidInContainer">Its pid in the container's pid namespace (the last field of <c>NSpid:</c> in /proc/PID/status; 1 for the init).</param>
    /// <param name="ParentPid">Its parent's pid on the host (the shim's, for the init).</param>
    /// <param name="ParentPidInContainer">Its parent's pid in the container, 0 when the parent is not in the container (the init's, an exec'd process's).</param>
    /// <param name="Uid">Its real uid.</param>
    /// <param name="User">The name of <paramref name="Uid"/> in the container's own /etc/passwd, or the number when it has none.</param>
    /// <param name="State">The state letter of /proc/PID/stat (R, S, D, Z, T, t, I, X, …); see <see cref="StateName"/>.</param>
    /// <param name="CpuTicks">User plus system CPU time so far, in <see cref="ClockTicksPerSecond"/> ticks (utime + stime).</param>
    /// <param name="StartTime">When it started, in clock ticks since boot (field 22 of /proc/PID/stat): with the pid, it names one process across pid reuse.</param>
    /// <param name="RssBytes">Its resident memory.</param>
    /// <param name="Threads">Its thread count (<c>Threads:</c>).</param>
    /// <param name="Command">Its command line, or <c>[comm]</c> when it has none (a kernel thread, a zombie); control characters shown as '?'.</param>
    /// <param name="Children">Its child processes in the container, by pid.</param>
    public sealed record Node(
        int Pid, int PidInContainer, int ParentPid, int ParentPidInContainer, uint Uid, string User, char State,
        ulong CpuTicks, ulong StartTime, long RssBytes, int Threads, string Command, IReadOnlyList<Node> Children)
    {
        /// <summary>The CPU time so far in seconds.</summary>
        public double CpuSeconds => CpuTicks / (double)ClockTicksPerSecond;

        /// <summary>The state in words (see <see cref="ProcessTree.StateName"/>).</summary>
        public string StateName => ProcessTree.StateName(State);
    }

    /// <summary>Every process of the tree, depth first, with its depth.</summary>
    public IEnumerable<(Node Node, int Depth)> Walk()
    {
        var stack = new Stack<(Node, int)>(Roots.Reverse().Select(r => (r, 0)));
        while (stack.Count > 0)
        {
            var (node, depth) = stack.Pop();
            yield return (node, depth);
            foreach (var child in node.Children.Reverse()) stack.Push((child, depth + 1));
        }
    }

    /// <summary>
    /// The readable name of a state letter of /proc/PID/stat: <c>running</c> (R), <c>sleeping</c> (S), <c>disk sleep</c>
    /// (D), <c>zombie</c> (Z), <c>stopped</c> (T), <c>tracing stop</c> (t), <c>idle</c> (I), <c>dead</c> (X), as
    /// /proc/PID/status words them; <c>unknown</c> for any other.
    /// </summary>
    public static string StateName(char state) => state switch
    {
        'R' => "running",
        'S' => "sleeping",
        'D' => "disk sleep",
        'Z' => "zombie",
        'T' => "stopped",
        't' => "tracing stop",
        'I' => "idle",
        'X' or 'x' => "dead",
        'W' => "paging",
        'P' => "parked",
        'K' => "wakekill",
        _ => "unknown",
    };

    /// <summary>
    /// The CPU use of each process of <paramref name="later"/> between the two samples, in percent of one CPU (a
    /// process busy on two CPUs shows 200), by host pid. A process is matched across the samples by its pid and its
    /// start time, so a pid reused in between is a new process; a process not in <paramref name="earlier"/> started
    /// in between, and all its CPU time counts.
    /// </summary>
    /// <param name="earlier">The first sample.</param>
    /// <param name="later">The second sample, of the same container.</param>
    /// <param name="interval">The time between the two samples (as the caller measured it, say with a <see cref="System.Diagnostics.Stopwatch"/>).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="interval"/> is not positive.</exception>
    public static IReadOnlyDictionary<int, double> CpuPercent(ProcessTree earlier, ProcessTree later, TimeSpan interval)
    {
        ArgumentNullException.ThrowIfNull(earlier);
        ArgumentNullException.ThrowIfNull(later);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(interval, TimeSpan.Zero);
        var before = earlier.Walk().ToDictionary(n => (n.Node.Pid, n.Node.StartTime), n => n.Node.CpuTicks);
        var percent = new Dictionary<int, double>();
        foreach (var (node, _) in later.Walk())
        {
            var start = before.TryGetValue((node.Pid, node.StartTime), out var ticks) ? ticks : 0;
            // A process's CPU time never goes down; a smaller number would be another process than the one matched.
            var used = node.CpuTicks >= start ? node.CpuTicks - start : node.CpuTicks;
            percent[node.Pid] = used / (double)ClockTicksPerSecond / interval.TotalSeconds * 100;
        }
        return percent;
    }

    /// <summary>
    /// Reads the processes <paramref name="pids"/> (host pids) and their children that are not among them: the
    /// zombies, which a cgroup no longer lists once they have exited. Those that exit meanwhile are left out. User
    /// names come from the /etc/passwd of the tree at <paramref name="rootfs"/>, read inside it (its symlinks never
    /// lead out of it); without one, or when it cannot be read, the uid is shown as a number.
    /// </summary>
    public static ProcessTree Read(IReadOnlyList<int> pids, string? rootfs = null)
    {
        ArgumentNullException.ThrowIfNull(pids);
        var names = UserNames(rootfs);
        var flat = new Dictionary<int, Node>();
        // Each pid with the parent it must have: none for the listed ones, the process it was found under for a child.
        var queue = new Queue<(int Pid, int? Parent)>(pids.Select(p => (p, (int?)null)));
        while (queue.TryDequeue(out var next))
        {
            if (flat.ContainsKey(next.Pid) || ReadOne(next.Pid, names) is not { } node) continue;
            // A child's pid read from its parent may have been reaped and reused since: then it has another parent.
            if (next.Parent is { } parent && node.ParentPid != parent) continue;
            flat[next.Pid] = node;
            foreach (var child in ChildrenOf(next.Pid)) queue.Enqueue((child, next.Pid));
        }
        Node Build(Node p)
        {
            var children = flat.Values.Where(c => c.ParentPid == p.Pid).OrderBy(c => c.Pid).Select(c => Build(c with { ParentPidInContainer = p.PidInContainer })).ToList();
            return p with { Children = children };
        }
        var roots = flat.Values.Where(n => !flat.ContainsKey(n.ParentPid)).OrderBy(n => n.Pid).Select(Build).ToList();
        return new ProcessTree(roots);
    }

    /// <summary>One process from /proc, without its children and with its parent's pid inside unknown (0); null when it is gone.</summary>
    private static Node? ReadOne(int pid, IReadOnlyDictionary<uint, string> names)
    {
        var stat = Fd.TryReadText($"/proc/{pid}/stat", out _);
        var status = Fd.TryReadText($"/proc/{pid}/status", out _);
        var fields = Processes.SplitStat(stat);
        if (stat is null || status is null || fields is not { Length: > 21 }) return null;
        var comm = stat[(stat.IndexOf('(') + 1)..stat.LastIndexOf(')')];
        var uid = uint.TryParse(StatusField(status, "Uid:"), NumberStyles.None, CultureInfo.InvariantCulture, out var u) ? u : 0;
        var nspid = StatusLine(status, "NSpid:")?.Split('\t', StringSplitOptions.RemoveEmptyEntries);
        var cmdline = Fd.TryReadText($"/proc/{pid}/cmdline", out _);
        return new Node(
            Pid: pid,
            PidInContainer: nspid is { Length: > 0 } ? Number(nspid[^1]) : pid,
            ParentPid: Number(fields[1]),
            ParentPidInContainer: 0,
            Uid: uid,
            User: Printable(names.TryGetValue(uid, out var name) ? name : uid.ToString(CultureInfo.InvariantCulture)),
            State: fields[0].Length > 0 ? fields[0][0] : '?',
            CpuTicks: UNumber(fields[11]) + UNumber(fields[12]),
            StartTime: UNumber(fields[19]),
            RssBytes: (long)UNumber(fields[21]) * Environment.SystemPageSize,
            Threads: Number(StatusField(status, "Threads:") ?? "1"),
            Command: Printable(string.IsNullOrEmpty(cmdline) ? $"[{comm}]" : cmdline.TrimEnd('\0').Replace('\0', ' ')),
            Children: []);
    }

    /// <summary>The children of every thread of <paramref name="pid"/> (/proc/PID/task/TID/children), zombies included.</summary>
    private static List<int> ChildrenOf(int pid)
    {
        var children = new List<int>();
        IEnumerable<string> tasks;
        try { tasks = Directory.EnumerateDirectories($"/proc/{pid}/task").ToList(); }
        catch (IOException) { return children; }
        catch (UnauthorizedAccessException) { return children; }
        foreach (var task in tasks)
        {
            var text = Fd.TryReadText(Path.Combine(task, "children"), out _);
            if (text is null) continue;
            foreach (var word in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
                if (int.TryParse(word, NumberStyles.None, CultureInfo.InvariantCulture, out var child)) children.Add(child);
        }
        return children;
    }

    private static IReadOnlyDictionary<uint, string> UserNames(string? rootfs)
    {
        if (rootfs is null) return new Dictionary<uint, string>();
        // Names are a courtesy: a container without a readable passwd (or one made a FIFO) still has its processes listed.
        try { return ImageUser.Names(rootfs); }
        catch (EngineException) { return new Dictionary<uint, string>(); }
        catch (LinuxException) { return new Dictionary<uint, string>(); }
        catch (IOException) { return new Dictionary<uint, string>(); }
    }

    /// <summary>The rest of the line of /proc/PID/status that starts with <paramref name="key"/>, or null.</summary>
    private static string? StatusLine(string status, string key)
    {
        foreach (var line in status.Split('\n'))
            if (line.StartsWith(key, StringComparison.Ordinal)) return line[key.Length..];
        return null;
    }

    /// <summary>The first value of a line of /proc/PID/status (the real id of <c>Uid:</c>), or null.</summary>
    private static string? StatusField(string status, string key)
        => StatusLine(status, key)?.Split('\t', StringSplitOptions.RemoveEmptyEntries) is { Length: > 0 } values ? values[0].Trim() : null;

    private static int Number(string text) => int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n) ? n : 0;

    private static ulong UNumber(string text) => ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : 0;

    /// <summary>What a container wrote (a command line, a passwd name), with control characters shown as '?' so that it cannot drive the terminal that shows it.</summary>
    private static string Printable(string text) => string.Create(text.Length, text, (span, t) =>
    {
        for (var i = 0; i < t.Length; i++) span[i] = char.IsControl(t[i]) ? '?' : t[i];
    });
}
