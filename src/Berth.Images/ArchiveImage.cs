namespace Berth.Images;

/// <summary>An image read from a docker-archive: the tags the archive gives it, its (new) OCI manifest's descriptor, and that manifest.</summary>
public sealed record ArchiveImage(IReadOnlyList<string> RepoTags, Descriptor ManifestDescriptor, ImageManifest Manifest);
