using System.Diagnostics;
using Berth.Testing;
using Xunit.Abstractions;

namespace Berth.Cases.Tests;

/// <summary>
/// The shared container cases of <c>tests/cases/container-cases.sh</c> on this host's cgroup backend (v1 or hybrid on
/// the development machines; the same cases run on cgroup v2 in the VM stage, tests/vm/stage.sh). Each case is a
/// test: it passes when the case exits 0, is skipped with the case's reason when it exits 77, and fails otherwise
/// with the case's output.
/// </summary>
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
    private static (int Status, string Output) Sh(params string[] args)
    {
        var start = new ProcessStartInfo("timeout")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in (string[])[CaseTimeoutSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture), "/bin/busybox", "sh", CaseFile(), .. args])
        {
            start.ArgumentList.Add(a);
        }

        start.Environment["BERTH"] = BerthCli.LocateBinary();
        start.Environment["CASES_TMP"] = Path.Combine(TestPaths.Root, "cases");
        using var process = Process.Start(start) ?? throw new InvalidOperationException("cannot start timeout");
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, stdout + stderr.Result);
    }

    private static string CaseFile()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "tests", "cases", "container-cases.sh");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException($"no tests/cases/container-cases.sh above {AppContext.BaseDirectory}");
    }
}
