using System.Globalization;
using Berth.Engine;

namespace Berth.Cli.Commands;

/// <summary><c>berth top CONTAINER</c>: the container's process tree (host pids), with user, state, memory and CPU time.</summary>
public static class TopCommand
{
    public static int Run(GlobalOptions g, string[] args)
    {
        var p = new DockerArgs("top").Parse(args);
        if (p.Positional.Count != 1) throw new UsageException("top: give exactly one container");
        var tree = g.Engine().Top(p.Positional[0]);
        var rows = new List<string[]> { new[] { "PID", "PPID", "UID", "STAT", "RSS", "TIME", "COMMAND" } };
        foreach (var (node, depth) in tree.Walk())
        {
            var seconds = (long)node.CpuSeconds;
            rows.Add([node.Pid.ToString(CultureInfo.InvariantCulture), node.ParentPid.ToString(CultureInfo.InvariantCulture),
                node.Uid.ToString(CultureInfo.InvariantCulture), node.State.ToString(), Display.BinarySize(node.RssBytes),
                $"{seconds / 3600:00}:{seconds / 60 % 60:00}:{seconds % 60:00}",
                (depth == 0 ? "" : new string(' ', (depth - 1) * 3) + "\\_ ") + node.Command]);
        }
        Console.Out.Write(Display.Table(rows));
        return 0;
    }
}
