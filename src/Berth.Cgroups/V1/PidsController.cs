namespace Berth.Cgroups.V1;

/// <summary>The v1 pids controller.</summary>
internal sealed class PidsController : V1Controller
{
    internal override string Name => "pids";

    internal override void Apply(string dir, CgroupResources r)
    {
        if (r.PidsLimit is { } limit)
        {
            CgroupFiles.Write(dir, "pids.max", PidsMax(limit));
        }
    }

    internal override void ReadStats(string dir, CgroupStats stats) => ReadPids(dir, stats);

    /// <summary>The pids.max value for a limit: zero or below means unlimited (see <see cref="CgroupResources.PidsLimit"/>).</summary>
    internal static string PidsMax(long limit) =>
        limit > 0 ? limit.ToString(System.Globalization.CultureInfo.InvariantCulture) : CgroupFiles.Max;

    /// <summary>pids.current and pids.max, the same files on v1 and v2; <c>max</c> reads as 0.</summary>
    internal static void ReadPids(string dir, CgroupStats stats)
    {
        stats.PidsCurrent = CgroupFiles.TryReadUlong(dir, "pids.current") ?? 0;
        var max = CgroupFiles.TryReadUlong(dir, "pids.max") ?? 0;
        stats.PidsLimit = max == ulong.MaxValue ? 0 : max;
    }
}
