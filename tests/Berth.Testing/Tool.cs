using System.Diagnostics;

namespace Berth.Testing;

/// <summary>Runs the reference tools tests use (skopeo, htpasswd) and returns what they print.</summary>
public static class Tool
{
    /// <summary>Runs <paramref name="file"/> with <paramref name="args"/> to its end; returns its standard output.</summary>
    /// <exception cref="InvalidOperationException">It cannot be started, or exits with a status other than 0 (its standard error is in the message).</exception>
    public static string Run(string file, params string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) start.ArgumentList.Add(a);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"cannot start {file}");
        // Both pipes are drained at once: a tool that fills one while the other is read would block forever.
        var stderr = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0) throw new InvalidOperationException($"{file} {string.Join(' ', args)} exited {process.ExitCode}: {stderr.Result}{output}");
        return output;
    }
}
