namespace Berth.Data.Entities;

/// <summary>Something that happened to a container (start, die, oom, health, restart…), from its node or the control plane.</summary>
public sealed class ContainerEvent
{
    public long Id { get; set; }

    public Guid? ContainerId { get; set; }

    public Guid? TeamId { get; set; }

    public DateTimeOffset Time { get; set; } = DateTimeOffset.UtcNow;

    public required string Action { get; set; }

    public string? Detail { get; set; }

    public Guid? ActorId { get; set; }
}
