using System.Text;

namespace Berth.Linux;

/// <summary>
/// Network interfaces of the calling thread's network namespace, through the SIOCGIFFLAGS/SIOCSIFFLAGS ioctls (and
/// SIOCBRDELBR for bridges).
/// </summary>
public static unsafe class NetworkInterfaces
{
    private const int AF_INET = 2;
    private const int SOCK_DGRAM = 2;
    private const int SOCK_CLOEXEC = 0x80000;
    private const ulong SIOCGIFFLAGS = 0x8913;
    private const ulong SIOCSIFFLAGS = 0x8914;
    private const ulong SIOCBRDELBR = 0x89a1;
    private const short IFF_UP = 0x1;

    /// <summary>Brings interface <paramref name="name"/> (such as <c>lo</c>) up, as <c>ip link set NAME up</c>.</summary>
    /// <exception cref="LinuxException">No such interface, or the ioctl was refused.</exception>
    public static void SetUp(string name) => SetFlag(name, IFF_UP, on: true, missingIsError: true);

    /// <summary>Whether an interface named <paramref name="name"/> exists in the calling thread's network namespace.</summary>
    public static bool Exists(string name) => Flags(name) is not null;

    /// <summary>Whether interface <paramref name="name"/> is up (false when there is no such interface).</summary>
    public static bool IsUp(string name) => (Flags(name) & IFF_UP) is > 0;

    /// <summary>
    /// Takes bridge <paramref name="name"/> down and deletes it (as <c>ip link del NAME</c>): SIOCSIFFLAGS, then
    /// SIOCBRDELBR, which refuses a bridge that is up. Ports still on it are released by the kernel. Returns false
    /// when there is no such interface.
    /// </summary>
    /// <exception cref="LinuxException">An ioctl was refused (such as for an interface that is not a bridge).</exception>
    public static bool DeleteBridge(string name)
    {
        if (!SetFlag(name, IFF_UP, on: false, missingIsError: false)) return false;
        var bytes = Name(name);
        var fd = Socket();
        try
        {
            // SIOCBRDELBR takes the name itself, not an ifreq.
            var plain = stackalloc byte[16];
            new Span<byte>(plain, 16).Clear();
            bytes.CopyTo(new Span<byte>(plain, 16));
            if (Libc.ioctl(fd, SIOCBRDELBR, plain) == 0) return true;
            var errno = System.Runtime.InteropServices.Marshal.GetLastPInvokeError();
            return errno is Errno.ENXIO or Errno.ENODEV ? false : throw new LinuxException("ioctl(SIOCBRDELBR)", errno, name);
        }
        finally { Fd.Close(fd); }
    }

    /// <summary>Sets or clears <paramref name="flag"/>; false when there is no such interface and that is no error.</summary>
    private static bool SetFlag(string name, short flag, bool on, bool missingIsError)
    {
        var bytes = Name(name);
        var fd = Socket();
        try
        {
            // struct ifreq: the name (16 bytes), then a union whose first member here is short ifr_flags.
            var ifreq = stackalloc byte[40];
            new Span<byte>(ifreq, 40).Clear();
            bytes.CopyTo(new Span<byte>(ifreq, 16));
            if (Libc.ioctl(fd, SIOCGIFFLAGS, ifreq) != 0)
            {
                var errno = System.Runtime.InteropServices.Marshal.GetLastPInvokeError();
                if (errno == Errno.ENODEV && !missingIsError) return false;
                throw new LinuxException("ioctl(SIOCGIFFLAGS)", errno, name);
            }
            var flags = (short*)(ifreq + 16);
            *flags = on ? (short)(*flags | flag) : (short)(*flags & ~flag);
            if (Libc.ioctl(fd, SIOCSIFFLAGS, ifreq) != 0) throw LinuxException.FromLastError("ioctl(SIOCSIFFLAGS)", name);
            return true;
        }
        finally { Fd.Close(fd); }
    }

    /// <summary>The interface's flags (SIOCGIFFLAGS); null when there is none of that name.</summary>
    private static short? Flags(string name)
    {
        var bytes = Encoding.ASCII.GetBytes(name);
        var fd = Socket();
        try
        {
            var ifreq = stackalloc byte[40];
            new Span<byte>(ifreq, 40).Clear();
            bytes.AsSpan(0, Math.Min(bytes.Length, 15)).CopyTo(new Span<byte>(ifreq, 16));
            return Libc.ioctl(fd, SIOCGIFFLAGS, ifreq) == 0 ? *(short*)(ifreq + 16) : null;
        }
        finally { Fd.Close(fd); }
    }

    private static byte[] Name(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        var bytes = Encoding.ASCII.GetBytes(name);
        return bytes.Length < 16 ? bytes : throw new ArgumentException($"interface name {name} is longer than 15 bytes", nameof(name));
    }

    /// <summary>A datagram socket for the ioctls, in the calling thread's network namespace.</summary>
    private static int Socket()
    {
        var fd = Libc.socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        return fd >= 0 ? fd : throw LinuxException.FromLastError("socket");
    }
}
