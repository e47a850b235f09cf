using Berth.Runtime.Security;
using Berth.Runtime.Spec;

namespace Berth.Runtime.Tests.Security;

public sealed class SeccompTests : IDisposable
{
    private const int ENOSYS = 38;
    private const int EPERM = 1;
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "berth-seccomp-" + Guid.NewGuid().ToString("N"));

    public SeccompTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Validate_UnknownAction_NamesTheRule()
    {
        var spec = Allow(Rule("SCMP_ACT_ALLOW", "read"), Rule("SCMP_ACT_FOO", "write"));
        var e = Assert.Throws<SecurityConfigException>(() => Seccomp.Validate(spec));
        Assert.Equal("linux.seccomp.syscalls[1].action: unknown action \"SCMP_ACT_FOO\"", e.Message);
    }

    [Fact]
    public void Validate_UnknownDefaultAction_Throws()
    {
        var e = Assert.Throws<SecurityConfigException>(() => Seccomp.Validate(new SeccompSpec { DefaultAction = "ALLOW" }));
        Assert.Equal("linux.seccomp.defaultAction: unknown action \"ALLOW\"", e.Message);
    }

    [Fact]
    public void Validate_NotifyWithoutListenerPath_IsRefused()
    {
        var e = Assert.Throws<SecurityConfigException>(() => Seccomp.Validate(Allow(Rule("SCMP_ACT_NOTIFY", "mkdir"))));
        Assert.Equal("linux.seccomp.syscalls[0].action: SCMP_ACT_NOTIFY needs linux.seccomp.listenerPath, the agent's socket that gets the listener", e.Message);
    }

    [Fact]
    public void Validate_NotifyWithListenerPath_IsAccepted()
    {
        var spec = Allow(Rule("SCMP_ACT_NOTIFY", "mkdir"));
        spec.ListenerPath = "/run/agent.sock";

        Seccomp.Validate(spec);
    }

    [Fact]
    public void Validate_NotifyAsDefaultAction_IsRefused()
    {
        var spec = new SeccompSpec { DefaultAction = "SCMP_ACT_NOTIFY", ListenerPath = "/run/agent.sock" };
        var e = Assert.Throws<SecurityConfigException>(() => Seccomp.Validate(spec));
        Assert.StartsWith("linux.seccomp.defaultAction: SCMP_ACT_NOTIFY cannot be the default action", e.Message);
    }

    [Fact]
    public void Validate_ListenerPathWithoutNotifyRule_IsRefused()
    {
        var spec = Allow();
        spec.ListenerPath = "/run/agent.sock";
        var e = Assert.Throws<SecurityConfigException>(() => Seccomp.Validate(spec));
        Assert.StartsWith("linux.seccomp.listenerPath: set, but no rule has the action SCMP_ACT_NOTIFY", e.Message);
    }

    [Fact]
    public void Validate_UnknownOperator_NamesTheArgument()
    {
        var rule = Rule("SCMP_ACT_ERRNO", "personality");
        rule.Args = [new SeccompArgSpec { Index = 0, Op = "SCMP_CMP_EQ" }, new SeccompArgSpec { Index = 1, Op = "SCMP_CMP_LIKE" }];
        var e = Assert.Throws<SecurityConfigException>(() => Seccomp.Validate(Allow(rule)));
        Assert.Equal("linux.seccomp.syscalls[0].args[1].op: unknown operator \"SCMP_CMP_LIKE\"", e.Message);
    }

    [Fact]
    public void Validate_ArgumentIndexSeven_Throws()
    {
        var rule = Rule("SCMP_ACT_ERRNO", "personality");
        rule.Args = [new SeccompArgSpec { Index = 7, Op = "SCMP_CMP_EQ" }];
        var e = Assert.Throws<SecurityConfigException>(() => Seccomp.Validate(Allow(rule)));
        Assert.StartsWith("linux.seccomp.syscalls[0].args[0].index: 7 is out of range", e.Message);
    }

    [Fact]
    public void Validate_UnknownArchitecture_Throws()
    {
        var spec = Allow();
        spec.Architectures = ["SCMP_ARCH_X86_64", "SCMP_ARCH_Z80"];
        var e = Assert.Throws<SecurityConfigException>(() => Seccomp.Validate(spec));
        Assert.Equal("linux.seccomp.architectures[1]: unknown architecture \"SCMP_ARCH_Z80\"", e.Message);
    }

    [Fact]
    public void Validate_EmptyNames_Throws()
    {
        var e = Assert.Throws<SecurityConfigException>(() => Seccomp.Validate(Allow(Rule("SCMP_ACT_ERRNO"))));
        Assert.StartsWith("linux.seccomp.syscalls[0].names: empty", e.Message);
    }

    [Theory]
    [InlineData("SECCOMP_FILTER_FLAG_FOO", "linux.seccomp.flags[1]: unknown flag \"SECCOMP_FILTER_FLAG_FOO\"")]
    [InlineData("SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", "linux.seccomp.flags[1]: SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV is not supported (this libseccomp has no attribute for it)")]
    public void Validate_UnsupportedFlag_Throws(string flag, string message)
    {
        var spec = Allow();
        spec.Flags = ["SECCOMP_FILTER_FLAG_LOG", flag];
        var e = Assert.Throws<SecurityConfigException>(() => Seccomp.Validate(spec));
        Assert.Equal(message, e.Message);
    }

    [Fact]
    public void Validate_ErrnoRetOnAllow_Throws()
    {
        var rule = Rule("SCMP_ACT_KILL", "mkdir");
        rule.ErrnoRet = 5;
        var e = Assert.Throws<SecurityConfigException>(() => Seccomp.Validate(Allow(rule)));
        Assert.Equal("linux.seccomp.syscalls[0].errnoRet: only SCMP_ACT_ERRNO and SCMP_ACT_TRACE take an errno, not SCMP_ACT_KILL", e.Message);
    }

    [Fact]
    public void Validate_ErrnoRetAbove16Bits_Throws()
    {
        var e = Assert.Throws<SecurityConfigException>(() => Seccomp.Validate(new SeccompSpec { DefaultAction = "SCMP_ACT_ERRNO", DefaultErrnoRet = 0x10000 }));
        Assert.StartsWith("linux.seccomp.defaultErrnoRet: 65536", e.Message);
    }

    [Fact]
    public void Validate_ProfileForEveryArchitecture_Passes()
    {
        var spec = new SeccompSpec
        {
            DefaultAction = "SCMP_ACT_ERRNO",
            DefaultErrnoRet = 1,
            Architectures = ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32", "SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM", "SCMP_ARCH_S390X", "SCMP_ARCH_RISCV64"],
            Flags = ["SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW", "SECCOMP_FILTER_FLAG_TSYNC"],
            Syscalls = [Rule("SCMP_ACT_ALLOW", "read", "socketcall", "arm_fadvise64_64"), Rule("SCMP_ACT_KILL_PROCESS", "kexec_load"), Rule("SCMP_ACT_TRACE", "ptrace")],
        };
        Seccomp.Validate(spec);
    }

    [Fact]
    public void Load_MkdirErrnoEnosys_OnlyTheLoadingThreadIsFiltered()
    {
        var spec = Allow(Errno(ENOSYS, "mkdir", "mkdirat"));

        var (filtered, mode) = DedicatedThread.Run(() =>
        {
            Seccomp.Load(spec);
            return (TestLibc.Mkdir(Path.Combine(_dir, "on-thread"), Octal("755")), TestLibc.ThreadStatus("Seccomp", hex: false));
        });

        Assert.Equal(ENOSYS, filtered);
        Assert.Equal(2UL, mode);
        Assert.False(Directory.Exists(Path.Combine(_dir, "on-thread")));
        Assert.Equal(0UL, TestLibc.ThreadStatus("Seccomp", hex: false));
        Assert.Equal(0, TestLibc.Mkdir(Path.Combine(_dir, "on-test-thread"), Octal("755")));
    }

    [Fact]
    public void Load_PersonalityArgEq_RefusesOnlyTheMatchingValue()
    {
        var rule = Errno(EPERM, "personality");
        rule.Args = [new SeccompArgSpec { Index = 0, Op = "SCMP_CMP_EQ", Value = 0xffffffff }];

        var (query, setLinux) = DedicatedThread.Run(() =>
        {
            Seccomp.Load(Allow(rule));
            return (TestLibc.Personality(0xffffffff), TestLibc.Personality(0));
        });

        Assert.Equal(-EPERM, query);
        Assert.Equal(0, setLinux);
        Assert.Equal(0, TestLibc.Personality(0xffffffff));
    }

    [Fact]
    public void Load_RepeatedArgumentIndex_ComparisonsAreOred()
    {
        var mkdir = Errno(ENOSYS, "mkdir");
        mkdir.Args = [new SeccompArgSpec { Index = 1, Op = "SCMP_CMP_EQ", Value = Octal("700") }, new SeccompArgSpec { Index = 1, Op = "SCMP_CMP_EQ", Value = Octal("711") }];
        var mkdirat = Errno(ENOSYS, "mkdirat");
        mkdirat.Args = [new SeccompArgSpec { Index = 2, Op = "SCMP_CMP_EQ", Value = Octal("700") }, new SeccompArgSpec { Index = 2, Op = "SCMP_CMP_EQ", Value = Octal("711") }];

        var results = DedicatedThread.Run(() =>
        {
            Seccomp.Load(Allow(mkdir, mkdirat));
            return (TestLibc.Mkdir(Path.Combine(_dir, "a"), Octal("700")), TestLibc.Mkdir(Path.Combine(_dir, "b"), Octal("711")), TestLibc.Mkdir(Path.Combine(_dir, "c"), Octal("755")));
        });

        Assert.Equal((ENOSYS, ENOSYS, 0), results);
    }

    [Fact]
    public void Load_MaskedEq_MatchesOnlyTheMaskedBits()
    {
        var mkdir = Errno(ENOSYS, "mkdir");
        mkdir.Args = [new SeccompArgSpec { Index = 1, Op = "SCMP_CMP_MASKED_EQ", Value = Octal("020"), ValueTwo = Octal("020") }];
        var mkdirat = Errno(ENOSYS, "mkdirat");
        mkdirat.Args = [new SeccompArgSpec { Index = 2, Op = "SCMP_CMP_MASKED_EQ", Value = Octal("020"), ValueTwo = Octal("020") }];

        var results = DedicatedThread.Run(() =>
        {
            Seccomp.Load(Allow(mkdir, mkdirat));
            return (TestLibc.Mkdir(Path.Combine(_dir, "group-writable"), Octal("775")), TestLibc.Mkdir(Path.Combine(_dir, "not"), Octal("755")));
        });

        Assert.Equal((ENOSYS, 0), results);
    }

    [Fact]
    public void Load_ComparisonsOnDifferentArguments_AreAnded()
    {
        const int PRIO_PROCESS = 0, PRIO_PGRP = 1, ESRCH = 3;
        var rule = Errno(EPERM, "getpriority");
        rule.Args = [new SeccompArgSpec { Index = 0, Op = "SCMP_CMP_EQ", Value = PRIO_PROCESS }, new SeccompArgSpec { Index = 1, Op = "SCMP_CMP_GE", Value = 0x7fff0000 }];
        const int noSuchPid = 0x7fff0001;

        var results = DedicatedThread.Run(() =>
        {
            Seccomp.Load(Allow(rule));
            return (Both: TestLibc.GetPriorityErrno(PRIO_PROCESS, noSuchPid), FirstOnly: TestLibc.GetPriorityErrno(PRIO_PROCESS, 0),
                SecondOnly: TestLibc.GetPriorityErrno(PRIO_PGRP, noSuchPid));
        });

        Assert.Equal((EPERM, 0, ESRCH), results);
    }

    [Fact]
    public void Load_LogActionAndRuleEqualToDefault_AreAcceptedAndAllowTheCall()
    {
        var spec = Allow(Rule("SCMP_ACT_LOG", "getppid"), Rule("SCMP_ACT_ALLOW", "getpid"));
        var expected = TestLibc.GetParentPid();

        var ppid = DedicatedThread.Run(() =>
        {
            Seccomp.Load(spec);
            return TestLibc.GetParentPid();
        });

        Assert.Equal(expected, ppid);
    }

    [Fact]
    public void Load_NamesUnknownOnThisArchitecture_AreSkipped()
    {
        var spec = Allow(Errno(ENOSYS, "no_such_syscall", "socketcall", "arm_fadvise64_64", "mkdir", "mkdirat"));

        var filtered = DedicatedThread.Run(() =>
        {
            Seccomp.Load(spec);
            return TestLibc.Mkdir(Path.Combine(_dir, "x"), Octal("755"));
        });

        Assert.Equal(ENOSYS, filtered);
    }

    [Fact]
    public void Load_X86FamilyArchitecturesAndFlags_FilterTheThreadOnly()
    {
        var spec = Allow(Errno(ENOSYS, "mkdir", "mkdirat"));
        spec.Architectures = ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32", "SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM"];
        spec.Flags = ["SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW"];

        var filtered = DedicatedThread.Run(() =>
        {
            Seccomp.Load(spec);
            return TestLibc.Mkdir(Path.Combine(_dir, "y"), Octal("755"));
        });

        Assert.Equal(ENOSYS, filtered);
        Assert.Equal(0UL, TestLibc.ThreadStatus("Seccomp", hex: false));
        Assert.Equal(0, TestLibc.Mkdir(Path.Combine(_dir, "z"), Octal("755")));
    }

    [Fact]
    public void Load_InvalidProfile_LoadsNothing()
    {
        var (error, mode) = DedicatedThread.Run(() =>
        {
            var e = Assert.Throws<SecurityConfigException>(() => Seccomp.Load(Allow(Errno(ENOSYS, "mkdir"), Rule("SCMP_ACT_BOGUS", "read"))));
            return (e.Message, TestLibc.ThreadStatus("Seccomp", hex: false));
        });

        Assert.StartsWith("linux.seccomp.syscalls[1].action", error);
        Assert.Equal(0UL, mode);
    }

    private static uint Octal(string digits) => Convert.ToUInt32(digits, 8);

    private static SeccompSpec Allow(params SeccompSyscallSpec[] rules) => new() { DefaultAction = "SCMP_ACT_ALLOW", Syscalls = [.. rules] };

    private static SeccompSyscallSpec Rule(string action, params string[] names) => new() { Action = action, Names = [.. names] };

    private static SeccompSyscallSpec Errno(uint errno, params string[] names) => new() { Action = "SCMP_ACT_ERRNO", ErrnoRet = errno, Names = [.. names] };
}
