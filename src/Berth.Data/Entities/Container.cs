namespace Berth.Data.Entities;

/// <summary>A container the control plane manages: its definition, owner and node, what is wanted of it and what was last seen.</summary>
public sealed class Container
{
    public Guid Id { get; set; } = Guid.CreateVersion7();

    public required string Name { get; set; }

    public Guid TeamId { get; set; }

    public Team? Team { get; set; }

    public Guid OwnerId { get; set; }

    public User? Owner { get; set; }

    public required string NodeId { get; set; }

    public Guid? TemplateId { get; set; }

    public required ContainerSpec Spec { get; set; }

    public DesiredState Desired { get; set; }

    /// <summary>One of <see cref="ContainerState"/>'s values.</summary>
    public string State { get; set; } = ContainerState.Pending;

    /// <summary>The engine's id of the container on its node, once made.</summary>
    public string? EngineId { get; set; }

    public int? LastExitCode { get; set; }

    public string? LastError { get; set; }

    public int RestartCount { get; set; }

    /// <summary>Why the control plane is stopping it (<c>stopped</c>, <c>ttl</c>, <c>idle</c>, <c>unhealthy</c>, <c>restart</c>); the run that ends takes it as its reason.</summary>
    public string? StopReason { get; set; }

    /// <summary><c>healthy</c>, <c>unhealthy</c> or <c>starting</c>, when a health check is set.</summary>
    public string? Health { get; set; }

    public DateTimeOffset CreatedAt { get; set; } = DateTimeOffset.UtcNow;

    public DateTimeOffset UpdatedAt { get; set; } = DateTimeOffset.UtcNow;

    public DateTimeOffset? StartedAt { get; set; }

    public DateTimeOffset? FinishedAt { get; set; }

    /// <summary>When its time to live ends (set at each start from <see cref="ContainerSpec.TtlSeconds"/>).</summary>
    public DateTimeOffset? ExpiresAt { get; set; }

    public DateTimeOffset? RemovedAt { get; set; }

    /// <summary>Concurrency token (PostgreSQL's xmin): a worker and a user acting at once cannot both win.</summary>
    public uint Version { get; set; }
}
