using System.Globalization;

namespace Berth.Linux;

/// <summary>Signal numbers and names (x86_64), parsing as <c>kill</c> accepts them: <c>9</c>, <c>KILL</c>, <c>SIGKILL</c>.</summary>
public static class Signals
{
    public const int SIGHUP = 1;
    public const int SIGINT = 2;
    public const int SIGQUIT = 3;
    public const int SIGKILL = 9;
    public const int SIGUSR1 = 10;
    public const int SIGPIPE = 13;
    public const int SIGTERM = 15;
    public const int SIGCHLD = 17;
    public const int SIGCONT = 18;
    public const int SIGSTOP = 19;
    public const int SIGTSTP = 20;
    public const int SIGWINCH = 28;
    public const int SIGRTMIN = 34;
    public const int SIGRTMAX = 64;

    private static readonly string[] Names =
    [
        "", "HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "BUS", "FPE", "KILL", "USR1", "SEGV", "USR2", "PIPE",
        "ALRM", "TERM", "STKFLT", "CHLD", "CONT", "STOP", "TSTP", "TTIN", "TTOU", "URG", "XCPU", "XFSZ",
        "VTALRM", "PROF", "WINCH", "IO", "PWR", "SYS",
    ];

    /// <summary>Parses a signal number or name; throws <see cref="ArgumentException"/> naming the bad value.</summary>
    public static int Parse(string value)
    {
        if (int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n))
        {
            if (n is >= 1 and <= SIGRTMAX) return n;
            throw new ArgumentException($"invalid signal \"{value}\": must be 1..{SIGRTMAX}");
        }
        var name = value.ToUpperInvariant();
        if (name.StartsWith("SIG", StringComparison.Ordinal)) name = name[3..];
        var i = Array.IndexOf(Names, name);
        if (i > 0) return i;
        if (name == "IOT") return 6;
        if (name == "CLD") return SIGCHLD;
        if (name == "POLL") return 29;
        if (name.StartsWith("RTMIN", StringComparison.Ordinal) || name.StartsWith("RTMAX", StringComparison.Ordinal))
        {
            var baseSig = name.StartsWith("RTMIN", StringComparison.Ordinal) ? SIGRTMIN : SIGRTMAX;
            var rest = name[5..];
            if (rest.Length == 0) return baseSig;
            if (int.TryParse(rest, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var off)
                && baseSig + off is >= SIGRTMIN and <= SIGRTMAX) return baseSig + off;
        }
        throw new ArgumentException($"invalid signal \"{value}\"");
    }

    /// <summary>The name of a signal, such as <c>SIGKILL</c>.</summary>
    public static string Name(int signal)
        => signal > 0 && signal < Names.Length ? "SIG" + Names[signal]
            : signal is >= SIGRTMIN and <= SIGRTMAX ? $"SIGRTMIN+{signal - SIGRTMIN}" : $"signal {signal}";

    /// <summary>kill(2).</summary>
    public static void Kill(int pid, int signal)
    {
        if (Libc.kill(pid, signal) != 0) throw LinuxException.FromLastError("kill", $"{Name(signal)} to {pid}");
    }

    /// <summary>kill(2) returning the errno (0 on success) instead of throwing.</summary>
    public static int TryKill(int pid, int signal)
        => Libc.kill(pid, signal) == 0 ? 0 : System.Runtime.InteropServices.Marshal.GetLastPInvokeError();

    /// <summary>
    /// Resets every signal to its default action and unblocks all of them. The .NET runtime ignores SIGPIPE
    /// and installs handlers; ignored dispositions survive execve, so this runs right before exec'ing a payload.
    /// </summary>
    public static unsafe void ResetAllForExec()
    {
        for (var sig = 1; sig <= SIGRTMAX; sig++)
        {
            if (sig is SIGKILL or SIGSTOP or 32 or 33) continue; // 32/33 are glibc's internal signals
            Libc.signal(sig, 0 /* SIG_DFL */);
        }
        ulong empty = 0;
        Libc.sigprocmask(2 /* SIG_SETMASK */, &empty, null);
    }
}
