using Berth.Linux;
using Berth.Runtime.Spec;

namespace Berth.Runtime.Security;

/// <summary>
/// Builds a seccomp filter from <c>linux.seccomp</c> with libseccomp (libseccomp.so.2) and loads it
/// on the calling thread.
/// </summary>
/// <remarks>
/// Choices, following runc where the spec leaves room:
/// <list type="bullet">
/// <item>Syscall names libseccomp cannot resolve on any architecture are skipped without error:
/// profiles list the syscalls of every architecture at once. An empty <c>names</c> list is an error.</item>
/// <item><c>errnoRet</c> (and <c>defaultErrnoRet</c>) applies only to SCMP_ACT_ERRNO and SCMP_ACT_TRACE and
/// defaults to EPERM; given with any other action it is an error (runtime-spec config-linux.md).</item>
/// <item>The comparisons of a rule are ANDed in one libseccomp rule; when the same argument index
/// appears more than once (which libseccomp refuses within one rule) each comparison becomes a rule
/// of its own, so they are ORed.</item>
/// <item>A rule whose action equals the default action is skipped: it changes nothing, and
/// libseccomp refuses it.</item>
/// <item>SCMP_FLTATR_CTL_NNP is cleared so that libseccomp does not set no_new_privs by itself; the
/// runtime sets it from <c>process.noNewPrivileges</c>. Loading without no_new_privs then needs
/// CAP_SYS_ADMIN (seccomp(2)), so a container init loads the filter before dropping capabilities
/// when no_new_privs is off.</item>
/// <item>SCMP_ACT_NOTIFY needs <c>listenerPath</c>, and a <c>listenerPath</c> needs a rule with SCMP_ACT_NOTIFY;
/// it cannot be the default action (as runc), nor be asked for <c>sendmsg</c>, which hands the listener over (see
/// <see cref="SeccompListener"/>). SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV is refused: this libseccomp (2.5) has no
/// attribute for it.</item>
/// </list>
/// Without SECCOMP_FILTER_FLAG_TSYNC the filter binds the calling thread and the children it creates
/// from then on; with it, every thread of the process.
/// </remarks>
public static class Seccomp
{
    private const int MaxArgs = 6;
    private const uint MaxErrno = 0xffff;

    private static readonly Dictionary<string, string> Arches = new(StringComparer.Ordinal)
    {
        ["SCMP_ARCH_X86"] = "x86", ["SCMP_ARCH_X86_64"] = "x86_64", ["SCMP_ARCH_X32"] = "x32",
        ["SCMP_ARCH_ARM"] = "arm", ["SCMP_ARCH_AARCH64"] = "aarch64",
        ["SCMP_ARCH_MIPS"] = "mips", ["SCMP_ARCH_MIPS64"] = "mips64", ["SCMP_ARCH_MIPS64N32"] = "mips64n32",
        ["SCMP_ARCH_MIPSEL"] = "mipsel", ["SCMP_ARCH_MIPSEL64"] = "mipsel64", ["SCMP_ARCH_MIPSEL64N32"] = "mipsel64n32",
        ["SCMP_ARCH_PPC"] = "ppc", ["SCMP_ARCH_PPC64"] = "ppc64", ["SCMP_ARCH_PPC64LE"] = "ppc64le",
        ["SCMP_ARCH_S390"] = "s390", ["SCMP_ARCH_S390X"] = "s390x",
        ["SCMP_ARCH_PARISC"] = "parisc", ["SCMP_ARCH_PARISC64"] = "parisc64",
        ["SCMP_ARCH_RISCV64"] = "riscv64", ["SCMP_ARCH_LOONGARCH64"] = "loongarch64",
    };

    private static readonly Dictionary<string, int> Flags = new(StringComparer.Ordinal)
    {
        ["SECCOMP_FILTER_FLAG_TSYNC"] = LibSeccomp.SCMP_FLTATR_CTL_TSYNC,
        ["SECCOMP_FILTER_FLAG_LOG"] = LibSeccomp.SCMP_FLTATR_CTL_LOG,
        ["SECCOMP_FILTER_FLAG_SPEC_ALLOW"] = LibSeccomp.SCMP_FLTATR_CTL_SSB,
    };

    private static readonly Dictionary<string, int> Ops = new(StringComparer.Ordinal)
    {
        ["SCMP_CMP_NE"] = LibSeccomp.SCMP_CMP_NE, ["SCMP_CMP_LT"] = LibSeccomp.SCMP_CMP_LT,
        ["SCMP_CMP_LE"] = LibSeccomp.SCMP_CMP_LE, ["SCMP_CMP_EQ"] = LibSeccomp.SCMP_CMP_EQ,
        ["SCMP_CMP_GE"] = LibSeccomp.SCMP_CMP_GE, ["SCMP_CMP_GT"] = LibSeccomp.SCMP_CMP_GT,
        ["SCMP_CMP_MASKED_EQ"] = LibSeccomp.SCMP_CMP_MASKED_EQ,
    };

    /// <summary>The actions <c>linux.seccomp</c> takes (for <c>berth features</c>).</summary>
    public static IEnumerable<string> KnownActions =>
        ["SCMP_ACT_ALLOW", "SCMP_ACT_ERRNO", "SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD", "SCMP_ACT_LOG", "SCMP_ACT_NOTIFY", "SCMP_ACT_TRACE", "SCMP_ACT_TRAP"];

    /// <summary>The architectures <c>linux.seccomp.architectures</c> takes.</summary>
    public static IEnumerable<string> KnownArchitectures => Arches.Keys.Order(StringComparer.Ordinal);

    /// <summary>
    /// The architectures of <see cref="KnownArchitectures"/> that a filter of this host can hold: the libseccomp at
    /// hand knows them and adds them to a native filter (it refuses, EDOM, one of the other byte order, such as
    /// mips beside x86_64). Loads libseccomp.
    /// </summary>
    public static IReadOnlyList<string> SupportedArchitectures()
    {
        var supported = new List<string>();
        foreach (var name in KnownArchitectures)
        {
            var arch = LibSeccomp.seccomp_arch_resolve_name(Arches[name]);
            if (arch == 0) continue;
            var ctx = LibSeccomp.seccomp_init(LibSeccomp.SCMP_ACT_ALLOW);
            if (ctx == 0) continue;
            try
            {
                var rc = LibSeccomp.seccomp_arch_add(ctx, arch);
                if (rc >= 0 || rc == -Errno.EEXIST) supported.Add(name);
            }
            finally { LibSeccomp.seccomp_release(ctx); }
        }
        return supported;
    }

    /// <summary>The comparison operators of <c>args</c>.</summary>
    public static IEnumerable<string> KnownOperators => Ops.Keys.Order(StringComparer.Ordinal);

    /// <summary>The filter flags of <c>linux.seccomp.flags</c>.</summary>
    public static IEnumerable<string> KnownFlags => Flags.Keys.Order(StringComparer.Ordinal);

    private sealed record Rule(string Field, IReadOnlyList<string> Names, uint Action, LibSeccomp.ArgCmp[] Args, bool OnePerArg);

    private sealed record Plan(uint DefaultAction, IReadOnlyList<(string Field, string Name)> Arches, IReadOnlyList<(string Field, string Name, int Attr)> Flags, IReadOnlyList<Rule> Rules)
    {
        public bool Notifies => Rules.Any(r => r.Action == LibSeccomp.SCMP_ACT_NOTIFY);
    }

    /// <summary>
    /// Checks the whole profile (actions, errno values, comparison operators, argument indexes,
    /// architectures, flags, names) without loading anything or calling libseccomp, so a bad
    /// profile is refused before a container starts.
    /// </summary>
    /// <exception cref="SecurityConfigException">Names the field, such as
    /// <c>linux.seccomp.syscalls[3].action: unknown action "SCMP_ACT_FOO"</c>.</exception>
    public static void Validate(SeccompSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        Compile(spec);
    }

    /// <summary>
    /// Whether libseccomp knows <paramref name="name"/> as a system call on any architecture (the filter skips a
    /// name it does not know, as runc does, so that one profile serves several architectures; a caller that wants
    /// typos refused asks here). Loads libseccomp.
    /// </summary>
    public static bool IsKnownSyscall(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return LibSeccomp.seccomp_syscall_resolve_name(name) != LibSeccomp.NR_SCMP_ERROR;
    }

    /// <summary>
    /// Loads libseccomp into the process now, while the host's root is still the root: the library is resolved on
    /// first call, and <see cref="Load"/> runs after pivot_root (or after joining a container's mount namespace),
    /// where the container's file system usually has no libseccomp.
    /// </summary>
    public static void Preload() => LibSeccomp.seccomp_arch_resolve_name("x86_64");

    /// <summary>
    /// Validates <paramref name="spec"/>, builds the filter with libseccomp and loads it
    /// (seccomp(SECCOMP_SET_MODE_FILTER)) on the calling thread. The libseccomp context is always released.
    /// This cannot be undone: call it on the thread that is about to execve the container process.
    /// </summary>
    /// <returns>The filter's listener descriptor (close-on-exec) when it has SCMP_ACT_NOTIFY rules, else -1.</returns>
    /// <exception cref="SecurityConfigException">The profile is invalid, names an architecture this
    /// libseccomp does not know, or libseccomp or the kernel refused the filter (the inner
    /// <see cref="LinuxException"/> carries the errno).</exception>
    public static int Load(SeccompSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var plan = Compile(spec);
        var ctx = LibSeccomp.seccomp_init(plan.DefaultAction);
        if (ctx == 0)
            throw new SecurityConfigException($"linux.seccomp.defaultAction: seccomp_init refused action 0x{plan.DefaultAction:x8}");
        try
        {
            Check(LibSeccomp.seccomp_attr_set(ctx, LibSeccomp.SCMP_FLTATR_CTL_NNP, 0), "seccomp_attr_set", "SCMP_FLTATR_CTL_NNP", "linux.seccomp");
            foreach (var (field, name, attr) in plan.Flags)
                Check(LibSeccomp.seccomp_attr_set(ctx, attr, 1), "seccomp_attr_set", name, field);
            foreach (var (field, name) in plan.Arches)
            {
                var arch = LibSeccomp.seccomp_arch_resolve_name(name);
                if (arch == 0) throw new SecurityConfigException($"{field}: architecture \"{name}\" is not supported by this libseccomp");
                var rc = LibSeccomp.seccomp_arch_add(ctx, arch);
                // The native architecture is already in a new context.
                if (rc != -Errno.EEXIST) Check(rc, "seccomp_arch_add", name, field);
            }
            foreach (var rule in plan.Rules) AddRule(ctx, rule);
            Check(LibSeccomp.seccomp_load(ctx), "seccomp_load", null, "linux.seccomp");
            if (!plan.Notifies) return -1;
            // libseccomp loads a filter with notify rules with SECCOMP_FILTER_FLAG_NEW_LISTENER and keeps the descriptor.
            var listener = LibSeccomp.seccomp_notify_fd(ctx);
            Check(listener, "seccomp_notify_fd", null, "linux.seccomp.listenerPath");
            Fd.SetCloseOnExec(listener, true);
            return listener;
        }
        finally
        {
            LibSeccomp.seccomp_release(ctx);
        }
    }

    private static unsafe void AddRule(nint ctx, Rule rule)
    {
        foreach (var name in rule.Names)
        {
            var nr = LibSeccomp.seccomp_syscall_resolve_name(name);
            if (nr == LibSeccomp.NR_SCMP_ERROR) continue;
            fixed (LibSeccomp.ArgCmp* args = rule.Args)
            {
                if (!rule.OnePerArg)
                {
                    Check(LibSeccomp.seccomp_rule_add_array(ctx, rule.Action, nr, (uint)rule.Args.Length, args), "seccomp_rule_add_array", name, rule.Field);
                    continue;
                }
                for (var i = 0; i < rule.Args.Length; i++)
                    Check(LibSeccomp.seccomp_rule_add_array(ctx, rule.Action, nr, 1, args + i), "seccomp_rule_add_array", name, rule.Field);
            }
        }
    }

    private static void Check(int rc, string function, string? detail, string field)
    {
        if (rc >= 0) return;
        var inner = new LinuxException(function, -rc, detail);
        throw new SecurityConfigException($"{field}: {inner.Message}", inner);
    }

    private static Plan Compile(SeccompSpec spec)
    {
        var defaultAction = ParseAction(spec.DefaultAction, spec.DefaultErrnoRet, "linux.seccomp.defaultAction", "linux.seccomp.defaultErrnoRet");
        if (defaultAction == LibSeccomp.SCMP_ACT_NOTIFY)
            throw new SecurityConfigException("linux.seccomp.defaultAction: SCMP_ACT_NOTIFY cannot be the default action (every system call of the runtime itself would wait for the agent)");

        var arches = new List<(string, string)>();
        var archList = spec.Architectures ?? [];
        for (var i = 0; i < archList.Count; i++)
        {
            var field = $"linux.seccomp.architectures[{i}]";
            if (!Arches.TryGetValue(archList[i] ?? "", out var name)) throw new SecurityConfigException($"{field}: unknown architecture \"{archList[i]}\"");
            arches.Add((field, name));
        }

        var flags = new List<(string, string, int)>();
        var flagList = spec.Flags ?? [];
        for (var i = 0; i < flagList.Count; i++)
        {
            var field = $"linux.seccomp.flags[{i}]";
            if (flagList[i] == "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV")
                throw new SecurityConfigException($"{field}: SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV is not supported (this libseccomp has no attribute for it)");
            if (!Flags.TryGetValue(flagList[i] ?? "", out var attr)) throw new SecurityConfigException($"{field}: unknown flag \"{flagList[i]}\"");
            flags.Add((field, flagList[i], attr));
        }

        var rules = new List<Rule>();
        var syscalls = spec.Syscalls ?? [];
        for (var i = 0; i < syscalls.Count; i++)
        {
            var field = $"linux.seccomp.syscalls[{i}]";
            var call = syscalls[i] ?? throw new SecurityConfigException($"{field}: null rule");
            var names = call.Names ?? [];
            if (names.Count == 0) throw new SecurityConfigException($"{field}.names: empty; a rule needs at least one syscall name");
            for (var n = 0; n < names.Count; n++)
            {
                if (string.IsNullOrWhiteSpace(names[n]) || names[n].Contains('\0', StringComparison.Ordinal))
                    throw new SecurityConfigException($"{field}.names[{n}]: invalid syscall name \"{names[n]}\"");
            }
            var action = ParseAction(call.Action, call.ErrnoRet, $"{field}.action", $"{field}.errnoRet");
            var args = ParseArgs(call.Args, field, out var onePerArg);
            if (action == LibSeccomp.SCMP_ACT_NOTIFY)
            {
                if (string.IsNullOrEmpty(spec.ListenerPath))
                    throw new SecurityConfigException($"{field}.action: SCMP_ACT_NOTIFY needs linux.seccomp.listenerPath, the agent's socket that gets the listener");
                if (names.Contains("sendmsg"))
                    throw new SecurityConfigException($"{field}.names: SCMP_ACT_NOTIFY on sendmsg is refused: the runtime hands the listener to the agent with it");
            }
            if (action == defaultAction) continue;
            rules.Add(new Rule(field, names, action, args, onePerArg));
        }
        var plan = new Plan(defaultAction, arches, flags, rules);
        if (!string.IsNullOrEmpty(spec.ListenerPath) && !plan.Notifies)
            throw new SecurityConfigException("linux.seccomp.listenerPath: set, but no rule has the action SCMP_ACT_NOTIFY (the agent would wait for a listener that never comes)");
        return plan;
    }

    private static LibSeccomp.ArgCmp[] ParseArgs(List<SeccompArgSpec>? args, string field, out bool onePerArg)
    {
        onePerArg = false;
        if (args is null || args.Count == 0) return [];
        var result = new LibSeccomp.ArgCmp[args.Count];
        var seen = 0;
        for (var a = 0; a < args.Count; a++)
        {
            var argField = $"{field}.args[{a}]";
            var arg = args[a] ?? throw new SecurityConfigException($"{argField}: null comparison");
            if (arg.Index >= MaxArgs)
                throw new SecurityConfigException($"{argField}.index: {arg.Index} is out of range; a syscall has arguments 0 to {MaxArgs - 1}");
            if (!Ops.TryGetValue(arg.Op ?? "", out var op)) throw new SecurityConfigException($"{argField}.op: unknown operator \"{arg.Op}\"");
            if ((seen & (1 << (int)arg.Index)) != 0) onePerArg = true;
            seen |= 1 << (int)arg.Index;
            // For SCMP_CMP_MASKED_EQ, datum_a is the mask and datum_b the value compared with, as the spec's value/valueTwo.
            result[a] = new LibSeccomp.ArgCmp { Arg = arg.Index, Op = op, DatumA = arg.Value, DatumB = arg.ValueTwo };
        }
        return result;
    }

    private static uint ParseAction(string? action, uint? errnoRet, string field, string errnoField)
    {
        uint WithErrno(uint basis)
        {
            var errno = errnoRet ?? Errno.EPERM;
            if (errno > MaxErrno) throw new SecurityConfigException($"{errnoField}: {errno} does not fit the 16 bits of a filter's return data");
            return basis | errno;
        }

        uint NoErrno(uint value) => errnoRet is null
            ? value
            : throw new SecurityConfigException($"{errnoField}: only SCMP_ACT_ERRNO and SCMP_ACT_TRACE take an errno, not {action}");

        return action switch
        {
            "SCMP_ACT_KILL" or "SCMP_ACT_KILL_THREAD" => NoErrno(LibSeccomp.SCMP_ACT_KILL_THREAD),
            "SCMP_ACT_KILL_PROCESS" => NoErrno(LibSeccomp.SCMP_ACT_KILL_PROCESS),
            "SCMP_ACT_TRAP" => NoErrno(LibSeccomp.SCMP_ACT_TRAP),
            "SCMP_ACT_ERRNO" => WithErrno(LibSeccomp.SCMP_ACT_ERRNO),
            "SCMP_ACT_TRACE" => WithErrno(LibSeccomp.SCMP_ACT_TRACE),
            "SCMP_ACT_LOG" => NoErrno(LibSeccomp.SCMP_ACT_LOG),
            "SCMP_ACT_ALLOW" => NoErrno(LibSeccomp.SCMP_ACT_ALLOW),
            "SCMP_ACT_NOTIFY" => NoErrno(LibSeccomp.SCMP_ACT_NOTIFY),
            _ => throw new SecurityConfigException($"{field}: unknown action \"{action}\""),
        };
    }
}
