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

    /// <summary>Whether interface <paramref name="name"/> is up (false when there is no such interface).</summary>
    public static bool IsUp(string name)
    {
        var bytes = Encoding.ASCII.GetBytes(name);
        var fd = Libc.socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd < 0) throw LinuxException.FromLastError("socket");
        try
        {
            var ifreq = stackalloc byte[40];
            new Span<byte>(ifreq, 40).Clear();
            bytes.AsSpan(0, Math.Min(bytes.Length, 15)).CopyTo(new Span<byte>(ifreq, 16));
            return Libc.ioctl(fd, SIOCGIFFLAGS, ifreq) == 0 && (*(short*)(ifreq + 16) & IFF_UP) != 0;
        }
        finally { Fd.Close(fd); }
    }
}
