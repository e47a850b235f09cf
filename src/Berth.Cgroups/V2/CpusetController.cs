namespace Berth.Cgroups.V2;

/// <summary>The v2 cpuset controller: cpuset.cpus and cpuset.mems (empty means "the parent's", so nothing to copy).</summary>
internal sealed class CpusetController : V2Controller
{
    internal override string Name => "cpuset";

    internal override bool IsNeeded(CgroupResources r) => !string.IsNullOrEmpty(r.CpusetCpus) || !string.IsNullOrEmpty(r.CpusetMems);

    internal override void Apply(string dir, CgroupResources r)
    {
        if (!string.IsNullOrEmpty(r.CpusetCpus))
        {
            CgroupFiles.Write(dir, "cpuset.cpus", r.CpusetCpus);
        }

        if (!string.IsNullOrEmpty(r.CpusetMems))
        {
            CgroupFiles.Write(dir, "cpuset.mems", r.CpusetMems);
        }
    }
}
