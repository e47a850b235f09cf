using System.Globalization;
using System.Text.Json;
using Berth.Runtime.Spec;

namespace Berth.Cli.Commands;

/// <summary><c>berth ps [--format table|json] ID</c>: the container's processes as the host sees them.</summary>
public static class PsCommand
{
    public static int Run(GlobalOptions g, string[] args)
    {
        var p = new ArgParser("ps").Value("format", "f").Parse(args);
        var pids = g.Runtime().Pids(p.Id(extraAllowed: 16)).Order().ToList();
        switch (p.Get("format") ?? "table")
        {
            case "json":
                Console.Out.WriteLine(JsonSerializer.Serialize(pids, SpecJsonContext.Default.ListInt32));
                return 0;
            case "table":
                var rows = new List<string[]> { new[] { "UID", "PID", "PPID", "STAT", "TIME", "CMD" } };
                foreach (var pid in pids)
                    if (ProcRow(pid) is { } row) rows.Add(row);
                Console.Out.Write(ListCommand.Table(rows));
                return 0;
            default:
                throw new UsageException($"ps: --format \"{p.Get("format")}\" must be table or json");
        }
    }

    private static string[]? ProcRow(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var close = stat.LastIndexOf(')');
            var comm = stat[(stat.IndexOf('(') + 1)..close];
            var f = stat[(close + 2)..].Split(' ');
            var ticks = ulong.Parse(f[11], CultureInfo.InvariantCulture) + ulong.Parse(f[12], CultureInfo.InvariantCulture);
            var seconds = ticks / 100;
            var uid = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("Uid:", StringComparison.Ordinal)).Split('\t', StringSplitOptions.RemoveEmptyEntries)[1];
            var cmdline = File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ').Trim();
            return [uid, pid.ToString(CultureInfo.InvariantCulture), f[1], f[0],
                $"{seconds / 3600:00}:{seconds / 60 % 60:00}:{seconds % 60:00}", cmdline.Length == 0 ? $"[{comm}]" : cmdline];
        }
        catch (IOException) { return null; }
    }
}
