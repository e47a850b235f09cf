namespace Berth.Images;

/// <summary>
/// An image read from an OCI layout: the name <c>index.json</c> gives it (<c>org.opencontainers.image.ref.name</c>,
/// if any), the descriptor of its manifest, and the manifest.
/// </summary>
public sealed record LayoutImage(string? RefName, Descriptor ManifestDescriptor, ImageManifest Manifest)
{
    /// <summary>
    /// The entry of <c>index.json</c> the manifest was reached from: its own descriptor, or that of the (nested)
    /// index listing it, as for an image built for several platforms. Names belong on this entry.
    /// </summary>
    public Descriptor? IndexEntry { get; init; }

    /// <summary>
    /// The entry's <c>io.containerd.image.name</c> annotation, if any: a full reference, which containerd's export
    /// and newer <c>docker save</c> write beside a <see cref="RefName"/> that is only a tag.
    /// </summary>
    public string? ImageName { get; init; }
}
