using System.Diagnostics;
using Berth.Testing;

namespace Berth.Engine.Tests.Escape;

/// <summary>
/// The escape suite's probe (escape-probe.c beside this file), built once per test run as a static binary with the
/// host's C compiler: <see cref="Dir"/> holds it as <c>escape-probe</c> (bind it into a container), and
/// <see cref="SetuidDir"/> a copy owned by root with the set-user-id bit.
/// </summary>
internal static class EscapeProbe
{
    private static readonly Lazy<(string Dir, string SetuidDir)> Built = new(Build, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The folder holding <c>escape-probe</c>.</summary>
    public static string Dir => Built.Value.Dir;

    /// <summary>The folder holding a set-user-id root copy of <c>escape-probe</c>.</summary>
    public static string SetuidDir => Built.Value.SetuidDir;

    private static (string, string) Build()
    {
        var source = Path.Combine(AppContext.BaseDirectory, "Escape", "escape-probe.c");
        var dir = TestPaths.NewDirectory("escape-probe");
        var setuid = TestPaths.NewDirectory("escape-probe-suid");
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            TestPaths.DeleteDirectory(dir);
            TestPaths.DeleteDirectory(setuid);
        };
        var binary = Path.Combine(dir, "escape-probe");
        using (var cc = Process.Start(new ProcessStartInfo("cc", ["-static", "-O1", "-o", binary, source]) { RedirectStandardError = true })!)
        {
            var errors = cc.StandardError.ReadToEnd();
            cc.WaitForExit();
            if (cc.ExitCode != 0) throw new InvalidOperationException($"cc could not build the escape probe (a C compiler and libc6-dev are needed): {errors}");
        }
        var copy = Path.Combine(setuid, "escape-probe");
        File.Copy(binary, copy);
        File.SetUnixFileMode(copy, (UnixFileMode)0x9ED /* 04755 */);
        return (dir, setuid);
    }
}
