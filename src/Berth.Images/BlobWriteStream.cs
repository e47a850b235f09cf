using System.Security.Cryptography;

namespace Berth.Images;

/// <summary>
/// A blob being written into a <see cref="ContentStore"/> by pushing bytes at it (for producers that cannot be
/// read from, such as a tar being checked as it is read). Bytes go to <c>ROOT/ingest/</c> while their sha256 is
/// computed; <see cref="CommitAsync"/> renames the file into place once size and digest are what was expected.
/// Disposing a writer that was not committed removes what it wrote. Not thread-safe.
/// </summary>
public sealed class BlobWriteStream : Stream
{
    private readonly ContentStore _store;
    private readonly string _temp;
    private readonly Digest? _expected;
    private readonly long? _expectedSize;
    private readonly long _maxSize;
    private readonly string _what;
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private FileStream? _file;
    private long _written;

    internal BlobWriteStream(ContentStore store, string temp, Digest? expected, long? expectedSize, long maxSize)
    {
        _what = expected is { } e ? $"blob {e}" : "blob";
        if (expectedSize is < 0) throw new ImageException($"{_what}: a size of {expectedSize} bytes is not a size");
        _store = store;
        _temp = temp;
        _expected = expected;
        _expectedSize = expectedSize;
        _maxSize = maxSize;
        _file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 128 * 1024, FileOptions.Asynchronous);
    }

    /// <summary>The bytes written so far.</summary>
    public long Written => _written;

    /// <inheritdoc/>
    public override bool CanRead => false;

    /// <inheritdoc/>
    public override bool CanSeek => false;

    /// <inheritdoc/>
    public override bool CanWrite => _file is not null;

    /// <inheritdoc/>
    public override long Length => throw new NotSupportedException();

    /// <inheritdoc/>
    public override long Position
    {
        get => _written;
        set => throw new NotSupportedException();
    }

    /// <summary>Appends bytes to the blob.</summary>
    /// <exception cref="ImageException">The blob grew past its expected size or the size limit.</exception>
    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    /// <inheritdoc cref="Write(byte[], int, int)"/>
    public override void Write(ReadOnlySpan<byte> buffer)
    {
        var file = Count(buffer);
        file.Write(buffer);
    }

    /// <inheritdoc cref="Write(byte[], int, int)"/>
    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <inheritdoc cref="Write(byte[], int, int)"/>
    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var file = Count(buffer.Span);
        return file.WriteAsync(buffer, cancellationToken);
    }

    /// <summary>
    /// Checks the blob against its expected size and digest and puts it in the store (keeping the copy there if
    /// the store already holds it). The writer takes no more bytes afterwards.
    /// </summary>
    /// <returns>The blob's digest.</returns>
    /// <exception cref="ImageException">The blob is shorter than expected or does not match its digest; nothing is kept.</exception>
    public async Task<Digest> CommitAsync(CancellationToken cancellationToken = default)
    {
        var file = _file ?? throw new InvalidOperationException("the blob was already committed or abandoned");
        _file = null;
        try
        {
            await file.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            await file.DisposeAsync().ConfigureAwait(false);
        }
        try
        {
            var digest = Digest.FromHash(_hash.GetHashAndReset());
            if (_expectedSize is { } expectedLength && _written != expectedLength)
                throw new ImageException($"{_what} is {_written} bytes, not the {expectedLength} it was said to be (truncated?)");
            if (_expected is { } want && want != digest)
                throw new ImageException($"blob does not match its digest: expected {want}, got {digest}");
            var path = _store.PathOf(digest);
            if (File.Exists(path)) return digest;
            File.SetUnixFileMode(_temp, UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
            try
            {
                File.Move(_temp, path, overwrite: false);
            }
            catch (IOException) when (File.Exists(path))
            {
                // Another writer put the same blob in place first: the same bytes, by their digest.
            }
            return digest;
        }
        finally
        {
            File.Delete(_temp);
        }
    }

    /// <inheritdoc/>
    public override void Flush() => _file?.Flush();

    /// <inheritdoc/>
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    /// <inheritdoc/>
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    /// <inheritdoc/>
    public override void SetLength(long value) => throw new NotSupportedException();

    /// <summary>Abandons the blob unless it was committed: its partial file is removed.</summary>
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _file?.Dispose();
            _file = null;
            File.Delete(_temp);
            _hash.Dispose();
        }
        base.Dispose(disposing);
    }

    private FileStream Count(ReadOnlySpan<byte> data)
    {
        var file = _file ?? throw new InvalidOperationException("the blob was already committed or abandoned");
        var limit = Math.Min(_expectedSize ?? long.MaxValue, _maxSize);
        if (_written + data.Length > limit)
        {
            _written += data.Length;
            throw new ImageException(_expectedSize is { } size && size <= _maxSize
                ? $"{_what} is longer than the {size} bytes it was said to be"
                : $"{_what} is larger than the {_maxSize} bytes allowed");
        }
        _written += data.Length;
        _hash.AppendData(data);
        return file;
    }
}
