using Berth.Linux;

namespace Berth.Runtime.Process;

/// <summary>
/// Copies bytes between the caller's stdio and a pty master for foreground <c>run</c>/<c>exec</c> with a
/// terminal: stdin to the master, the master to stdout, in raw mode while it lasts.
/// </summary>
public sealed class TerminalProxy : IDisposable
{
    private readonly int _master;
    private readonly byte[]? _saved;
    private readonly System.Runtime.InteropServices.PosixSignalRegistration _resize;

    /// <summary>Starts copying; takes ownership of <paramref name="master"/>.</summary>
    public TerminalProxy(int master)
    {
        _master = master;
        if (Terminals.GetSize(0) is { } size) Terminals.SetSize(master, size.Rows, size.Cols);
        _saved = Terminals.MakeRaw(0);
        // The caller's window changed size: pass it on, and the kernel signals the container's foreground job.
        _resize = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGWINCH, _ =>
        {
            if (Terminals.GetSize(0) is { } s) Terminals.SetSize(_master, s.Rows, s.Cols);
        });
        new Thread(() => Pump(0, _master)) { IsBackground = true, Name = "pty-in" }.Start();
        Output = new Thread(() => Pump(_master, 1)) { IsBackground = true, Name = "pty-out" };
        Output.Start();
    }

    /// <summary>The thread copying container output; joined to flush output before exit.</summary>
    public Thread Output { get; }

    private static void Pump(int from, int to)
    {
        var buf = new byte[16384];
        try
        {
            int n;
            while ((n = Fd.Read(from, buf)) > 0) Fd.WriteAll(to, buf.AsSpan(0, n));
        }
        catch (LinuxException) { /* EIO from a master whose slaves all closed: the session ended */ }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _resize.Dispose();
        Output.Join(TimeSpan.FromSeconds(2));
        Terminals.Restore(0, _saved);
        Fd.Close(_master);
    }
}
