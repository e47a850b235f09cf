using Berth.Runtime.Spec;

namespace Berth.Engine;

/// <summary>
/// What every engine container gets unless told otherwise, after Docker's defaults: its capability set, a seccomp
/// profile, masked and read-only kernel paths, and a pids limit.
/// </summary>
public static class DefaultSecurity
{
    /// <summary>Docker's default capabilities: enough for a package manager or a web server, nothing that reaches the host.</summary>
    public static readonly IReadOnlyList<string> Capabilities =
    [
        "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW", "CAP_SETGID", "CAP_SETUID",
        "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE",
    ];

    /// <summary>The pids limit a container gets when none is asked for.</summary>
    public const long PidsLimit = 4096;

    public static readonly IReadOnlyList<string> MaskedPaths =
    [
        "/proc/asound", "/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats",
        "/proc/sched_debug", "/proc/scsi", "/sys/firmware", "/sys/devices/virtual/powercap",
    ];

    public static readonly IReadOnlyList<string> ReadonlyPaths = ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"];

    /// <summary>
    /// System calls refused with EPERM. The default capability set already stops most of them; the filter is the
    /// second wall, and the only one for what needs no capability (<c>unshare</c> of a user namespace, <c>keyctl</c>,
    /// <c>userfaultfd</c>, <c>perf_event_open</c>, <c>bpf</c>, <c>ptrace</c> of a sibling, the new mount API).
    /// </summary>
    public static readonly IReadOnlyList<string> RefusedSyscalls =
    [
        "acct", "add_key", "bpf", "clock_adjtime", "clock_settime", "create_module", "delete_module", "fanotify_init",
        "finit_module", "fsconfig", "fsmount", "fsopen", "fspick", "get_kernel_syms", "get_mempolicy", "init_module",
        "io_uring_enter", "io_uring_register", "io_uring_setup", "ioperm", "iopl",
        "kcmp", "kexec_file_load", "kexec_load", "keyctl", "lookup_dcookie", "mbind", "mount", "mount_setattr",
        "move_mount", "move_pages", "name_to_handle_at", "nfsservctl", "open_by_handle_at", "open_tree",
        "perf_event_open", "pivot_root", "process_vm_readv", "process_vm_writev", "ptrace", "query_module", "quotactl",
        "quotactl_fd", "reboot", "request_key", "set_mempolicy", "setns", "settimeofday", "swapoff", "swapon", "sysfs",
        "_sysctl", "syslog", "umount2", "unshare", "uselib", "userfaultfd", "ustat", "vhangup", "vm86", "vm86old",
    ];

    private const ulong CLONE_NEWNS = 0x00020000;
    private const ulong CLONE_NEWCGROUP = 0x02000000;
    private const ulong CLONE_NEWUTS = 0x04000000;
    private const ulong CLONE_NEWIPC = 0x08000000;
    private const ulong CLONE_NEWUSER = 0x10000000;
    private const ulong CLONE_NEWPID = 0x20000000;
    private const ulong CLONE_NEWNET = 0x40000000;
    private const ulong AF_VSOCK = 40;
    private const uint EPERM = 1;
    private const uint ENOSYS = 38;

    /// <summary>
    /// The default seccomp profile: everything is allowed but <see cref="RefusedSyscalls"/>, <c>clone</c> with a
    /// namespace flag, and <c>clone3</c>, whose flags a filter cannot read (it fails with ENOSYS so that C
    /// libraries fall back to <c>clone</c>).
    /// </summary>
    public static SeccompSpec Seccomp()
    {
        var rules = new List<SeccompSyscallSpec>
        {
            new() { Names = [.. RefusedSyscalls], Action = "SCMP_ACT_ERRNO", ErrnoRet = EPERM },
            new() { Names = ["clone3"], Action = "SCMP_ACT_ERRNO", ErrnoRet = ENOSYS },
        };
        // Docker's profile lets socket() through for every family but AF_VSOCK (the host's hypervisor sockets).
        rules.Add(new SeccompSyscallSpec
        {
            Names = ["socket"],
            Action = "SCMP_ACT_ERRNO",
            ErrnoRet = EPERM,
            Args = [new SeccompArgSpec { Index = 0, Value = AF_VSOCK, Op = "SCMP_CMP_EQ" }],
        });
        foreach (var flag in new[] { CLONE_NEWNS, CLONE_NEWCGROUP, CLONE_NEWUTS, CLONE_NEWIPC, CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET })
        {
            rules.Add(new SeccompSyscallSpec
            {
                Names = ["clone"],
                Action = "SCMP_ACT_ERRNO",
                ErrnoRet = EPERM,
                Args = [new SeccompArgSpec { Index = 0, Value = flag, ValueTwo = flag, Op = "SCMP_CMP_MASKED_EQ" }],
            });
        }
        return new SeccompSpec
        {
            DefaultAction = "SCMP_ACT_ALLOW",
            Architectures = ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
            Syscalls = rules,
        };
    }
}
