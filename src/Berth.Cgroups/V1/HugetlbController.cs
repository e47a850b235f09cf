namespace Berth.Cgroups.V1;

/// <summary>The v1 hugetlb controller: hugetlb.&lt;size&gt;.limit_in_bytes.</summary>
internal sealed class HugetlbController : V1Controller
{
    internal override string Name => "hugetlb";

    internal override void Validate(CgroupResources r, string baseDir)
    {
        foreach (var h in r.HugepageLimits)
        {
            Hugepages.RequireSize(h.PageSize);
        }
    }

    internal override void Apply(string dir, CgroupResources r)
    {
        foreach (var h in r.HugepageLimits)
        {
            CgroupFiles.Write(dir, $"hugetlb.{h.PageSize}.limit_in_bytes", (long)Math.Min(h.Limit, long.MaxValue));
        }
    }
}
