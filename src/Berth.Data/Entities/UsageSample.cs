namespace Berth.Data.Entities;

/// <summary>What a container consumed over one sampling interval (a few seconds), kept until rolled up and retired.</summary>
public sealed class UsageSample
{
    public long Id { get; set; }

    public Guid ContainerId { get; set; }

    public Guid TeamId { get; set; }

    public Guid UserId { get; set; }

    /// <summary>The end of the interval.</summary>
    public DateTimeOffset Time { get; set; }

    public double IntervalSeconds { get; set; }

    public double CpuSeconds { get; set; }

    /// <summary>Mean memory working set over the interval.</summary>
    public long MemoryBytes { get; set; }

    public long Pids { get; set; }

    public long IoReadBytes { get; set; }

    public long IoWriteBytes { get; set; }
}
