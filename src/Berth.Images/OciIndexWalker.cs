namespace Berth.Images;

/// <summary>
/// Walks an OCI layout's <c>index.json</c> down to its manifests, through nested indexes, asking a fetcher for
/// each blob on the way (one copying from a folder, one looking up what a tar put in the store).
/// </summary>
internal static class OciIndexWalker
{
    /// <summary>The annotation that names an entry of <c>index.json</c>.</summary>
    public const string RefNameAnnotation = "org.opencontainers.image.ref.name";

    /// <summary>containerd's annotation holding an entry's full reference.</summary>
    public const string ImageNameAnnotation = "io.containerd.image.name";

    private const int MaxIndexDepth = 4;

    /// <summary>
    /// Fetches a blob into the store, checked against <paramref name="descriptor"/>; returns its bytes when
    /// <paramref name="maxSize"/> is that of a document (a manifest, an index, a config), else nothing.
    /// </summary>
    public delegate Task<byte[]> Fetch(Descriptor descriptor, long maxSize, CancellationToken cancellationToken);

    /// <summary>The images below <paramref name="index"/>, in its order; every manifest's config and layers fetched.</summary>
    /// <exception cref="ImageException">An entry is neither a manifest nor an index, indexes nest too deep, or a fetch fails.</exception>
    public static async Task<IReadOnlyList<LayoutImage>> WalkAsync(ImageIndex index, Fetch fetch, CancellationToken cancellationToken)
    {
        var images = new List<LayoutImage>();
        foreach (var entry in index.Manifests)
        {
            var found = new List<LayoutImage>();
            await WalkEntryAsync(entry, fetch, found, 0, cancellationToken).ConfigureAwait(false);
            var refName = entry.Annotations.GetValueOrDefault(RefNameAnnotation);
            var imageName = entry.Annotations.GetValueOrDefault(ImageNameAnnotation);
            images.AddRange(found.Select(i => i with { RefName = refName, IndexEntry = entry, ImageName = imageName }));
        }
        return images;
    }

    private static async Task WalkEntryAsync(Descriptor entry, Fetch fetch, List<LayoutImage> images, int depth, CancellationToken cancellationToken)
    {
        if (!MediaTypes.IsManifest(entry.MediaType) && !MediaTypes.IsIndex(entry.MediaType))
            throw new ImageException($"index entry {entry.Digest}: media type {entry.MediaType} is neither a manifest nor an index");
        var document = await fetch(entry, ManifestReader.MaxSize, cancellationToken).ConfigureAwait(false);
        switch (ManifestReader.Read(document, entry.MediaType))
        {
            case ImageIndex nested:
                if (depth >= MaxIndexDepth) throw new ImageException($"index {entry.Digest}: indexes nested more than {MaxIndexDepth} deep");
                foreach (var child in nested.Manifests)
                    await WalkEntryAsync(child, fetch, images, depth + 1, cancellationToken).ConfigureAwait(false);
                break;
            case ImageManifest manifest:
                await fetch(manifest.Config, ImageConfigReader.MaxSize, cancellationToken).ConfigureAwait(false);
                foreach (var layer in manifest.Layers)
                    await fetch(layer, long.MaxValue, cancellationToken).ConfigureAwait(false);
                images.Add(new LayoutImage(null, entry, manifest));
                break;
        }
    }

    /// <summary>Refuses a descriptor larger than a blob of its kind may be.</summary>
    public static void CheckSize(Descriptor descriptor, long maxSize)
    {
        if (descriptor.Size > maxSize) throw new ImageException($"blob {descriptor.Digest}: {descriptor.Size} bytes, more than the {maxSize} allowed for a {descriptor.MediaType}");
    }

    /// <summary>Whether a fetch for <paramref name="maxSize"/> wants the blob's bytes back.</summary>
    public static bool IsDocument(long maxSize) => maxSize <= ImageConfigReader.MaxSize;

    /// <summary>Checks an <c>oci-layout</c> file: <c>imageLayoutVersion</c> must be <c>1.0.0</c>.</summary>
    /// <exception cref="ImageException">It is not JSON, or another version.</exception>
    public static void CheckLayoutVersion(byte[] json, string path)
    {
        try
        {
            using var doc = System.Text.Json.JsonDocument.Parse(json);
            if (doc.RootElement.ValueKind == System.Text.Json.JsonValueKind.Object
                && doc.RootElement.TryGetProperty("imageLayoutVersion", out var v) && v.ValueKind == System.Text.Json.JsonValueKind.String
                && v.GetString() == "1.0.0")
            {
                return;
            }
        }
        catch (System.Text.Json.JsonException e)
        {
            throw new ImageException($"{path}: not valid JSON: {e.Message}", e);
        }
        catch (InvalidOperationException e)
        {
            throw new ImageException($"{path}: {e.Message}", e);
        }
        throw new ImageException($"{path}: imageLayoutVersion must be \"1.0.0\"");
    }

    /// <summary>Reads <c>index.json</c>, which must be an image index.</summary>
    /// <exception cref="ImageException">It is not one.</exception>
    public static ImageIndex ReadIndex(byte[] json, string path)
        => ManifestReader.Read(json, MediaTypes.OciIndex) as ImageIndex ?? throw new ImageException($"{path} is not an image index");
}
