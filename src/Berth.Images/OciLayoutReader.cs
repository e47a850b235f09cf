using System.Text.Json;

namespace Berth.Images;

/// <summary>
/// Reads an OCI image layout directory (<c>oci-layout</c>, <c>index.json</c>, <c>blobs/sha256/…</c>) into the
/// content store: every manifest reachable from <c>index.json</c> (through nested indexes), its config and its
/// layers, each checked against the size and digest its descriptor gives as it is copied. A layout that lies, or
/// lacks a blob, is refused with the blob named; what was already copied stays in the store only as unreferenced
/// blobs, which garbage collection removes.
/// </summary>
public static class OciLayoutReader
{
    private const int MaxIndexDepth = 4;

    /// <summary>Imports the layout at <paramref name="dir"/>; returns the images it names, in <c>index.json</c> order.</summary>
    /// <exception cref="ImageException">Not an OCI layout, or a blob is missing, damaged or not what its descriptor says.</exception>
    public static async Task<IReadOnlyList<LayoutImage>> ImportAsync(string dir, ContentStore store, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        var layoutFile = Path.Combine(dir, "oci-layout");
        if (!File.Exists(layoutFile)) throw new ImageException($"{dir} is not an OCI image layout: it has no oci-layout file");
        CheckLayoutVersion(await ReadSmallAsync(layoutFile, cancellationToken).ConfigureAwait(false), layoutFile);
        var indexFile = Path.Combine(dir, "index.json");
        if (!File.Exists(indexFile)) throw new ImageException($"{dir} is not an OCI image layout: it has no index.json");
        var index = ManifestReader.Read(await ReadSmallAsync(indexFile, cancellationToken).ConfigureAwait(false), MediaTypes.OciIndex) as ImageIndex
            ?? throw new ImageException($"{indexFile} is not an image index");

        var images = new List<LayoutImage>();
        foreach (var entry in index.Manifests)
            await ImportEntryAsync(dir, store, entry, entry.Annotations.GetValueOrDefault("org.opencontainers.image.ref.name"), images, 0, cancellationToken).ConfigureAwait(false);
        return images;
    }

    private static async Task ImportEntryAsync(string dir, ContentStore store, Descriptor entry, string? refName,
        List<LayoutImage> images, int depth, CancellationToken cancellationToken)
    {
        if (!MediaTypes.IsManifest(entry.MediaType) && !MediaTypes.IsIndex(entry.MediaType))
            throw new ImageException($"index entry {entry.Digest}: media type {entry.MediaType} is neither a manifest nor an index");
        var document = await CopyBlobAsync(dir, store, entry, ManifestReader.MaxSize, cancellationToken).ConfigureAwait(false);
        switch (ManifestReader.Read(document, entry.MediaType))
        {
            case ImageIndex nested:
                if (depth >= MaxIndexDepth) throw new ImageException($"index {entry.Digest}: indexes nested more than {MaxIndexDepth} deep");
                foreach (var child in nested.Manifests)
                    await ImportEntryAsync(dir, store, child, refName, images, depth + 1, cancellationToken).ConfigureAwait(false);
                break;
            case ImageManifest manifest:
                await CopyBlobAsync(dir, store, manifest.Config, ImageConfigReader.MaxSize, cancellationToken).ConfigureAwait(false);
                foreach (var layer in manifest.Layers)
                    await CopyBlobAsync(dir, store, layer, long.MaxValue, cancellationToken).ConfigureAwait(false);
                images.Add(new LayoutImage(refName, entry, manifest));
                break;
        }
    }

    /// <summary>
    /// Copies the blob of <paramref name="descriptor"/> into the store (checked against its size and digest) and,
    /// when it is small enough to be a document, returns its bytes.
    /// </summary>
    private static async Task<byte[]> CopyBlobAsync(string dir, ContentStore store, Descriptor descriptor, long maxSize, CancellationToken cancellationToken)
    {
        if (descriptor.Size > maxSize) throw new ImageException($"blob {descriptor.Digest}: {descriptor.Size} bytes, more than the {maxSize} allowed for a {descriptor.MediaType}");
        if (!store.Exists(descriptor.Digest))
        {
            var path = Path.Combine(dir, "blobs", "sha256", descriptor.Digest.Hex);
            if (!File.Exists(path)) throw new ImageException($"blob {descriptor.Digest} ({descriptor.MediaType}) is missing from {dir}");
            await using var source = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
            await store.WriteAsync(source, descriptor.Digest, descriptor.Size, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        else if (store.SizeOf(descriptor.Digest) != descriptor.Size)
        {
            throw new ImageException($"blob {descriptor.Digest} is {store.SizeOf(descriptor.Digest)} bytes, not the {descriptor.Size} its descriptor says");
        }
        return maxSize <= ImageConfigReader.MaxSize ? await store.ReadAllAsync(descriptor.Digest, maxSize, cancellationToken).ConfigureAwait(false) : [];
    }

    private static void CheckLayoutVersion(byte[] json, string path)
    {
        try
        {
            using var doc = JsonDocument.Parse(json);
            if (doc.RootElement.ValueKind == JsonValueKind.Object
                && doc.RootElement.TryGetProperty("imageLayoutVersion", out var v) && v.ValueKind == JsonValueKind.String
                && v.GetString() == "1.0.0")
            {
                return;
            }
        }
        catch (JsonException e)
        {
            throw new ImageException($"{path}: not valid JSON: {e.Message}", e);
        }
        throw new ImageException($"{path}: imageLayoutVersion must be \"1.0.0\"");
    }

    private static async Task<byte[]> ReadSmallAsync(string path, CancellationToken cancellationToken)
    {
        var info = new FileInfo(path);
        if (info.Length > ManifestReader.MaxSize) throw new ImageException($"{path}: {info.Length} bytes, more than the {ManifestReader.MaxSize} allowed");
        return await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false);
    }
}
