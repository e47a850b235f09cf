using Berth.Testing;
using Xunit.Abstractions;

namespace Berth.Cases.Tests;

/// <summary>
/// The cgroup v2 VM stage (tests/vm/stage.sh) fails loudly, never passing silently, when the guest goes wrong: its
/// test-only BERTH_VM_FAULT knob makes the guest driver die by SIGKILL after its first case, or the kernel find no
/// init. Each boots a small VM (one case, or none); the stage itself runs every case after the test projects.
/// Runs in the cases' collection, so the VM never competes with them for the CPUs.
/// </summary>
[Collection(Collection)]
public sealed class VmStageTests(ITestOutputHelper output) : IDisposable
{
    /// <summary>The collection of the tests that run containers or VMs, one at a time.</summary>
    public const string Collection = "containers and VMs";

    /// <summary>The stage's exit status for "the VM did not boot or its driver died".</summary>
    private const int Broken = 2;

    /// <summary>The stage's exit status for "QEMU cannot run on this host".</summary>
    private const int CannotRun = 3;

    private readonly string outDir = TestPaths.NewDirectory("vm-stage");

    public void Dispose() => TestPaths.DeleteDirectory(outDir);

    [SkippableFact]
    public void Stage_GuestDriverDiesMidRun_FailsLoudly()
    {
        var (status, text) = Stage("driver-crash", "exit_status", "exit_detection");

        Assert.True(status == Broken, $"stage exited {status}, expected {Broken}:\n{text}");
        Assert.Contains("vm stage FAILED: the guest driver failed (BERTH-VM-DONE rc=137", text);
        Assert.Contains("problem=FAILED: the guest driver failed", File.ReadAllText(Path.Join(outDir, "summary")));
        // It died mid-run: the first case ran and passed, the second never started.
        var results = File.ReadAllText(Path.Join(outDir, "results"));
        Assert.Contains("RESULT exit_status pass", results);
        Assert.DoesNotContain("exit_detection", results);
    }

    [SkippableFact]
    public void Stage_KernelFindsNoInit_FailsLoudly()
    {
        var (status, text) = Stage("no-boot");

        Assert.True(status == Broken, $"stage exited {status}, expected {Broken}:\n{text}");
        Assert.Contains("vm stage FAILED: the VM did not finish (no BERTH-VM-DONE line", text);
        Assert.Contains("problem=FAILED: the VM did not finish", File.ReadAllText(Path.Join(outDir, "summary")));
        Assert.False(File.Exists(Path.Join(outDir, "results")));
    }

    /// <summary>Runs the stage with BERTH_VM_FAULT=<paramref name="fault"/>; skips where QEMU cannot run.</summary>
    private (int Status, string Output) Stage(string fault, params string[] cases)
    {
        Skip.IfNot(Privileges.IsRoot, Privileges.SkipReason);
        // The stage's own QEMU deadline comes well before this test's: a guest that hangs is then killed by the
        // stage, which prints the console's tail, instead of by the test runner, which prints nothing of it. An
        // emulated guest (no KVM) on a host busy with other tests can stall for minutes, so both are generous.
        var result = Script.Run(600, new Dictionary<string, string>
        {
            ["BERTH_BINARY"] = BerthCli.LocateBinary(),
            ["BERTH_VM_OUT"] = outDir,
            ["BERTH_VM_FAULT"] = fault,
            ["BERTH_VM_TIMEOUT"] = "420",
        }, [Script.Find("tests/vm/stage.sh"), .. cases]);
        output.WriteLine(result.Output);
        Skip.If(result.Status == CannotRun, $"the VM stage cannot run here: {result.Output.Trim().Split('\n')[^1]}");
        return result;
    }
}
