namespace Berth.Testing;

/// <summary>What one run of the berth binary produced.</summary>
/// <param name="ExitCode">The process's exit code.</param>
/// <param name="Stdout">Everything it wrote to standard output.</param>
/// <param name="Stderr">Everything it wrote to standard error.</param>
public sealed record CliResult(int ExitCode, string Stdout, string Stderr)
{
    /// <summary>True when the exit code is 0.</summary>
    public bool Succeeded => ExitCode == 0;

    /// <summary>Exit code and both streams, for assertion messages.</summary>
    public override string ToString() => $"exit {ExitCode}\n--- stdout ---\n{Stdout}\n--- stderr ---\n{Stderr}";
}
