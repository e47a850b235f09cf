namespace Berth.Images;

/// <summary>
/// An image read from an OCI layout: the name <c>index.json</c> gives it (<c>org.opencontainers.image.ref.name</c>,
/// if any), the descriptor of its manifest, and the manifest.
/// </summary>
public sealed record LayoutImage(string? RefName, Descriptor ManifestDescriptor, ImageManifest Manifest);
