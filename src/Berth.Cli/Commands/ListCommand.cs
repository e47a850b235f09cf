using System.Globalization;
using System.Text;
using System.Text.Json;
using Berth.Runtime.State;

namespace Berth.Cli.Commands;

/// <summary><c>berth list [--format table|json] [-q]</c>.</summary>
public static class ListCommand
{
    public static int Run(GlobalOptions g, string[] args)
    {
        var p = new ArgParser("list").Value("format", "f").Bool("quiet", "q").Parse(args);
        p.NoPositional();
        var list = g.Runtime().List();
        if (p.Has("quiet"))
        {
            foreach (var s in list) Console.Out.WriteLine(s.Id);
            return 0;
        }
        switch (p.Get("format") ?? "table")
        {
            case "json":
                using (var stdout = Console.OpenStandardOutput())
                using (var w = new Utf8JsonWriter(stdout))
                {
                    w.WriteStartArray();
                    foreach (var s in list) StateSerializer.WriteOci(w, s);
                    w.WriteEndArray();
                }
                Console.Out.WriteLine();
                return 0;
            case "table":
                var rows = new List<string[]> { new[] { "ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER" } };
                rows.AddRange(list.Select(s => new[]
                {
                    s.Id, s.Pid.ToString(CultureInfo.InvariantCulture), s.Status, s.Bundle,
                    s.Created.ToString("yyyy-MM-ddTHH:mm:ss.fffffffZ", CultureInfo.InvariantCulture), s.Owner.Length == 0 ? "root" : s.Owner,
                }));
                Console.Out.Write(Table(rows));
                return 0;
            default:
                throw new UsageException($"list: --format \"{p.Get("format")}\" must be table or json");
        }
    }

    internal static string Table(List<string[]> rows)
    {
        var widths = Enumerable.Range(0, rows[0].Length).Select(c => rows.Max(r => r[c].Length)).ToArray();
        var sb = new StringBuilder();
        foreach (var r in rows)
        {
            for (var c = 0; c < r.Length; c++)
                sb.Append(c == r.Length - 1 ? r[c] : r[c].PadRight(widths[c] + 3));
            sb.Append('\n');
        }
        return sb.ToString();
    }
}
