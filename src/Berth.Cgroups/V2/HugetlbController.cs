namespace Berth.Cgroups.V2;

/// <summary>The v2 hugetlb controller: hugetlb.&lt;size&gt;.max.</summary>
internal sealed class HugetlbController : V2Controller
{
    internal override string Name => "hugetlb";

    internal override bool IsNeeded(CgroupResources r) => r.HugepageLimits.Count > 0;

    internal override void Validate(CgroupResources r)
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
            CgroupFiles.Write(dir, $"hugetlb.{h.PageSize}.max", h.Limit.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
    }
}
