namespace Berth.Images;

/// <summary>
/// A read-only stream over a stream that may not seek (a pipe, stdin), which remembers what was read from it until
/// told either to forget (<see cref="Commit"/>) or to start again from the beginning (<see cref="Rewind"/>): how a
/// format is told by its first bytes or first tar headers without reading the input twice. Disposing it leaves the
/// inner stream open: its caller owns it.
/// </summary>
internal sealed class RewindableStream(Stream inner, int limit, string what) : ReadOnlyStream
{
    private byte[] _recorded = new byte[Math.Min(limit, 4096)];
    private int _length;
    private int _replayAt = -1;
    private bool _recording = true;

    /// <summary>Reads continue from here on; what was remembered is dropped.</summary>
    public void Commit()
    {
        _recording = false;
        if (_replayAt < 0) _recorded = [];
    }

    /// <summary>Reads start again from the first byte; nothing more is remembered.</summary>
    /// <exception cref="InvalidOperationException">It was already committed or rewound.</exception>
    public void Rewind()
    {
        if (!_recording) throw new InvalidOperationException("the stream can no longer rewind");
        _recording = false;
        _replayAt = _length == 0 ? -1 : 0;
    }

    public override int Read(Span<byte> buffer)
    {
        if (Replay(buffer) is var replayed and > 0) return replayed;
        var n = inner.Read(buffer);
        Record(buffer[..n]);
        return n;
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (Replay(buffer.Span) is var replayed and > 0) return replayed;
        var n = await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        Record(buffer.Span[..n]);
        return n;
    }

    private int Replay(Span<byte> buffer)
    {
        if (_replayAt < 0 || buffer.IsEmpty) return 0;
        var n = Math.Min(buffer.Length, _length - _replayAt);
        _recorded.AsSpan(_replayAt, n).CopyTo(buffer);
        _replayAt += n;
        if (_replayAt == _length)
        {
            _replayAt = -1;
            _recorded = [];
        }
        return n;
    }

    private void Record(ReadOnlySpan<byte> data)
    {
        if (!_recording || data.IsEmpty) return;
        if (_length + data.Length > limit) throw new ImageException($"{what}: cannot tell its format from its first {limit} bytes");
        if (_length + data.Length > _recorded.Length) Array.Resize(ref _recorded, Math.Min(limit, Math.Max(_recorded.Length * 2, _length + data.Length)));
        data.CopyTo(_recorded.AsSpan(_length));
        _length += data.Length;
    }
}
