using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace Berth.Linux;

/// <summary>
/// The bpf(2) commands the runtime uses: loading a program, attaching it to a cgroup, listing and detaching what a
/// cgroup has (include/uapi/linux/bpf.h, <c>union bpf_attr</c>). Program and cgroup descriptors are owned by the caller.
/// </summary>
public static unsafe class Bpf
{
    /// <summary>BPF_PROG_TYPE_CGROUP_DEVICE: the device controller of cgroup v2.</summary>
    public const int BPF_PROG_TYPE_CGROUP_DEVICE = 15;

    /// <summary>BPF_CGROUP_DEVICE, the attach type of device programs.</summary>
    public const int BPF_CGROUP_DEVICE = 6;

    /// <summary>Several programs on one cgroup, all of which must allow (and those of the ancestors too).</summary>
    public const uint BPF_F_ALLOW_MULTI = 2;

    private const int BPF_PROG_LOAD = 5;
    private const int BPF_PROG_ATTACH = 8;
    private const int BPF_PROG_DETACH = 9;
    private const int BPF_PROG_GET_FD_BY_ID = 13;
    private const int BPF_PROG_QUERY = 16;

    /// <summary>Large enough for every member used, and zero beyond them (the kernel checks the tail is zero).</summary>
    private const int AttrSize = 128;

    /// <summary>
    /// Loads <paramref name="instructions"/> (8-byte <c>struct bpf_insn</c> each) as a program of
    /// <paramref name="programType"/>. Throws <see cref="LinuxException"/> with the verifier's log when refused.
    /// </summary>
    public static SafeFileHandle LoadProgram(int programType, ReadOnlySpan<ulong> instructions, string license)
    {
        var licenseBytes = Encoding.ASCII.GetBytes(license + "\0");
        fixed (ulong* insns = instructions)
        fixed (byte* lic = licenseBytes)
        {
            var fd = Load(programType, insns, instructions.Length, lic, null, 0);
            if (fd >= 0)
            {
                return new SafeFileHandle(checked((IntPtr)fd), ownsHandle: true);
            }

            var errno = Marshal.GetLastPInvokeError();
            // Again with the verifier's log, for the message only.
            var log = new byte[64 * 1024];
            fixed (byte* logBuf = log)
            {
                var again = Load(programType, insns, instructions.Length, lic, logBuf, log.Length);
                if (again >= 0)
                {
                    return new SafeFileHandle(checked((IntPtr)again), ownsHandle: true);
                }
            }

            var text = Encoding.ASCII.GetString(log, 0, Math.Max(0, Array.IndexOf(log, (byte)0))).Trim();
            throw new LinuxException("bpf(BPF_PROG_LOAD)", errno, text.Length == 0 ? null : $"(verifier: {text})");
        }
    }

    private static long Load(int programType, ulong* insns, int count, byte* license, byte* log, int logSize)
    {
        var attr = stackalloc byte[AttrSize];
        new Span<byte>(attr, AttrSize).Clear();
        *(uint*)(attr + 0) = (uint)programType;
        *(uint*)(attr + 4) = (uint)count;
        *(ulong*)(attr + 8) = (ulong)insns;
        *(ulong*)(attr + 16) = (ulong)license;
        *(uint*)(attr + 24) = log is null ? 0u : 1u;
        *(uint*)(attr + 28) = (uint)logSize;
        *(ulong*)(attr + 32) = (ulong)log;
        return Libc.syscall(Libc.SYS_bpf, BPF_PROG_LOAD, (long)attr, AttrSize, 0, 0, 0);
    }

    /// <summary>Attaches <paramref name="program"/> to the cgroup open as <paramref name="cgroup"/>. Throws <see cref="LinuxException"/>.</summary>
    public static void Attach(SafeFileHandle cgroup, SafeFileHandle program, int attachType, uint flags)
    {
        var attr = stackalloc byte[AttrSize];
        new Span<byte>(attr, AttrSize).Clear();
        *(uint*)(attr + 0) = (uint)cgroup.DangerousGetHandle();
        *(uint*)(attr + 4) = (uint)program.DangerousGetHandle();
        *(uint*)(attr + 8) = (uint)attachType;
        *(uint*)(attr + 12) = flags;
        if (Libc.syscall(Libc.SYS_bpf, BPF_PROG_ATTACH, (long)attr, AttrSize, 0, 0, 0) < 0)
        {
            throw LinuxException.FromLastError("bpf(BPF_PROG_ATTACH)");
        }
    }

    /// <summary>Detaches <paramref name="program"/> from the cgroup. Throws <see cref="LinuxException"/>.</summary>
    public static void Detach(SafeFileHandle cgroup, SafeFileHandle program, int attachType)
    {
        var attr = stackalloc byte[AttrSize];
        new Span<byte>(attr, AttrSize).Clear();
        *(uint*)(attr + 0) = (uint)cgroup.DangerousGetHandle();
        *(uint*)(attr + 4) = (uint)program.DangerousGetHandle();
        *(uint*)(attr + 8) = (uint)attachType;
        if (Libc.syscall(Libc.SYS_bpf, BPF_PROG_DETACH, (long)attr, AttrSize, 0, 0, 0) < 0)
        {
            throw LinuxException.FromLastError("bpf(BPF_PROG_DETACH)");
        }
    }

    /// <summary>The ids of the programs attached to the cgroup itself (not inherited). Throws <see cref="LinuxException"/>.</summary>
    public static uint[] QueryAttached(SafeFileHandle cgroup, int attachType)
    {
        var ids = new uint[64];
        var attr = stackalloc byte[AttrSize];
        fixed (uint* p = ids)
        {
            new Span<byte>(attr, AttrSize).Clear();
            *(uint*)(attr + 0) = (uint)cgroup.DangerousGetHandle();
            *(uint*)(attr + 4) = (uint)attachType;
            *(ulong*)(attr + 16) = (ulong)p;
            *(uint*)(attr + 24) = (uint)ids.Length;
            if (Libc.syscall(Libc.SYS_bpf, BPF_PROG_QUERY, (long)attr, AttrSize, 0, 0, 0) < 0)
            {
                throw LinuxException.FromLastError("bpf(BPF_PROG_QUERY)");
            }
        }

        return ids[..(int)Math.Min(*(uint*)(attr + 24), (uint)ids.Length)];
    }

    /// <summary>Opens the loaded program with id <paramref name="id"/>. Throws <see cref="LinuxException"/>.</summary>
    public static SafeFileHandle ProgramById(uint id)
    {
        var attr = stackalloc byte[AttrSize];
        new Span<byte>(attr, AttrSize).Clear();
        *(uint*)(attr + 0) = id;
        var fd = Libc.syscall(Libc.SYS_bpf, BPF_PROG_GET_FD_BY_ID, (long)attr, AttrSize, 0, 0, 0);
        if (fd < 0)
        {
            throw LinuxException.FromLastError("bpf(BPF_PROG_GET_FD_BY_ID)", id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        return new SafeFileHandle(checked((IntPtr)fd), ownsHandle: true);
    }
}
