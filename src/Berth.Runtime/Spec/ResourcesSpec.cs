namespace Berth.Runtime.Spec;

/// <summary><c>linux.resources</c>: cgroup limits.</summary>
public sealed class ResourcesSpec
{
    public List<DeviceCgroupSpec>? Devices { get; set; }
    public MemorySpec? Memory { get; set; }
    public CpuSpec? Cpu { get; set; }
    public PidsSpec? Pids { get; set; }
    public BlockIoSpec? BlockIO { get; set; }
    public List<HugepageLimitSpec>? HugepageLimits { get; set; }
    public Dictionary<string, string>? Unified { get; set; }
}
