using Berth.Linux;

namespace Berth.Engine;

/// <summary>
/// The clients attached to a container's shim. Their sockets are non-blocking and what a client cannot take at once
/// waits in a queue of its own, so a client that stops reading never stalls the shim (its log, its reaping); one
/// that falls more than <see cref="MaxQueued"/> behind is disconnected (the log still has everything).
/// </summary>
internal sealed class AttachClients : IDisposable
{
    private const int MaxQueued = 8 << 20;
    private readonly Dictionary<int, (Queue<byte[]> Frames, long Bytes)> _queues = [];

    /// <summary>The connected clients' sockets.</summary>
    public List<int> Fds { get; } = [];

    /// <summary>Whether some client has frames waiting.</summary>
    public bool HasPending => _queues.Values.Any(q => q.Frames.Count > 0);

    /// <summary>Accepts every pending connection on <paramref name="listener"/>.</summary>
    public void Accept(int listener)
    {
        int fd;
        while ((fd = UnixSockets.Accept(listener)) >= 0)
        {
            Fd.SetNonBlocking(fd, true);
            Fds.Add(fd);
            _queues[fd] = (new Queue<byte[]>(), 0);
        }
    }

    /// <summary>Disconnects a client.</summary>
    public void Remove(int fd)
    {
        Fds.Remove(fd);
        _queues.Remove(fd);
        Fd.Close(fd);
    }

    /// <summary>Sends <paramref name="frame"/> to every client, queueing what does not fit.</summary>
    public void Broadcast(byte[] frame)
    {
        foreach (var fd in Fds.ToList())
        {
            var (frames, bytes) = _queues[fd];
            frames.Enqueue(frame);
            _queues[fd] = (frames, bytes + frame.Length);
            if (bytes + frame.Length > MaxQueued) Remove(fd);
        }
        Flush();
    }

    /// <summary>Sends what is queued, as far as each client takes it now.</summary>
    public void Flush()
    {
        foreach (var fd in Fds.ToList())
        {
            var (frames, bytes) = _queues[fd];
            while (frames.Count > 0)
            {
                try { UnixSockets.Send(fd, frames.Peek()); }
                catch (LinuxException e) when (e.Errno == Errno.EAGAIN) { break; }
                catch (LinuxException)
                {
                    Remove(fd);
                    break;
                }
                bytes -= frames.Dequeue().Length;
            }
            if (_queues.ContainsKey(fd)) _queues[fd] = (frames, bytes);
        }
    }

    /// <summary>Sends <paramref name="last"/> after what is queued, giving clients up to <paramref name="patience"/> to take it, then disconnects them all.</summary>
    public void Finish(byte[] last, TimeSpan patience)
    {
        foreach (var fd in Fds)
        {
            var (frames, bytes) = _queues[fd];
            frames.Enqueue(last);
            _queues[fd] = (frames, bytes + last.Length);
        }
        var deadline = DateTime.UtcNow + patience;
        Flush();
        while (HasPending && DateTime.UtcNow < deadline)
        {
            Thread.Sleep(10);
            Flush();
        }
        Dispose();
    }

    public void Dispose()
    {
        foreach (var fd in Fds) Fd.Close(fd);
        Fds.Clear();
        _queues.Clear();
    }
}
