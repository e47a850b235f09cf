namespace Berth.Linux;

/// <summary>What <see cref="Processes.Spawn"/> starts: program, argv, environment and the descriptors the child gets.</summary>
public sealed class SpawnOptions
{
    /// <summary>
    /// Absolute path of the program, or <c>/proc/self/fd/N</c> to exec through descriptor N of the caller (such as a
    /// <see cref="SealedExecutable"/>), which the child then holds, open, just above its highest target.
    /// </summary>
    public required string Path { get; init; }

    /// <summary>argv, including argv[0].</summary>
    public required IReadOnlyList<string> Args { get; init; }

    /// <summary>The environment as <c>KEY=value</c> strings.</summary>
    public required IReadOnlyList<string> Env { get; init; }

    /// <summary>
    /// Descriptors of the parent to place at numbers in the child (source → target). The child gets these and
    /// stdio (0-2, unless mapped over); every other descriptor is closed, inherited close-on-exec or not.
    /// </summary>
    public IReadOnlyDictionary<int, int> Fds { get; init; } = new Dictionary<int, int>();

    /// <summary>Start the child in a new session (setsid), detached from the caller's terminal and process group.</summary>
    public bool NewSession { get; init; }
}
