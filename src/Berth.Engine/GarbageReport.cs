namespace Berth.Engine;

/// <summary>What a garbage collection or an image removal took away.</summary>
public sealed class GarbageReport
{
    public int Blobs { get; set; }

    public int Snapshots { get; set; }

    public long Bytes { get; set; }

    /// <summary>Image names removed.</summary>
    public List<string> Untagged { get; } = [];
}
