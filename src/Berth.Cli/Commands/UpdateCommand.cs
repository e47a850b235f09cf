using System.Globalization;
using Berth.Runtime.Spec;

namespace Berth.Cli.Commands;

/// <summary>
/// <c>berth update [-r FILE|-] [--memory N] [--memory-reservation N] [--memory-swap N] [--cpu-shares N]
/// [--cpu-quota N] [--cpu-period N] [--cpuset-cpus L] [--cpuset-mems L] [--pids-limit N] [--blkio-weight N] ID</c>.
/// </summary>
public static class UpdateCommand
{
    public static int Run(GlobalOptions g, string[] args)
    {
        var p = new ArgParser("update").Value("resources", "r").Value("memory").Value("memory-reservation").Value("memory-swap")
            .Value("kernel-memory").Value("kernel-memory-tcp")
            .Value("cpu-shares").Value("cpu-quota").Value("cpu-period").Value("cpu-rt-runtime").Value("cpu-rt-period")
            .Value("cpuset-cpus").Value("cpuset-mems").Value("pids-limit").Value("blkio-weight").Parse(args);
        var id = p.Id();
        ResourcesSpec r;
        if (p.Get("resources") is { } file)
        {
            byte[] bytes;
            try { bytes = file == "-" ? ReadStdin() : File.ReadAllBytes(file); }
            catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
            {
                throw new UsageException($"update: -r {file}: no such file");
            }
            r = SpecReader.ReadResources(bytes, file);
        }
        else
        {
            r = new ResourcesSpec();
        }
        if (p.Get("kernel-memory") is not null || p.Get("kernel-memory-tcp") is not null)
            throw new UsageException("update: kernel memory limits are not supported by this kernel");
        if (p.Get("memory") is { } m) (r.Memory ??= new()).Limit = Bytes(m, "--memory");
        if (p.Get("memory-reservation") is { } mr) (r.Memory ??= new()).Reservation = Bytes(mr, "--memory-reservation");
        if (p.Get("memory-swap") is { } ms) (r.Memory ??= new()).Swap = Bytes(ms, "--memory-swap");
        if (p.Get("cpu-shares") is { } cs) (r.Cpu ??= new()).Shares = (ulong)Number(cs, "--cpu-shares");
        if (p.Get("cpu-quota") is { } cq) (r.Cpu ??= new()).Quota = Number(cq, "--cpu-quota");
        if (p.Get("cpu-period") is { } cp) (r.Cpu ??= new()).Period = (ulong)Number(cp, "--cpu-period");
        if (p.Get("cpu-rt-runtime") is { } rr) (r.Cpu ??= new()).RealtimeRuntime = Number(rr, "--cpu-rt-runtime");
        if (p.Get("cpu-rt-period") is { } rp) (r.Cpu ??= new()).RealtimePeriod = (ulong)Number(rp, "--cpu-rt-period");
        if (p.Get("cpuset-cpus") is { } cc) (r.Cpu ??= new()).Cpus = cc;
        if (p.Get("cpuset-mems") is { } cm) (r.Cpu ??= new()).Mems = cm;
        if (p.Get("pids-limit") is { } pl) r.Pids = new PidsSpec { Limit = Number(pl, "--pids-limit") };
        if (p.Get("blkio-weight") is { } bw) (r.BlockIO ??= new()).Weight = (ushort)Number(bw, "--blkio-weight");
        g.Runtime().Update(id, r);
        return 0;
    }

    private static byte[] ReadStdin()
    {
        using var stdin = Console.OpenStandardInput();
        using var ms = new MemoryStream();
        stdin.CopyTo(ms);
        return ms.ToArray();
    }

    private static long Number(string s, string flag)
        => long.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v) ? v
            : throw new UsageException($"update: {flag}: \"{s}\" is not a number");

    /// <summary>Parses a byte count with an optional k/m/g suffix (powers of 1024), or -1.</summary>
    internal static long Bytes(string s, string flag)
    {
        if (s == "-1") return -1;
        var lower = s.ToLowerInvariant().TrimEnd('b');
        long mult = 1;
        if (lower.EndsWith('k')) mult = 1L << 10;
        else if (lower.EndsWith('m')) mult = 1L << 20;
        else if (lower.EndsWith('g')) mult = 1L << 30;
        if (mult != 1) lower = lower[..^1];
        return long.TryParse(lower, NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? checked(v * mult)
            : throw new UsageException($"update: {flag}: \"{s}\" is not a size");
    }
}
