namespace Berth.Cgroups.V2;

/// <summary>The v2 pids controller (the same files as v1).</summary>
internal sealed class PidsController : V2Controller
{
    internal override string Name => "pids";

    internal override bool IsNeeded(CgroupResources r) => r.PidsLimit is not null;

    internal override void Apply(string dir, CgroupResources r)
    {
        if (r.PidsLimit is { } limit)
        {
            CgroupFiles.Write(dir, "pids.max", V1.PidsController.PidsMax(limit));
        }
    }

    internal override void ReadStats(string dir, CgroupStats stats) => V1.PidsController.ReadPids(dir, stats);
}
