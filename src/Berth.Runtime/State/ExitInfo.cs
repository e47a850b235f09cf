namespace Berth.Runtime.State;

/// <summary>How the container's init ended: its exit code, or the signal that killed it, and whether the OOM killer fired.</summary>
public sealed class ExitInfo
{
    /// <summary>The exit code as a shell reports it (128 + signal when killed).</summary>
    public int ExitCode { get; set; }
    /// <summary>The killing signal's name, such as <c>SIGKILL</c>, when killed by one.</summary>
    public string? Signal { get; set; }
    /// <summary>Whether the OOM killer killed a process of the container.</summary>
    public bool OomKilled { get; set; }
    public DateTimeOffset Finished { get; set; }
}
