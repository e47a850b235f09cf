namespace Berth.Images;

/// <summary>
/// Wraps a decompressing stream and refuses to go on once it has given more than <see cref="Floor"/> bytes and more
/// than <see cref="Ratio"/> times what it read of the compressed input: gzip tops out near 1:1000 even on zeros, and
/// a real archive or layer far below that, while a decompression bomb is far above. Ends with an
/// <see cref="ImageException"/> naming the ratio. Disposing it disposes the compressed stream.
/// </summary>
internal sealed class BombGuardStream : ReadOnlyStream
{
    /// <summary>Output below this is never refused.</summary>
    public const long Floor = 4L << 30;

    /// <summary>The largest ratio of output to compressed input accepted past <see cref="Floor"/>.</summary>
    public const long Ratio = 4096;

    private readonly Stream _decompressed;
    private readonly CountingStream _compressed;
    private readonly long _floor;
    private readonly long _ratio;
    private long _out;

    public BombGuardStream(Func<Stream, Stream> decompress, Stream compressed, long floor = Floor, long ratio = Ratio)
    {
        _compressed = new CountingStream(compressed);
        _decompressed = decompress(_compressed);
        (_floor, _ratio) = (floor, ratio);
    }

    public override int Read(Span<byte> buffer) => Check(_decompressed.Read(buffer));

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        => Check(await _decompressed.ReadAsync(buffer, cancellationToken).ConfigureAwait(false));

    protected override void Dispose(bool disposing)
    {
        if (disposing) _decompressed.Dispose();
        base.Dispose(disposing);
    }

    public override long Position { get => _out; set => throw new NotSupportedException(); }

    private int Check(int n)
    {
        _out += n;
        if (_out > _floor && _out > _ratio * Math.Max(1, _compressed.Count))
            throw new ImageException($"compressed data expands more than {_ratio} times ({_compressed.Count} bytes gave {_out} and more): a decompression bomb?");
        return n;
    }

    /// <summary>Counts what is read through it; disposing it disposes the inner stream.</summary>
    private sealed class CountingStream(Stream inner) : ReadOnlyStream
    {
        public long Count { get; private set; }

        public override int Read(Span<byte> buffer)
        {
            var n = inner.Read(buffer);
            Count += n;
            return n;
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var n = await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
            Count += n;
            return n;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing) inner.Dispose();
            base.Dispose(disposing);
        }
    }
}
