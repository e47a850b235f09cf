using System.Globalization;
using Berth.Linux;

namespace Berth.Engine;

/// <summary>A container's processes read from /proc, as a forest by parent pid (the container's init at the root).</summary>
public sealed record ProcessTree(IReadOnlyList<ProcessTree.Node> Roots)
{
    /// <summary>One process: host pid, parent, user, state, resident memory, CPU time, command line, children.</summary>
    public sealed record Node(int Pid, int ParentPid, uint Uid, char State, long RssBytes, double CpuSeconds, string Command, IReadOnlyList<Node> Children);

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

    /// <summary>Reads the processes <paramref name="pids"/>; those that exit meanwhile are left out.</summary>
    public static ProcessTree Read(IReadOnlyList<int> pids)
    {
        ArgumentNullException.ThrowIfNull(pids);
        var flat = new Dictionary<int, (int Parent, uint Uid, char State, long Rss, double Cpu, string Command)>();
        var ticks = 100.0; // USER_HZ on Linux
        var page = Environment.SystemPageSize;
        foreach (var pid in pids)
        {
            var stat = Fd.TryReadText($"/proc/{pid}/stat", out _);
            var status = Fd.TryReadText($"/proc/{pid}/status", out _);
            if (stat is null || status is null) continue;
            // The command name is in parentheses and may hold spaces and parentheses: fields follow the last ')'.
            var close = stat.LastIndexOf(')');
            var comm = stat[(stat.IndexOf('(') + 1)..close];
            var fields = stat[(close + 2)..].Split(' ');
            var state = fields[0].Length > 0 ? fields[0][0] : '?';
            var parent = int.Parse(fields[1], CultureInfo.InvariantCulture);
            var cpu = (double.Parse(fields[11], CultureInfo.InvariantCulture) + double.Parse(fields[12], CultureInfo.InvariantCulture)) / ticks;
            var rss = long.Parse(fields[21], CultureInfo.InvariantCulture) * page;
            var uidLine = status.Split('\n').FirstOrDefault(l => l.StartsWith("Uid:", StringComparison.Ordinal));
            var uid = uidLine is null ? 0 : uint.Parse(uidLine.Split('\t', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
            var cmdline = Fd.TryReadText($"/proc/{pid}/cmdline", out _);
            var command = string.IsNullOrEmpty(cmdline) ? $"[{comm}]" : cmdline.TrimEnd('\0').Replace('\0', ' ');
            flat[pid] = (parent, uid, state, rss, cpu, command);
        }
        Node Build(int pid)
        {
            var p = flat[pid];
            var children = flat.Where(kv => kv.Value.Parent == pid).Select(kv => kv.Key).Order().Select(Build).ToList();
            return new Node(pid, p.Parent, p.Uid, p.State, p.Rss, p.Cpu, p.Command, children);
        }
        var roots = flat.Where(kv => !flat.ContainsKey(kv.Value.Parent)).Select(kv => kv.Key).Order().Select(Build).ToList();
        return new ProcessTree(roots);
    }
}
