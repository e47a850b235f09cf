using Berth.Testing;
using Xunit.Abstractions;

namespace Berth.Cases.Tests;

/// <summary>
/// The shared container cases of <c>tests/cases/container-cases.sh</c> on this host's cgroup backend (v1 or hybrid on
/// the development machines; the same cases run on cgroup v2 in the VM stage, tests/vm/stage.sh). Each case is a
/// test: it passes when the case exits 0, is skipped with the case's reason when it exits 77, and fails otherwise
/// with the case's output.
/// </summary>
[Collection(VmStageTests.Collection)]
public sealed class ContainerCaseTests(ITestOutputHelper output)
{
    /// <summary>A case that hangs is stopped (SIGTERM: its EXIT trap still deletes what it made) after this long.</summary>
    private const int CaseTimeoutSeconds = 170;

    /// <summary>The cases, as the case file lists them.</summary>
    public static TheoryData<string> Cases()
    {
        var data = new TheoryData<string>();
        foreach (var name in Sh("list").Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            data.Add(name);
        }

        return data;
    }

    [SkippableTheory]
    [MemberData(nameof(Cases))]
    public void Case_OnThisHostsCgroupBackend_Passes(string name)
    {
        Skip.IfNot(Privileges.IsRoot, Privileges.SkipReason);
        var (status, text) = Sh("run", name);
        output.WriteLine(text);
        var last = text.TrimEnd().Split('\n')[^1];
        Skip.If(status == 77, last.StartsWith("SKIP: ", StringComparison.Ordinal) ? last["SKIP: ".Length..] : last);
        Assert.True(status == 0, $"case {name} exited {status}:\n{text}");
    }

    /// <summary>Runs the case file under busybox sh (as the VM does) with BERTH set; returns its status and output.</summary>
    private static (int Status, string Output) Sh(params string[] args) =>
        Script.Run(CaseTimeoutSeconds, new Dictionary<string, string>
        {
            ["BERTH"] = BerthCli.LocateBinary(),
            ["CASES_TMP"] = Path.Combine(TestPaths.Root, "cases"),
        }, ["/bin/busybox", "sh", Script.Find("tests/cases/container-cases.sh"), .. args]);
}
