using Berth.Linux;

namespace Berth.Engine;

/// <summary>The engine's end of a runtime console socket (runc's <c>--console-socket</c>).</summary>
internal static class ConsoleSockets
{
    /// <summary>
    /// Takes the pty master that the runtime's init or exec helper sent to <paramref name="listener"/> (a stream
    /// socket): accepts its connection, waiting up to <paramref name="timeout"/>, and receives the one descriptor
    /// (close-on-exec), made non-blocking. The caller owns it.
    /// </summary>
    /// <exception cref="EngineException">Nothing connected in time, or the message carried no descriptor.</exception>
    public static int ReceiveMaster(int listener, TimeSpan timeout)
    {
        if (!Fd.WaitReadable(listener, (int)timeout.TotalMilliseconds))
            throw new EngineException($"the runtime sent no terminal within {timeout.TotalSeconds:0} s");
        var conn = UnixSockets.Accept(listener);
        if (conn < 0) throw new EngineException("the runtime sent no terminal");
        try
        {
            UnixSockets.Receive(conn, out var fds);
            if (fds.Length != 1)
            {
                foreach (var fd in fds) Fd.Close(fd);
                throw new EngineException($"the runtime sent {fds.Length} descriptors for a terminal, not one");
            }
            Fd.SetNonBlocking(fds[0], true);
            return fds[0];
        }
        finally { Fd.Close(conn); }
    }
}
