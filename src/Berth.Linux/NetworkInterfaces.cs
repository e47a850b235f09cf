using System.Runtime.InteropServices;
using System.Text;

namespace Berth.Linux;

/// <summary>Network interfaces of the calling thread's network namespace, through the SIOCGIFFLAGS/SIOCSIFFLAGS ioctls.</summary>
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
    public static void SetUp(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        var bytes = Encoding.ASCII.GetBytes(name);
        if (bytes.Length >= 16) throw new ArgumentException($"interface name {name} is longer than 15 bytes", nameof(name));
        var fd = Libc.socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd < 0) throw LinuxException.FromLastError("socket");
        try
        {
            // struct ifreq: the name (16 bytes), then a union whose first member here is short ifr_flags.
            var ifreq = stackalloc byte[40];
            new Span<byte>(ifreq, 40).Clear();
            bytes.CopyTo(new Span<byte>(ifreq, 16));
            if (Libc.ioctl(fd, SIOCGIFFLAGS, ifreq) != 0) throw LinuxException.FromLastError("ioctl(SIOCGIFFLAGS)", name);
            *(short*)(ifreq + 16) |= IFF_UP;
            if (Libc.ioctl(fd, SIOCSIFFLAGS, ifreq) != 0) throw LinuxException.FromLastError("ioctl(SIOCSIFFLAGS)", name);
        }
        finally { Fd.Close(fd); }
    }

    /// <summary>Whether an interface named <paramref name="name"/> exists in the calling thread's network namespace.</summary>
    public static bool Exists(string name) => Flags(name) is not null;

    /// <summary>
    /// Takes bridge <paramref name="name"/> down and deletes it (as <c>ip link del NAME</c>), through the bridge
    /// ioctls (SIOCSIFFLAGS, then SIOCBRDELBR, which refuses a bridge that is up). Ports still on it are released
    /// by the kernel. Returns false when there is no such interface.
    /// </summary>
    /// <exception cref="LinuxException">The ioctl was refused (such as ENOTTY… for an interface that is not a bridge).</exception>
    public static bool DeleteBridge(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        var bytes = Encoding.ASCII.GetBytes(name);
        if (bytes.Length >= 16) throw new ArgumentException($"interface name {name} is longer than 15 bytes", nameof(name));
        var fd = Libc.socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd < 0) throw LinuxException.FromLastError("socket");
        try
        {
            var ifreq = stackalloc byte[40];
            new Span<byte>(ifreq, 40).Clear();
            bytes.CopyTo(new Span<byte>(ifreq, 16));
            if (Libc.ioctl(fd, SIOCGIFFLAGS, ifreq) != 0)
            {
                var errno = System.Runtime.InteropServices.Marshal.GetLastPInvokeError();
                if (errno == Errno.ENODEV) return false;
                throw new LinuxException("ioctl(SIOCGIFFLAGS)", errno, name);
            }
            *(short*)(ifreq + 16) &= ~IFF_UP;
            if (Libc.ioctl(fd, SIOCSIFFLAGS, ifreq) != 0) throw LinuxException.FromLastError("ioctl(SIOCSIFFLAGS)", name);
            // SIOCBRDELBR takes the name itself, not an ifreq.
            var plain = stackalloc byte[16];
            new Span<byte>(plain, 16).Clear();
            bytes.CopyTo(new Span<byte>(plain, 16));
            if (Libc.ioctl(fd, SIOCBRDELBR, plain) != 0)
            {
                var errno = System.Runtime.InteropServices.Marshal.GetLastPInvokeError();
                if (errno == Errno.ENXIO || errno == Errno.ENODEV) return false;
                throw new LinuxException("ioctl(SIOCBRDELBR)", errno, name);
            }
            return true;
        }
        finally { Fd.Close(fd); }
    }

    /// <summary>Whether interface <paramref name="name"/> is up (false when there is no such interface).</summary>
    public static bool IsUp(string name) => (Flags(name) & IFF_UP) is > 0;

    /// <summary>The interface's flags (SIOCGIFFLAGS) in the calling thread's network namespace; null when there is none of that name.</summary>
    private static short? Flags(string name)
    {
        var bytes = Encoding.ASCII.GetBytes(name);
        var fd = Libc.socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd < 0) throw LinuxException.FromLastError("socket");
        try
        {
            var ifreq = stackalloc byte[40];
            new Span<byte>(ifreq, 40).Clear();
            bytes.AsSpan(0, Math.Min(bytes.Length, 15)).CopyTo(new Span<byte>(ifreq, 16));
            return Libc.ioctl(fd, SIOCGIFFLAGS, ifreq) == 0 ? *(short*)(ifreq + 16) : null;
        }
        finally { Fd.Close(fd); }
    }
}
