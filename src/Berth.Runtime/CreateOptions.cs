namespace Berth.Runtime;

/// <summary>The options of <c>create</c> and <c>run</c>.</summary>
public sealed class CreateOptions
{
    public string Bundle { get; init; } = ".";
    public string? PidFile { get; init; }
    public string? ConsoleSocket { get; init; }
    public bool NoPivot { get; init; }
    public bool NoNewKeyring { get; init; }

    /// <summary>
    /// The pid of the process that called <c>create</c>, when it may want to reap the container's init itself
    /// (0: never). A caller that is a child subreaper, as conmon and containerd shims are, expects what runc
    /// gives it: the init reparented to it once <c>create</c> has exited, so that its waitpid sees the exit.
    /// The monitor then hands the init over and leaves; with any other caller it stays the init's parent. A caller
    /// that calls <see cref="ContainerRuntime.Create"/> in its own process and reaps the init itself (the engine's
    /// shim) passes its own pid: no monitor is started then, and the init is spawned as that process's own child.
    /// </summary>
    public int Caller { get; init; }
}
