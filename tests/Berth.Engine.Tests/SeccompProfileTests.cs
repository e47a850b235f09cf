using Berth.Testing;

namespace Berth.Engine.Tests;

public sealed class SeccompProfileTests : IDisposable
{
    private const string RefuseMkdir = """
        {
          "comment": "mkdir refused with EACCES, everything else allowed",
          "defaultAction": "SCMP_ACT_ALLOW",
          "syscalls": [ { "names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13, "comment": "13 is EACCES" } ]
        }
        """;

    private readonly EngineHarness _h = new();

    public void Dispose() => _h.Dispose();

    private string ProfileFile(string json)
    {
        var path = Path.Combine(_h.DataRoot, $"profile-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, json);
        return path;
    }

    [RequiresRootFact]
    public void Run_ProfileRefusingMkdir_MkdirFailsWithPermissionDeniedInside()
    {
        var result = _h.Run("run", "--rm", "--security-opt", "seccomp=" + ProfileFile(RefuseMkdir), "busybox", "mkdir", "/tmp/x");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("Permission denied", result.Stderr);
    }

    [RequiresRootFact]
    public void Run_DefaultProfile_LetsMkdirThrough()
    {
        var result = _h.Run("run", "--rm", "busybox", "sh", "-c", "mkdir /tmp/x && echo made");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("made\n", result.Stdout);
    }

    [RequiresRootFact]
    public void Start_ContainerWithProfile_KeepsItsProfileAcrossRuns()
    {
        _h.Ok("run", "--name", "kept", "--security-opt", "seccomp=" + ProfileFile(RefuseMkdir), "busybox", "sh", "-c", "mkdir /tmp/x 2>/dev/null || echo refused");

        _h.Ok("start", "kept");
        EngineHarness.WaitUntil(() => _h.Status("kept") == "exited", "the second run to end");

        Assert.Equal("refused\nrefused\n", _h.Ok("logs", "kept").Stdout);
        var record = _h.Inspect("kept");
        Assert.Equal("custom", (string)record["seccomp"]!);
        Assert.Equal("SCMP_ACT_ALLOW", (string)record["seccompProfile"]!["defaultAction"]!);
        Assert.Equal(13, (int)record["seccompProfile"]!["syscalls"]![0]!["errnoRet"]!);
    }

    [RequiresRootFact]
    public void Run_Unconfined_HasNoFilterWhereTheDefaultHasOne()
    {
        var unconfined = _h.Ok("run", "--name", "free", "--security-opt", "seccomp=unconfined", "busybox", "grep", "^Seccomp:", "/proc/self/status").Stdout;
        var confined = _h.Ok("run", "--rm", "busybox", "grep", "^Seccomp:", "/proc/self/status").Stdout;

        // /proc/PID/status: 0 for SECCOMP_MODE_DISABLED, 2 for SECCOMP_MODE_FILTER (proc(5)).
        Assert.Equal("Seccomp:\t0\n", unconfined);
        Assert.Equal("Seccomp:\t2\n", confined);
        Assert.Equal("unconfined", (string)_h.Inspect("free")["seccomp"]!);
    }

    [RequiresRootTheory]
    [InlineData("""{ "defaultAction": "SCMP_ACT_ALLOW", """, "seccomp profile: invalid JSON")]
    [InlineData("""{ "defaultAction": "SCMP_ACT_ALLOW", "syscalls": [ { "names": ["mkdir"], "action": "SCMP_ACT_SOMETIMES" } ] }""", "syscalls[0].action: unknown action \"SCMP_ACT_SOMETIMES\"")]
    [InlineData("""{ "defaultAction": "SCMP_ACT_ALLOW", "syscalls": [ { "names": ["mkdri"], "action": "SCMP_ACT_ERRNO" } ] }""", "unknown system call \"mkdri\"")]
    [InlineData("""{ "defaultAction": "SCMP_ACT_ALLOW", "archMap": { "architecture": "SCMP_ARCH_X86_64" } }""", "seccomp profile: archMap: must be an array of {\"architecture\", \"subArchitectures\"} objects, not an object")]
    [InlineData("""{ "defaultAction": "SCMP_ACT_ALLOW", "syscalls": [ { "names": ["mkdir"], "action": "SCMP_ACT_ERRNO", "includes": { "kernel": "4.8" } } ] }""", "seccomp profile: syscalls[0].includes.kernel: unknown key (Docker's includes take caps, arches, minKernel)")]
    [InlineData("""{ "defaultAction": "SCMP_ACT_ALLOW", "syscalls": [ { "names": ["mkdir"], "action": "SCMP_ACT_ERRNO", "excludes": { "caps": ["CAP_SYS_ADMN"] } } ] }""", "seccomp profile: syscalls[0].excludes.caps: unknown capability \"CAP_SYS_ADMN\"")]
    [InlineData("""{ "defaultAction": "SCMP_ACT_ALLOW", "syscalls": [ { "names": ["mkdir"], "action": "SCMP_ACT_ERRNO", "includes": { "minKernel": "four" } } ] }""", "seccomp profile: syscalls[0].includes.minKernel: \"four\" is not a kernel version")]
    [InlineData("""{ "defaultAction": "SCMP_ACT_ALLOW", "syscalls": [ { "names": ["mkdir"], "action": "SCMP_ACT_ERRNO", "includes": { "arches": ["amd46"] } } ] }""", "seccomp profile: syscalls[0].includes.arches: unknown architecture \"amd46\"")]
    [InlineData("""{ "defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_X86_64"], "archMap": [ { "architecture": "SCMP_ARCH_X86_64" } ] }""", "seccomp profile: archMap: a profile gives either \"architectures\" or \"archMap\", not both")]
    [InlineData("""{ "defaultAction": "SCMP_ACT_ALLOW", "syscalls": [ { "names": ["mkdir"], "action": "SCMP_ACT_ERRNO" }, { "names": ["rmdir"], "action": "SCMP_ACT_NEVER", "includes": { "minKernel": "999.0" } } ] }""", "seccomp profile: syscalls[1].action: unknown action \"SCMP_ACT_NEVER\"")]
    [InlineData("""{ "syscalls": [] }""", "defaultAction is required")]
    public void Run_BadProfile_IsRefusedBeforeAnythingIsMade(string profile, string message)
    {
        var result = _h.Run("run", "--rm", "--security-opt", "seccomp=" + ProfileFile(profile), "busybox", "true");

        Assert.Equal(125, result.ExitCode);
        Assert.Contains(message, result.Stderr);
        Assert.Empty(_h.ContainerDirs());
    }

    /// <summary>
    /// Shaped like Docker's default profile (archMap, comments, rules gated by includes and excludes), as a deny-list
    /// so each rule's presence shows as one refused command. The engine grants Docker's default capabilities:
    /// CAP_CHOWN but not CAP_SYS_ADMIN.
    /// </summary>
    private const string DockerShaped = """
        {
          "comment": "each rule refuses with EACCES (13) what it names",
          "defaultAction": "SCMP_ACT_ALLOW",
          "archMap": [
            { "architecture": "SCMP_ARCH_X86_64", "subArchitectures": ["SCMP_ARCH_X86", "SCMP_ARCH_X32"] },
            { "architecture": "SCMP_ARCH_AARCH64", "subArchitectures": ["SCMP_ARCH_ARM"] }
          ],
          "syscalls": [
            { "names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13, "includes": { "caps": ["CAP_SYS_ADMIN"] }, "comment": "not granted: left out" },
            { "names": ["rmdir"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13, "includes": { "caps": ["CAP_CHOWN"] }, "comment": "granted: applies" },
            { "names": ["symlink", "symlinkat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13, "excludes": { "caps": ["CAP_CHOWN"] } },
            { "names": ["link", "linkat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13, "includes": { "arches": ["amd64", "arm64"] } },
            { "names": ["rename", "renameat", "renameat2"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13, "includes": { "arches": ["s390x"] } }
          ]
        }
        """;

    private const string Probe = "cd /tmp; mkdir d && echo mkdir-ok; rmdir d 2>/dev/null || echo rmdir-refused; "
        + "ln -s x s && echo symlink-ok; touch f; ln f g 2>/dev/null || echo link-refused; mv f h && echo rename-ok";

    [RequiresRootFact]
    public void Run_DockerShapedProfile_RulesApplyByCapabilityAndArchitecture()
    {
        var output = _h.Ok("run", "--name", "docker-shaped", "--security-opt", "seccomp=" + ProfileFile(DockerShaped), "busybox", "sh", "-c", Probe).Stdout;

        Assert.Equal("mkdir-ok\nrmdir-refused\nsymlink-ok\nlink-refused\nrename-ok\n", output);
        var profile = _h.Inspect("docker-shaped")["seccompProfile"]!;
        var native = System.Runtime.InteropServices.RuntimeInformation.OSArchitecture == System.Runtime.InteropServices.Architecture.X64
            ? new[] { "SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32" } : ["SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM"];
        Assert.Equal(native, profile["architectures"]!.AsArray().Select(a => (string)a!));
        Assert.Equal(2, profile["syscalls"]!.AsArray().Count);
    }

    [RequiresRootFact]
    public void Run_MinKernel_RuleAboveTheRunningKernelIsLeftOut()
    {
        const string profile = """
            {
              "defaultAction": "SCMP_ACT_ALLOW",
              "syscalls": [
                { "names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13, "includes": { "minKernel": "999.0" } },
                { "names": ["rmdir"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13, "includes": { "minKernel": "3.10" } },
                { "names": ["symlink", "symlinkat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13, "excludes": { "minKernel": "3.10" } },
                { "names": ["link", "linkat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13, "excludes": { "minKernel": "999.0.1" } }
              ]
            }
            """;

        var output = _h.Ok("run", "--rm", "--security-opt", "seccomp=" + ProfileFile(profile), "busybox", "sh", "-c", Probe).Stdout;

        Assert.Equal("mkdir-ok\nrmdir-refused\nsymlink-ok\nlink-refused\nrename-ok\n", output);
    }

    [Fact]
    public void Parse_CapabilityGatedRule_KeptOnlyWhenTheCapabilityIsGranted()
    {
        var withAdmin = SeccompProfiles.Parse(DockerShaped, ["CAP_CHOWN", "CAP_SYS_ADMIN"], "6.1.0-28-amd64");
        var withoutAny = SeccompProfiles.Parse(DockerShaped, [], "6.1.0-28-amd64");

        Assert.Equal(["mkdir,mkdirat", "rmdir", "link,linkat"], withAdmin.Syscalls!.Select(r => string.Join(',', r.Names)));
        Assert.Equal(["symlink,symlinkat", "link,linkat"], withoutAny.Syscalls!.Select(r => string.Join(',', r.Names)));
    }

    [Theory]
    [InlineData("4.7.99", false)]
    [InlineData("4.8", true)]
    [InlineData("4.8.0-1-amd64", true)]
    [InlineData("5.0.0", true)]
    public void Parse_MinKernel_ComparedWithTheKernelRelease(string release, bool kept)
    {
        const string profile = """{ "defaultAction": "SCMP_ACT_ALLOW", "syscalls": [ { "name": "mkdir", "action": "SCMP_ACT_ERRNO", "includes": { "minKernel": "4.8" } } ] }""";

        Assert.Equal(kept ? 1 : 0, SeccompProfiles.Parse(profile, [], release).Syscalls!.Count);
    }

    [Fact]
    public void Parse_NameGivenTwice_RefusedAsAnEngineError()
    {
        const string profile = """{ "defaultAction": "SCMP_ACT_ALLOW", "syscalls": [ { "names": ["mkdir"], "action": "SCMP_ACT_ERRNO", "includes": {}, "includes": { "caps": ["CAP_SYS_ADMIN"] } } ] }""";

        var e = Assert.Throws<EngineException>(() => SeccompProfiles.Parse(profile, [], "6.1.0"));

        Assert.StartsWith("seccomp profile", e.Message, StringComparison.Ordinal);
    }

    [RequiresRootFact]
    public void RunHelp_ShowsSecurityOpt()
    {
        Assert.Contains("--security-opt seccomp=PATH|unconfined", _h.Ok("run", "--help").Stdout);
    }
}
