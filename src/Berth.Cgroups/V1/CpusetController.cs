namespace Berth.Cgroups.V1;

/// <summary>The v1 cpuset controller: CPU and memory node lists.</summary>
internal sealed class CpusetController : V1Controller
{
    internal override string Name => "cpuset";

    /// <summary>
    /// A new v1 cpuset starts with empty cpuset.cpus and cpuset.mems, and the kernel refuses to attach a task to it
    /// (ENOSPC) until both are set: copy them from the parent, outermost directory first.
    /// </summary>
    internal override void Prepare(IEnumerable<string> directories)
    {
        foreach (var dir in directories)
        {
            var parent = System.IO.Path.GetDirectoryName(dir)!;
            foreach (var file in new[] { "cpuset.cpus", "cpuset.mems" })
            {
                if (CgroupFiles.Read(dir, file).Trim().Length == 0)
                {
                    CgroupFiles.Write(dir, file, CgroupFiles.Read(parent, file).Trim());
                }
            }
        }
    }

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
