using System.Formats.Tar;

namespace Berth.Images;

/// <summary>
/// Reads an OCI image layout packed in a tar (an <c>oci-archive</c>, as <c>skopeo copy … oci-archive:FILE</c> and
/// <c>podman save --format oci-archive</c> write it) into the content store, in one pass over the stream. Writers put
/// the blobs before <c>index.json</c>, so every <c>blobs/sha256/HEX</c> entry goes into the store as it comes, checked
/// against the digest its name gives; then <c>oci-layout</c> and <c>index.json</c> are checked and every manifest
/// reachable from the index, with its config and layers, must be in the archive at the size its descriptor gives.
/// </summary>
/// <remarks>
/// A refused archive leaves no name, but the blobs that passed their digest check before the refusal stay in the
/// store, unreferenced: they are content-addressed, so they cannot be wrong, and garbage collection removes them.
/// </remarks>
public static class OciArchiveReader
{
    private const string Format = "oci-archive";

    /// <summary>Imports the archive read from <paramref name="archive"/> (an uncompressed tar); returns its images in <c>index.json</c> order.</summary>
    /// <exception cref="ImageException">Not an OCI layout tar, or hostile, damaged or inconsistent: the message says what.</exception>
    public static async Task<IReadOnlyList<LayoutImage>> ImportAsync(Stream archive, ContentStore store, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        var contents = await ArchiveContents.ReadAsync(new TarReader(archive, leaveOpen: true), null, 0, store, Format, cancellationToken).ConfigureAwait(false);
        return await ImportAsync(contents, store, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The images of an archive already read, from its <c>oci-layout</c> and <c>index.json</c>.</summary>
    internal static async Task<IReadOnlyList<LayoutImage>> ImportAsync(ArchiveContents contents, ContentStore store, CancellationToken cancellationToken)
    {
        var layout = await contents.DocumentAsync("oci-layout", store, ManifestReader.MaxSize, cancellationToken).ConfigureAwait(false)
            ?? throw new ImageException($"{contents.Format}: it has no oci-layout file (is it an OCI image layout?)");
        OciIndexWalker.CheckLayoutVersion(layout, $"{contents.Format}: oci-layout");
        var indexJson = await contents.DocumentAsync("index.json", store, ManifestReader.MaxSize, cancellationToken).ConfigureAwait(false)
            ?? throw new ImageException($"{contents.Format}: it has no index.json");
        var index = OciIndexWalker.ReadIndex(indexJson, $"{contents.Format}: index.json");
        return await OciIndexWalker.WalkAsync(index, (d, max, ct) => FindBlobAsync(contents, store, d, max, ct), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The blob of <paramref name="descriptor"/>, which the archive must hold at the size the descriptor gives.</summary>
    private static async Task<byte[]> FindBlobAsync(ArchiveContents contents, ContentStore store, Descriptor descriptor, long maxSize, CancellationToken cancellationToken)
    {
        OciIndexWalker.CheckSize(descriptor, maxSize);
        var name = "blobs/sha256/" + descriptor.Digest.Hex;
        var (digest, size) = contents.Blob(name)
            ?? throw new ImageException($"{contents.Format}: blob {descriptor.Digest} ({descriptor.MediaType}) is missing from the archive");
        // Only a link can lead a digest's name to other content; a file so named was checked on the way in.
        if (digest != descriptor.Digest) throw new ImageException($"{contents.Format}: {name} holds {digest}, not the blob its name gives");
        if (size != descriptor.Size) throw new ImageException($"{contents.Format}: blob {descriptor.Digest} is {size} bytes, not the {descriptor.Size} its descriptor says");
        return OciIndexWalker.IsDocument(maxSize) ? await store.ReadAllAsync(descriptor.Digest, maxSize, cancellationToken).ConfigureAwait(false) : [];
    }
}
