namespace Berth.Runtime.Spec;

/// <summary>A per-device rate.</summary>
public sealed class ThrottleDeviceSpec
{
    public long Major { get; set; }
    public long Minor { get; set; }
    public ulong Rate { get; set; }
}
