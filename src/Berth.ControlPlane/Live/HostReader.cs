using System.Globalization;

namespace Berth.ControlPlane.Live;

/// <summary>Reads the node's CPU, memory and load from /proc; CPU use is the busy share of all cores since the previous read.</summary>
internal sealed class HostReader
{
    private ulong _lastBusy, _lastTotal;

    public HostStatsSample Read(string node, DateTimeOffset time, int runningContainers)
    {
        var cpuPercent = 0.0;
        if (ReadCpu() is var (busy, total) && total > 0)
        {
            if (_lastTotal > 0 && total > _lastTotal) cpuPercent = 100.0 * (busy - Math.Min(busy, _lastBusy)) / (total - _lastTotal);
            (_lastBusy, _lastTotal) = (busy, total);
        }
        long memTotal = 0, memAvailable = 0;
        foreach (var line in Lines("/proc/meminfo"))
        {
            if (line.StartsWith("MemTotal:", StringComparison.Ordinal)) memTotal = Kilobytes(line);
            else if (line.StartsWith("MemAvailable:", StringComparison.Ordinal)) memAvailable = Kilobytes(line);
        }
        var load = (Lines("/proc/loadavg").FirstOrDefault() ?? "").Split(' ');
        return new HostStatsSample(node, time, Environment.ProcessorCount, Math.Round(cpuPercent, 2), memTotal, memAvailable, runningContainers,
            Number(load, 0), Number(load, 1), Number(load, 2));
    }

    /// <summary>The first line of /proc/stat: busy jiffies (all but idle and iowait) and all jiffies (guest time is already in user time).</summary>
    private static (ulong Busy, ulong Total)? ReadCpu()
    {
        var first = Lines("/proc/stat").FirstOrDefault();
        if (first is null || !first.StartsWith("cpu ", StringComparison.Ordinal)) return null;
        var fields = first.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Take(8)
            .Select(f => ulong.TryParse(f, NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : 0).ToArray();
        var total = fields.Aggregate(0UL, (a, b) => a + b);
        var idle = fields.Length > 4 ? fields[3] + fields[4] : 0;
        return (total - idle, total);
    }

    private static string[] Lines(string path)
    {
        try { return File.ReadAllLines(path); }
        catch (IOException) { return []; }
    }

    private static long Kilobytes(string line)
    {
        var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return parts.Length > 1 && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var kb) ? kb * 1024 : 0;
    }

    private static double Number(string[] fields, int index)
        => fields.Length > index && double.TryParse(fields[index], NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : 0;
}
