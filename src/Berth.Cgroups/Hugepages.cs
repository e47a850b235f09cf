namespace Berth.Cgroups;

/// <summary>Checks a huge page size against the sizes the kernel offers (/sys/kernel/mm/hugepages).</summary>
internal static class Hugepages
{
    internal static void RequireSize(string pageSize)
    {
        var kb = ResourceValidator.HugepageKilobytes(pageSize);
        var dir = $"/sys/kernel/mm/hugepages/hugepages-{kb}kB";
        if (!Directory.Exists(dir))
        {
            throw new CgroupException($"huge page size {pageSize} is not supported by this kernel (no {dir})");
        }
    }
}
