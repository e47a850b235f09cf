namespace Berth.Runtime.Spec;

/// <summary>Block I/O weights and throttles.</summary>
public sealed class BlockIoSpec
{
    public ushort? Weight { get; set; }
    public ushort? LeafWeight { get; set; }
    public List<WeightDeviceSpec>? WeightDevice { get; set; }
    public List<ThrottleDeviceSpec>? ThrottleReadBpsDevice { get; set; }
    public List<ThrottleDeviceSpec>? ThrottleWriteBpsDevice { get; set; }
    public List<ThrottleDeviceSpec>? ThrottleReadIOPSDevice { get; set; }
    public List<ThrottleDeviceSpec>? ThrottleWriteIOPSDevice { get; set; }
}
