namespace Berth.Images;

/// <summary>Options of <see cref="ImageArchive.ImportAsync"/>.</summary>
public sealed record ArchiveImportOptions
{
    /// <summary>
    /// A name (with a tag) for what the archive does not name itself: required for a root file system tarball; for
    /// an OCI layout whose <c>org.opencontainers.image.ref.name</c> is only a tag, the repository that tag goes on;
    /// and the name of the archive's one image that has no name at all.
    /// </summary>
    public ImageReference? Name { get; init; }

    /// <summary>The config of an image made from a root file system tarball.</summary>
    public RootfsImportOptions Rootfs { get; init; } = new();
}
