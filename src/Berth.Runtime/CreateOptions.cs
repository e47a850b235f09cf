namespace Berth.Runtime;

/// <summary>The options of <c>create</c> and <c>run</c>.</summary>
public sealed class CreateOptions
{
    public string Bundle { get; init; } = ".";
    public string? PidFile { get; init; }
    public string? ConsoleSocket { get; init; }
    public bool NoPivot { get; init; }
    public bool NoNewKeyring { get; init; }
}
