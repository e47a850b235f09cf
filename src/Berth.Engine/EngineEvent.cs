namespace Berth.Engine;

/// <summary>
/// One lifecycle event: <c>create</c>, <c>start</c>, <c>die</c> (with its exit code), <c>oom</c>, <c>stop</c>,
/// <c>kill</c>, <c>kill-process</c> (one process of it, with <see cref="Pid"/> and <see cref="Signal"/>), <c>exec</c>,
/// <c>restart</c>, <c>destroy</c> of a container, or <c>pull</c>, <c>load</c>, <c>tag</c>,
/// <c>untag</c>, <c>delete</c> of an image.
/// </summary>
public sealed record EngineEvent
{
    /// <summary>Position in the event log (1, 2, …), for consumers that resume where they stopped.</summary>
    public long Sequence { get; init; }

    public DateTimeOffset Time { get; init; }

    /// <summary><c>container</c> or <c>image</c>.</summary>
    public required string Type { get; init; }

    public required string Action { get; init; }

    /// <summary>The container id or the image reference.</summary>
    public required string Subject { get; init; }

    /// <summary>The container's name, when it is about a container.</summary>
    public string? Name { get; init; }

    /// <summary>The exit code of a <c>die</c>.</summary>
    public int? ExitCode { get; init; }

    /// <summary>The host pid a <c>kill-process</c> signalled.</summary>
    public int? Pid { get; init; }

    /// <summary>The signal number of a <c>kill-process</c>.</summary>
    public int? Signal { get; init; }

    /// <summary>The image a container runs, or the digest of an image.</summary>
    public string? Image { get; init; }
}
