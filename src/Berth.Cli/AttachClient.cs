using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using Berth.Engine;
using Berth.Linux;

namespace Berth.Cli;

/// <summary>
/// The terminal end of <c>berth run</c> without <c>-d</c>: connects to the container's attach socket, copies
/// its output to ours, our stdin to it (with <c>-i</c>), our terminal's size (with <c>-t</c>, in raw mode), and
/// returns the container's exit code when the shim sends it.
/// </summary>
public static class AttachClient
{
    /// <summary>Connects to the attach socket in <paramref name="containerDir"/>; dispose the result to disconnect.</summary>
    public static int Connect(string containerDir)
        => UnixSockets.Connect(Path.Combine(containerDir, AttachFrame.SocketName), UnixSockets.SOCK_SEQPACKET);

    /// <summary>Runs the attachment on the connected <paramref name="socket"/> until the container exits; returns its exit code (null if the shim went away without one).</summary>
    public static int? Run(int socket, bool stdin, bool tty, Action<int>? forwardSignal)
    {
        byte[]? saved = null;
        var registrations = new List<PosixSignalRegistration>();
        try
        {
            if (tty && Terminals.IsTerminal(0))
            {
                saved = Terminals.MakeRaw(0);
                SendSize(socket);
                registrations.Add(PosixSignalRegistration.Create(PosixSignal.SIGWINCH, ctx =>
                {
                    ctx.Cancel = true;
                    SendSize(socket);
                }));
            }
            else if (forwardSignal is not null)
            {
                // As docker run's signal proxy: ^C and kill stop the container, not just the client.
                foreach (var sig in new[] { PosixSignal.SIGINT, PosixSignal.SIGTERM, PosixSignal.SIGHUP, PosixSignal.SIGQUIT })
                {
                    registrations.Add(PosixSignalRegistration.Create(sig, ctx =>
                    {
                        ctx.Cancel = true;
                        forwardSignal(sig switch
                        {
                            PosixSignal.SIGINT => Signals.SIGINT,
                            PosixSignal.SIGTERM => Signals.SIGTERM,
                            PosixSignal.SIGHUP => Signals.SIGHUP,
                            _ => Signals.SIGQUIT,
                        });
                    }));
                }
            }
            var watched = new List<int> { socket };
            if (stdin) watched.Add(0);
            var ready = new List<int>();
            var buffer = new byte[32 * 1024];
            while (true)
            {
                Fd.WaitAnyReadable(watched, -1, ready);
                foreach (var fd in ready)
                {
                    if (fd == 0)
                    {
                        var n = Fd.Read(0, buffer);
                        if (n == 0)
                        {
                            watched.Remove(0);
                            UnixSockets.Send(socket, [AttachFrame.CloseStdin]);
                        }
                        else
                        {
                            UnixSockets.Send(socket, AttachFrame.Make(AttachFrame.Stdin, buffer.AsSpan(0, n)));
                        }
                        continue;
                    }
                    var frame = UnixSockets.Receive(socket, out _);
                    if (frame.Length == 0) return null;
                    switch (frame[0])
                    {
                        case AttachFrame.Stdout:
                            Fd.WriteAll(1, frame.AsSpan(1));
                            break;
                        case AttachFrame.Stderr:
                            Fd.WriteAll(2, frame.AsSpan(1));
                            break;
                        case AttachFrame.Exit:
                            return int.Parse(Encoding.ASCII.GetString(frame, 1, frame.Length - 1), CultureInfo.InvariantCulture);
                    }
                }
            }
        }
        finally
        {
            foreach (var r in registrations) r.Dispose();
            if (saved is not null) Terminals.Restore(0, saved);
        }
    }

    private static void SendSize(int socket)
    {
        if (Terminals.GetSize(0) is not { } size) return;
        try { UnixSockets.Send(socket, AttachFrame.Make(AttachFrame.Resize, Encoding.ASCII.GetBytes($"{size.Rows} {size.Cols}"))); }
        catch (LinuxException) { }
    }
}
