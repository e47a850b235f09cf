namespace Berth.Linux;

/// <summary>pidfd_open(2) and pidfd_send_signal(2): signals that cannot hit a recycled pid.</summary>
public static class Pidfd
{
    /// <summary>Opens a pidfd for <paramref name="pid"/>, or returns -1 when the process is gone.</summary>
    public static int TryOpen(int pid)
    {
        var r = Libc.syscall(Libc.SYS_pidfd_open, pid, 0, 0, 0, 0, 0);
        return r < 0 ? -1 : (int)r;
    }

    /// <summary>Sends <paramref name="signal"/> through a pidfd; returns the errno (0 on success).</summary>
    public static int Signal(int pidfd, int signal)
        => Libc.syscall(Libc.SYS_pidfd_send_signal, pidfd, signal, 0, 0, 0, 0) == 0
            ? 0 : System.Runtime.InteropServices.Marshal.GetLastPInvokeError();

    /// <summary>Waits until the process behind <paramref name="pidfd"/> exits or the timeout passes; false on timeout.</summary>
    public static bool WaitExit(int pidfd, int timeoutMs) => Fd.WaitReadable(pidfd, timeoutMs);
}
