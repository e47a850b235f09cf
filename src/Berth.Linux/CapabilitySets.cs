using System.Runtime.InteropServices;

namespace Berth.Linux;

/// <summary>
/// The calling thread's effective, permitted and inheritable capability sets as 64-bit masks
/// (bit N = capability N), read and written with capget(2)/capset(2), _LINUX_CAPABILITY_VERSION_3.
/// </summary>
public readonly record struct CapabilitySets(ulong Effective, ulong Permitted, ulong Inheritable)
{
    private const uint Version3 = 0x20080522;

    [StructLayout(LayoutKind.Sequential)]
    private struct Header
    {
        public uint Version;
        public int Pid;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct Data
    {
        public uint Effective;
        public uint Permitted;
        public uint Inheritable;
    }

    /// <summary>capget(2) for the calling thread.</summary>
    public static unsafe CapabilitySets Get()
    {
        var h = new Header { Version = Version3 };
        var d = stackalloc Data[2];
        if (Libc.syscall(Libc.SYS_capget, (long)&h, (long)d, 0, 0, 0, 0) != 0) throw LinuxException.FromLastError("capget");
        return new CapabilitySets(
            d[0].Effective | ((ulong)d[1].Effective << 32),
            d[0].Permitted | ((ulong)d[1].Permitted << 32),
            d[0].Inheritable | ((ulong)d[1].Inheritable << 32));
    }

    /// <summary>capset(2) for the calling thread.</summary>
    public unsafe void Apply()
    {
        var h = new Header { Version = Version3 };
        var d = stackalloc Data[2];
        d[0] = new Data { Effective = (uint)Effective, Permitted = (uint)Permitted, Inheritable = (uint)Inheritable };
        d[1] = new Data { Effective = (uint)(Effective >> 32), Permitted = (uint)(Permitted >> 32), Inheritable = (uint)(Inheritable >> 32) };
        if (Libc.syscall(Libc.SYS_capset, (long)&h, (long)d, 0, 0, 0, 0) != 0)
            throw LinuxException.FromLastError("capset", $"effective 0x{Effective:x} permitted 0x{Permitted:x} inheritable 0x{Inheritable:x}");
    }
}
