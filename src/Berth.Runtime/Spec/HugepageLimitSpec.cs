namespace Berth.Runtime.Spec;

/// <summary>A huge page limit.</summary>
public sealed class HugepageLimitSpec
{
    public string PageSize { get; set; } = "";
    public ulong Limit { get; set; }
}
