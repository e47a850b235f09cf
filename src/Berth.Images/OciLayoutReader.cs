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
    /// <summary>Imports the layout at <paramref name="dir"/>; returns the images it names, in <c>index.json</c> order.</summary>
    /// <exception cref="ImageException">Not an OCI layout, or a blob is missing, damaged or not what its descriptor says.</exception>
    public static async Task<IReadOnlyList<LayoutImage>> ImportAsync(string dir, ContentStore store, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        var layoutFile = Path.Combine(dir, "oci-layout");
        if (!File.Exists(layoutFile)) throw new ImageException($"{dir} is not an OCI image layout: it has no oci-layout file");
        OciIndexWalker.CheckLayoutVersion(await ReadSmallAsync(layoutFile, cancellationToken).ConfigureAwait(false), layoutFile);
        var indexFile = Path.Combine(dir, "index.json");
        if (!File.Exists(indexFile)) throw new ImageException($"{dir} is not an OCI image layout: it has no index.json");
        var index = OciIndexWalker.ReadIndex(await ReadSmallAsync(indexFile, cancellationToken).ConfigureAwait(false), indexFile);
        return await OciIndexWalker.WalkAsync(index, (d, max, ct) => CopyBlobAsync(dir, store, d, max, ct), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Copies the blob of <paramref name="descriptor"/> into the store (checked against its size and digest) and,
    /// when it is small enough to be a document, returns its bytes.
    /// </summary>
    private static async Task<byte[]> CopyBlobAsync(string dir, ContentStore store, Descriptor descriptor, long maxSize, CancellationToken cancellationToken)
    {
        OciIndexWalker.CheckSize(descriptor, maxSize);
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
        return OciIndexWalker.IsDocument(maxSize) ? await store.ReadAllAsync(descriptor.Digest, maxSize, cancellationToken).ConfigureAwait(false) : [];
    }

    private static async Task<byte[]> ReadSmallAsync(string path, CancellationToken cancellationToken)
    {
        var info = new FileInfo(path);
        if (info.Length > ManifestReader.MaxSize) throw new ImageException($"{path}: {info.Length} bytes, more than the {ManifestReader.MaxSize} allowed");
        return await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false);
    }
}
