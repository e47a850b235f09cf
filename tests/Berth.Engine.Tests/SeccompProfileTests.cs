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
    [InlineData("""{ "defaultAction": "SCMP_ACT_ALLOW", "archMap": [] }""", "archMap is not supported")]
    [InlineData("""{ "defaultAction": "SCMP_ACT_ALLOW", "syscalls": [ { "names": ["mkdir"], "action": "SCMP_ACT_ERRNO", "includes": { "caps": ["CAP_SYS_ADMIN"] } } ] }""", "syscalls[0].includes")]
    [InlineData("""{ "syscalls": [] }""", "defaultAction is required")]
    public void Run_BadProfile_IsRefusedBeforeAnythingIsMade(string profile, string message)
    {
        var result = _h.Run("run", "--rm", "--security-opt", "seccomp=" + ProfileFile(profile), "busybox", "true");

        Assert.Equal(125, result.ExitCode);
        Assert.Contains(message, result.Stderr);
        Assert.Empty(_h.ContainerDirs());
    }

    [RequiresRootFact]
    public void RunHelp_ShowsSecurityOpt()
    {
        Assert.Contains("--security-opt seccomp=PATH|unconfined", _h.Ok("run", "--help").Stdout);
    }
}
