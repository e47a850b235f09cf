using Berth.Runtime.Security;
using Berth.Runtime.Spec;
using Berth.Testing;

namespace Berth.Runtime.Tests.Spec;

public sealed class SpecValidatorTests : IDisposable
{
    private readonly string _bundle = TestPaths.NewDirectory("validator");

    public SpecValidatorTests() => Directory.CreateDirectory(Path.Combine(_bundle, "rootfs"));

    public void Dispose() => TestPaths.DeleteDirectory(_bundle);

    private static RuntimeSpec Good() => new()
    {
        OciVersion = "1.0.2",
        Root = new RootSpec { Path = "rootfs" },
        Hostname = "box",
        Process = new ProcessSpec { Args = ["sh"], Env = ["PATH=/bin", "EMPTY="], Cwd = "/", OomScoreAdj = 100 },
        Mounts =
        [
            new MountSpec { Destination = "/proc", Type = "proc", Source = "proc", Options = ["nosuid", "noexec"] },
            new MountSpec { Destination = "/data", Source = "/tmp", Options = ["rbind", "ro"] },
        ],
        Hooks = new HooksSpec { Poststop = [new HookSpec { Path = "/bin/true", Timeout = 5 }] },
        Linux = new LinuxSpec
        {
            Namespaces = [new() { Type = "mount" }, new() { Type = "pid" }, new() { Type = "uts" }, new() { Type = "ipc" }, new() { Type = "network" }],
            Devices = [new DeviceSpec { Path = "/dev/fuse", Type = "c", Major = 10, Minor = 229 }],
            Sysctl = new() { ["net.ipv4.ip_forward"] = "1", ["kernel.shmmax"] = "1000", ["fs.mqueue.queues_max"] = "8" },
            RootfsPropagation = "rslave",
            Resources = new ResourcesSpec { Memory = new MemorySpec { Limit = 1 << 24 } },
        },
    };

    private string Validate(RuntimeSpec spec, bool requireProcess = true) => SpecValidator.Validate(spec, _bundle, requireProcess);

    private void AssertRefused(RuntimeSpec spec, string expectedPrefix, bool requireProcess = true)
    {
        var e = Assert.Throws<RuntimeException>(() => Validate(spec, requireProcess));
        Assert.StartsWith(expectedPrefix, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_GoodSpec_ReturnsAbsoluteRootfs()
    {
        Assert.Equal(Path.Combine(_bundle, "rootfs"), Validate(Good()));
    }

    [Fact]
    public void Validate_RelativeBundle_ReturnsAbsoluteRootfs()
    {
        var relative = Path.GetRelativePath(Environment.CurrentDirectory, _bundle);

        Assert.Equal(Path.Combine(_bundle, "rootfs"), SpecValidator.Validate(Good(), relative, requireProcess: true));
    }

    [Fact]
    public void Validate_AbsoluteRootPath_UsedAsIs()
    {
        var s = Good();
        s.Root!.Path = Path.Combine(_bundle, "rootfs");

        Assert.Equal(Path.Combine(_bundle, "rootfs"), SpecValidator.Validate(s, "/nonexistent-bundle", requireProcess: true));
    }

    [Fact]
    public void Validate_BusyboxBundle_Accepted()
    {
        using var bundle = OciBundle.Create("sh");
        var spec = SpecReader.ReadSpec(File.ReadAllBytes(bundle.ConfigPath), bundle.ConfigPath);

        Assert.Equal(bundle.RootfsPath, SpecValidator.Validate(spec, bundle.Path, requireProcess: true));
    }

    [Fact]
    public void Validate_MissingOciVersion_Refused()
    {
        var s = Good();
        s.OciVersion = null;
        AssertRefused(s, "ociVersion: missing");
    }

    [Fact]
    public void Validate_OciVersion2_RefusedNamingIt()
    {
        var s = Good();
        s.OciVersion = "2.0";
        AssertRefused(s, "ociVersion: \"2.0\" is not supported");
    }

    [Fact]
    public void Validate_MissingRoot_Refused()
    {
        var s = Good();
        s.Root = null;
        AssertRefused(s, "root.path: missing");
    }

    [Fact]
    public void Validate_RootfsIsAFile_Refused()
    {
        File.WriteAllText(Path.Combine(_bundle, "file"), "");
        var s = Good();
        s.Root!.Path = "file";
        AssertRefused(s, $"root.path: {Path.Combine(_bundle, "file")} is not a directory");
    }

    [Fact]
    public void Validate_RootfsMissing_Refused()
    {
        var s = Good();
        s.Root!.Path = "nope";
        AssertRefused(s, "root.path: ");
    }

    [Fact]
    public void Validate_MissingProcessWhenRequired_Refused()
    {
        var s = Good();
        s.Process = null;
        AssertRefused(s, "process: missing");
    }

    [Fact]
    public void Validate_MissingProcessWhenNotRequired_Accepted()
    {
        var s = Good();
        s.Process = null;

        Assert.Equal(Path.Combine(_bundle, "rootfs"), Validate(s, requireProcess: false));
    }

    [Fact]
    public void Validate_EmptyArgs_Refused()
    {
        var s = Good();
        s.Process!.Args = [];
        AssertRefused(s, "process.args: ");
    }

    [Fact]
    public void Validate_EmptyProgramName_Refused()
    {
        var s = Good();
        s.Process!.Args = ["", "x"];
        AssertRefused(s, "process.args: ");
    }

    [Fact]
    public void Validate_RelativeCwd_RefusedNamingIt()
    {
        var s = Good();
        s.Process!.Cwd = "tmp";
        AssertRefused(s, "process.cwd: \"tmp\"");
    }

    [Theory]
    [InlineData("NOEQUALS")]
    [InlineData("=value")]
    public void Validate_EnvNotKeyValue_RefusedNamingIt(string entry)
    {
        var s = Good();
        s.Process!.Env = ["PATH=/bin", entry];
        AssertRefused(s, $"process.env: \"{entry}\"");
    }

    [Theory]
    [InlineData(5000)]
    [InlineData(-1001)]
    public void Validate_OomScoreAdjOutOfRange_RefusedNamingIt(int value)
    {
        var s = Good();
        s.Process!.OomScoreAdj = value;
        AssertRefused(s, $"process.oomScoreAdj: {value}");
    }

    [Fact]
    public void Validate_ApparmorProfile_RefusedWhereAppArmorIsNotEnabled()
    {
        var s = Good();
        s.Process!.ApparmorProfile = "docker-default";
        if (Berth.Runtime.Security.LsmLabels.AppArmorEnabled) Validate(s, requireProcess: true);
        else AssertRefused(s, "process.apparmorProfile: \"docker-default\" cannot be applied: AppArmor is not enabled on this host");
    }

    [Fact]
    public void Validate_SelinuxLabel_RefusedWhereSelinuxIsNotEnabled()
    {
        var s = Good();
        s.Process!.SelinuxLabel = "system_u:system_r:container_t:s0";
        if (Berth.Runtime.Security.LsmLabels.SelinuxEnabled) Validate(s, requireProcess: true);
        else AssertRefused(s, "process.selinuxLabel: \"system_u:system_r:container_t:s0\" cannot be applied: SELinux is not enabled on this host");
    }

    [Fact]
    public void Validate_HostnameWithoutUtsNamespace_Refused()
    {
        var s = Good();
        s.Linux!.Namespaces!.RemoveAll(n => n.Type == "uts");
        AssertRefused(s, "hostname: ");
    }

    [Fact]
    public void Validate_HostnameWithJoinedUtsNamespace_Refused()
    {
        var s = Good();
        s.Linux!.Namespaces!.Single(n => n.Type == "uts").Path = "/proc/self/ns/uts";
        AssertRefused(s, "hostname: ");
    }

    [Fact]
    public void Validate_DomainnameWithoutUtsNamespace_Refused()
    {
        var s = Good();
        s.Hostname = null;
        s.Domainname = "example";
        s.Linux!.Namespaces!.RemoveAll(n => n.Type == "uts");
        AssertRefused(s, "domainname: ");
    }

    private static RuntimeSpec WithUserNamespace()
    {
        var s = Good();
        s.Linux!.Namespaces!.Add(new NamespaceSpec { Type = "user" });
        s.Linux.UidMappings = [new IdMappingSpec { ContainerID = 0, HostID = 100000, Size = 65536 }];
        s.Linux.GidMappings = [new IdMappingSpec { ContainerID = 0, HostID = 100000, Size = 65536 }];
        return s;
    }

    [Fact]
    public void Validate_UserNamespaceWithMappings_Accepted()
    {
        Assert.EndsWith("rootfs", Validate(WithUserNamespace()));
    }

    [Fact]
    public void Validate_UserNamespaceWithoutMappings_Refused()
    {
        var s = WithUserNamespace();
        s.Linux!.GidMappings = null;
        AssertRefused(s, "linux.gidMappings: a new user namespace needs gid mappings");
    }

    [Fact]
    public void Validate_UidMappingsWithoutUserNamespace_Refused()
    {
        var s = Good();
        s.Linux!.UidMappings = [new IdMappingSpec { HostID = 100000, Size = 1 }];
        AssertRefused(s, "linux.uidMappings/gidMappings: id maps need a user namespace");
    }

    [Fact]
    public void Validate_OverlappingHostRanges_Refused()
    {
        var s = WithUserNamespace();
        s.Linux!.UidMappings!.Add(new IdMappingSpec { ContainerID = 70000, HostID = 165535, Size = 10 });
        AssertRefused(s, "linux.uidMappings[1]: host uids 165535-165544 overlap those of linux.uidMappings[0] (100000-165535)");
    }

    [Fact]
    public void Validate_OverlappingContainerRanges_Refused()
    {
        var s = WithUserNamespace();
        s.Linux!.GidMappings!.Add(new IdMappingSpec { ContainerID = 5, HostID = 300000, Size = 1 });
        AssertRefused(s, "linux.gidMappings[1]: container gids 5-5 overlap");
    }

    [Fact]
    public void Validate_OversizeMapping_Refused()
    {
        var s = WithUserNamespace();
        s.Linux!.UidMappings!.Add(new IdMappingSpec { ContainerID = 65536, HostID = uint.MaxValue - 500, Size = 1000 });
        AssertRefused(s, "linux.uidMappings[1]: hostID 4294966795 + size 1000 goes past the largest uid");
    }

    [Fact]
    public void Validate_EmptyRange_Refused()
    {
        var s = WithUserNamespace();
        s.Linux!.UidMappings![0].Size = 0;
        AssertRefused(s, "linux.uidMappings[0].size: must be at least 1");
    }

    [Fact]
    public void Validate_TooManyRanges_Refused()
    {
        var s = WithUserNamespace();
        s.Linux!.UidMappings = Enumerable.Range(0, 341).Select(i => new IdMappingSpec { ContainerID = (uint)i, HostID = 100000 + (uint)i, Size = 1 }).ToList();
        AssertRefused(s, "linux.uidMappings: 341 ranges; the kernel takes at most 340");
    }

    [Fact]
    public void Validate_RootNotMapped_Refused()
    {
        var s = WithUserNamespace();
        s.Linux!.UidMappings = [new IdMappingSpec { ContainerID = 1, HostID = 100000, Size = 100 }];
        AssertRefused(s, "linux.uidMappings: uid 0 (the container's init runs as root inside) is not mapped");
    }

    [Fact]
    public void Validate_ProcessUserNotMapped_Refused()
    {
        var s = WithUserNamespace();
        s.Process!.User.Uid = 70000;
        AssertRefused(s, "linux.uidMappings: process.user.uid 70000 is not mapped");
    }

    [Fact]
    public void Validate_MappingsWithJoinedUserNamespace_Refused()
    {
        var s = WithUserNamespace();
        s.Linux!.Namespaces!.Single(n => n.Type == "user").Path = "/proc/self/ns/user";
        AssertRefused(s, "linux.uidMappings/gidMappings: the user namespace /proc/self/ns/user is joined");
    }

    [Fact]
    public void Validate_TimeNamespace_Refused()
    {
        var s = Good();
        s.Linux!.Namespaces!.Insert(0, new NamespaceSpec { Type = "time" });
        AssertRefused(s, "linux.namespaces[0]: time namespaces are not supported");
    }

    [Fact]
    public void Validate_DuplicateNamespace_RefusedAtSecondIndex()
    {
        var s = Good();
        s.Linux!.Namespaces!.Add(new NamespaceSpec { Type = "pid" });
        AssertRefused(s, "linux.namespaces[5].type: \"pid\" is listed twice");
    }

    [Fact]
    public void Validate_UnknownNamespace_RefusedNamingIt()
    {
        var s = Good();
        s.Linux!.Namespaces![1].Type = "bogus";
        AssertRefused(s, "linux.namespaces[1].type: unknown namespace type \"bogus\"");
    }

    [Fact]
    public void Validate_NamespacePathMissing_Refused()
    {
        var s = Good();
        s.Linux!.Namespaces![1].Path = "/proc/no-such-pid/ns/pid";
        AssertRefused(s, "linux.namespaces[1].path: /proc/no-such-pid/ns/pid does not exist");
    }

    [Fact]
    public void Validate_NoMountNamespace_Refused()
    {
        var s = Good();
        s.Linux!.Namespaces!.RemoveAll(n => n.Type == "mount");
        AssertRefused(s, "linux.namespaces: a mount namespace is required");
    }

    [Fact]
    public void Validate_JoinedMountNamespace_Refused()
    {
        var s = Good();
        s.Linux!.Namespaces![0].Path = "/proc/self/ns/mnt";
        AssertRefused(s, "linux.namespaces[0]: joining an existing mount namespace is not supported");
    }

    [Fact]
    public void Validate_NoLinuxSection_RefusedForMissingMountNamespace()
    {
        var s = Good();
        s.Hostname = null;
        s.Linux = null;
        AssertRefused(s, "linux.namespaces: a mount namespace is required");
    }

    [Fact]
    public void Validate_RelativeMountDestination_RefusedNamingIt()
    {
        var s = Good();
        s.Mounts![1].Destination = "data";
        AssertRefused(s, "mounts[1].destination: \"data\" must be an absolute path");
    }

    [Fact]
    public void Validate_EmptyMountDestination_Refused()
    {
        var s = Good();
        s.Mounts![0].Destination = "";
        AssertRefused(s, "mounts[0].destination: missing");
    }

    [Fact]
    public void Validate_BindOptionWithoutSource_Refused()
    {
        var s = Good();
        s.Mounts![1].Source = null;
        AssertRefused(s, "mounts[1].source: ");
    }

    [Fact]
    public void Validate_BindTypeWithoutSource_Refused()
    {
        var s = Good();
        s.Mounts!.Add(new MountSpec { Destination = "/x", Type = "bind" });
        AssertRefused(s, "mounts[2].source: ");
    }

    [Fact]
    public void Validate_NonBindMountWithoutType_Refused()
    {
        var s = Good();
        s.Mounts![0].Type = null;
        AssertRefused(s, "mounts[0].type: ");
    }

    [Fact]
    public void Validate_MountOptionWithSpace_Refused()
    {
        var s = Good();
        s.Mounts![0].Options = ["nosuid", "mode=7 55"];
        AssertRefused(s, "mounts[0].options: unknown option \"mode=7 55\"");
    }

    [Fact]
    public void Validate_UnknownMountType_RefusedNamingIt()
    {
        var s = Good();
        s.Mounts!.Add(new MountSpec { Destination = "/x", Type = "ext4", Source = "/dev/sda1" });
        AssertRefused(s, "mounts[2].type: unknown mount type \"ext4\"");
    }

    [Fact]
    public void Validate_MisspeltMountOption_RefusedNamingIt()
    {
        var s = Good();
        s.Mounts![0].Options = ["nosuid", "nosiud"];
        AssertRefused(s, "mounts[0].options: unknown option \"nosiud\"");
    }

    [Fact]
    public void Validate_DeviceWithBadType_RefusedNamingIt()
    {
        var s = Good();
        s.Linux!.Devices![0].Type = "x";
        AssertRefused(s, "linux.devices[0].type: \"x\" must be c, b, u or p");
    }

    [Fact]
    public void Validate_DeviceWithRelativePath_Refused()
    {
        var s = Good();
        s.Linux!.Devices![0].Path = "dev/fuse";
        AssertRefused(s, "linux.devices[0].path: \"dev/fuse\" must be absolute");
    }

    [Theory]
    [InlineData("kernel.panic")]
    [InlineData("vm.swappiness")]
    [InlineData("kernel/panic")]
    public void Validate_SysctlNotNamespaced_Refused(string key)
    {
        var s = Good();
        s.Linux!.Sysctl = new() { [key] = "1" };
        AssertRefused(s, $"linux.sysctl: \"{key}\" is not namespaced");
    }

    [Theory]
    [InlineData("net.ipv4.ip_forward")]
    [InlineData("net/ipv4/ip_forward")]
    public void Validate_NetSysctlWithoutNetworkNamespace_Refused(string key)
    {
        var s = Good();
        s.Linux!.Namespaces!.RemoveAll(n => n.Type == "network");
        s.Linux.Sysctl = new() { [key] = "1" };
        AssertRefused(s, $"linux.sysctl: \"{key}\" needs a new network namespace");
    }

    [Fact]
    public void Validate_IpcSysctlWithoutIpcNamespace_Refused()
    {
        var s = Good();
        s.Linux!.Namespaces!.RemoveAll(n => n.Type == "ipc");
        s.Linux.Sysctl = new() { ["fs.mqueue.msg_max"] = "10" };
        AssertRefused(s, "linux.sysctl: \"fs.mqueue.msg_max\" needs a new ipc namespace");
    }

    [Fact]
    public void Validate_KernelMemoryLimit_Refused()
    {
        var s = Good();
        s.Linux!.Resources!.Memory!.Kernel = 1 << 20;
        AssertRefused(s, "linux.resources.memory.kernel: ");
    }

    [Fact]
    public void Validate_KernelTcpMemoryLimit_Refused()
    {
        var s = Good();
        s.Linux!.Resources!.Memory!.KernelTCP = 1 << 20;
        AssertRefused(s, "linux.resources.memory.kernelTCP: ");
    }

    [Fact]
    public void Validate_UnknownSeccompAction_RefusedNamingField()
    {
        var s = Good();
        s.Linux!.Seccomp = new SeccompSpec
        {
            DefaultAction = "SCMP_ACT_ALLOW",
            Syscalls = [new SeccompSyscallSpec { Names = ["mkdir"], Action = "SCMP_ACT_BOGUS" }],
        };

        var e = Assert.Throws<SecurityConfigException>(() => Validate(s));

        Assert.StartsWith("linux.seccomp.syscalls[0].action: ", e.Message, StringComparison.Ordinal);
        Assert.Contains("SCMP_ACT_BOGUS", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_UnknownCapability_RefusedNamingSet()
    {
        var s = Good();
        s.Process!.Capabilities = new CapabilitiesSpec { Bounding = ["CAP_KILL", "CAP_BOGUS"] };

        var e = Assert.Throws<SecurityConfigException>(() => Validate(s));

        Assert.StartsWith("process.capabilities.bounding[1]: ", e.Message, StringComparison.Ordinal);
        Assert.Contains("CAP_BOGUS", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_HookWithRelativePath_RefusedNamingList()
    {
        var s = Good();
        s.Hooks = new HooksSpec { CreateRuntime = [new HookSpec { Path = "/bin/true" }, new HookSpec { Path = "bin/true" }] };
        AssertRefused(s, "hooks.createRuntime[1].path: \"bin/true\" must be absolute");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-3)]
    public void Validate_HookWithNonPositiveTimeout_Refused(int timeout)
    {
        var s = Good();
        s.Hooks!.Poststop![0].Timeout = timeout;
        AssertRefused(s, "hooks.poststop[0].timeout: must be positive");
    }

    [Fact]
    public void Validate_BogusRootfsPropagation_RefusedNamingIt()
    {
        var s = Good();
        s.Linux!.RootfsPropagation = "bogus";
        AssertRefused(s, "linux.rootfsPropagation: unknown value \"bogus\"");
    }

    [Fact]
    public void Validate_BadPersonalityDomain_Refused()
    {
        var s = Good();
        s.Linux!.Personality = new PersonalitySpec { Domain = "BSD" };
        AssertRefused(s, "linux.personality.domain: \"BSD\"");
    }
}
