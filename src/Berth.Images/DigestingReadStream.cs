using System.Security.Cryptography;

namespace Berth.Images;

/// <summary>
/// A read-only stream that hashes (sha256) and counts what is read through it, and refuses to read past a limit:
/// the guard against decompression bombs, and the way a layer's diff id is learnt while it is unpacked. The
/// caller owns <paramref name="inner"/>.
/// </summary>
internal sealed class DigestingReadStream(Stream inner, long limit, string what) : ReadOnlyStream
{
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

    /// <summary>How many bytes went through.</summary>
    public long Count { get; private set; }

    /// <summary>The digest of everything read so far.</summary>
    public Digest Digest() => Images.Digest.FromHash(_hash.GetHashAndReset());

    /// <summary>Reads (and hashes) what is left of the inner stream: a tar's digest covers its padding after the end marker.</summary>
    public void Drain()
    {
        var buffer = new byte[64 * 1024];
        while (Read(buffer) > 0)
        {
        }
    }

    public override int Read(Span<byte> buffer)
    {
        var n = inner.Read(buffer);
        Count += n;
        if (Count > limit) throw new ImageException($"{what}: more than {limit} bytes once decompressed (a decompression bomb?)");
        _hash.AppendData(buffer[..n]);
        return n;
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        => ValueTask.FromResult(Read(buffer.Span));

    public override long Position { get => Count; set => throw new NotSupportedException(); }

    protected override void Dispose(bool disposing)
    {
        if (disposing) _hash.Dispose();
        base.Dispose(disposing);
    }
}
