namespace Berth.Images;

/// <summary>What the archive writers share: reading an image's manifests back from the store, and opening its blobs checked.</summary>
internal static class ImageExport
{
    private const int MaxIndexDepth = 4;

    /// <summary>The manifest or index <paramref name="descriptor"/> names, read from the store.</summary>
    /// <exception cref="ImageException">It is not in the store, is damaged, or is neither.</exception>
    public static async Task<object> ReadAsync(ContentStore store, Descriptor descriptor, CancellationToken cancellationToken)
    {
        if (!store.Exists(descriptor.Digest)) throw Missing(descriptor);
        return ManifestReader.Read(await store.ReadAllAsync(descriptor.Digest, ManifestReader.MaxSize, cancellationToken).ConfigureAwait(false), descriptor.MediaType);
    }

    /// <summary>
    /// Every blob an image needs, by digest: the manifest or index itself, nested manifests, configs and layers.
    /// </summary>
    /// <exception cref="ImageException">One of them is not in the store (as when only one platform of an index was pulled).</exception>
    public static async Task CollectAsync(ContentStore store, Descriptor descriptor, SortedDictionary<string, Descriptor> blobs, int depth, CancellationToken cancellationToken)
    {
        blobs[descriptor.Digest.Hex] = descriptor;
        switch (await ReadAsync(store, descriptor, cancellationToken).ConfigureAwait(false))
        {
            case ImageIndex index:
                if (depth >= MaxIndexDepth) throw new ImageException($"index {descriptor.Digest}: indexes nested more than {MaxIndexDepth} deep");
                foreach (var child in index.Manifests)
                    await CollectAsync(store, child, blobs, depth + 1, cancellationToken).ConfigureAwait(false);
                break;
            case ImageManifest manifest:
                foreach (var blob in manifest.Layers.Prepend(manifest.Config))
                {
                    if (!store.Exists(blob.Digest)) throw Missing(blob);
                    blobs[blob.Digest.Hex] = blob;
                }
                break;
        }
    }

    /// <summary>A blob of the store as a stream that must be exactly what <paramref name="descriptor"/> says.</summary>
    /// <exception cref="ImageException">The blob is not in the store.</exception>
    public static CheckedLengthStream Open(ContentStore store, Descriptor descriptor)
        => new(store.OpenRead(descriptor.Digest), descriptor.Size, descriptor.Digest, $"blob {descriptor.Digest} in {store.Root}");

    /// <summary>The names and targets to write, each pair once, in the order given.</summary>
    /// <exception cref="ArgumentException">The list is empty.</exception>
    public static List<(ImageReference Reference, Descriptor Target)> Distinct(IReadOnlyList<(ImageReference Reference, Descriptor Target)> images)
    {
        ArgumentNullException.ThrowIfNull(images);
        if (images.Count == 0) throw new ArgumentException("no image to write", nameof(images));
        return images.DistinctBy(i => (i.Reference.ToString(), i.Target.Digest)).ToList();
    }

    private static ImageException Missing(Descriptor d) => new($"cannot write the image: blob {d.Digest} ({d.MediaType}) is not in the store");
}
