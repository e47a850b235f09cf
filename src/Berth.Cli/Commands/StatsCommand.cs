using System.Globalization;
using Berth.Engine;

namespace Berth.Cli.Commands;

/// <summary>
/// <c>berth stats [--no-stream] [CONTAINER…]</c>: CPU, memory and pids of running containers (all of them when none
/// is named), refreshed every second until interrupted, or once with <c>--no-stream</c>.
/// </summary>
public static class StatsCommand
{
    public static int Run(GlobalOptions g, string[] args)
    {
        var p = new DockerArgs("stats").Flag("no-stream").Flag("all", "a").Parse(args);
        var engine = g.Engine();
        var named = p.Positional.Select(n => engine.Containers.Find(n)).ToList();
        using var cancel = new CancellationTokenSource();
        using var sigint = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGINT, ctx =>
        {
            ctx.Cancel = true;
            cancel.Cancel();
        });
        var previous = new Dictionary<string, (ulong Cpu, DateTime At)>();
        var first = true;
        while (!cancel.IsCancellationRequested)
        {
            var containers = named.Count > 0 ? named : engine.List(all: false).ToList();
            var samples = Sample(engine, containers);
            if (first)
            {
                // CPU % needs two readings.
                foreach (var (c, s) in samples) previous[c.Id] = (s?.CpuUsageTotal ?? 0, DateTime.UtcNow);
                Thread.Sleep(500);
                samples = Sample(engine, containers);
                first = false;
            }
            var rows = new List<string[]> { new[] { "CONTAINER ID", "NAME", "CPU %", "MEM USAGE / LIMIT", "MEM %", "PIDS" } };
            var now = DateTime.UtcNow;
            foreach (var (c, s) in samples)
            {
                if (s is null)
                {
                    rows.Add([c.Id[..12], c.Name, "--", "-- / --", "--", "--"]);
                    continue;
                }
                var cpu = previous.TryGetValue(c.Id, out var prev) && now > prev.At
                    ? (s.CpuUsageTotal - Math.Min(prev.Cpu, s.CpuUsageTotal)) / ((now - prev.At).TotalMilliseconds * 1e6) * 100 : 0;
                previous[c.Id] = (s.CpuUsageTotal, now);
                var limit = s.MemoryLimit is > 0 and < long.MaxValue / 2 ? s.MemoryLimit : (ulong)GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
                var used = s.MemoryWorkingSet > 0 ? s.MemoryWorkingSet : s.MemoryUsage;
                rows.Add([c.Id[..12], c.Name, cpu.ToString("0.00", CultureInfo.InvariantCulture) + "%",
                    $"{Display.BinarySize(used)} / {Display.BinarySize(limit)}", (limit > 0 ? used * 100.0 / limit : 0).ToString("0.00", CultureInfo.InvariantCulture) + "%",
                    s.PidsCurrent.ToString(CultureInfo.InvariantCulture)]);
            }
            if (!p.Has("no-stream") && !Console.IsOutputRedirected) Console.Out.Write("\x1b[2J\x1b[H");
            Console.Out.Write(Display.Table(rows));
            if (p.Has("no-stream")) break;
            try { Task.Delay(1000, cancel.Token).GetAwaiter().GetResult(); }
            catch (OperationCanceledException) { break; }
        }
        return 0;
    }

    private static List<(ContainerRecord, Berth.Cgroups.CgroupStats?)> Sample(ContainerEngine engine, List<ContainerRecord> containers)
    {
        var list = new List<(ContainerRecord, Berth.Cgroups.CgroupStats?)>();
        foreach (var c in containers)
        {
            try { list.Add((c, engine.Stats(c.Id))); }
            catch (EngineException) { list.Add((c, null)); }
        }
        return list;
    }
}
