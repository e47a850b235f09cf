using System.Text;
using Berth.Linux;

namespace Berth.Runtime.Process;

/// <summary>
/// A message channel over one end of an AF_UNIX SOCK_SEQPACKET pair between a runtime process and the process
/// it started (monitor ↔ init, exec ↔ exec helper). Messages are short UTF-8 lines such as <c>ready</c> or
/// <c>error: …</c>; a descriptor can ride along (a pty master). End of file means the peer exec'd or died.
/// </summary>
public sealed class SyncChannel : IDisposable
{
    /// <summary>Wraps an already open socket descriptor; the channel owns it.</summary>
    public SyncChannel(int fd) => Fd = fd;

    /// <summary>The socket descriptor.</summary>
    public int Fd { get; private set; }

    /// <summary>Sends a message, with an optional descriptor.</summary>
    public void Send(string message, int fd = -1) => Send(Encoding.UTF8.GetBytes(message), fd);

    /// <summary>Sends a message given as UTF-8 bytes, with an optional descriptor.</summary>
    public void Send(ReadOnlySpan<byte> message, int fd = -1) => UnixSockets.Send(Fd, message, fd >= 0 ? [fd] : []);

    /// <summary>Receives one message (null at end of file) and the descriptor it carried, if any (-1 otherwise).</summary>
    public string? Receive(out int fd)
    {
        var bytes = ReceiveBytes(out fd);
        return bytes.Length == 0 ? null : Encoding.UTF8.GetString(bytes);
    }

    /// <summary>Receives one message as bytes (empty at end of file) and the descriptor it carried, if any (-1 otherwise).</summary>
    public byte[] ReceiveBytes(out int fd)
    {
        var bytes = UnixSockets.Receive(Fd, out var fds);
        fd = fds.Length > 0 ? fds[0] : -1;
        for (var i = 1; i < fds.Length; i++) Linux.Fd.Close(fds[i]);
        return bytes;
    }

    /// <summary>Receives one message, dropping any descriptor.</summary>
    public string? Receive()
    {
        var m = Receive(out var fd);
        Linux.Fd.Close(fd);
        return m;
    }

    /// <summary>Sends <c>error: MESSAGE</c>, ignoring a peer that is gone.</summary>
    public void TrySendError(string message)
    {
        try { Send("error: " + message); }
        catch (LinuxException) { /* the peer died; nothing to tell */ }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        Linux.Fd.Close(Fd);
        Fd = -1;
    }
}
