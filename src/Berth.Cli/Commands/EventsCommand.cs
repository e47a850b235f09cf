using System.Globalization;
using System.Text.Json;
using Berth.Cgroups;
using Berth.Runtime;

namespace Berth.Cli.Commands;

/// <summary>
/// <c>berth events [--stats] [--interval 5s] ID</c>: with <c>--stats</c> one stats event, otherwise a stats event
/// every interval plus an <c>oom</c> event whenever the OOM killer fires, until the container stops.
/// Each event is one JSON line: <c>{"type":"stats","id":…,"data":{…}}</c>.
/// </summary>
public static class EventsCommand
{
    public static int Run(GlobalOptions g, string[] args)
    {
        var p = new ArgParser("events").Bool("stats").Value("interval").Parse(args);
        var id = p.Id();
        var rt = g.Runtime();
        if (p.Has("stats"))
        {
            Console.Out.WriteLine(Event("stats", id, rt.Stats(id)));
            return 0;
        }
        var interval = ParseInterval(p.Get("interval") ?? "5s");
        long lastOom = -1;
        while (true)
        {
            CgroupStats stats;
            try { stats = rt.Stats(id); }
            catch (RuntimeException) when (lastOom >= 0) { return 0; } // stopped or deleted after the first event: the stream ends; before it, the error is the answer
            if (lastOom >= 0 && (long)stats.OomKills > lastOom) Console.Out.WriteLine(Event("oom", id, null));
            lastOom = (long)stats.OomKills;
            Console.Out.WriteLine(Event("stats", id, stats));
            Console.Out.Flush();
            Thread.Sleep(interval);
        }
    }

    private static TimeSpan ParseInterval(string s)
    {
        var unit = s.TrimStart("0123456789.".ToCharArray());
        var number = s[..^unit.Length];
        if (!double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var n) || n <= 0)
            throw new UsageException($"events: --interval \"{s}\" must be a positive duration such as 5s or 500ms");
        return unit switch
        {
            "ms" => TimeSpan.FromMilliseconds(n),
            "s" or "" => TimeSpan.FromSeconds(n),
            "m" => TimeSpan.FromMinutes(n),
            _ => throw new UsageException($"events: --interval \"{s}\": unknown unit \"{unit}\""),
        };
    }

    internal static string Event(string type, string id, CgroupStats? s)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms))
        {
            w.WriteStartObject();
            w.WriteString("type", type);
            w.WriteString("id", id);
            if (s is not null)
            {
                w.WriteStartObject("data");
                w.WriteStartObject("cpu");
                w.WriteStartObject("usage");
                w.WriteNumber("total", s.CpuUsageTotal);
                w.WriteNumber("kernel", s.CpuUsageKernel);
                w.WriteNumber("user", s.CpuUsageUser);
                w.WriteStartArray("percpu");
                foreach (var c in s.CpuUsagePerCpu) w.WriteNumberValue(c);
                w.WriteEndArray();
                w.WriteEndObject();
                w.WriteStartObject("throttling");
                w.WriteNumber("periods", s.ThrottlingPeriods);
                w.WriteNumber("throttledPeriods", s.ThrottledPeriods);
                w.WriteNumber("throttledTime", s.ThrottledTime);
                w.WriteEndObject();
                w.WriteEndObject();
                w.WriteStartObject("memory");
                w.WriteNumber("cache", s.MemoryCache);
                w.WriteNumber("rss", s.MemoryRss);
                w.WriteNumber("workingSet", s.MemoryWorkingSet);
                w.WriteStartObject("usage");
                w.WriteNumber("limit", s.MemoryLimit);
                w.WriteNumber("usage", s.MemoryUsage);
                w.WriteNumber("max", s.MemoryMaxUsage);
                w.WriteNumber("failcnt", s.MemoryFailCount);
                w.WriteEndObject();
                w.WriteNumber("oomKills", s.OomKills);
                w.WriteStartObject("raw");
                foreach (var (k, v) in s.MemoryStat) w.WriteNumber(k, v);
                w.WriteEndObject();
                w.WriteEndObject();
                w.WriteStartObject("pids");
                w.WriteNumber("current", s.PidsCurrent);
                w.WriteNumber("limit", s.PidsLimit);
                w.WriteEndObject();
                w.WriteStartObject("blkio");
                w.WriteNumber("readBytes", s.IoReadBytes);
                w.WriteNumber("writeBytes", s.IoWriteBytes);
                w.WriteNumber("readOps", s.IoReadOps);
                w.WriteNumber("writeOps", s.IoWriteOps);
                w.WriteEndObject();
                if (s.Pressure.Count > 0)
                {
                    // Pressure stall information (cgroup v2 only): cpu, memory and io, "some" and "full" each.
                    w.WriteStartObject("pressure");
                    foreach (var (resource, p) in s.Pressure)
                    {
                        w.WriteStartObject(resource);
                        WritePressure(w, "some", p.SomeAvg10, p.SomeAvg60, p.SomeAvg300, p.SomeTotal);
                        WritePressure(w, "full", p.FullAvg10, p.FullAvg60, p.FullAvg300, p.FullTotal);
                        w.WriteEndObject();
                    }
                    w.WriteEndObject();
                }
                w.WriteEndObject();
            }
            w.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(ms.ToArray());
    }

    private static void WritePressure(Utf8JsonWriter w, string name, double avg10, double avg60, double avg300, ulong total)
    {
        w.WriteStartObject(name);
        w.WriteNumber("avg10", avg10);
        w.WriteNumber("avg60", avg60);
        w.WriteNumber("avg300", avg300);
        w.WriteNumber("total", total);
        w.WriteEndObject();
    }
}
