using System.Globalization;

namespace Berth.Cgroups.V1;

/// <summary>The v1 blkio controller: weights (where the kernel has them) and throttling, I/O counters.</summary>
internal sealed class BlkioController : V1Controller
{
    internal override string Name => "blkio";

    internal override void Validate(CgroupResources r, string baseDir)
    {
        if ((r.BlkioWeight is not null || r.BlkioWeightDevices.Any(d => d.Weight is not null)) && WeightPrefix(baseDir) is null)
        {
            throw new CgroupException($"blkio weight is not supported by this kernel (no blkio.weight file in {baseDir})");
        }

        if (r.BlkioWeightDevices.Any(d => d.LeafWeight is not null) && !CgroupFiles.Exists(baseDir, "blkio.leaf_weight_device"))
        {
            throw new CgroupException($"blkio leaf weight is not supported by this kernel (no blkio.leaf_weight_device file in {baseDir})");
        }

        if (r.ThrottleReadBps.Count + r.ThrottleWriteBps.Count + r.ThrottleReadIops.Count + r.ThrottleWriteIops.Count > 0)
        {
            Require(baseDir, "blkio.throttle.read_bps_device", "blkio throttling");
        }
    }

    internal override void Apply(string dir, CgroupResources r)
    {
        if (r.BlkioWeight is { } weight)
        {
            CgroupFiles.Write(dir, WeightPrefix(dir) + "weight", weight);
        }

        foreach (var d in r.BlkioWeightDevices)
        {
            if (d.Weight is { } w)
            {
                var file = WeightPrefix(dir) == "blkio.bfq." ? "blkio.bfq.weight" : "blkio.weight_device";
                CgroupFiles.Write(dir, file, $"{d.Major}:{d.Minor} {w}");
            }

            if (d.LeafWeight is { } lw)
            {
                CgroupFiles.Write(dir, "blkio.leaf_weight_device", $"{d.Major}:{d.Minor} {lw}");
            }
        }

        Throttle(dir, "blkio.throttle.read_bps_device", r.ThrottleReadBps);
        Throttle(dir, "blkio.throttle.write_bps_device", r.ThrottleWriteBps);
        Throttle(dir, "blkio.throttle.read_iops_device", r.ThrottleReadIops);
        Throttle(dir, "blkio.throttle.write_iops_device", r.ThrottleWriteIops);
    }

    internal override void ReadStats(string dir, CgroupStats stats)
    {
        var bytes = Parse(ReadPreferRecursive(dir, "blkio.throttle.io_service_bytes"));
        var ops = Parse(ReadPreferRecursive(dir, "blkio.throttle.io_serviced"));
        stats.IoDevices.Clear();
        stats.IoReadBytes = stats.IoWriteBytes = stats.IoReadOps = stats.IoWriteOps = 0;
        foreach (var device in bytes.Keys.Union(ops.Keys).Order())
        {
            var b = bytes.GetValueOrDefault(device);
            var o = ops.GetValueOrDefault(device);
            stats.IoDevices.Add(new IoDeviceStat(device.Major, device.Minor, b.Read, b.Write, o.Read, o.Write));
            stats.IoReadBytes += b.Read;
            stats.IoWriteBytes += b.Write;
            stats.IoReadOps += o.Read;
            stats.IoWriteOps += o.Write;
        }
    }

    /// <summary>Parses <c>MAJ:MIN Read N</c> / <c>MAJ:MIN Write N</c> lines; <c>Total</c> lines are summed by the caller instead.</summary>
    internal static Dictionary<(long Major, long Minor), (ulong Read, ulong Write)> Parse(string text)
    {
        var result = new Dictionary<(long, long), (ulong Read, ulong Write)>();
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length != 3 || !TryParseDevice(parts[0], out var device)
                || !ulong.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var value))
            {
                continue;
            }

            var (read, write) = result.GetValueOrDefault(device);
            if (parts[1] == "Read")
            {
                read += value;
            }
            else if (parts[1] == "Write")
            {
                write += value;
            }

            result[device] = (read, write);
        }

        return result;
    }

    internal static bool TryParseDevice(string text, out (long Major, long Minor) device)
    {
        device = default;
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0
            || !long.TryParse(text.AsSpan(0, colon), NumberStyles.None, CultureInfo.InvariantCulture, out var major)
            || !long.TryParse(text.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var minor))
        {
            return false;
        }

        device = (major, minor);
        return true;
    }

    private static string ReadPreferRecursive(string dir, string file) =>
        CgroupFiles.TryRead(dir, file + "_recursive") ?? CgroupFiles.TryRead(dir, file) ?? string.Empty;

    /// <summary>CFQ kernels have <c>blkio.weight</c>, BFQ ones <c>blkio.bfq.weight</c>; newer kernels without either have no weights at all.</summary>
    private static string? WeightPrefix(string dir) =>
        CgroupFiles.Exists(dir, "blkio.weight") ? "blkio." : CgroupFiles.Exists(dir, "blkio.bfq.weight") ? "blkio.bfq." : null;

    private static void Throttle(string dir, string file, IEnumerable<BlkioDeviceRate> rates)
    {
        foreach (var rate in rates)
        {
            CgroupFiles.Write(dir, file, $"{rate.Major}:{rate.Minor} {rate.Rate}");
        }
    }
}
