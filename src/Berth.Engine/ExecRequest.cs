namespace Berth.Engine;

/// <summary>How to run a command in a running container (<c>berth exec</c>'s flags).</summary>
public sealed class ExecRequest
{
    public bool Tty { get; init; }

    public bool Detach { get; init; }

    /// <summary>The user; null for the container's.</summary>
    public string? User { get; init; }

    /// <summary>The working directory; null for the container's.</summary>
    public string? WorkingDir { get; init; }

    /// <summary><c>KEY=value</c> entries added to the container's environment.</summary>
    public IReadOnlyList<string> Env { get; init; } = [];
}
