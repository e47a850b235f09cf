using Berth.Images;

namespace Berth.Engine;

/// <summary>A read-only stream that reports how many bytes of the inner one were read (at most every 64 KiB read); it owns the inner one.</summary>
internal sealed class ProgressReadStream(Stream inner, long total, IProgress<(long Done, long Total)> progress) : ReadOnlyStream
{
    private long _done;
    private long _reported;

    public override int Read(Span<byte> buffer) => Advance(inner.Read(buffer));

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        => Advance(await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false));

    protected override void Dispose(bool disposing)
    {
        if (disposing) inner.Dispose();
        base.Dispose(disposing);
    }

    public override long Length => total;

    public override long Position { get => _done; set => throw new NotSupportedException(); }

    private int Advance(int n)
    {
        _done += n;
        if (n == 0 || _done - _reported >= 64 * 1024)
        {
            _reported = _done;
            progress.Report((_done, total));
        }
        return n;
    }
}
