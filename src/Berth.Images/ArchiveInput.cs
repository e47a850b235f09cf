namespace Berth.Images;

/// <summary>The tar inside an archive or tarball that may come compressed, told by its first bytes.</summary>
internal static class ArchiveInput
{
    /// <summary>
    /// A stream of the tar in <paramref name="input"/>: gzip and zstd are decompressed on the way (see
    /// <see cref="LayerStreams.Sniff"/>), anything else is read as it is. The caller keeps owning <paramref name="input"/>.
    /// </summary>
    /// <exception cref="ImageException">The input is empty, or compressed in a way Berth does not read (xz, bzip2).</exception>
    public static async Task<Stream> DecompressAsync(Stream input, string what, CancellationToken cancellationToken)
    {
        var head = new RewindableStream(input, 16, what);
        var magic = new byte[6];
        var n = await head.ReadAtLeastAsync(magic, magic.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
        head.Rewind();
        if (n == 0) throw new ImageException($"{what}: it is empty");
        if (magic.AsSpan(0, n) is [0xfd, (byte)'7', (byte)'z', (byte)'X', (byte)'Z', 0x00])
            throw new ImageException($"{what}: it is xz-compressed, which Berth does not read; decompress it first (xz -d)");
        if (magic.AsSpan(0, n) is [(byte)'B', (byte)'Z', (byte)'h', >= (byte)'1' and <= (byte)'9', 0x31, 0x41])
            throw new ImageException($"{what}: it is bzip2-compressed, which Berth does not read; decompress it first (bzip2 -d)");
        return LayerStreams.Decompress(head, LayerStreams.Sniff(magic.AsSpan(0, n)));
    }
}
