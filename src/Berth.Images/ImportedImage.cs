namespace Berth.Images;

/// <summary>An image an archive import put in the store: its manifest (or index) and the names set on it.</summary>
public sealed record ImportedImage(Descriptor Target, IReadOnlyList<ImageReference> Tags);
