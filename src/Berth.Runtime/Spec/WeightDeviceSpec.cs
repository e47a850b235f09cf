namespace Berth.Runtime.Spec;

/// <summary>A per-device weight.</summary>
public sealed class WeightDeviceSpec
{
    public long Major { get; set; }
    public long Minor { get; set; }
    public ushort? Weight { get; set; }
    public ushort? LeafWeight { get; set; }
}
