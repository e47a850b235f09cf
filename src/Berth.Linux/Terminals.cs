namespace Berth.Linux;

/// <summary>Pseudo-terminals and terminal modes.</summary>
public static unsafe class Terminals
{
    private const ulong TIOCSCTTY = 0x540E;
    private const ulong TIOCGWINSZ = 0x5413;
    private const ulong TIOCSWINSZ = 0x5414;
    private const ulong TIOCGPTN = 0x80045430;
    private const ulong TIOCSPTLCK = 0x40045431;

    /// <summary>
    /// Opens a new pty master through <paramref name="ptmxPath"/> (the container's /dev/ptmx), unlocks it and
    /// returns the master descriptor and the path of its slave under <paramref name="ptsDir"/>.
    /// </summary>
    public static (int Master, string SlavePath) OpenPty(string ptmxPath, string ptsDir)
    {
        var master = Libc.open(ptmxPath, Fd.O_RDWR | Fd.O_NOCTTY | Fd.O_CLOEXEC, 0);
        if (master < 0) throw LinuxException.FromLastError("open", ptmxPath);
        int unlock = 0, n = 0;
        if (Libc.ioctl(master, TIOCSPTLCK, &unlock) != 0) { var e = LinuxException.FromLastError("ioctl(TIOCSPTLCK)", ptmxPath); Fd.Close(master); throw e; }
        if (Libc.ioctl(master, TIOCGPTN, &n) != 0) { var e = LinuxException.FromLastError("ioctl(TIOCGPTN)", ptmxPath); Fd.Close(master); throw e; }
        return (master, $"{ptsDir}/{n}");
    }

    /// <summary>Makes <paramref name="fd"/> the controlling terminal of the caller's session (TIOCSCTTY).</summary>
    public static void SetControllingTerminal(int fd)
    {
        if (Libc.ioctl(fd, TIOCSCTTY, null) != 0) throw LinuxException.FromLastError("ioctl(TIOCSCTTY)");
    }

    /// <summary>Sets the window size of a terminal.</summary>
    public static void SetSize(int fd, ushort rows, ushort cols)
    {
        var ws = stackalloc ushort[4];
        ws[0] = rows; ws[1] = cols; ws[2] = 0; ws[3] = 0;
        if (Libc.ioctl(fd, TIOCSWINSZ, ws) != 0) throw LinuxException.FromLastError("ioctl(TIOCSWINSZ)");
    }

    /// <summary>The window size of a terminal, or null if <paramref name="fd"/> is not one.</summary>
    public static (ushort Rows, ushort Cols)? GetSize(int fd)
    {
        var ws = stackalloc ushort[4];
        return Libc.ioctl(fd, TIOCGWINSZ, ws) == 0 ? (ws[0], ws[1]) : null;
    }

    /// <summary>Whether <paramref name="fd"/> is a terminal.</summary>
    public static bool IsTerminal(int fd)
    {
        var t = stackalloc byte[64];
        return Libc.tcgetattr(fd, t) == 0;
    }

    /// <summary>Puts a terminal in raw mode and returns its previous settings for <see cref="Restore"/>.</summary>
    public static byte[]? MakeRaw(int fd)
    {
        var saved = new byte[64];
        fixed (byte* s = saved)
        {
            if (Libc.tcgetattr(fd, s) != 0) return null;
            var raw = stackalloc byte[64];
            new Span<byte>(s, 64).CopyTo(new Span<byte>(raw, 64));
            Libc.cfmakeraw(raw);
            Libc.tcsetattr(fd, 0, raw);
        }
        return saved;
    }

    /// <summary>Restores settings saved by <see cref="MakeRaw"/>.</summary>
    public static void Restore(int fd, byte[]? saved)
    {
        if (saved is null) return;
        fixed (byte* s = saved) Libc.tcsetattr(fd, 0, s);
    }
}
