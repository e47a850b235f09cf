using System.IO.Compression;
using ZstdSharp;

namespace Berth.Images;

/// <summary>Streams over layer blobs: decompression by media type.</summary>
public static class LayerStreams
{
    /// <summary>
    /// A stream of the tar inside <paramref name="blob"/>; disposing it disposes <paramref name="blob"/>. A gzip
    /// stream of several members (what pigz and some registries write) is read whole. Compressed data that expands
    /// like a decompression bomb ends the read with an <see cref="ImageException"/> (see <see cref="BombGuardStream"/>).
    /// </summary>
    public static Stream Decompress(Stream blob, LayerCompression compression) => compression switch
    {
        LayerCompression.None => blob,
        LayerCompression.Gzip => new BombGuardStream(s => new GZipStream(s, CompressionMode.Decompress, leaveOpen: false), blob),
        LayerCompression.Zstd => new BombGuardStream(s => new DecompressionStream(s, leaveOpen: false), blob),
        _ => throw new ArgumentOutOfRangeException(nameof(compression)),
    };

    /// <summary>
    /// How a blob is compressed, told by its first bytes <paramref name="head"/> (gzip 1f 8b, zstd 28 b5 2f fd; anything
    /// else is taken as a plain tar). For archives whose layers carry no media type.
    /// </summary>
    public static LayerCompression Sniff(ReadOnlySpan<byte> head)
        => head is [0x1f, 0x8b, ..] ? LayerCompression.Gzip
            : head is [0x28, 0xb5, 0x2f, 0xfd, ..] ? LayerCompression.Zstd
            : LayerCompression.None;
}
