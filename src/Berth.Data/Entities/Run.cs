namespace Berth.Data.Entities;

/// <summary>One start-to-exit of a container: when, how it ended, and who started it.</summary>
public sealed class Run
{
    public Guid Id { get; set; } = Guid.CreateVersion7();

    public Guid ContainerId { get; set; }

    public Guid TeamId { get; set; }

    /// <summary>Who asked for this start; null for a restart by policy or by the supervisor.</summary>
    public Guid? StartedById { get; set; }

    public required string Image { get; set; }

    public DateTimeOffset StartedAt { get; set; }

    public DateTimeOffset? EndedAt { get; set; }

    public int? ExitCode { get; set; }

    /// <summary>The signal that ended the process, when one did (exit codes above 128).</summary>
    public int? Signal { get; set; }

    public bool OomKilled { get; set; }

    /// <summary>Why it ended: <c>exited</c>, <c>stopped</c>, <c>oom</c>, <c>ttl</c>, <c>idle</c>, <c>unhealthy</c>, <c>lost</c>…</summary>
    public string? Reason { get; set; }
}
