using System.Security.Cryptography;

namespace Berth.Images;

/// <summary>
/// A stream of a known length and digest (a blob, or a layer being decompressed) for a tar writer, which must write
/// an entry's size before its data: it says its length (and so claims to seek, which the writer asks for, though it
/// never seeks), and refuses at the end, with an <see cref="ImageException"/>, data that is shorter, longer or other
/// than promised, so that a damaged blob is reported rather than written.
/// </summary>
internal sealed class CheckedLengthStream(Stream inner, long length, Digest digest, string what) : ReadOnlyStream
{
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private long _read;

    public override bool CanSeek => true;

    public override long Length => length;

    public override long Position
    {
        get => _read;
        set => throw new NotSupportedException();
    }

    public override int Read(Span<byte> buffer)
    {
        if (_read == length) return Finish(inner.Read(stackalloc byte[1]));
        var n = inner.Read(buffer[..(int)Math.Min(buffer.Length, length - _read)]);
        return Count(buffer[..n]);
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_read == length) return Finish(await inner.ReadAsync(new byte[1], cancellationToken).ConfigureAwait(false));
        var n = await inner.ReadAsync(buffer[..(int)Math.Min(buffer.Length, length - _read)], cancellationToken).ConfigureAwait(false);
        return Count(buffer.Span[..n]);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _hash.Dispose();
            inner.Dispose();
        }
        base.Dispose(disposing);
    }

    private int Count(ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty) throw new ImageException($"{what} ended after {_read} bytes, not the {length} it should have");
        _read += data.Length;
        _hash.AppendData(data);
        return data.Length;
    }

    private int Finish(int more)
    {
        if (more > 0) throw new ImageException($"{what} is longer than the {length} bytes it should be");
        var got = Digest.FromHash(_hash.GetCurrentHash());
        if (got != digest) throw new ImageException($"{what} does not match its digest: expected {digest}, got {got}");
        return 0;
    }
}
