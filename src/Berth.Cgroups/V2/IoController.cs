using System.Globalization;

namespace Berth.Cgroups.V2;

/// <summary>The v2 io controller: io.bfq.weight or io.weight, io.max throttling; io.stat counters.</summary>
internal sealed class IoController : V2Controller
{
    internal override string Name => "io";

    internal override bool IsNeeded(CgroupResources r) =>
        r.BlkioWeight is not null || r.BlkioWeightDevices.Count > 0 || r.ThrottleReadBps.Count > 0
        || r.ThrottleWriteBps.Count > 0 || r.ThrottleReadIops.Count > 0 || r.ThrottleWriteIops.Count > 0;

    internal override void Validate(CgroupResources r)
    {
        if (r.BlkioWeightDevices.Any(d => d.LeafWeight is not null))
        {
            throw new CgroupException("blkio leaf weights are a cgroup v1 setting; the unified hierarchy has none");
        }
    }

    internal override void Apply(string dir, CgroupResources r)
    {
        if (r.BlkioWeight is not null || r.BlkioWeightDevices.Any(d => d.Weight is not null))
        {
            // BFQ takes the v1 range 1..1000 as is; io.weight is 1..10000 and gets the weight scaled as runc does.
            var bfq = CgroupFiles.Exists(dir, "io.bfq.weight");
            if (!bfq && !CgroupFiles.Exists(dir, "io.weight"))
            {
                throw new CgroupException($"blkio weight is not supported by this kernel (no io.weight or io.bfq.weight file in {dir})");
            }

            var file = bfq ? "io.bfq.weight" : "io.weight";
            if (r.BlkioWeight is { } w)
            {
                CgroupFiles.Write(dir, file, bfq ? w : WeightToIoWeight(w));
            }

            foreach (var d in r.BlkioWeightDevices.Where(d => d.Weight is not null))
            {
                var dw = d.Weight!.Value;
                CgroupFiles.Write(dir, file, $"{d.Major}:{d.Minor} {(bfq ? dw : WeightToIoWeight(dw))}");
            }
        }

        Max(dir, "rbps", r.ThrottleReadBps);
        Max(dir, "wbps", r.ThrottleWriteBps);
        Max(dir, "riops", r.ThrottleReadIops);
        Max(dir, "wiops", r.ThrottleWriteIops);
    }

    /// <summary>Scales a blkio weight 10..1000 onto io.weight 1..10000.</summary>
    internal static long WeightToIoWeight(ushort weight) => 1 + ((weight - 10L) * 9999 / 990);

    internal override void ReadStats(string dir, CgroupStats stats)
    {
        stats.IoDevices.Clear();
        stats.IoReadBytes = stats.IoWriteBytes = stats.IoReadOps = stats.IoWriteOps = 0;
        foreach (var d in ParseIoStat(CgroupFiles.TryRead(dir, "io.stat") ?? string.Empty))
        {
            stats.IoDevices.Add(d);
            stats.IoReadBytes += d.ReadBytes;
            stats.IoWriteBytes += d.WriteBytes;
            stats.IoReadOps += d.ReadOps;
            stats.IoWriteOps += d.WriteOps;
        }
    }

    /// <summary>Parses io.stat lines such as <c>8:0 rbytes=1 wbytes=2 rios=3 wios=4 dbytes=0 dios=0</c>.</summary>
    internal static List<IoDeviceStat> ParseIoStat(string text)
    {
        var result = new List<IoDeviceStat>();
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length == 0 || !V1.BlkioController.TryParseDevice(parts[0], out var device))
            {
                continue;
            }

            var values = new Dictionary<string, ulong>(StringComparer.Ordinal);
            foreach (var kv in parts.Skip(1))
            {
                var eq = kv.IndexOf('=', StringComparison.Ordinal);
                if (eq > 0 && ulong.TryParse(kv.AsSpan(eq + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var v))
                {
                    values[kv[..eq]] = v;
                }
            }

            result.Add(new IoDeviceStat(device.Major, device.Minor, values.GetValueOrDefault("rbytes"),
                values.GetValueOrDefault("wbytes"), values.GetValueOrDefault("rios"), values.GetValueOrDefault("wios")));
        }

        return result;
    }

    private static void Max(string dir, string key, IEnumerable<BlkioDeviceRate> rates)
    {
        foreach (var rate in rates)
        {
            CgroupFiles.Write(dir, "io.max", $"{rate.Major}:{rate.Minor} {key}={rate.Rate}");
        }
    }
}
