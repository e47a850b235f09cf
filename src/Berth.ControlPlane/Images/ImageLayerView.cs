namespace Berth.ControlPlane.Images;

/// <summary>
/// One layer of an image, bottom first: its blob (digest, media type, compressed size), the digest of its
/// uncompressed content (<c>rootfs.diff_ids</c>), and whether the node has unpacked it already.
/// </summary>
public sealed record ImageLayerView(string Digest, string MediaType, long SizeBytes, string? DiffId, bool Unpacked);
