namespace Berth.Data.Entities;

/// <summary>A container's consumption over one hour, with its team and user so that sums per team and user are one query.</summary>
public sealed class UsageRollup
{
    public Guid ContainerId { get; set; }

    /// <summary>The hour's start (UTC).</summary>
    public DateTimeOffset Hour { get; set; }

    public Guid TeamId { get; set; }

    public Guid UserId { get; set; }

    public double CpuSeconds { get; set; }

    /// <summary>Memory × time (byte-seconds): divide by 2^30 × 3600 for GB-hours.</summary>
    public double MemoryByteSeconds { get; set; }

    /// <summary>Seconds the container ran in the hour.</summary>
    public double ContainerSeconds { get; set; }

    public long IoReadBytes { get; set; }

    public long IoWriteBytes { get; set; }

    public long MaxMemoryBytes { get; set; }
}
