namespace Berth.Images;

/// <summary>What <see cref="ImageArchive.ImportAsync"/> found and did: the archive's format and its images with their new names.</summary>
public sealed record ArchiveImportResult(ArchiveFormat Format, IReadOnlyList<ImportedImage> Images)
{
    /// <summary>Every name set, in the images' order.</summary>
    public IReadOnlyList<ImageReference> Tags => Images.SelectMany(i => i.Tags).ToList();
}
