namespace Berth.Engine;

/// <summary>What the node's images and containers take on disk (<c>berth system df</c>).</summary>
public sealed class DiskUsageReport
{
    public int Images { get; init; }

    /// <summary>Images some container was made from.</summary>
    public int ActiveImages { get; init; }

    /// <summary>Blobs and unpacked layers together.</summary>
    public long ImageBytes { get; init; }

    public long BlobBytes { get; init; }

    public long SnapshotBytes { get; init; }

    public int Containers { get; init; }

    public int RunningContainers { get; init; }

    /// <summary>The containers' own layers and logs.</summary>
    public long ContainerBytes { get; init; }

    /// <summary>Of which, those of containers that are not running.</summary>
    public long ReclaimableContainerBytes { get; init; }
}
