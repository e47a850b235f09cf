using System.Text;
using Berth.Runtime;
using Berth.Runtime.Spec;

namespace Berth.Runtime.Tests.Spec;

public sealed class SpecReaderTests
{
    internal const string Valid = """
        {
          "ociVersion": "1.0.2",
          "process": {
            "terminal": false, "consoleSize": {"height": 24, "width": 80},
            "user": {"uid": 1000, "gid": 1000, "umask": 18, "additionalGids": [5, 6]},
            "args": ["sh", "-c", "true"], "env": ["PATH=/bin"], "cwd": "/",
            "capabilities": {"bounding": ["CAP_KILL"], "effective": ["CAP_KILL"], "permitted": ["CAP_KILL"], "inheritable": [], "ambient": []},
            "rlimits": [{"type": "RLIMIT_NOFILE", "hard": 1024, "soft": 512}],
            "noNewPrivileges": true, "oomScoreAdj": 100
          },
          "root": {"path": "rootfs", "readonly": true},
          "hostname": "h", "domainname": "d",
          "mounts": [{"destination": "/proc", "type": "proc", "source": "proc", "options": ["nosuid"]}],
          "hooks": {"poststop": [{"path": "/bin/true", "args": ["true"], "env": ["A=1"], "timeout": 5}]},
          "annotations": {"k": "v"},
          "linux": {
            "namespaces": [{"type": "pid"}, {"type": "network", "path": "/proc/1/ns/net"}],
            "devices": [{"path": "/dev/fuse", "type": "c", "major": 10, "minor": 229, "fileMode": 438, "uid": 0, "gid": 0}],
            "cgroupsPath": "a/b",
            "resources": {
              "devices": [{"allow": false, "access": "rwm"}],
              "memory": {"limit": 16777216, "reservation": 1, "swap": 16777216, "swappiness": 0, "disableOOMKiller": false},
              "cpu": {"shares": 512, "quota": 10000, "period": 100000, "cpus": "0", "mems": "0"},
              "pids": {"limit": 5},
              "blockIO": {"weight": 10, "throttleReadBpsDevice": [{"major": 8, "minor": 0, "rate": 100}]},
              "hugepageLimits": [{"pageSize": "2MB", "limit": 0}]
            },
            "sysctl": {"net.ipv4.ip_forward": "0"},
            "seccomp": {"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_X86_64"],
                        "syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1, "args": [{"index": 1, "value": 2, "valueTwo": 0, "op": "SCMP_CMP_EQ"}]}]},
            "rootfsPropagation": "rslave", "maskedPaths": ["/proc/kcore"], "readonlyPaths": ["/proc/sys"],
            "personality": {"domain": "LINUX"}
          },
          "vendor.extension": {"ignored": true}
        }
        """;

    [Fact]
    public void ReadSpec_FullDocument_ReadsEveryField()
    {
        var s = SpecReader.ReadSpec(Encoding.UTF8.GetBytes(Valid), "config.json");

        Assert.Equal("1.0.2", s.OciVersion);
        Assert.Equal((ushort)80, s.Process!.ConsoleSize!.Width);
        Assert.Equal([5u, 6u], s.Process.User.AdditionalGids!);
        Assert.Equal(18u, s.Process.User.Umask);
        Assert.Equal(["sh", "-c", "true"], s.Process.Args!);
        Assert.Equal(["CAP_KILL"], s.Process.Capabilities!.Bounding!);
        Assert.Equal(512UL, s.Process.Rlimits![0].Soft);
        Assert.True(s.Process.NoNewPrivileges);
        Assert.Equal(100, s.Process.OomScoreAdj);
        Assert.True(s.Root!.Readonly);
        Assert.Equal("d", s.Domainname);
        Assert.Equal(["nosuid"], s.Mounts![0].Options!);
        Assert.Equal(5, s.Hooks!.Poststop![0].Timeout);
        Assert.Equal("v", s.Annotations!["k"]);
        var l = s.Linux!;
        Assert.Equal("/proc/1/ns/net", l.Namespaces![1].Path);
        Assert.Equal(229, l.Devices![0].Minor);
        Assert.Equal(438u, l.Devices[0].FileMode);
        Assert.Equal("a/b", l.CgroupsPath);
        Assert.False(l.Resources!.Devices![0].Allow);
        Assert.Equal(16777216, l.Resources.Memory!.Swap);
        Assert.Equal(10000, l.Resources.Cpu!.Quota);
        Assert.Equal(5, l.Resources.Pids!.Limit);
        Assert.Equal(100UL, l.Resources.BlockIO!.ThrottleReadBpsDevice![0].Rate);
        Assert.Equal("2MB", l.Resources.HugepageLimits![0].PageSize);
        Assert.Equal("0", l.Sysctl!["net.ipv4.ip_forward"]);
        Assert.Equal("SCMP_CMP_EQ", l.Seccomp!.Syscalls![0].Args![0].Op);
        Assert.Equal(1u, l.Seccomp.Syscalls[0].ErrnoRet);
        Assert.Equal("rslave", l.RootfsPropagation);
        Assert.Equal("LINUX", l.Personality!.Domain);
    }

    [Theory]
    [InlineData("""{"process": {"args": "sh"}}""", "process.args: expected an array, got the string \"sh\"")]
    [InlineData("""{"process": {"args": ["sh", 1]}}""", "process.args[1]: expected a string, got the number 1")]
    [InlineData("""{"process": {"user": {"uid": -1}}}""", "process.user.uid: expected a non-negative 32-bit integer")]
    [InlineData("""{"linux": {"resources": {"memory": {"limit": "1g"}}}}""", "linux.resources.memory.limit: expected an integer")]
    [InlineData("""{"root": {"readonly": "yes"}}""", "root.readonly: expected true or false")]
    [InlineData("""{"process": {"user": {"username": "app"}}}""", "process.user.username: user names are not resolved")]
    [InlineData("""[]""", "must be a JSON object")]
    [InlineData("""{"ociVersion": "1.0.2",""", "invalid JSON at line 1")]
    public void ReadSpec_BadDocument_NamesTheField(string json, string expected)
    {
        var e = Assert.Throws<RuntimeException>(() => SpecReader.ReadSpec(Encoding.UTF8.GetBytes(json), "config.json"));
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void ReadProcess_Labels_ReadAsGiven()
    {
        var p = SpecReader.ReadProcess(Encoding.UTF8.GetBytes("""
            {"args": ["true"], "cwd": "/", "apparmorProfile": "berth-test", "selinuxLabel": "system_u:system_r:container_t:s0"}
            """), "process.json");

        Assert.Equal("berth-test", p.ApparmorProfile);
        Assert.Equal("system_u:system_r:container_t:s0", p.SelinuxLabel);
    }

    [Fact]
    public void ReadProcess_ProfileNotAString_RefusedNamingIt()
    {
        var e = Assert.Throws<RuntimeException>(() => SpecReader.ReadProcess(Encoding.UTF8.GetBytes("""{"args": ["true"], "cwd": "/", "apparmorProfile": 7}"""), "process.json"));

        Assert.Contains("process.apparmorProfile", e.Message);
    }

    [Fact]
    public void ReadSeccompProfile_DockerStyleWithComments_ReadsRulesAndDropsComments()
    {
        var s = SpecReader.ReadSeccompProfile(Encoding.UTF8.GetBytes("""
            {"comment": "c", "defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 38, "architectures": ["SCMP_ARCH_X86_64"], "flags": ["SECCOMP_FILTER_FLAG_LOG"],
             "syscalls": [{"comment": "r", "names": ["personality"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 8, "valueTwo": 0, "op": "SCMP_CMP_EQ"}]}]}
            """), "profile");

        Assert.Equal("SCMP_ACT_ERRNO", s.DefaultAction);
        Assert.Equal(38u, s.DefaultErrnoRet);
        Assert.Equal(["SCMP_ARCH_X86_64"], s.Architectures!);
        Assert.Equal(["SECCOMP_FILTER_FLAG_LOG"], s.Flags!);
        var rule = Assert.Single(s.Syscalls!);
        Assert.Equal(["personality"], rule.Names);
        Assert.Equal(8ul, Assert.Single(rule.Args!).Value);
    }

    [Theory]
    [InlineData("""{"defaultAction": "SCMP_ACT_ALLOW", "archMap": []}""", "profile.archMap: Docker's archMap is not supported")]
    [InlineData("""{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_ERRNO", "excludes": {}}]}""", "profile.syscalls[0].excludes: Docker's excludes")]
    [InlineData("""{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"name": "mkdir", "action": "SCMP_ACT_ERRNO"}]}""", "profile.syscalls[0].name: use \"names\"")]
    [InlineData("""{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_ERRNO", "args": [{"index": 0, "valu": 1, "op": "SCMP_CMP_EQ"}]}]}""", "profile.syscalls[0].args[0].valu: unknown field")]
    [InlineData("""{"defaultAction": "SCMP_ACT_ALLOW", "listenerPath": "/run/agent.sock"}""", "profile.listenerPath: a seccomp agent is not available")]
    [InlineData("""["SCMP_ACT_ALLOW"]""", "profile: the profile must be a JSON object")]
    public void ReadSeccompProfile_UnknownOrUnsupportedField_IsRefusedByPath(string json, string expected)
    {
        var e = Assert.Throws<RuntimeException>(() => SpecReader.ReadSeccompProfile(Encoding.UTF8.GetBytes(json), "profile"));
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void ReadSpec_MutatedDocuments_OnlyEverThrowRuntimeException()
    {
        // A small fuzzer: flip, drop and duplicate bytes of a valid config; the reader and the validator must
        // either accept the result or refuse it with a RuntimeException, never crash with anything else.
        var rng = new Random(20261128);
        var valid = Encoding.UTF8.GetBytes(Valid);
        var bundle = Directory.CreateTempSubdirectory("berth-fuzz-");
        try
        {
            Directory.CreateDirectory(Path.Combine(bundle.FullName, "rootfs"));
            for (var i = 0; i < 10000; i++)
            {
                var bytes = Mutate(valid, rng);
                try
                {
                    var spec = SpecReader.ReadSpec(bytes, "config.json");
                    SpecValidator.Validate(spec, bundle.FullName, requireProcess: true);
                }
                catch (RuntimeException) { }
                catch (Berth.Runtime.Security.SecurityConfigException) { }
            }
        }
        finally { bundle.Delete(recursive: true); }
    }

    private static byte[] Mutate(byte[] input, Random rng)
    {
        var list = new List<byte>(input);
        var edits = rng.Next(1, 6);
        for (var e = 0; e < edits && list.Count > 0; e++)
        {
            var at = rng.Next(list.Count);
            switch (rng.Next(4))
            {
                case 0: list[at] = (byte)rng.Next(256); break;
                case 1: list.RemoveAt(at); break;
                case 2: list.Insert(at, "{}[],:\"0-e9tfn"[rng.Next(14)] is var c ? (byte)c : (byte)0); break;
                default: list.RemoveRange(at, list.Count - at); break;
            }
        }
        return list.ToArray();
    }
}
