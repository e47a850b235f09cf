using System.Threading.Channels;
using Berth.Linux;
using Microsoft.Win32.SafeHandles;

namespace Berth.Engine;

/// <summary>
/// The stream of an <see cref="ExecTerminal"/> over its pty master: reads give what the process writes to its
/// terminal, writes are its keystrokes. A thread of its own reads the master (a pty cannot be awaited through .NET's
/// socket engine) into a bounded queue, so that no reader ever holds a thread-pool thread and a reader that falls
/// behind stops the process at its next write, as a slow terminal would. Reads end (0) once every process has
/// closed the terminal. Disposing the stream does nothing: the terminal owns it and closes it.
/// </summary>
internal sealed class TerminalStream : Stream
{
    private const int ChunkSize = 16384;

    /// <summary>How long a write waits before it tries again when the process's input queue is full.</summary>
    private static readonly TimeSpan WriteRetry = TimeSpan.FromMilliseconds(20);

    /// <summary>Held by every operation on the master, so that closing it never lets its number go to another file mid-call.</summary>
    private readonly SafeFileHandle _master;

    /// <summary>Written to wake the reading thread out of poll when the terminal closes.</summary>
    private readonly int _wakeRead;
    private readonly int _wakeWrite;
    private readonly Channel<byte[]> _output = Channel.CreateBounded<byte[]>(new BoundedChannelOptions(64) { SingleReader = true, SingleWriter = true });
    private readonly TaskCompletionSource _pumpDone = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private ReadOnlyMemory<byte> _pending;
    private int _closed;

    /// <summary>Takes ownership of <paramref name="master"/> and starts reading it.</summary>
    public TerminalStream(int master)
    {
        _master = new SafeFileHandle(master, ownsHandle: true);
        Fd.SetNonBlocking(master, true);
        (_wakeRead, _wakeWrite) = Fd.Pipe();
        new Thread(Pump, 128 * 1024) { IsBackground = true, Name = "berth-terminal" }.Start();
    }

    public override bool CanRead => true;

    public override bool CanWrite => true;

    public override bool CanSeek => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    /// <summary>Sets the terminal's window size (TIOCSWINSZ on the master; the kernel sends SIGWINCH to its foreground job).</summary>
    public void Resize(ushort cols, ushort rows) => WithMaster(fd => Terminals.SetSize(fd, rows, cols));

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (buffer.IsEmpty) return 0;
        while (_pending.IsEmpty)
        {
            if (!await _output.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false)) return 0;
            if (_output.Reader.TryRead(out var chunk)) _pending = chunk;
        }
        var n = Math.Min(buffer.Length, _pending.Length);
        _pending[..n].CopyTo(buffer);
        _pending = _pending[n..];
        return n;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (!buffer.IsEmpty)
        {
            var errno = 0;
            var n = WithMaster(fd => Fd.TryWrite(fd, buffer.Span, out errno));
            if (n >= 0)
            {
                buffer = buffer[n..];
                continue;
            }
            if (errno != Errno.EAGAIN)
            {
                var error = new LinuxException("write", errno, "pty master");
                throw new IOException("terminal: " + error.Message, error);
            }
            // The process does not read its terminal and its input queue is full: wait for it to take some, without
            // holding a thread meanwhile.
            await Task.Delay(WriteRetry, cancellationToken).ConfigureAwait(false);
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override void Flush()
    {
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    /// <summary>
    /// Stops reading and closes the master (once no call is using it). What was read before stays readable;
    /// writes and resizes then throw <see cref="ObjectDisposedException"/>.
    /// </summary>
    public async Task CloseAsync()
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0) return;
        Fd.WriteAll(_wakeWrite, [1]);
        // Frees the reading thread if it waits for room in the queue: nobody will read more.
        _output.Writer.TryComplete();
        await _pumpDone.Task.ConfigureAwait(false);
        _master.Dispose();
        Fd.Close(_wakeRead);
        Fd.Close(_wakeWrite);
    }

    private T WithMaster<T>(Func<int, T> use)
    {
        var added = false;
        try
        {
            _master.DangerousAddRef(ref added);
            return use((int)_master.DangerousGetHandle());
        }
        finally
        {
            if (added) _master.DangerousRelease();
        }
    }

    private void WithMaster(Action<int> use) => WithMaster(fd => { use(fd); return 0; });

    /// <summary>The reading thread: the master into the queue until the terminal hangs up (EIO) or closes.</summary>
    private void Pump()
    {
        Exception? error = null;
        try
        {
            var buffer = new byte[ChunkSize];
            var ready = new List<int>();
            // No reference taken on the master here: CloseAsync waits for this thread to end before it closes it.
            var master = (int)_master.DangerousGetHandle();
            while (true)
            {
                Fd.WaitAnyReadable([master, _wakeRead], -1, ready);
                if (ready.Contains(_wakeRead)) return;
                int n;
                try { n = Fd.Read(master, buffer); }
                catch (LinuxException e) when (e.Errno == Errno.EAGAIN) { continue; }
                // EIO: every process closed the terminal's slave side (a pty master's end of file).
                catch (LinuxException e) when (e.Errno == Errno.EIO) { return; }
                if (n == 0) return;
                var chunk = buffer.AsSpan(0, n).ToArray();
                while (!_output.Writer.TryWrite(chunk))
                    if (!_output.Writer.WaitToWriteAsync().AsTask().GetAwaiter().GetResult()) return;
            }
        }
        catch (LinuxException e)
        {
            error = new IOException("terminal: " + e.Message, e);
        }
        finally
        {
            _output.Writer.TryComplete(error);
            _pumpDone.TrySetResult();
        }
    }
}
