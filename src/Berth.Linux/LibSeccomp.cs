using System.Runtime.InteropServices;

namespace Berth.Linux;

/// <summary>
/// The libseccomp 2.x entry points the runtime uses (seccomp.h). Its functions return a negative
/// errno instead of setting errno, so none of them is declared with SetLastError.
/// </summary>
public static unsafe partial class LibSeccomp
{
    private const string L = "libseccomp.so.2";

    // enum scmp_filter_attr.
    public const int SCMP_FLTATR_CTL_NNP = 3;
    public const int SCMP_FLTATR_CTL_TSYNC = 4;
    public const int SCMP_FLTATR_CTL_LOG = 6;
    public const int SCMP_FLTATR_CTL_SSB = 7;

    // enum scmp_compare.
    public const int SCMP_CMP_NE = 1;
    public const int SCMP_CMP_LT = 2;
    public const int SCMP_CMP_LE = 3;
    public const int SCMP_CMP_EQ = 4;
    public const int SCMP_CMP_GE = 5;
    public const int SCMP_CMP_GT = 6;
    public const int SCMP_CMP_MASKED_EQ = 7;

    // Filter return values (SECCOMP_RET_* as libseccomp spells them).
    public const uint SCMP_ACT_KILL_PROCESS = 0x80000000;
    public const uint SCMP_ACT_KILL_THREAD = 0x00000000;
    public const uint SCMP_ACT_TRAP = 0x00030000;
    public const uint SCMP_ACT_ERRNO = 0x00050000;
    public const uint SCMP_ACT_TRACE = 0x7ff00000;
    public const uint SCMP_ACT_LOG = 0x7ffc0000;
    public const uint SCMP_ACT_NOTIFY = 0x7fc00000;
    public const uint SCMP_ACT_ALLOW = 0x7fff0000;

    /// <summary>__NR_SCMP_ERROR: the name is not a syscall on any architecture libseccomp knows.</summary>
    public const int NR_SCMP_ERROR = -1;

    /// <summary>struct scmp_arg_cmp: 24 bytes on every ABI the runtime targets.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct ArgCmp
    {
        public uint Arg;
        public int Op;
        public ulong DatumA;
        public ulong DatumB;
    }

    [LibraryImport(L)]
    public static partial nint seccomp_init(uint defaultAction);

    [LibraryImport(L)]
    public static partial void seccomp_release(nint ctx);

    [LibraryImport(L)]
    public static partial int seccomp_attr_set(nint ctx, int attr, uint value);

    [LibraryImport(L, StringMarshalling = StringMarshalling.Utf8)]
    public static partial uint seccomp_arch_resolve_name(string name);

    [LibraryImport(L)]
    public static partial int seccomp_arch_add(nint ctx, uint arch);

    [LibraryImport(L, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int seccomp_syscall_resolve_name(string name);

    [LibraryImport(L)]
    public static partial int seccomp_rule_add_array(nint ctx, uint action, int syscall, uint argCount, ArgCmp* args);

    [LibraryImport(L)]
    public static partial int seccomp_load(nint ctx);

    /// <summary>The listener descriptor of a loaded filter with SCMP_ACT_NOTIFY rules (libseccomp 2.5), or a negative errno.</summary>
    [LibraryImport(L)]
    public static partial int seccomp_notify_fd(nint ctx);
}
