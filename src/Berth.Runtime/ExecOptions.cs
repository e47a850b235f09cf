namespace Berth.Runtime;

/// <summary>The options of <c>exec</c> besides the process itself.</summary>
public sealed class ExecOptions
{
    public bool Detach { get; init; }
    public string? PidFile { get; init; }
    public string? ConsoleSocket { get; init; }
}
