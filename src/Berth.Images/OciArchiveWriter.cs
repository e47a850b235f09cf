namespace Berth.Images;

/// <summary>
/// Writes images as an OCI image layout in a tar (an <c>oci-archive</c>, what <c>skopeo</c> and <c>podman load</c>
/// read): <c>blobs/sha256/HEX</c> for every manifest, index, config and layer (as stored: compressed layers stay
/// compressed, so every digest is kept), <c>index.json</c> with one entry per name (its full reference in
/// <c>org.opencontainers.image.ref.name</c>) and <c>oci-layout</c>. The same images give the same bytes: entries
/// in name order, fixed times and owners. Blobs are streamed from the store, each checked against its digest.
/// </summary>
public static class OciArchiveWriter
{
    /// <summary>
    /// Writes <paramref name="images"/> (each a name and the manifest or index it names, as
    /// <see cref="ImageStore.List"/> gives them) to <paramref name="output"/>, which the caller owns.
    /// </summary>
    /// <exception cref="ImageException">A blob is missing from the store or damaged; found before anything is written when missing.</exception>
    /// <exception cref="ArgumentException"><paramref name="images"/> is empty.</exception>
    public static async Task WriteAsync(Stream output, ImageStore store, IReadOnlyList<(ImageReference Reference, Descriptor Target)> images,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(store);
        var entries = ImageExport.Distinct(images);
        var blobs = new SortedDictionary<string, Descriptor>(StringComparer.Ordinal);
        foreach (var (_, target) in entries)
            await ImageExport.CollectAsync(store.Content, target, blobs, 0, cancellationToken).ConfigureAwait(false);

        await using var tar = new ArchiveTarWriter(output);
        await tar.WriteDirectoryAsync("blobs", cancellationToken).ConfigureAwait(false);
        await tar.WriteDirectoryAsync("blobs/sha256", cancellationToken).ConfigureAwait(false);
        foreach (var (hex, descriptor) in blobs)
        {
            await using var blob = ImageExport.Open(store.Content, descriptor);
            await tar.WriteFileAsync("blobs/sha256/" + hex, blob, descriptor.Size, cancellationToken).ConfigureAwait(false);
        }
        await tar.WriteFileAsync("index.json", Index(entries), cancellationToken).ConfigureAwait(false);
        await tar.WriteFileAsync("oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}"u8.ToArray(), cancellationToken).ConfigureAwait(false);
    }

    private static byte[] Index(List<(ImageReference Reference, Descriptor Target)> entries)
        => ManifestWriter.Write(new ImageIndex(MediaTypes.OciIndex, entries.Select(e => e.Target with
        {
            Annotations = e.Reference.Tag is { } tag
                ? new Dictionary<string, string> { [OciIndexWalker.RefNameAnnotation] = e.Reference.WithTag(tag).ToString() }
                : new Dictionary<string, string>(),
        }).ToList()));
}
