using System.Diagnostics;

namespace Berth.Cases.Tests;

/// <summary>Finds and runs the repository's test scripts (the case file, the VM stage).</summary>
internal static class Script
{
    /// <summary>The file at <paramref name="relative"/> in the repository that holds this test assembly.</summary>
    public static string Find(string relative)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, relative);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException($"no {relative} above {AppContext.BaseDirectory}");
    }

    /// <summary>
    /// Runs <paramref name="args"/> under <c>timeout SECONDS</c> (SIGTERM, so a script's EXIT trap still cleans
    /// up) with <paramref name="environment"/> added; returns its status and its output, stdout then stderr.
    /// </summary>
    public static (int Status, string Output) Run(int timeoutSeconds, IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var start = new ProcessStartInfo("timeout")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(timeoutSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture));
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("cannot start timeout");
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, stdout + stderr.Result);
    }
}
