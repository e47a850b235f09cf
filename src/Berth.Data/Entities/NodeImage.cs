namespace Berth.Data.Entities;

/// <summary>An image name a node's store holds, as last seen.</summary>
public sealed class NodeImage
{
    public required string NodeId { get; set; }

    public required string Reference { get; set; }

    public required string ImageId { get; set; }

    public long SizeBytes { get; set; }

    public DateTimeOffset SeenAt { get; set; }
}
