namespace Berth.Runtime.Spec;

/// <summary>A device cgroup rule.</summary>
public sealed class DeviceCgroupSpec
{
    public bool Allow { get; set; }
    public string? Type { get; set; }
    public long? Major { get; set; }
    public long? Minor { get; set; }
    public string? Access { get; set; }
}
